// PhysNet's web app: reads the bootstrap JSON, loads my channels, opens one, and routes
// live events to the views. Each view lives in its own module.

import { configureApi, enc, get } from "./api.js";
import { ChannelView } from "./channel/view.js";
import { initChannelNotify } from "./channel/notify.js";
import { initChannelBrowser } from "./channel/browser.js";
import { setIconSprite } from "./dom.js";
import { initMembers } from "./channel/members.js";
import { initPeople } from "./people/directory.js";
import { initPresence, showing, subscribe as subscribePresence } from "./presence.js";
import { initNotifications } from "./notifications.js";
import { initDevice } from "./push/device.js";
import { closeNav, initSidebar } from "./sidebar.js";
import { Live } from "./socket/live.js";
import { changed, channelRef, learnName, removeChannel, setChannel, state } from "./store.js";
import { ThreadView } from "./channel/thread.js";
import { initSearchRoutes } from "./search/routes.js";
import { initTipReminders, onTipReview } from "./tips/reminders.js";
import { toast, toastError } from "./toast.js";

const DEFAULT_CHANNEL = "ehr-tips";
const boot = JSON.parse(document.getElementById("bootstrap").textContent);
state.me = boot.me;
state.online.add(boot.me.username); // this page is my socket
state.urls = boot.urls;
learnName(boot.me);
configureApi(boot.urls);
setIconSprite(boot.urls.icons);

const appEl = document.getElementById("app");
const banner = document.getElementById("conn-banner");
let bannerTimer = null;

// A message or update goes to every list that shows it (a thread root is in both).
const apply = (message) => {
  channelView.list.update(message);
  threadView.list.update(message);
  channelView.pins.update(message);
};

// Live message ids already handled: a server process that died mid-broadcast has its
// messages announced again by a survivor, and a repeat must not count as unread twice.
const recent = { ids: new Set(), order: [] };
function firstTime(id) {
  if (recent.ids.has(id)) return false;
  recent.ids.add(id);
  recent.order.push(id);
  if (recent.order.length > 1000) recent.ids.delete(recent.order.shift());
  return true;
}

const live = new Live({
  message(msg) {
    if (!firstTime(msg.id)) return;
    channelView.onMessage(msg);
    if (msg.channel === state.open) {
      threadView.onMessage(msg);
      return;
    }
    const channel = state.channels.get(msg.channel);
    if (channel?.member && msg.author.username !== state.me.username) {
      channel.unread = (channel.unread ?? 0) + 1;
      changed();
    }
  },
  message_updated: apply,
  message_deleted({ id }) {
    channelView.list.markDeleted(id);
    threadView.list.markDeleted(id);
    channelView.pins.drop(id);
  },
  availability_notice({ text }) {
    toast(text); // "Dr. Kim is off duty until 07:00.": told once, to the sender only
  },
  message_quarantined({ message }) {
    toast(message, { kind: "error" }); // to the author alone: their message was reported
  },
  reaction({ message_id: id, reactions }) {
    channelView.list.setReactions(id, reactions);
    threadView.list.setReactions(id, reactions);
  },
  typing({ channel, username }) {
    if (channel === state.open && username !== state.me.username) channelView.typing.show(username);
  },
  availability({ username, label }) {
    // Someone on screen became busy, off duty or available again (they set it, or the
    // time they were off duty until passed).
    if (label) state.availability.set(username, label);
    else state.availability.delete(username);
    changed();
  },
  presence({ username, status }) {
    if (status === "online") state.online.add(username);
    else state.online.delete(username);
    channelView.refreshPresence();
    changed();
  },
  mention({ channel }) {
    const known = state.channels.get(channel);
    if (known && (channel !== state.open || document.hidden)) {
      known.mentions = (known.mentions ?? 0) + 1;
      changed();
    }
  },
  channel_joined(channel) {
    setChannel({ unread: 0, mentions: 0, ...channel });
    if (channel.kind === "direct") loadPartner(channel.name);
  },
  channel_updated(channel) {
    const known = state.channels.get(channel.name);
    const { title, description, kind, archived } = channel;
    // The copy sent to the channel's room names no one's role; the one sent to you alone
    // (you were made or un-made its moderator) carries your membership.
    const mine = channel.member ? { role: channel.role } : {};
    if (known) setChannel({ ...known, title, description, kind, archived, ...mine });
    channelView.onChannelUpdated(channel);
  },
  channel_left({ channel }) {
    const known = state.channels.get(channel);
    if (!known || state.leaving.has(channel)) return; // our own Leave handles itself
    if (known.private) removeChannel(channel);
    else setChannel({ ...known, member: false });
    if (channel !== state.open) return;
    toast(`You are no longer a member of ${channelRef(known)}.`);
    const next = known.private ? defaultChannel() : channel;
    if (next) navigate(next, { history: "replace" });
    else showEmptyState();
  },
  tip_review: (payload) => onTipReview(payload, state.urls),
  connected(first) {
    appEl.dataset.live = "connected"; // also lets browser tests wait for the socket
    clearTimeout(bannerTimer);
    banner.hidden = true;
    banner.classList.remove("conn-banner--error");
    subscribePresence();
    catchUpAll(first);
  },
  disconnected() {
    appEl.dataset.live = "reconnecting";
    channelView.dropped();
    // Brief blips are not worth a banner; a real outage is.
    clearTimeout(bannerTimer);
    bannerTimer = setTimeout(() => {
      banner.textContent = "Reconnecting… New messages will appear when the connection is back.";
      banner.hidden = false;
    }, 1500);
  },
  originRefused({ origin, accepted_origins: expected, public_url: publicUrl }) {
    appEl.dataset.live = "origin-refused";
    clearTimeout(bannerTimer);
    const wanted = expected?.length ? expected.join(" or ") : "an address the server could not work out";
    banner.replaceChildren(
      Object.assign(document.createElement("strong"), { textContent: "Live updates are off. " }),
      `The server refused the live connection: its origin rule does not accept this page's address `
        + `(${origin}); it expects ${wanted}. `
        + (publicUrl ? `Its public_url is ${publicUrl}. ` : "No public_url is set. ")
        + "Administrator: set public_url (PHYSNET_PUBLIC_URL) to the address people use, and have the "
        + "proxy send Host, X-Forwarded-Host and X-Forwarded-Proto in every location "
        + "(deploy/physnet-proxy-headers.conf, docs/deployment.md). Posting still works; reload for new messages.",
    );
    banner.classList.add("conn-banner--error");
    banner.hidden = false;
  },
  refused() {
    appEl.dataset.live = "refused";
    clearTimeout(bannerTimer);
    banner.replaceChildren("Your session has ended. ",
      Object.assign(document.createElement("a"), { href: `${state.urls.login}?next=${enc(location.pathname)}`,
        textContent: "Sign in again" }));
    banner.hidden = false;
  },
});

const threadView = new ThreadView({ live, apply, canModerate: () => channelView.canModerate() });
const channelView = new ChannelView({ live, thread: threadView, apply });
initPresence(live, () => channelView.refreshPresence());
const people = initPeople({ navigate: (name) => navigate(name) });
const searchRoutes = initSearchRoutes({ channelView, beforeRoute: closeNav });

/** Open a channel and keep the address bar (and Back) in step. */
function navigate(name, { history = "push" } = {}) {
  closeNav();
  people.hide();
  searchRoutes.leave();
  const url = state.urls.channel.replace("CHANNEL", enc(name));
  if (history === "push" && location.pathname !== url) window.history.pushState({ channel: name }, "", url);
  if (history === "replace") window.history.replaceState({ channel: name }, "", url);
  return channelView.open(name);
}

function channelFromPath() {
  const [prefix, suffix] = state.urls.channel.split("CHANNEL");
  const path = location.pathname;
  if (!path.startsWith(prefix) || !path.endsWith(suffix)) return null;
  return decodeURIComponent(path.slice(prefix.length, path.length - suffix.length || undefined)) || null;
}

function defaultChannel() {
  const mine = [...state.channels.values()].filter((c) => c.member);
  if (mine.some((c) => c.name === DEFAULT_CHANNEL)) return DEFAULT_CHANNEL;
  const regular = mine.filter((c) => c.kind !== "direct").sort((a, b) => a.title.localeCompare(b.title));
  return (regular[0] ?? mine[0])?.name ?? null;
}

/** The other person of a direct channel, for its name and presence dot. */
async function loadPartner(name) {
  try {
    const { members } = await get(`/channels/${enc(name)}/members`);
    const other = members.find((m) => m.username !== state.me.username) ?? members[0];
    if (other) {
      learnName(other);
      state.partners.set(name, other);
      showing("partners", [...state.partners.values()].map((p) => p.username));
      changed();
      if (name === state.open) channelView.refreshPresence();
    }
  } catch (err) {
    toastError(err);
  }
}

async function loadChannels() {
  const { channels } = await get("/channels");
  const listed = new Map(channels.map((c) => [c.name, c]));
  for (const name of [...state.channels.keys()]) {
    if (!listed.has(name)) removeChannel(name); // removed from a private channel meanwhile
  }
  for (const channel of channels) {
    if (channel.member || state.channels.has(channel.name)) setChannel(channel);
  }
  for (const channel of channels) {
    if (channel.member && channel.kind === "direct" && !state.partners.has(channel.name)) loadPartner(channel.name);
  }
}

/**
 * After a reconnect: unread counts and presence from the server for every channel, then
 * the messages the open channel (and thread) missed. On the first connect only the latter:
 * the first page may have loaded before the socket joined its rooms.
 */
async function catchUpAll(first) {
  if (!first) {
    try {
      await loadChannels();
    } catch (err) {
      toastError(err);
    }
  }
  await channelView.catchUp();
  live.caughtUp();
  channelView.markRead(); // also clears counts the listing reported for the open channel
}

function showEmptyState() {
  document.getElementById("channel-title").textContent = "Welcome to PhysNet";
  document.getElementById("history-status").textContent =
    "You are not in any channel yet. Use “Browse channels” to join one, or create your own.";
  document.getElementById("composer").hidden = true;
}

async function start() {
  initSidebar({ onNavigate: (name) => navigate(name) });
  initChannelBrowser({ navigate });
  initNotifications({ live, navigate, threadView });
  initDevice(boot.urls);
  initChannelNotify();
  initMembers(channelView, { onLeft: (name) => {
    if (name === state.open) navigate(defaultChannel() ?? name, { history: "replace" });
  } });
  window.addEventListener("popstate", () => {
    if (people.owns(location.pathname)) return people.open(location.pathname + location.search, { history: "none" });
    people.hide();
    if (searchRoutes.popstate()) return;
    const name = channelFromPath() ?? defaultChannel();
    if (name && name !== state.open) channelView.open(name);
  });
  try {
    await loadChannels();
  } catch (err) {
    toastError(err);
  }
  if (await searchRoutes.start(boot)) {
    appEl.dataset.ready = "true";
    return;
  }
  const first = boot.channel ?? defaultChannel();
  if (boot.view === "people") await people.open(location.pathname + location.search, { history: "none" });
  else if (first) await navigate(first, { history: boot.channel ? "none" : "replace" });
  else showEmptyState();
  // The first view is on screen and the composer knows its channel (browser tests wait for
  // this as well as for the socket, which may connect before the channel list is loaded).
  appEl.dataset.ready = "true";
  initTipReminders();
  await openLinkedThread();
}

/** /c/<name>?thread=ID (a tip's link back to its conversation) opens that thread. */
async function openLinkedThread() {
  const id = Number(new URLSearchParams(location.search).get("thread"));
  if (!Number.isInteger(id) || id <= 0) return;
  try {
    const { message } = await get(`/messages/${id}`);
    if (message.channel === state.open) threadView.open(message);
  } catch (err) {
    toastError(err);
  }
}

start();
