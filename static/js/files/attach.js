// Files in the composer: paste a screenshot (Ctrl/Cmd+V), drop files, or use the paperclip.
// Each file uploads at once into a tray above the box, with progress and a cancel button;
// the message carries the ids of those that finished. A file the PHI guard refuses stays in
// the tray with the guard's explanation (and, where policy allows, "Share anyway").

import { h, icon } from "../dom.js";
import { askOverrideReason } from "../phi.js";
import { uploadFile } from "./upload.js";

export class Attachments {
  /** composer: a Composer (for its form, input and target()) */
  constructor(composer) {
    this.composer = composer;
    this.items = [];
    const form = composer.form;
    this.tray = form.querySelector(".attach-tray");
    this.picker = form.querySelector(".attach-input");
    form.querySelector(".attach-btn")?.addEventListener("click", () => this.picker.click());
    this.picker?.addEventListener("change", () => {
      this.add([...this.picker.files]);
      this.picker.value = "";
    });
    composer.input.addEventListener("paste", (event) => {
      const files = [...(event.clipboardData?.files ?? [])];
      if (!files.length) return;
      event.preventDefault(); // a screenshot is pasted as a file, not as text
      this.add(files);
    });
    form.addEventListener("dragover", (event) => {
      if (![...(event.dataTransfer?.types ?? [])].includes("Files")) return;
      event.preventDefault();
      form.classList.add("composer--drop");
    });
    form.addEventListener("dragleave", () => form.classList.remove("composer--drop"));
    form.addEventListener("drop", (event) => {
      form.classList.remove("composer--drop");
      const files = [...(event.dataTransfer?.files ?? [])];
      if (!files.length) return;
      event.preventDefault();
      this.add(files);
    });
  }

  add(files) {
    const where = this.composer.target();
    if (!where) return;
    for (const file of files) this.#start(where.channel, file, null);
  }

  #start(channel, file, reason, item = null) {
    const bar = h("span", { class: "attach-bar" });
    const status = h("span", { class: "attach-status", text: "Checking…" });
    const cancel = h("button", { class: "icon-btn icon-btn--small attach-cancel", type: "button",
      "aria-label": `Remove ${file.name || "pasted picture"}`, title: "Cancel or remove" }, icon("close"));
    const el = h("li", { class: "attach-item attach-item--busy" },
      h("span", { class: "attach-name", text: file.name || "pasted picture" }),
      h("span", { class: "attach-progress" }, bar), status, cancel);
    const entry = item ?? { file: null };
    Object.assign(entry, { el, channel, uploaded: null, cancel: null });
    if (item) item.el.replaceWith(el);
    else {
      this.items.push(entry);
      this.tray.append(el);
    }
    this.tray.hidden = false;
    const upload = uploadFile(channel, file, { reason, onProgress: (fraction) => {
      bar.style.width = `${Math.round(fraction * 100)}%`;
      if (fraction >= 1) status.textContent = "Reading it for patient information…";
    } });
    entry.cancel = upload.cancel;
    cancel.addEventListener("click", () => this.#remove(entry));
    upload.done.then((stored) => {
      entry.uploaded = stored;
      el.classList.remove("attach-item--busy");
      el.classList.add("attach-item--ready");
      status.textContent = "Ready to send";
      if (stored.thumbnail_url) {
        el.prepend(h("img", { class: "attach-thumb", src: stored.thumbnail_url, alt: "" }));
      }
    }, (err) => this.#refused(entry, file, err, status));
  }

  async #refused(entry, file, err, status) {
    if (err.code === "cancelled") return;
    entry.el.classList.remove("attach-item--busy");
    entry.el.classList.add("attach-item--refused");
    status.textContent = err.message;
    status.setAttribute("role", "alert");
    const policy = err.details?.policy;
    const askable = (err.code === "possible_phi" && policy !== "block") || err.code === "unreadable_file";
    if (!askable) return;
    const again = h("button", { class: "link-btn attach-anyway", type: "button", text: "Share anyway…" });
    status.after(again);
    again.addEventListener("click", async () => {
      const reason = await askOverrideReason(err.details?.findings ?? []);
      if (reason) this.#start(entry.channel, file, reason, entry);
    });
  }

  #remove(entry) {
    entry.cancel?.();
    entry.el.remove();
    this.items = this.items.filter((e) => e !== entry);
    this.tray.hidden = this.items.length === 0;
  }

  /** True while an upload is still running (the message waits for it). */
  busy() {
    return this.items.some((e) => e.el.classList.contains("attach-item--busy"));
  }

  /** The uploaded files to send with the next message; clears the tray. */
  take() {
    const ready = this.items.filter((e) => e.uploaded).map((e) => e.uploaded);
    for (const e of this.items.filter((x) => x.uploaded)) e.el.remove();
    this.items = this.items.filter((e) => !e.uploaded);
    this.tray.hidden = this.items.length === 0;
    return ready;
  }
}
