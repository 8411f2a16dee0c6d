// What the page knows: me, my channels with their unread counts, who is online, and names.
// Views subscribe with onChange(); changes are batched into one render per task.

export const state = {
  me: null,
  urls: {},
  channels: new Map(), // name -> channel JSON (+ unread, mentions) for channels I can see
  partners: new Map(), // direct channel name -> the other person {username, display_name}
  online: new Set(), // usernames with at least one open socket
  availability: new Map(), // username -> "busy" / "off duty until 07:00" (absent: available)
  names: new Map(), // username -> display name, learned from messages and member lists
  open: null, // the channel shown in the main pane
  leaving: new Set(), // channels I am leaving right now (my own Leave, not an admin's)
};

const listeners = new Set();
let queued = false;

export function onChange(fn) {
  listeners.add(fn);
}

export function changed() {
  if (queued) return;
  queued = true;
  queueMicrotask(() => {
    queued = false;
    for (const fn of listeners) fn();
  });
}

export function learnName(user) {
  if (user?.username) state.names.set(user.username, user.display_name || user.username);
}

export const displayName = (username) => state.names.get(username) ?? username;

export const isStaff = () => ["moderator", "admin"].includes(state.me.role);

export const channelUrl = (name) => state.urls.channel.replace("CHANNEL", encodeURIComponent(name));

/** What people call a channel: a DM is named after the other person, not dm-3-7. */
export function channelLabel(channel) {
  if (!channel) return "";
  if (channel.kind === "direct") {
    const partner = state.partners.get(channel.name);
    return partner ? partner.display_name : channel.title;
  }
  return channel.title || channel.name;
}

/** "#ehr-tips" for channels, the person's name for DMs: used in placeholders and toasts. */
export function channelRef(channel) {
  return channel?.kind === "direct" ? channelLabel(channel) : `#${channel?.name ?? ""}`;
}

export function setChannel(channel) {
  const known = state.channels.get(channel.name) ?? { unread: 0, mentions: 0 };
  state.channels.set(channel.name, { ...known, ...channel });
  changed();
}

export function removeChannel(name) {
  state.channels.delete(name);
  state.partners.delete(name);
  changed();
}
