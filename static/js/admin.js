// The admin console's shell: the navigation drawer on narrow screens, and confirmations
// for the buttons that change an account or a channel (data-confirm).

const app = document.getElementById("app");
const openButton = document.getElementById("nav-open");
const scrim = document.getElementById("scrim");

function setOpen(open) {
  app.classList.toggle("nav-open", open);
  scrim.hidden = !open;
  openButton.setAttribute("aria-expanded", String(open));
}

openButton.addEventListener("click", () => setOpen(true));
document.getElementById("nav-close").addEventListener("click", () => setOpen(false));
scrim.addEventListener("click", () => setOpen(false));
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && app.classList.contains("nav-open")) setOpen(false);
});

document.addEventListener("submit", (event) => {
  const button = event.submitter;
  const question = button?.dataset.confirm ?? event.target.dataset.confirm;
  if (question && !window.confirm(question)) event.preventDefault();
});
