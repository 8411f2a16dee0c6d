// The left sidebar: my channels and direct messages with unread and mention badges and
// presence dots. Items are updated in place (keyed by channel) so focus survives updates.

import { h, icon } from "./dom.js";
import { initials, tone } from "./format.js";
import { channelLabel, channelUrl, onChange, state } from "./store.js";

const app = document.getElementById("app");
const openButton = document.getElementById("nav-open");
const scrim = document.getElementById("scrim");
const KIND_ICONS = { public: "hash", private: "lock", announcement: "megaphone" };

export function initSidebar({ onNavigate }) {
  const sidebar = document.getElementById("sidebar");
  sidebar.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-channel]");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    onNavigate(link.dataset.channel);
  });
  openButton.addEventListener("click", openNav);
  document.getElementById("nav-close").addEventListener("click", closeNav);
  scrim.addEventListener("click", closeNav);
  sidebar.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && app.classList.contains("nav-open")) closeNav();
  });
  const me = state.me;
  const avatar = document.getElementById("me-avatar");
  avatar.textContent = initials(me.display_name);
  avatar.classList.add(`avatar--t${tone(me.username)}`);
  document.getElementById("me-name").textContent = me.display_name;
  document.getElementById("me-sub").textContent = me.title || me.specialty || `@${me.username}`;
  onChange(render);
  render();
}

function openNav() {
  app.classList.add("nav-open");
  scrim.hidden = false;
  openButton.setAttribute("aria-expanded", "true");
  document.querySelector("#sidebar a[aria-current], #sidebar .side-action")?.focus();
}

export function closeNav() {
  if (!app.classList.contains("nav-open")) return;
  app.classList.remove("nav-open");
  scrim.hidden = true;
  openButton.setAttribute("aria-expanded", "false");
}

function render() {
  const mine = [...state.channels.values()].filter((c) => c.member);
  const byLabel = (a, b) => channelLabel(a).localeCompare(channelLabel(b));
  const channels = mine.filter((c) => c.kind !== "direct").sort(byLabel);
  const direct = mine.filter((c) => c.kind === "direct").sort(byLabel);
  reconcile(document.getElementById("channel-list"), channels);
  reconcile(document.getElementById("dm-list"), direct);
  document.getElementById("channel-empty").hidden = channels.length > 0;
  document.getElementById("dm-empty").hidden = direct.length > 0;
}

function reconcile(list, channels) {
  const existing = new Map([...list.children].map((li) => [li.dataset.channel, li]));
  channels.forEach((channel, i) => {
    const li = existing.get(channel.name) ?? h("li", { dataset: { channel: channel.name } });
    existing.delete(channel.name);
    fill(li, channel);
    // Move only when out of place: moving a node would drop keyboard focus inside it.
    if (list.children[i] !== li) list.insertBefore(li, list.children[i] ?? null);
  });
  for (const li of existing.values()) li.remove();
}

function fill(li, channel) {
  const open = channel.name === state.open;
  const unread = open ? 0 : channel.unread ?? 0;
  const mentions = open ? 0 : channel.mentions ?? 0;
  const partner = state.partners.get(channel.name);
  let marker;
  if (channel.kind === "direct") {
    const online = partner && state.online.has(partner.username);
    marker = h("span", { class: `nav-icon dot ${online ? "dot--online" : "dot--offline"}`,
      title: online ? "Online" : "Offline" });
  } else {
    marker = icon(KIND_ICONS[channel.kind] ?? "hash", "nav-icon");
  }
  const availability = channel.kind === "direct" && partner
    ? state.availability.get(partner.username) : null;
  const presence = channel.kind === "direct" && partner
    ? h("span", { class: "visually-hidden", text: state.online.has(partner.username) ? ", online" : ", offline" })
    : null;
  const link = h("a", {
    class: `nav-item${unread || mentions ? " nav-item--unread" : ""}`,
    href: channelUrl(channel.name), dataset: { channel: channel.name },
    "aria-current": open ? "page" : null,
  }, marker, h("span", { class: "nav-label", text: channelLabel(channel) }), presence,
  availability ? h("span", { class: "nav-availability", text: availability }) : null,
  mentions ? h("span", { class: "badge badge--mention", title: `${mentions} unread mentions`, text: `@${mentions}` }) : null,
  mentions ? h("span", { class: "visually-hidden", text: ` ${mentions} mentions` }) : null,
  unread ? h("span", { class: "badge badge--unread", title: `${unread} unread`, text: unread > 99 ? "99+" : String(unread) }) : null,
  unread ? h("span", { class: "visually-hidden", text: " unread" }) : null);
  const old = li.firstElementChild;
  if (!old) return li.append(link);
  // Update the existing link's contents so a focused link keeps focus.
  old.className = link.className;
  old.href = link.href;
  if (open) old.setAttribute("aria-current", "page");
  else old.removeAttribute("aria-current");
  old.replaceChildren(...link.childNodes);
}
