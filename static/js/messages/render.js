// One message as a list item. The element is built once and then updated part by part, so
// a live edit or reaction never destroys focus, an open picker or an inline editor.

import { h, icon } from "../dom.js";
import { dayKey, dayLabel, fullTime, initials, plural, shortTime, tone } from "../format.js";
import { displayName } from "../store.js";

export const EMOJI = [
  ["👍", "thumbs up"], ["✅", "check mark"], ["❤️", "heart"], ["🎉", "party popper"],
  ["👀", "eyes"], ["🙏", "folded hands"], ["😂", "tears of joy"], ["➕", "plus one"],
];
const EMOJI_NAMES = new Map(EMOJI);
const parts = new WeakMap();

/** opts: {me, isRoot, inThread, canModerate} */
export function createMessageEl(msg, opts) {
  const author = msg.author;
  const time = h("time", { class: "msg-time" });
  const edited = h("button", { class: "msg-edited link-btn", type: "button", dataset: { action: "edits" },
    title: "Show edit history", text: "(edited)" });
  const pin = h("span", { class: "msg-pin", hidden: true }, icon("pin"), h("span", { text: "Pinned" }));
  // Questions (issue 17): "Open question" / "Answered" on a root, "Accepted answer" on a reply.
  const question = h("span", { class: "msg-question", hidden: true });
  const meta = h("div", { class: "msg-meta" },
    h("span", { class: "msg-author", text: author.display_name }), time, pin, question);
  const body = h("div", { class: "msg-body md" });
  const files = h("div", { class: "msg-files", hidden: true });
  const status = h("div", { class: "msg-status", hidden: true });
  const reactions = h("div", { class: "msg-reactions", hidden: true });
  const replies = h("button", { class: "msg-replies link-btn", type: "button", dataset: { action: "thread" },
    hidden: true });
  const actions = h("div", { class: "msg-actions", role: "toolbar", "aria-label": "Message actions" },
    actionButton("react", "smile", "Add reaction", { "aria-haspopup": "true", "aria-expanded": "false" }),
    opts.inThread ? null : actionButton("thread", "reply", "Reply in thread"),
    actionButton("pin", "pin", "Pin message"),
    actionButton("promote", "bulb", "Promote to tip"),
    opts.inThread ? actionButton("accept-answer", "check", "Accept as the answer") : null,
    actionButton("edit", "edit", "Edit message"),
    actionButton("delete", "trash", "Delete message"),
    actionButton("report", "alert", "Report patient information"));
  const day = h("div", { class: "day-divider", role: "separator", hidden: true }, h("span"));
  const el = h("li", { class: "msg", dataset: { author: author.username } },
    day,
    // tabindex -1: a tap focuses the row, which reveals its actions on touch screens.
    h("div", { class: "msg-row", tabindex: "-1" },
      h("span", { class: `avatar avatar--t${tone(author.username)}`, "aria-hidden": "true",
        text: initials(author.display_name) }),
      h("span", { class: "msg-gutter-time", "aria-hidden": "true" }),
      h("div", { class: "msg-main" }, meta, body, files, status, reactions, replies),
      actions));
  parts.set(el, { day, time, edited, body, files, status, reactions, replies, actions, pin, question,
    html: null });
  updateMessageEl(el, msg, opts);
  return el;
}

function actionButton(action, iconName, label, extra = {}) {
  return h("button", { class: "icon-btn icon-btn--small", type: "button", dataset: { action },
    "aria-label": label, title: label, ...extra }, icon(iconName));
}

export function updateMessageEl(el, msg, opts) {
  const p = parts.get(el);
  const pending = msg.id == null;
  const mine = msg.author.username === opts.me.username;
  if (!pending) el.dataset.id = msg.id;
  if (msg.client_msg_id) el.dataset.cid = msg.client_msg_id;
  el.dataset.ts = Date.parse(msg.created_at);
  el.dataset.day = dayKey(msg.created_at);
  el.classList.toggle("msg--mine", mine);
  el.classList.toggle("msg--pending", pending && !msg.error);
  el.classList.toggle("msg--failed", Boolean(msg.error));
  el.classList.toggle("msg--deleted", Boolean(msg.deleted));
  el.classList.toggle("msg--root", Boolean(opts.isRoot));
  // Only moderators are ever sent a quarantined message: mark it for their review.
  el.classList.toggle("msg--quarantined", Boolean(msg.quarantined));

  p.day.firstElementChild.textContent = dayLabel(msg.created_at);
  p.time.dateTime = msg.created_at;
  p.time.title = fullTime(msg.created_at);
  p.time.textContent = shortTime(msg.created_at);
  el.querySelector(".msg-gutter-time").textContent = shortTime(msg.created_at);
  renderFiles(p, msg);
  if (!el.classList.contains("msg--editing")) {
    renderBody(el, p, msg, opts);
    placeEdited(p, msg);
  }
  renderStatus(p, msg);
  renderReactions(p, msg, opts);

  const count = msg.reply_count ?? 0;
  p.replies.hidden = opts.inThread || count === 0;
  p.replies.textContent = plural(count, "reply", "replies");

  const live = !pending && !msg.deleted;
  p.actions.hidden = !live;
  p.actions.querySelector('[data-action="edit"]').hidden = !mine;
  p.actions.querySelector('[data-action="delete"]').hidden = !(mine || opts.canModerate);
  renderPin(el, p, msg, opts);
  renderQuestion(el, p, msg, opts);
}

function renderQuestion(el, p, msg, opts) {
  const q = msg.deleted ? null : msg.question;
  const root = opts.root?.question ? opts.root : null;
  const accepted = Boolean(root && !opts.isRoot && root.question.answer_id === msg.id);
  el.classList.toggle("msg--question", Boolean(q));
  el.classList.toggle("msg--accepted", accepted);
  p.question.hidden = !q && !accepted;
  p.question.dataset.status = q ? q.status : (accepted ? "accepted" : "");
  p.question.textContent = q ? (q.status === "answered" ? "Answered" : "Open question")
    : (accepted ? "Accepted answer" : "");
  const accept = p.actions.querySelector('[data-action="accept-answer"]');
  if (accept) {
    const decides = Boolean(root) && (root.author.username === opts.me.username || opts.canModerate);
    accept.hidden = !decides || opts.isRoot || msg.id == null;
    const label = accepted ? "Unmark as the answer" : "Accept as the answer";
    accept.setAttribute("aria-label", label);
    accept.title = label;
  }
  const promote = p.actions.querySelector('[data-action="promote"]');
  const label = q?.status === "answered" ? "Promote question and answer to tip" : "Promote to tip";
  promote.setAttribute("aria-label", label);
  promote.title = label;
}

function renderPin(el, p, msg, opts) {
  const pinned = Boolean(msg.pinned_at) && !msg.deleted;
  el.classList.toggle("msg--pinned", pinned);
  p.pin.hidden = !pinned;
  p.pin.title = pinned && msg.pinned_by ? `Pinned by ${msg.pinned_by.display_name}` : "Pinned";
  const button = p.actions.querySelector('[data-action="pin"]');
  button.hidden = !opts.canPin;
  const label = pinned ? "Unpin message" : "Pin message";
  button.setAttribute("aria-label", label);
  button.title = label;
}

/** Attachments: a picture or PDF as its thumbnail, anything else as its name; each opens it. */
function renderFiles(p, msg) {
  const files = msg.deleted ? [] : (msg.files ?? []);
  const key = files.map((f) => f.id).join(",");
  if (p.filesKey === key) return;
  p.filesKey = key;
  p.files.hidden = files.length === 0;
  p.files.replaceChildren(...files.map((f) => h("a", {
    class: f.thumbnail_url ? "msg-file msg-file--thumb" : "msg-file", href: f.url, target: "_blank",
    rel: "noopener", title: `${f.name} (${sizeText(f.size)})`,
  }, f.thumbnail_url ? h("img", { src: f.thumbnail_url, alt: f.name, loading: "lazy" })
    : h("span", { class: "msg-file-name", text: f.name }))));
}

function sizeText(bytes) {
  if (bytes >= 1048576) return `${(bytes / 1048576).toFixed(1)} MB`;
  return `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

function renderBody(el, p, msg, opts) {
  if (msg.deleted) {
    p.html = null;
    p.body.replaceChildren(h("em", { class: "tombstone", text: "This message was deleted." }));
    return;
  }
  if (msg.id == null) {
    // Not yet rendered by the server: show the author's own text, as text.
    p.html = null;
    p.body.replaceChildren(h("p", { class: "plain", text: msg.body }));
    return;
  }
  if (p.html === msg.html) return;
  p.html = msg.html;
  p.body.innerHTML = msg.html; // sanitized by the server (nh3)
  let mentionsMe = false;
  for (const span of p.body.querySelectorAll("span.mention")) {
    if (span.textContent === `@${opts.me.username}`) {
      span.classList.add("mention--me");
      mentionsMe = true;
    }
  }
  el.classList.toggle("msg--mentions-me", mentionsMe);
}

/** "(edited)" sits at the end of the text, like Slack, so it shows in grouped messages too. */
function placeEdited(p, msg) {
  if (!msg.edited_at || msg.deleted || msg.id == null) {
    p.edited.remove();
    return;
  }
  let host = p.body;
  let last = host.lastElementChild;
  while (last && ["UL", "OL", "BLOCKQUOTE"].includes(last.tagName)) {
    host = last;
    last = host.lastElementChild;
  }
  if (last && /^(P|LI|H[1-6])$/.test(last.tagName)) host = last;
  if (p.edited.parentNode !== host || host.lastChild !== p.edited) host.append(p.edited);
}

function renderStatus(p, msg) {
  if (msg.error) {
    p.status.hidden = false;
    p.status.replaceChildren(
      icon("alert"),
      h("span", { role: "alert", text: `Not sent: ${msg.error}` }),
      h("button", { class: "link-btn", type: "button", dataset: { action: "retry" }, text: "Retry" }),
      h("button", { class: "link-btn", type: "button", dataset: { action: "discard" }, text: "Discard" }));
  } else if (msg.id == null) {
    p.status.hidden = false;
    p.status.replaceChildren(h("span", { text: "Sending…" }));
  } else {
    p.status.hidden = true;
    p.status.replaceChildren();
  }
}

function renderReactions(p, msg, opts) {
  const list = msg.deleted ? [] : (msg.reactions ?? []);
  const focused = p.reactions.contains(document.activeElement) ? document.activeElement.dataset.emoji : null;
  p.reactions.hidden = list.length === 0;
  p.reactions.replaceChildren(...list.map((r) => reactionChip(r, opts)));
  if (list.length) {
    p.reactions.append(h("button", { class: "reaction reaction--add", type: "button",
      dataset: { action: "react" }, "aria-label": "Add reaction", title: "Add reaction",
      "aria-haspopup": "true", "aria-expanded": "false" }, icon("smile")));
  }
  // A live update must not throw a keyboard user out of the chip they just pressed.
  if (focused) p.reactions.querySelector(`[data-emoji="${CSS.escape(focused)}"]`)?.focus();
}

function reactionChip(reaction, opts) {
  const mine = reaction.users.includes(opts.me.username);
  const names = reaction.users.map((u) => (u === opts.me.username ? "you" : displayName(u)));
  const what = EMOJI_NAMES.get(reaction.emoji) ?? reaction.emoji;
  return h("button", {
    class: "reaction", type: "button", "aria-pressed": String(mine),
    dataset: { action: "toggle-reaction", emoji: reaction.emoji },
    title: `${names.join(", ")} reacted with ${what}`,
    "aria-label": `${what}: ${plural(reaction.count, "reaction", "reactions")} by ${names.join(", ")}`,
  }, h("span", { class: "reaction-emoji", text: reaction.emoji }),
  h("span", { class: "reaction-count", text: String(reaction.count) }));
}

/** Group a run of messages by one author (Slack-style) and show a divider at each new day. */
export function regroup(el) {
  if (!el || !el.classList.contains("msg")) return;
  const prev = el.previousElementSibling;
  const p = parts.get(el);
  const newDay = !prev || prev.dataset.day !== el.dataset.day;
  p.day.hidden = !newDay;
  const cont = Boolean(prev) && !newDay
    && prev.dataset.author === el.dataset.author
    && Number(el.dataset.ts) - Number(prev.dataset.ts) < 5 * 60 * 1000
    && !prev.classList.contains("msg--deleted") && !el.classList.contains("msg--deleted")
    && !prev.classList.contains("msg--failed") && !prev.classList.contains("msg--root");
  el.classList.toggle("msg--cont", cont);
}

export const bodyOf = (el) => parts.get(el).body;
