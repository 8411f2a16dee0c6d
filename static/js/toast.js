// Feedback for the person: toasts for outcomes and errors, and a polite live region that
// reads new messages aloud to screen-reader users without stealing focus.

import { h, icon } from "./dom.js";

const MAX_ANNOUNCEMENTS = 5;

export function toast(message, { kind = "info", timeout = 6000 } = {}) {
  const box = document.getElementById("toasts");
  const close = h("button", { class: "icon-btn icon-btn--small", type: "button", "aria-label": "Dismiss" },
    icon("close"));
  const item = h("div", { class: `toast toast--${kind}`, role: kind === "error" ? "alert" : "status" },
    icon(kind === "error" ? "alert" : "check"), h("span", { class: "toast-text", text: message }), close);
  close.addEventListener("click", () => item.remove());
  box.append(item);
  // Errors stay longer: a busy reader may look away; they can always dismiss them.
  setTimeout(() => item.remove(), kind === "error" ? timeout * 2 : timeout);
  return item;
}

export const toastError = (error) => toast(error?.message || String(error), { kind: "error" });

export function announce(text) {
  const region = document.getElementById("announcer");
  region.append(h("p", { text }));
  while (region.childElementCount > MAX_ANNOUNCEMENTS) region.firstElementChild.remove();
}
