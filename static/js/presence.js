// Whose presence this page asks for. The socket connects with auth {presence: "subscribe"}
// and hears only about the people named here, so a shift change of N sign-ins costs each
// page a few events instead of N. Each view names the people it shows under its own key.
// The same subscription brings their availability ("busy", "off duty until 07:00"): in its
// answer, then as `availability` events.

import { changed, state } from "./store.js";

const MAX = 500; // the server's limit per subscription
const SETTLE_MS = 50; // views often change together: one subscription for all of them

const shown = new Map(); // view key -> usernames it shows
let live = null;
let timer = null;
let onUpdate = () => {};

/** live: the Live connection; update(): re-render what shows presence outside the store. */
export function initPresence(connection, update) {
  live = connection;
  onUpdate = update;
}

/** The view `key` now shows these people (replacing what it showed). */
export function showing(key, usernames) {
  const next = new Set(usernames);
  const before = shown.get(key);
  if (before && before.size === next.size && [...next].every((name) => before.has(name))) return;
  shown.set(key, next);
  schedule();
}

/** The view `key` shows nobody any more. */
export function hidden(key) {
  if (shown.delete(key)) schedule();
}

function schedule() {
  clearTimeout(timer);
  timer = setTimeout(subscribe, SETTLE_MS);
}

/** Tell the server whom we show and learn who of them is online (also after a reconnect). */
export async function subscribe() {
  clearTimeout(timer);
  if (!live?.connected) return; // the next connect subscribes
  const names = new Set();
  for (const set of shown.values()) for (const name of set) names.add(name);
  names.delete(state.me.username);
  const asked = [...names].slice(0, MAX);
  let online, availability;
  try {
    ({ online, availability = {} } = await live.presenceSubscribe(asked));
  } catch {
    return; // Redis briefly away or the socket dropped: the next (re)connect asks again
  }
  for (const name of asked) {
    state.online.delete(name);
    state.availability.delete(name);
  }
  for (const name of online) state.online.add(name);
  for (const [name, label] of Object.entries(availability)) state.availability.set(name, label);
  onUpdate();
  changed();
}
