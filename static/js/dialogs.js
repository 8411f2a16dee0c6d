// Native <dialog>s: they trap focus, close on Escape and return focus to what opened them.

import { get } from "./api.js";
import { h } from "./dom.js";
import { fullTime } from "./format.js";
import { toastError } from "./toast.js";

for (const dialog of document.querySelectorAll("dialog")) {
  dialog.addEventListener("click", (event) => {
    if (event.target.closest("[data-close]")) dialog.close("cancel");
    // A click on the backdrop lands on the dialog element itself.
    else if (event.target === dialog) dialog.close("cancel");
  });
}

export function openDialog(id) {
  const dialog = document.getElementById(id);
  if (!dialog.open) dialog.showModal();
  return dialog;
}

/** Ask before something that cannot be undone; resolves true when confirmed. */
export function confirmDialog({ title, text, confirm }) {
  const dialog = document.getElementById("confirm-dialog");
  document.getElementById("confirm-heading").textContent = title;
  document.getElementById("confirm-text").textContent = text;
  document.getElementById("confirm-ok").textContent = confirm;
  dialog.returnValue = "";
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
  });
}

/** The earlier versions of a message, newest first, as plain text. */
export async function showEdits(msg) {
  let edits;
  try {
    ({ edits } = await get(`/messages/${msg.id}/edits`));
  } catch (err) {
    toastError(err);
    return;
  }
  const versions = [
    { label: `Current · edited ${fullTime(msg.edited_at)}`, body: msg.body },
    ...edits.slice().reverse().map((e, i, all) => ({
      label: i === all.length - 1 ? `Original · posted ${fullTime(msg.created_at)}`
        : `Earlier version · replaced ${fullTime(e.replaced_at)}`,
      body: e.body,
    })),
  ];
  document.getElementById("edit-list").replaceChildren(...versions.map((v) =>
    h("li", { class: "edit-version" }, h("p", { class: "edit-label", text: v.label }),
      h("p", { class: "edit-body", text: v.body }))));
  openDialog("edits-dialog");
}
