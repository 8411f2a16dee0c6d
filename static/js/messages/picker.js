// The small reaction picker: eight common emoji, opened from a message's toolbar or from
// the "add reaction" chip; arrow keys move, Enter picks, Escape closes.

import { h } from "../dom.js";
import { EMOJI } from "./render.js";

let open = null; // {menu, button}

export function closePicker({ restoreFocus = false } = {}) {
  if (!open) return;
  const { menu, button } = open;
  open = null;
  menu.remove();
  button.setAttribute("aria-expanded", "false");
  button.closest(".msg")?.classList.remove("msg--picking");
  if (restoreFocus) button.focus();
}

export function openPicker(button, onPick) {
  const again = open?.button === button;
  closePicker();
  if (again) return; // a second click on the same button closes it
  const menu = h("div", { class: "picker", role: "menu", "aria-label": "Pick a reaction" },
    EMOJI.map(([emoji, name]) => h("button", {
      class: "picker-emoji", type: "button", role: "menuitem", "aria-label": name, title: name,
      dataset: { emoji }, text: emoji,
    })));
  menu.addEventListener("click", (event) => {
    const choice = event.target.closest("[data-emoji]");
    if (!choice) return;
    closePicker({ restoreFocus: true });
    onPick(choice.dataset.emoji);
  });
  menu.addEventListener("keydown", (event) => onKey(event, menu));
  // Inside the message, so CSS positions it against the button without inline styles.
  button.parentElement.append(menu);
  button.setAttribute("aria-expanded", "true");
  button.closest(".msg")?.classList.add("msg--picking");
  open = { menu, button };
  menu.querySelector("button").focus();
}

function onKey(event, menu) {
  const items = [...menu.querySelectorAll("button")];
  const at = items.indexOf(document.activeElement);
  const moves = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 };
  if (event.key in moves) {
    event.preventDefault();
    items[(at + moves[event.key] + items.length) % items.length].focus();
  } else if (event.key === "Escape") {
    event.preventDefault();
    event.stopPropagation();
    closePicker({ restoreFocus: true });
  } else if (event.key === "Tab") {
    closePicker();
  }
}

document.addEventListener("pointerdown", (event) => {
  if (open && !open.menu.contains(event.target) && !open.button.contains(event.target)) closePicker();
});
