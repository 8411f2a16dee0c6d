// "Promote to tip" from a message's action menu: a dialog for the title, tags and whether to
// take the whole thread; the body defaults to the conversation's text with its authors.

import { post } from "../api.js";
import { h, icon } from "../dom.js";
import { askOverrideReason } from "../phi.js";
import { toast } from "../toast.js";
import { parseTags, tipUrl } from "./common.js";

let dialog = null;
let current = null;

function field(id, label, input, hint) {
  return h("div", { class: "field" }, h("label", { for: id }, ...label), input,
    hint ? h("p", { class: "field-hint", id: `${id}-hint`, text: hint }) : null);
}

function build() {
  const title = h("input", { id: "pt-title", maxlength: "200", required: true, autocomplete: "off" });
  const tags = h("input", { id: "pt-tags", autocomplete: "off", spellcheck: "false",
    "aria-describedby": "pt-tags-hint", placeholder: "e.g. epic-in-basket, order-sets" });
  const thread = h("input", { type: "checkbox", id: "pt-thread" });
  const error = h("p", { class: "form-error", id: "pt-error", role: "alert", hidden: true });
  const form = h("form", { class: "dialog-form", novalidate: true },
    h("header", { class: "dialog-head" }, h("h2", { id: "pt-heading", text: "Promote to tip" }),
      h("button", { class: "icon-btn", type: "button", "aria-label": "Close", dataset: { close: "" } }, icon("close"))),
    h("div", { class: "dialog-body" },
      h("p", { class: "muted", text: "A tip keeps a helpful answer easy to find, with a link back to this conversation." }),
      field("pt-title", ["Title"], title),
      field("pt-tags", ["Tags ", h("span", { class: "optional", text: "(optional)" })], tags,
        "EHR system, module and topic, separated by commas or spaces."),
      h("label", { class: "check", id: "pt-thread-label" }, thread,
        h("span", {}, h("strong", { text: "Whole thread" }), " — include every reply, not just this message.")),
      error),
    h("footer", { class: "dialog-foot" },
      h("button", { class: "btn", type: "button", dataset: { close: "" }, text: "Cancel" }),
      h("button", { class: "btn btn--primary", type: "submit", text: "Promote to tip" })));
  dialog = h("dialog", { class: "dialog", id: "promote-dialog", "aria-labelledby": "pt-heading" }, form);
  dialog.addEventListener("click", (event) => {
    if (event.target.closest("[data-close]") || event.target === dialog) dialog.close("cancel");
  });
  form.addEventListener("submit", (event) => submit(event, { title, tags, thread, error, form }));
  document.body.append(dialog);
}

/** Open the dialog for `msg` (a message object of the API). */
export function openPromote(msg, { urls }) {
  if (!dialog) build();
  current = { msg, urls };
  dialog.querySelector("form").reset();
  dialog.querySelector("#pt-error").hidden = true;
  // A thread exists when the message is a reply or has replies.
  dialog.querySelector("#pt-thread-label").hidden = !(msg.thread_id || msg.reply_count);
  dialog.showModal();
  dialog.querySelector("#pt-title").focus();
}

async function submit(event, { title, tags, thread, error, form }) {
  event.preventDefault();
  const button = form.querySelector('[type="submit"]');
  button.disabled = true;
  error.hidden = true;
  const fields = { title: title.value, tags: parseTags(tags.value), thread: thread.checked };
  try {
    const { tip } = await promote(fields);
    if (!tip) return; // the author chose to edit instead of overriding the PHI guard
    dialog.close();
    const note = toast(`Tip “${tip.title}” created.`);
    note.querySelector(".toast-text").append(" ",
      h("a", { href: tipUrl(current.urls, tip.id), text: "Open the tip" }));
  } catch (err) {
    error.textContent = err.message; // the server's sentence, next to the fields to fix
    error.hidden = false;
    (err.code?.includes("tag") ? tags : title).focus();
  } finally {
    button.disabled = false;
  }
}

/** Promote; if the PHI guard asks for a reason (policy "confirm"), ask once and resend. */
async function promote(fields) {
  const path = `/messages/${current.msg.id}/promote`;
  try {
    return await post(path, fields);
  } catch (err) {
    if (err.code !== "possible_phi" || err.details.policy !== "confirm") throw err;
    const reason = await askOverrideReason(err.details.findings ?? []);
    if (!reason) return {};
    return post(path, { ...fields, phi_override_reason: reason });
  }
}
