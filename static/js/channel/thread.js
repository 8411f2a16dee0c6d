// The thread side panel: the root message, its replies, and a composer that sends thread_id.

import { enc, get } from "../api.js";
import { Composer } from "./composer.js";
import { handleAction } from "../messages/actions.js";
import { MessageList } from "../messages/list.js";
import { channelLabel, channelRef, learnName, state } from "../store.js";
import { toastError } from "../toast.js";

const PAGE = 100;
const panel = document.getElementById("thread-panel");

export class ThreadView {
  constructor({ live, apply, canModerate }) {
    this.apply = apply;
    this.canModerate = canModerate;
    this.list = new MessageList({
      scroller: document.getElementById("thread-scroller"),
      list: document.getElementById("thread-list"),
      controller: this,
      inThread: true,
    });
    this.composer = new Composer(document.getElementById("thread-composer"), {
      list: this.list, live,
      target: () => (this.rootId ? { channel: this.list.channel, threadId: this.rootId } : null),
    });
    this.rootId = null;
    document.getElementById("thread-close").addEventListener("click", () => this.close());
    panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && !event.defaultPrevented) this.close();
    });
  }

  get me() {
    return state.me;
  }

  get isOpen() {
    return this.rootId != null;
  }

  /** Open the thread of `root` (a root or one of its replies); `focus`: a reply to scroll
   * to and highlight. */
  async open(root, { focus = null } = {}) {
    const rootId = root.thread_id ?? root.id;
    this.rootId = rootId;
    this.opener = document.activeElement;
    this.list.reset(root.channel, rootId);
    const channel = state.channels.get(root.channel);
    document.getElementById("thread-sub").textContent = channel ? channelRef(channel) : `#${root.channel}`;
    this.composer.setPlaceholder(`Reply in thread in ${channelLabel(channel)}`, "Reply…");
    panel.hidden = false;
    document.getElementById("app").classList.add("thread-open");
    if (!focus) this.composer.focus();
    try {
      const page = await get(`/channels/${enc(root.channel)}/messages`,
        { thread_id: rootId, limit: PAGE, around: focus });
      if (this.rootId !== rootId) return;
      page.messages.forEach((m) => learnName(m.author));
      this.list.addPage(page.messages, page.has_more);
      this.list.setHasNewer(Boolean(page.has_newer));
      if (!focus || !this.list.reveal(focus)) this.list.scrollToBottom();
    } catch (err) {
      toastError(err);
    }
  }

  close() {
    if (!this.isOpen) return;
    this.rootId = null;
    this.list.reset(null);
    panel.hidden = true;
    document.getElementById("app").classList.remove("thread-open");
    if (this.opener?.isConnected) this.opener.focus();
  }

  onMessage(msg) {
    if (this.isOpen) this.list.upsert(msg);
  }

  async loadOlder(list) {
    try {
      const page = await get(`/channels/${enc(list.channel)}/messages`,
        { thread_id: this.rootId, before: list.oldestId, limit: PAGE });
      list.addPage(page.messages, page.has_more, { older: true });
    } catch (err) {
      toastError(err);
    }
  }

  async loadNewer(list) {
    try {
      const page = await get(`/channels/${enc(list.channel)}/messages`,
        { thread_id: this.rootId, after: list.newestId, limit: PAGE });
      list.addPage(page.messages, page.has_more, { newer: true });
    } catch (err) {
      toastError(err);
    }
  }

  jumpToLatest() {
    return this.rootId ? this.open({ id: this.rootId, channel: this.list.channel, thread_id: null }) : null;
  }

  onAction(action, entry, button, list) {
    handleAction(action, entry, button, list, {
      composer: this.composer, apply: this.apply, openThread: () => {},
    });
  }
}
