// Pieces the tip pages and the promote dialog share: tag input, addresses, badges.

import { enc } from "../api.js";
import { h, icon } from "../dom.js";

/** "epic-in-basket, Order-Sets  #results" -> ["epic-in-basket", "Order-Sets", "results"]; the
 * server normalizes case and explains any tag it refuses. */
export function parseTags(text) {
  return text.split(/[\s,]+/).map((t) => t.replace(/^#/, "")).filter(Boolean);
}

export function tipUrl(urls, id) {
  return urls.tip.replace("TIP", String(id));
}

export function listUrl(urls, params) {
  const query = new URLSearchParams(Object.entries(params).filter(([, v]) => v)).toString();
  return query ? `${urls.tips}?${query}` : urls.tips;
}

/** The address of a tip's conversation: its channel, with the thread open. */
export function conversationUrl(urls, tip) {
  const channel = urls.channel.replace("CHANNEL", enc(tip.channel));
  return tip.thread_id ? `${channel}?thread=${tip.thread_id}` : channel;
}

export function tagList(urls, tags) {
  return tags.map((tag) => h("li", {}, h("a", { class: "tip-tag", href: listUrl(urls, { tag }), text: tag })));
}

export function statusBadges(tip) {
  return [
    tip.verified ? h("span", { class: "tip-badge tip-badge--verified" }, icon("check"), "Verified") : null,
    tip.out_of_date ? h("span", { class: "tip-badge tip-badge--stale" }, icon("alert"), "May be out of date") : null,
  ];
}
