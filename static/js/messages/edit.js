// Inline editing of one's own message: Enter saves, Shift+Enter adds a line, Escape cancels.

import { patch } from "../api.js";
import { h } from "../dom.js";
import { askOverrideReason } from "../phi.js";
import { bodyOf } from "./render.js";

export function startEdit(entry, list, { onDone = () => {} } = {}) {
  const { el } = entry;
  if (el.classList.contains("msg--editing")) {
    el.querySelector(".edit-input")?.focus();
    return;
  }
  const body = bodyOf(el);
  const saved = [...body.childNodes];
  const input = h("textarea", { class: "edit-input", rows: "2", maxlength: "10000",
    "aria-label": "Edit message", "aria-describedby": `edit-hint-${entry.msg.id}` });
  input.value = entry.msg.body; // the Markdown source, as text
  const error = h("p", { class: "form-error", role: "alert", hidden: true });
  const save = h("button", { class: "btn btn--primary btn--small", type: "submit", text: "Save" });
  const cancel = h("button", { class: "btn btn--small", type: "button", text: "Cancel" });
  const form = h("form", { class: "edit-form" }, input, error,
    h("div", { class: "edit-foot" },
      h("span", { class: "field-hint", id: `edit-hint-${entry.msg.id}`,
        text: "Enter to save · Shift+Enter for a new line · Esc to cancel" }),
      cancel, save));
  el.classList.add("msg--editing");
  body.replaceChildren(form);
  input.focus();
  input.setSelectionRange(input.value.length, input.value.length);
  el.scrollIntoView({ block: "nearest" });

  const finish = () => {
    el.classList.remove("msg--editing");
    body.replaceChildren(...saved);
    const latest = list.entries.get(entry.msg.id);
    if (latest) list.upsert(latest.msg); // show edits that arrived meanwhile
    onDone();
  };

  const submit = async () => {
    const text = input.value;
    if (!text.trim()) {
      error.textContent = "A message needs some text; to remove it, use Delete.";
      error.hidden = false;
      return;
    }
    if (text === entry.msg.body) return finish();
    save.disabled = true;
    let change = { body: text };
    for (;;) {
      try {
        const { message } = await patch(`/messages/${entry.msg.id}`, change);
        const current = list.entries.get(message.id);
        if (current) current.msg = message;
        finish();
        return;
      } catch (err) {
        // The PHI guard: under "confirm" a reason sends it anyway; otherwise say why not.
        const reason = err.code === "possible_phi" && err.details?.policy !== "block"
          && !change.phi_override_reason ? await askOverrideReason(err.details.findings ?? []) : null;
        if (reason) {
          change = { body: text, phi_override_reason: reason };
          continue;
        }
        error.textContent = err.message;
        error.hidden = false;
        save.disabled = false;
        input.focus();
        return;
      }
    }
  };

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submit();
  });
  cancel.addEventListener("click", finish);
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submit();
    } else if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      finish();
    }
  });
}
