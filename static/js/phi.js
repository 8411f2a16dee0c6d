// The PHI guard in the composer. As the author types, a debounced scan asks the server
// what looks like patient information; the spans are highlighted in a backdrop layer
// behind the (transparent) textarea and named under it. On send the server decides: under
// "confirm" the author may give a reason and send anyway, under "block" they must edit.

import { post } from "./api.js";
import { h } from "./dom.js";

const SCAN_AFTER_MS = 400;
export const PHI_LABELS = {
  mrn: "medical record number",
  ssn: "social security number",
  dob: "date of birth",
  phone: "phone or fax number",
  email: "e-mail address",
  address: "street address",
  name: "patient name",
  account_id: "insurance, account or member id",
  accession: "specimen accession number",
};

export function kindsOf(findings) {
  return [...new Set(findings.map((f) => PHI_LABELS[f.kind] ?? f.kind))].join(", ");
}

export class PhiGuard {
  /** composer: {form, input, target()} */
  constructor(composer) {
    this.composer = composer;
    this.findings = [];
    this.policy = "confirm";
    this.seq = 0;
    const input = composer.input;
    // The textarea and its backdrop share one box, so the marks sit under the letters.
    this.backdrop = h("div", { class: "phi-backdrop", "aria-hidden": "true" });
    const field = h("div", { class: "phi-field" });
    input.replaceWith(field);
    field.append(this.backdrop, input);
    this.note = h("p", { class: "phi-note", id: `${input.id}-phi`, role: "status", hidden: true });
    composer.form.querySelector(".composer-foot").before(this.note);
    input.setAttribute("aria-describedby", `${input.getAttribute("aria-describedby") ?? ""} ${this.note.id}`.trim());
    input.addEventListener("input", () => this.schedule());
    input.addEventListener("scroll", () => { this.backdrop.scrollTop = input.scrollTop; });
  }

  schedule() {
    clearTimeout(this.timer);
    if (!this.composer.input.value.trim()) {
      this.seq += 1;
      this.show([], "");
      return;
    }
    this.timer = setTimeout(() => this.scan(), SCAN_AFTER_MS);
  }

  async scan() {
    const text = this.composer.input.value;
    const seq = ++this.seq;
    const where = this.composer.target();
    try {
      const result = await post("/phi/scan", where ? { text, channel: where.channel } : { text });
      if (seq !== this.seq || text !== this.composer.input.value) return; // typed on since
      this.policy = result.policy;
      this.show(result.findings, text);
    } catch {
      // Rate limited or offline: the server checks again on send, so stay quiet.
    }
  }

  show(findings, text) {
    this.findings = findings;
    const parts = [];
    let at = 0;
    for (const f of findings) {
      parts.push(text.slice(at, f.start),
        h("mark", { class: "phi-mark", title: PHI_LABELS[f.kind] }, text.slice(f.start, f.end)));
      at = f.end;
    }
    parts.push(`${text.slice(at)}\n`); // a trailing newline keeps the last line's height
    this.backdrop.replaceChildren(...parts);
    this.backdrop.scrollTop = this.composer.input.scrollTop;
    this.composer.form.classList.toggle("composer--phi", findings.length > 0);
    this.note.hidden = findings.length === 0;
    if (findings.length) {
      this.note.textContent = `Looks like patient information: ${kindsOf(findings)}. ` + (this.policy === "block"
        ? "This channel does not accept it; remove it before sending."
        : "Remove it, or say why it is not when you send.");
    }
  }
}

const dialogs = new Map();

/** Ask why flagged text is not patient information; resolves with the reason or null. */
export function askOverrideReason(findings) {
  return askReason({
    id: "phi-override",
    title: "Possible patient information",
    text: `PhysNet found what looks like: ${kindsOf(findings)}. If it is not patient information, `
      + "say why and send it; your reason is kept in the audit log.",
    label: "Why is this not patient information?",
    placeholder: "For example: not a patient, this is a test order number",
    cancel: "Edit message",
    confirm: "Send anyway",
    required: true,
  });
}

/** A dialog with one reason field; resolves with the text (maybe empty) or null if cancelled. */
export function askReason(spec) {
  const dialog = dialogs.get(spec.id) ?? buildDialog(spec);
  dialogs.set(spec.id, dialog);
  dialog.querySelector(".reason-text").textContent = spec.text;
  const reason = dialog.querySelector("textarea");
  reason.value = "";
  dialog.returnValue = "";
  dialog.showModal();
  reason.focus();
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => {
      resolve(dialog.returnValue === "ok" ? reason.value.trim() : null);
    }, { once: true });
  });
}

function buildDialog({ id, title, label, placeholder, cancel, confirm, required }) {
  const reason = h("textarea", { id: `${id}-reason`, rows: "3", maxlength: "500", required, placeholder });
  const form = h("form", { class: "dialog-form", method: "dialog" },
    h("header", { class: "dialog-head" }, h("h2", { id: `${id}-title`, text: title })),
    h("div", { class: "dialog-body" },
      h("p", { class: "reason-text" }),
      h("div", { class: "field" }, h("label", { for: reason.id, text: label }), reason)),
    h("footer", { class: "dialog-foot" },
      h("button", { class: "btn", type: "submit", value: "cancel", formnovalidate: true, text: cancel }),
      h("button", { class: "btn btn--primary", type: "submit", value: "ok", text: confirm })));
  const node = h("dialog", { class: "dialog reason-dialog", id, "aria-labelledby": `${id}-title` }, form);
  node.addEventListener("click", (event) => {
    if (event.target === node) node.close("cancel"); // a click on the backdrop
  });
  document.body.append(node);
  return node;
}
