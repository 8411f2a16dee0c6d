// Mentions & replies: the sidebar badge, the view (a dialog), and what a `notification` event
// shows: a desktop notification when the page is hidden and the person opted in, otherwise
// an in-app toast. Both name the channel and the author only, never the message.

import { get, post } from "./api.js";
import { openDialog } from "./dialogs.js";
import { h, plainText } from "./dom.js";
import { fullTime, shortTime } from "./format.js";
import { changed, channelLabel, onChange, state } from "./store.js";
import { toast, toastError } from "./toast.js";

const OPT_IN_KEY = "physnet.desktopNotifications";
const PAGE = 30;
const $ = (id) => document.getElementById(id);
const dialog = $("mentions-dialog");

let ctx = null; // { navigate, threadView }
let unread = 0;
let items = [];
let loadSeq = 0;
let lastSum = 0;
let refreshTimer = null;

export function initNotifications({ live, navigate, threadView }) {
  ctx = { navigate, threadView };
  live.socket.on("mention", onMention);
  live.socket.on("notification", onNotification);
  live.socket.on("mentions_read", () => scheduleRefresh()); // read in another tab
  live.socket.on("connect", () => scheduleRefresh());
  $("mentions-btn").addEventListener("click", openView);
  $("mentions-more").addEventListener("click", () => load({ older: true }));
  $("notify-optin-btn").addEventListener("click", toggleDesktop);
  $("mention-list").addEventListener("click", (event) => {
    const button = event.target.closest("[data-index]");
    if (!button) return;
    const { message } = items[Number(button.dataset.index)];
    dialog.close();
    openMessage({ channel: message.channel, message_id: message.id, thread_id: message.thread_id });
  });
  onChange(watchChannelMentions);
  scheduleRefresh(0);
}

// --- the badge ---------------------------------------------------------------------------

function renderBadge() {
  const badge = $("mentions-badge");
  badge.hidden = unread === 0;
  badge.textContent = unread > 99 ? "99+" : String(unread);
  badge.title = `${unread} unread ${unread === 1 ? "mention or offer" : "mentions and offers"}`;
}

/** Ask the server for the count (it knows which channels I may still read). */
function scheduleRefresh(delay = 300) {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(async () => {
    try {
      unread = (await get("/mentions", { limit: 1 })).unread_mentions;
      renderBadge();
    } catch {
      // The next event or reconnect tries again; a badge is not worth an error toast.
    }
  }, delay);
}

/** Reading a channel (or losing it) lowers its mention count: the total may have changed. */
function watchChannelMentions() {
  let sum = 0;
  for (const channel of state.channels.values()) sum += channel.mentions ?? 0;
  if (sum < lastSum) scheduleRefresh();
  lastSum = sum;
}

function onMention({ channel }) {
  // The open channel reads its own mentions (for members, while the page is visible).
  const reading = channel === state.open && !document.hidden && state.channels.get(channel)?.member;
  if (!reading) {
    unread += 1;
    renderBadge();
  }
  if (dialog.open) load();
}

// --- notifications -----------------------------------------------------------------------

const desktopSupported = () => "Notification" in window;
const desktopOn = () => desktopSupported() && Notification.permission === "granted"
  && localStorage.getItem(OPT_IN_KEY) === "on";

function onNotification(note) {
  // mentions reload on `mention`; replies, "Can you help?" offers and the digest on theirs
  if (dialog.open && ["reply", "help", "digest"].includes(note.kind)) load();
  else if (note.kind === "help") scheduleRefresh(); // an offer counts in the badge too
  if (note.kind === "digest") {
    // The weekly digest has a page of its own, not a message to open.
    const item = toast(note.text);
    const open = h("a", { class: "btn btn--small toast-open", href: note.url, text: "Open" });
    item.querySelector(".toast-text").after(open);
    return;
  }
  const onScreen = !document.hidden && note.channel === state.open
    && (note.thread_id == null || ctx.threadView.rootId === note.thread_id);
  if (onScreen) return;
  if (document.hidden && desktopOn()) {
    const shown = new Notification("PhysNet", { body: note.text, tag: `physnet-${note.message_id}` });
    shown.addEventListener("click", () => {
      window.focus();
      shown.close();
      openMessage(note);
    });
    return;
  }
  const item = toast(note.text);
  const open = h("button", { class: "btn btn--small toast-open", type: "button", text: "Open" });
  open.addEventListener("click", () => {
    item.remove();
    openMessage(note);
  });
  item.querySelector(".toast-text").after(open);
}

function renderOptIn() {
  const box = $("notify-optin");
  box.hidden = !desktopSupported();
  if (box.hidden) return;
  const button = $("notify-optin-btn");
  const denied = Notification.permission === "denied";
  button.disabled = denied;
  button.textContent = desktopOn() ? "Turn off desktop notifications" : "Turn on desktop notifications";
  $("notify-optin-text").textContent = denied
    ? "Your browser blocks notifications from PhysNet; allow them in the site settings to turn them on."
    : "Get a desktop notification while PhysNet is in the background. It names the channel and the "
      + "person, never the message.";
}

async function toggleDesktop() {
  if (desktopOn()) {
    localStorage.setItem(OPT_IN_KEY, "off");
  } else {
    const permission = Notification.permission === "granted"
      ? "granted" : await Notification.requestPermission();
    if (permission === "granted") {
      localStorage.setItem(OPT_IN_KEY, "on");
      toast("Desktop notifications are on.");
    }
  }
  renderOptIn();
}

/** Open a channel at a message: in its thread for a reply, else highlighted in the channel. */
export async function openMessage({ channel, message_id: id, thread_id: threadId }) {
  try {
    if (channel !== state.open) await ctx.navigate(channel);
    let where = "#message-list";
    if (threadId != null || !document.querySelector(`#message-list .msg[data-id="${id}"]`)) {
      // A reply lives in its thread; an older message may not be loaded in the channel.
      const { message } = await get(`/messages/${threadId ?? id}`);
      await ctx.threadView.open(message);
      where = "#thread-list";
    }
    const el = document.querySelector(`${where} .msg[data-id="${id}"]`);
    if (el) {
      el.scrollIntoView({ block: "center" });
      el.classList.remove("msg--flash");
      void el.offsetWidth; // restart the highlight animation
      el.classList.add("msg--flash");
    }
  } catch (err) {
    toastError(err);
  }
}

// --- the view ----------------------------------------------------------------------------

function openView() {
  renderOptIn();
  openDialog("mentions-dialog");
  load();
}

/** Load the newest page (or, with older, the next one) and mark what is shown as read. */
async function load({ older = false } = {}) {
  const seq = ++loadSeq;
  $("mentions-status").textContent = "Loading…";
  try {
    const before = older && items.length ? items.at(-1).message.id : undefined;
    const page = await get("/mentions", { limit: PAGE, before });
    if (seq !== loadSeq) return;
    items = older ? [...items, ...page.items] : page.items;
    if (!older) renderDigest(page.digest);
    render(page.has_more);
    unread = page.unread_mentions;
    if (!older && page.items.some((i) => i.unread)) {
      const result = await post("/mentions/read", { up_to_id: page.items[0].message.id });
      unread = result.unread_mentions;
      for (const item of page.items) {
        const known = state.channels.get(item.channel.name);
        if (item.kind === "mention" && known?.mentions) known.mentions = 0;
      }
      changed();
    }
    renderBadge();
  } catch (err) {
    $("mentions-status").textContent = "";
    toastError(err);
  }
}

/** The weekly digest's line above the list: counts only; its page lists tips and questions. */
function renderDigest(digest) {
  const box = $("mentions-digest");
  box.hidden = !digest;
  if (!digest) return;
  const count = (n, noun) => `${n} ${noun}${n === 1 ? "" : "s"}`;
  box.replaceChildren(h("a", { class: `mention-open${digest.unread ? " mention-item--unread" : ""}`,
    href: digest.url },
  h("span", { class: "mention-where", text: `Weekly digest · week of ${digest.week}` }),
  h("span", {}, digest.unread ? h("span", { class: "visually-hidden", text: "Unread: " }) : null,
    `${count(digest.tips, "new tip")} and ${count(digest.questions, "open question")} you could answer`)));
}

const WHAT = {
  mention: " mentioned you",
  reply: " replied in a thread",
  help: " asked a question nobody has answered yet. Can you help?",
};

function render(hasMore) {
  $("mention-list").replaceChildren(...items.map((item, index) => {
    const { message, channel } = item;
    const where = channel.kind === "direct"
      ? `Direct message · ${channelLabel(state.channels.get(channel.name) ?? channel)}`
      : `#${channel.name}`;
    return h("li", { class: `mention-item${item.unread ? " mention-item--unread" : ""}` },
      h("button", { class: "mention-open", type: "button", dataset: { index } },
        h("span", { class: "mention-where" }, where, " · ",
          h("time", { datetime: message.created_at, title: fullTime(message.created_at),
            text: shortTime(message.created_at) })),
        h("span", {}, item.unread ? h("span", { class: "visually-hidden", text: "Unread: " }) : null,
          h("span", { class: "mention-who", text: message.author.display_name }),
          WHAT[item.kind] ?? " replied in a thread"),
        h("span", { class: "mention-text", text: plainText(message.html) })));
  }));
  $("mentions-more").hidden = !hasMore;
  $("mentions-status").textContent = items.length ? "" :
    "Nothing yet. When someone mentions you, or replies in a thread you started or joined, it shows up here.";
}
