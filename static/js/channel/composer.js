// Writing and sending. A send shows the message at once as "Sending…" with a fresh
// client_msg_id; the list swaps in the server's copy when the ack or the broadcast comes.

import { Attachments } from "../files/attach.js";
import { startEdit } from "../messages/edit.js";
import { askOverrideReason, PhiGuard } from "../phi.js";
import { state } from "../store.js";
import { toast } from "../toast.js";

const TYPING_EVERY_MS = 3000;

export function newClientId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  // randomUUID needs a secure context; plain-http intranet hosts still deserve unique ids.
  return [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export class Composer {
  /** target() -> {channel, threadId} or null when posting is not possible here */
  constructor(form, { list, live, target }) {
    Object.assign(this, { form, list, live, target });
    this.input = form.querySelector("textarea");
    // "Ask as a question" (issue 17): beside the channel composer only, not in threads.
    this.ask = form.parentElement?.querySelector(".ask-toggle input") ?? null;
    this.label = form.querySelector("label");
    this.lastTyping = 0;
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
    this.input.addEventListener("keydown", (event) => this.#onKey(event));
    this.input.addEventListener("input", () => this.#onInput());
    this.phi = new PhiGuard(this);
    this.attachments = new Attachments(this);
  }

  setPlaceholder(label, placeholder) {
    this.label.textContent = label;
    this.input.placeholder = placeholder;
    this.lastTyping = 0;
  }

  focus() {
    this.input.focus();
  }

  async submit() {
    const body = this.input.value;
    const where = this.target();
    if (!where) return;
    if (this.attachments.busy()) {
      toast("Wait for the files to finish uploading, or cancel them.", { kind: "error" });
      return;
    }
    const files = this.attachments.take();
    if (!body.trim() && !files.length) return;
    this.input.value = "";
    this.phi.schedule(); // clears the marks
    // Reading an old page (opened from a search result): go to the newest first, where the
    // message will appear.
    if (this.list.hasNewer) await this.list.controller.jumpToLatest?.();
    const draft = {
      id: null, client_msg_id: newClientId(), channel: where.channel, thread_id: where.threadId ?? null,
      author: { username: state.me.username, display_name: state.me.display_name },
      body, html: null, created_at: new Date().toISOString(), edited_at: null, reactions: [],
      reply_count: 0, files, file_ids: files.map((f) => f.id),
    };
    if (this.ask?.checked && where.threadId == null) draft.question = true;
    if (this.ask) this.ask.checked = false;
    this.list.addPending(draft);
    this.deliver(draft);
  }

  /** Send (or re-send) a draft; a failure stays in the list with Retry and Discard. */
  async deliver(draft) {
    try {
      const message = await this.live.send(draft);
      this.list.upsert(message);
    } catch (err) {
      if (err.code === "possible_phi") this.#refusedForPhi(draft, err);
      else this.list.failPending(draft.client_msg_id, err.message);
    }
  }

  /** The server saw patient information: ask for a reason (confirm) or send it back (block). */
  async #refusedForPhi(draft, err) {
    const { findings = [], policy = "confirm" } = err.details ?? {};
    this.list.discardPending(draft.client_msg_id);
    if (policy !== "block") {
      const reason = await askOverrideReason(findings);
      if (reason) {
        const again = { ...draft, phi_override_reason: reason };
        this.list.addPending(again);
        this.deliver(again);
        return;
      }
    } else {
      toast(err.message, { kind: "error" });
    }
    // Back into the composer with the spans marked, so the author can take them out.
    if (!this.input.value) this.input.value = draft.body;
    if (this.input.value === draft.body) {
      this.phi.policy = policy;
      this.phi.show(findings, draft.body);
    }
    this.focus();
  }

  #onKey(event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      this.submit();
    } else if (event.key === "ArrowUp" && this.input.value === "") {
      const last = this.list.lastOwn();
      if (!last) return;
      event.preventDefault();
      last.el.scrollIntoView({ block: "nearest" });
      startEdit(last, this.list, { onDone: () => this.focus() });
    }
  }

  #onInput() {
    const where = this.target();
    const now = Date.now();
    if (!where || !this.input.value || now - this.lastTyping < TYPING_EVERY_MS) return;
    this.lastTyping = now;
    this.live.typing(where.channel);
  }
}
