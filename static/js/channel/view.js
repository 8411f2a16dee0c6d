// The main pane: one open channel's header, history, composer and read marker.

import { enc, get, post } from "../api.js";
import { Composer } from "./composer.js";
import { h, icon, plainText } from "../dom.js";
import { handleAction } from "../messages/actions.js";
import { MessageList } from "../messages/list.js";
import { PinsPanel } from "./pins.js";
import { channelLabel, channelRef, channelUrl, changed, learnName, setChannel, state } from "../store.js";
import { announce, toastError } from "../toast.js";
import { TypingIndicator } from "./typing.js";

const PAGE = 50;
const KIND_ICONS = { public: "hash", private: "lock", announcement: "megaphone" };
const $ = (id) => document.getElementById(id);
const wide = window.matchMedia("(min-width: 768px)");
const RECENT_MS = 3000;

export class ChannelView {
  constructor({ live, thread, apply }) {
    Object.assign(this, { live, thread, apply });
    this.channel = null; // the open channel's JSON
    this.members = [];
    this.loaded = false;
    this.seq = 0;
    this.maxSeen = new Map(); // channel -> newest id seen anywhere (replies too)
    // Two posts committed close together can be broadcast out of id order, so "newest seen"
    // may have overtaken one still in flight when the connection dropped: catch-up starts
    // just before the ids seen in the last seconds before the drop (duplicates merge by id).
    this.recent = new Map(); // channel -> [{id, at}] of the last RECENT_MS
    this.droppedAt = null;
    this.list = new MessageList({
      scroller: $("message-scroller"), list: $("message-list"), jumpButton: $("jump-btn"),
      controller: this,
    });
    this.composer = new Composer($("composer"), {
      list: this.list, live,
      target: () => (this.canPost() ? { channel: this.channel.name } : null),
    });
    this.typing = new TypingIndicator($("composer-typing"));
    this.pins = new PinsPanel(this);
    thread.canPin = () => this.canPost(); // the thread shows this channel's messages
    $("join-btn").addEventListener("click", () => this.join());
    document.addEventListener("visibilitychange", () => {
      if (!document.hidden) this.markRead();
    });
  }

  get me() {
    return state.me;
  }

  canModerate() {
    return ["moderator", "admin"].includes(this.me.role) || this.channel?.role === "moderator";
  }

  canPin() {
    return this.canPost();
  }

  canPost() {
    const c = this.channel;
    return Boolean(c?.member && !c.archived && (c.kind !== "announcement" || this.canModerate()));
  }

  seen(name, id) {
    if (id > (this.maxSeen.get(name) ?? 0)) this.maxSeen.set(name, id);
    const now = Date.now();
    const log = (this.recent.get(name) ?? []).filter((e) => now - e.at < RECENT_MS);
    log.push({ id, at: now });
    this.recent.set(name, log);
  }

  /** The connection dropped: remember when, to pick a safe catch-up point later. */
  dropped() {
    this.droppedAt = Date.now();
  }

  /** The id to catch up after: before anything that might have raced the drop. */
  catchUpPoint(name) {
    const cutoff = (this.droppedAt ?? Date.now()) - RECENT_MS;
    const racing = (this.recent.get(name) ?? []).filter((e) => e.at >= cutoff).map((e) => e.id);
    const newest = this.maxSeen.get(name) ?? 0;
    return racing.length ? Math.min(newest, Math.min(...racing) - 1) : newest;
  }

  /** Open the message with this id where it is (a search result, a link): in its channel,
   * scrolled to and highlighted, however far back; a thread reply in its thread. */
  async openAt(name, id) {
    let target;
    try {
      ({ message: target } = await get(`/messages/${id}`));
    } catch (err) {
      toastError(err);
      return this.open(name);
    }
    const rootId = target.thread_id ?? target.id;
    if (state.open === target.channel && this.loaded && this.list.reveal(rootId)) {
      this.thread.close();
    } else {
      await this.open(target.channel, { around: rootId });
    }
    if (target.thread_id && state.open === target.channel) await this.thread.open(target, { focus: target.id });
  }

  /** Leave the channel for another view (search results): nothing here counts as read. */
  suspend() {
    this.seq += 1;
    state.open = null;
    changed();
    this.thread.close();
    this.typing.reset();
    this.loaded = false;
    this.channel = null;
    this.list.reset(null);
    this.pins.reset();
  }

  /** Show channel `name`; resolves once its latest page (or the page around message
   * `around`) is on screen. */
  async open(name, { around = null } = {}) {
    const seq = ++this.seq;
    state.open = name;
    changed();
    this.thread.close();
    this.typing.reset();
    this.loaded = false;
    this.list.reset(name);
    this.channel = state.channels.get(name) ?? null;
    const hadUnread = (this.channel?.unread ?? 0) > 0;
    this.#renderHeader();
    $("history-status").textContent = "Loading messages…";
    try {
      const [{ channel }, page, { members }] = await Promise.all([
        get(`/channels/${enc(name)}`),
        get(`/channels/${enc(name)}/messages`, { limit: PAGE, around }),
        get(`/channels/${enc(name)}/members`),
      ]);
      if (seq !== this.seq) return;
      this.channel = channel.member ? { ...state.channels.get(name), ...channel } : channel;
      if (channel.member) setChannel(channel);
      this.members = members;
      members.forEach(learnName);
      page.messages.forEach((m) => {
        learnName(m.author);
        this.seen(name, m.id);
      });
      this.#renderHeader();
      this.list.addPage(page.messages, page.has_more);
      this.list.setHasNewer(Boolean(page.has_newer));
      this.loaded = true;
      this.#renderHistoryStatus();
      this.pins.load(name);
      if (around) this.list.reveal(around);
      else this.list.scrollToBottom();
      if (wide.matches && this.canPost() && !around) this.composer.focus();
      if (this.list.hasNewer) return; // the newest messages are not on screen: not read yet
      // Replies newer than the newest top-level message also count as unread.
      if (hadUnread && this.live.connected) await this.catchUp();
      this.markRead();
      this.#fillViewport();
    } catch (err) {
      if (seq !== this.seq) return;
      $("history-status").textContent = err.message;
      toastError(err);
    }
  }

  /** Load older pages while the history is too short to scroll (so scrolling can load more). */
  async #fillViewport() {
    const s = this.list.scroller;
    while (this.list.hasMore && s.scrollHeight <= s.clientHeight && !this.list.loadingOlder) {
      await this.loadOlder(this.list);
    }
  }

  async loadOlder(list) {
    const name = list.channel;
    $("history-status").textContent = "Loading earlier messages…";
    try {
      const page = await get(`/channels/${enc(name)}/messages`, { before: list.oldestId, limit: PAGE });
      if (name !== list.channel) return;
      page.messages.forEach((m) => learnName(m.author));
      list.addPage(page.messages, page.has_more, { older: true });
    } catch (err) {
      toastError(err);
    } finally {
      this.#renderHistoryStatus();
    }
  }

  async loadNewer(list) {
    const name = list.channel;
    try {
      const page = await get(`/channels/${enc(name)}/messages`, { after: list.newestId, limit: PAGE });
      if (name !== list.channel) return;
      page.messages.forEach((m) => {
        learnName(m.author);
        this.seen(name, m.id);
      });
      list.addPage(page.messages, page.has_more, { newer: true });
      if (!list.hasNewer) this.markRead();
    } catch (err) {
      toastError(err);
    }
  }

  /** From an old page back to the newest messages (the address becomes the channel's). */
  jumpToLatest() {
    const name = this.channel?.name;
    if (!name) return null;
    if (location.pathname !== channelUrl(name)) window.history.replaceState({ channel: name }, "", channelUrl(name));
    return this.open(name);
  }

  /** After a reconnect (or a late first connect): fetch what was missed and merge it. */
  async catchUp() {
    const name = this.channel?.name;
    if (!this.loaded || !name) return;
    try {
      const messages = await this.live.catchUp(name, this.catchUpPoint(name));
      if (name !== this.channel?.name) return;
      const parents = new Set();
      for (const msg of messages) {
        this.onMessage(msg, { quiet: true });
        this.thread.onMessage(msg);
        if (msg.thread_id) parents.add(msg.thread_id);
      }
      // Reply counts of the parents changed while we were away.
      await Promise.all([...parents].map(async (id) => {
        const { message } = await get(`/messages/${id}`);
        this.apply(message);
      }));
    } catch (err) {
      toastError(err);
    }
  }

  /** A new message in the open channel (live or caught up). */
  onMessage(msg, { quiet = false } = {}) {
    learnName(msg.author);
    this.seen(msg.channel, msg.id);
    if (msg.channel !== this.channel?.name) return;
    this.typing.clear(msg.author.username);
    const isNew = this.list.upsert(msg);
    if (msg.author.username !== this.me.username) {
      if (isNew && !quiet) announce(`${msg.author.display_name}: ${plainText(msg.html)}`);
      this.scheduleRead();
    }
  }

  scheduleRead() {
    clearTimeout(this.readTimer);
    this.readTimer = setTimeout(() => this.markRead(), 250);
  }

  /** Move my read marker to the newest message I have seen here. */
  async markRead() {
    const c = this.channel;
    if (!c?.member || !this.loaded || document.hidden) return;
    const stored = state.channels.get(c.name);
    if (stored && (stored.unread || stored.mentions)) {
      stored.unread = 0;
      stored.mentions = 0;
      changed();
    }
    const newest = this.maxSeen.get(c.name) ?? 0;
    if (newest <= (stored?.last_read_id ?? 0)) return;
    if (stored) stored.last_read_id = newest;
    try {
      await post(`/channels/${enc(c.name)}/read`, { message_id: newest });
    } catch (err) {
      toastError(err);
    }
  }

  async join() {
    try {
      const { channel } = await post(`/channels/${enc(this.channel.name)}/join`);
      setChannel({ ...channel, unread: 0, mentions: 0 });
      this.channel = { ...this.channel, ...channel };
      const { members } = await get(`/channels/${enc(channel.name)}/members`);
      this.members = members;
      this.#renderHeader();
      this.composer.focus();
    } catch (err) {
      toastError(err);
    }
  }

  onAction(action, entry, button, list) {
    handleAction(action, entry, button, list, {
      composer: this.composer, apply: this.apply, openThread: (msg) => this.thread.open(msg),
    });
  }

  /** A channel's title, description, kind or archived state changed, or your role in it
   * (the `channel_updated` event): an open composer turns read-only at once when the
   * channel is archived, and a new moderator gets the composer and the message actions. */
  onChannelUpdated(channel) {
    if (!this.channel || this.channel.name !== channel.name) return;
    const { title, description, kind, archived } = channel;
    const roleChanged = channel.member && channel.role !== this.channel.role;
    this.channel = { ...this.channel, title, description, kind, archived };
    if (roleChanged) this.channel.role = channel.role;
    this.#renderHeader();
    if (roleChanged) this.list.refreshAll();
  }

  refreshPresence() {
    if (this.channel?.kind === "direct") this.#renderHeader();
  }

  #renderHeader() {
    const c = this.channel;
    const name = state.open;
    const label = c ? channelLabel(c) : `#${name}`;
    document.title = `${label} · PhysNet`;
    $("channel-title").textContent = label;
    const kind = $("channel-kind");
    if (c?.kind === "direct") {
      const partner = state.partners.get(c.name);
      const online = partner && state.online.has(partner.username);
      kind.replaceChildren(h("span", { class: `dot ${online ? "dot--online" : "dot--offline"}` }));
      $("channel-desc").textContent = partner ? (online ? "Online" : "Offline") : "";
    } else {
      kind.replaceChildren(icon(KIND_ICONS[c?.kind] ?? "hash"));
      $("channel-desc").textContent = c?.description ?? "";
    }
    const count = this.members.length;
    const button = $("members-btn");
    button.hidden = !c || count === 0;
    $("member-count").textContent = String(count);
    button.setAttribute("aria-label", `${count} ${count === 1 ? "member" : "members"}: show the member list`);
    this.#renderComposerState();
  }

  #renderComposerState() {
    const c = this.channel;
    const ref = channelRef(c);
    $("composer").hidden = !this.canPost();
    $("join-bar").hidden = !c || c.member || c.kind === "direct";
    $("join-text").textContent = c ? `You are reading ${ref}. Join to post and get notified.` : "";
    const readonly = $("readonly-bar");
    readonly.hidden = !c?.member || this.canPost();
    readonly.textContent = c?.archived ? `${ref} is archived: it can be read but not posted to.`
      : `Only moderators post in ${ref}.`;
    this.composer.setPlaceholder(`Message ${ref}`, `Message ${ref}`);
  }

  #renderHistoryStatus() {
    const status = $("history-status");
    if (this.list.hasMore) {
      status.textContent = "";
      return;
    }
    const c = this.channel;
    status.replaceChildren(
      h("strong", { text: c?.kind === "direct" ? `Your conversation with ${channelLabel(c)}` : `Welcome to ${channelRef(c)}` }),
      h("span", { text: c?.kind === "direct" ? "Messages here are visible to the two of you only."
        : "This is the very beginning of the channel." }));
  }
}
