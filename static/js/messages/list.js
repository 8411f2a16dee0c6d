// A list of messages in id order: the channel's main list or a thread. It merges whatever
// arrives (history pages, acks, live events, catch-up) by id and by client_msg_id, so a
// message is never shown twice, and it keeps the reader's scroll position steady.

import { createMessageEl, regroup, updateMessageEl } from "./render.js";

const NEAR_BOTTOM_PX = 120;
const NEAR_TOP_PX = 200;
const HIGHLIGHT_MS = 3000;

export class MessageList {
  /** controller: {me, canModerate(), loadOlder(), onAction(action, el, msg, button)} */
  constructor({ scroller, list, controller, jumpButton = null, inThread = false }) {
    Object.assign(this, { scroller, list, controller, jumpButton, inThread });
    this.reset(null);
    list.addEventListener("click", (event) => this.#onClick(event));
    scroller.addEventListener("scroll", () => this.#onScroll(), { passive: true });
    jumpButton?.addEventListener("click", () => {
      if (this.hasNewer) controller.jumpToLatest?.();
      else this.scrollToBottom();
    });
    // A reader at the bottom stays there when the pane narrows (thread panel) or grows.
    const keep = () => {
      if (this.stuck) this.scroller.scrollTop = this.scroller.scrollHeight;
    };
    new ResizeObserver(keep).observe(scroller);
    new ResizeObserver(keep).observe(list);
  }

  reset(channel, rootId = null) {
    this.channel = channel;
    this.rootId = rootId;
    this.entries = new Map(); // id -> {msg, el}
    this.pending = new Map(); // client_msg_id -> {msg, el}
    this.maxId = 0; // the newest id seen here, replies included: catch-up starts after it
    this.hasMore = false;
    // A page opened around an old message (a search result) may end before the newest one:
    // then newer pages load on scrolling down, and live messages wait beyond that gap.
    this.hasNewer = false;
    this.loadingOlder = false;
    this.loadingNewer = false;
    this.stuck = true;
    this.list.replaceChildren();
    if (this.jumpButton) {
      this.jumpButton.hidden = true;
      const label = this.jumpButton.querySelector("span");
      if (label) label.textContent = "New messages";
    }
  }

  accepts(msg) {
    if (msg.channel !== this.channel) return false;
    if (this.rootId == null) return msg.thread_id == null;
    return msg.id === this.rootId || msg.thread_id === this.rootId;
  }

  #opts(msg) {
    return { me: this.controller.me, inThread: this.inThread, isRoot: msg.id === this.rootId,
      canModerate: this.controller.canModerate(), canPin: this.controller.canPin?.() ?? false,
      // A thread's replies show "Accept as answer" / "Accepted answer" from their root.
      root: this.rootId != null ? (this.entries.get(this.rootId)?.msg ?? null) : null };
  }

  get oldestId() {
    return this.list.querySelector(".msg[data-id]")?.dataset.id ?? null;
  }

  get newestId() {
    const shown = this.list.querySelectorAll(".msg[data-id]");
    return shown.length ? Number(shown[shown.length - 1].dataset.id) : null;
  }

  /** Whether the page stops short of the newest message (see reset). */
  setHasNewer(value) {
    this.hasNewer = value;
    if (value) this.stuck = false;
    if (!this.jumpButton) return;
    this.jumpButton.hidden = !value;
    const label = this.jumpButton.querySelector("span");
    if (label) label.textContent = value ? "Jump to latest" : "New messages";
  }

  /** Scroll to a message shown here and highlight it for a moment; false if not shown. */
  reveal(id) {
    const entry = this.entries.get(Number(id));
    if (!entry) return false;
    entry.el.scrollIntoView({ block: "center" });
    this.stuck = !this.hasNewer && this.isNearBottom();
    entry.el.classList.remove("msg--highlight");
    void entry.el.offsetWidth; // restart the animation when revealed twice
    entry.el.classList.add("msg--highlight");
    clearTimeout(this.highlightTimer);
    this.highlightTimer = setTimeout(() => entry.el.classList.remove("msg--highlight"), HIGHLIGHT_MS);
    return true;
  }

  /** Insert or update a server copy; returns true when it was new to this list. */
  upsert(msg, { live = true } = {}) {
    if (!this.accepts(msg)) return false;
    const known = this.entries.get(msg.id);
    // Beyond the gap after a page opened in the past: it will come with the newer pages.
    if (live && !known && this.hasNewer && msg.id > (this.newestId ?? 0)) return false;
    this.maxId = Math.max(this.maxId, msg.id);
    if (known) {
      const answerChanged = msg.id === this.rootId
        && known.msg.question?.answer_id !== msg.question?.answer_id;
      known.msg = msg;
      updateMessageEl(known.el, msg, this.#opts(msg));
      if (answerChanged) this.refreshAll();
      regroup(known.el);
      regroup(known.el.nextElementSibling);
      return false;
    }
    const stick = !this.hasNewer && this.isNearBottom();
    const draft = msg.client_msg_id && this.pending.get(msg.client_msg_id);
    let el;
    if (draft && msg.author.username === this.controller.me.username) {
      // Our optimistic copy becomes the real one in place: no flicker, no duplicate.
      this.pending.delete(msg.client_msg_id);
      el = draft.el;
      updateMessageEl(el, msg, this.#opts(msg));
    } else {
      el = createMessageEl(msg, this.#opts(msg));
    }
    this.entries.set(msg.id, { msg, el });
    this.#place(el, msg.id);
    if (stick) this.scrollToBottom();
    else if (live && !draft && this.jumpButton
      && msg.author.username !== this.controller.me.username) {
      this.jumpButton.hidden = false;
    }
    return true;
  }

  /** Apply a change to a message already shown (edits, reply counts); ignore others. */
  update(msg) {
    if (this.entries.has(msg.id)) this.upsert(msg);
  }

  /** A history page: older pages go on top without moving what the reader is looking at. */
  addPage(messages, hasMore, { older = false, newer = false } = {}) {
    if (newer) {
      for (const msg of messages) this.upsert(msg, { live: false });
      this.setHasNewer(hasMore);
      return;
    }
    this.hasMore = hasMore;
    const fromBottom = this.scroller.scrollHeight - this.scroller.scrollTop;
    // Older pages go in newest-first, so each lands at the top through the fast path.
    for (const msg of older ? [...messages].reverse() : messages) this.upsert(msg, { live: false });
    if (older) this.scroller.scrollTop = this.scroller.scrollHeight - fromBottom;
  }

  markDeleted(id) {
    const entry = this.entries.get(id);
    if (entry) this.upsert({ ...entry.msg, deleted: true, body: "", html: "", reactions: [] });
  }

  setReactions(id, reactions) {
    const entry = this.entries.get(id);
    if (entry) this.upsert({ ...entry.msg, reactions });
  }

  addPending(msg) {
    const el = createMessageEl(msg, this.#opts(msg));
    this.pending.set(msg.client_msg_id, { msg, el });
    this.list.append(el);
    regroup(el);
    this.scrollToBottom();
  }

  failPending(cid, error) {
    const draft = this.pending.get(cid);
    if (!draft) return;
    draft.msg = { ...draft.msg, error };
    updateMessageEl(draft.el, draft.msg, this.#opts(draft.msg));
    regroup(draft.el.nextElementSibling);
  }

  retryPending(cid) {
    const draft = this.pending.get(cid);
    if (!draft) return null;
    draft.msg = { ...draft.msg, error: null };
    updateMessageEl(draft.el, draft.msg, this.#opts(draft.msg));
    return draft.msg;
  }

  discardPending(cid) {
    const draft = this.pending.get(cid);
    if (!draft) return;
    this.pending.delete(cid);
    const next = draft.el.nextElementSibling;
    draft.el.remove();
    regroup(next);
  }

  /** My newest message that can still be edited (for Up-arrow editing). */
  lastOwn() {
    const mine = [...this.entries.values()]
      .filter(({ msg }) => msg.author.username === this.controller.me.username && !msg.deleted)
      .sort((a, b) => b.msg.id - a.msg.id);
    return mine[0] ?? null;
  }

  entryOf(el) {
    const li = el.closest(".msg");
    if (!li) return null;
    if (li.dataset.id) return this.entries.get(Number(li.dataset.id)) ?? null;
    return this.pending.get(li.dataset.cid) ?? null;
  }

  refreshAll() {
    for (const { msg, el } of this.entries.values()) updateMessageEl(el, msg, this.#opts(msg));
  }

  isNearBottom() {
    const s = this.scroller;
    return s.scrollHeight - s.scrollTop - s.clientHeight < NEAR_BOTTOM_PX;
  }

  scrollToBottom() {
    this.scroller.scrollTop = this.scroller.scrollHeight;
    if (this.jumpButton) this.jumpButton.hidden = true;
  }

  /** Ids only grow, so a new message nearly always goes last (before any unsent drafts). */
  #place(el, id) {
    const first = this.list.querySelector(".msg[data-id]");
    if (first && first !== el && id < Number(first.dataset.id)) {
      this.list.insertBefore(el, first);
      regroup(el);
      regroup(first);
      return;
    }
    let before = this.list.querySelector(".msg:not([data-id])");
    for (let node = (before ?? this.list.lastElementChild); node; node = node.previousElementSibling) {
      if (node === el || !node.dataset.id) continue;
      if (Number(node.dataset.id) < id) break;
      before = node;
    }
    const oldNext = el.parentNode ? el.nextElementSibling : null;
    if (el.nextElementSibling !== before || !el.parentNode) this.list.insertBefore(el, before);
    regroup(el);
    regroup(el.nextElementSibling);
    if (oldNext && oldNext !== el.nextElementSibling) regroup(oldNext);
  }

  #onClick(event) {
    const button = event.target.closest("button[data-action]");
    if (!button || !this.list.contains(button)) return;
    const entry = this.entryOf(button);
    if (entry) this.controller.onAction(button.dataset.action, entry, button, this);
  }

  async #onScroll() {
    this.stuck = !this.hasNewer && this.isNearBottom();
    if (this.jumpButton && this.stuck) this.jumpButton.hidden = true;
    if (this.hasNewer && this.isNearBottom() && !this.loadingNewer) {
      this.loadingNewer = true;
      try {
        await this.controller.loadNewer(this);
      } finally {
        this.loadingNewer = false;
      }
    }
    if (this.scroller.scrollTop > NEAR_TOP_PX || !this.hasMore || this.loadingOlder) return;
    this.loadingOlder = true;
    try {
      await this.controller.loadOlder(this);
    } finally {
      this.loadingOlder = false;
    }
  }
}
