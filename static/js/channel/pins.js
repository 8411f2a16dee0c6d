// The open channel's pinned messages: a count in the header and the "Pinned messages"
// panel, kept current by message_updated events. Each pin links to the message in place.

import { del, enc, get } from "../api.js";
import { openDialog } from "../dialogs.js";
import { h } from "../dom.js";
import { fullTime, shortTime, dayLabel } from "../format.js";
import { messageUrl } from "../search/links.js";
import { toastError } from "../toast.js";

const $ = (id) => document.getElementById(id);

export class PinsPanel {
  constructor(view) {
    this.view = view;
    this.channel = null;
    this.pinned = new Map(); // id -> message, for the open channel
    $("pins-btn").addEventListener("click", () => this.show());
    $("pin-list").addEventListener("click", (event) => this.#onClick(event));
  }

  reset() {
    this.channel = null;
    this.pinned.clear();
    this.#renderButton();
  }

  async load(name) {
    this.reset();
    this.channel = name;
    try {
      const { messages } = await get(`/channels/${enc(name)}/pins`);
      if (this.channel !== name) return;
      for (const m of messages) this.pinned.set(m.id, m);
    } catch (err) {
      toastError(err);
    }
    this.#renderButton();
  }

  /** A message changed (live or after my own action): follow its pin. */
  update(msg) {
    if (msg.channel !== this.channel) return;
    if (msg.pinned_at && !msg.deleted) this.pinned.set(msg.id, msg);
    else if (!this.pinned.delete(msg.id)) return;
    this.#renderButton();
    if ($("pins-dialog").open) this.#renderList();
  }

  drop(id) {
    if (this.pinned.delete(id)) {
      this.#renderButton();
      if ($("pins-dialog").open) this.#renderList();
    }
  }

  show() {
    this.#renderList();
    openDialog("pins-dialog");
  }

  #renderButton() {
    const button = $("pins-btn");
    const count = this.pinned.size;
    button.hidden = !this.channel;
    $("pin-count").textContent = String(count);
    const label = `${count} pinned ${count === 1 ? "message" : "messages"}: show them`;
    button.setAttribute("aria-label", label);
    button.title = "Pinned messages";
  }

  #renderList() {
    const list = $("pin-list");
    const pins = [...this.pinned.values()].sort((a, b) => b.pinned_at.localeCompare(a.pinned_at));
    if (!pins.length) {
      list.replaceChildren(h("li", { class: "pin-empty muted",
        text: "Nothing is pinned here yet. Pin a message from its actions (the pin button) to keep it at hand." }));
      return;
    }
    const canPin = this.view.canPin();
    list.replaceChildren(...pins.map((m) => {
      const body = h("div", { class: "pin-body md" });
      body.innerHTML = m.html; // sanitized by the server (nh3)
      return h("li", { class: "pin-item", dataset: { id: m.id } },
        h("div", { class: "pin-meta" },
          h("strong", { text: m.author.display_name }),
          h("time", { datetime: m.created_at, title: fullTime(m.created_at),
            text: `${dayLabel(m.created_at)} ${shortTime(m.created_at)}` })),
        body,
        h("div", { class: "pin-actions" },
          h("a", { class: "btn btn--small pin-jump", href: messageUrl(m.channel, m.id), text: "Jump to message" }),
          canPin ? h("button", { class: "btn btn--small", type: "button", dataset: { unpin: m.id },
            text: "Unpin" }) : null,
          m.pinned_by ? h("span", { class: "muted pin-by", text: `Pinned by ${m.pinned_by.display_name}` }) : null));
    }));
  }

  async #onClick(event) {
    if (event.target.closest("a.pin-jump")) {
      $("pins-dialog").close(); // the app routes the link itself
      return;
    }
    const button = event.target.closest("button[data-unpin]");
    if (!button) return;
    try {
      const { message } = await del(`/messages/${button.dataset.unpin}/pin`);
      this.view.apply(message);
    } catch (err) {
      toastError(err);
    }
  }
}
