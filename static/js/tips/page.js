// The tip pages: a listing (by channel, tag, owner, most helpful, recently verified, to review)
// or one tip with its endorse, verify, edit and history controls.

import { configureApi, get } from "../api.js";
import { h, setIconSprite } from "../dom.js";
import { plural } from "../format.js";
import { toastError } from "../toast.js";
import { listUrl, statusBadges, tagList, tipUrl } from "./common.js";
import { showTip } from "./detail.js";

const boot = JSON.parse(document.getElementById("bootstrap").textContent);
const $ = (id) => document.getElementById(id);
configureApi(boot.urls);
setIconSprite(boot.urls.icons);

const HEADINGS = { helpful: "Most helpful tips", verified: "Recently verified tips" };

function markTab(query) {
  const tab = query.review === "due" ? "due" : (query.sort ?? (boot.view === "list" ? "recent" : null));
  for (const link of document.querySelectorAll(".tips-tab")) {
    if (link.dataset.tab === tab && !query.channel && !query.tag && !query.owner) {
      link.setAttribute("aria-current", "page");
    }
  }
}

function heading(query) {
  if (query.review === "due") return "Tips to review";
  if (query.channel) return `Tips in #${query.channel}`;
  if (query.tag) return `Tips tagged ${query.tag}`;
  if (query.owner) return `Tips by @${query.owner}`;
  return HEADINGS[query.sort] ?? "Recent tips";
}

function card(tip) {
  return h("li", { class: "tip-card", dataset: { id: tip.id } },
    h("a", { class: "tip-card-title", href: tipUrl(boot.urls, tip.id), text: tip.title }),
    h("div", { class: "tip-card-meta muted" },
      h("a", { href: listUrl(boot.urls, { channel: tip.channel }), text: `#${tip.channel}` }),
      h("a", { href: listUrl(boot.urls, { owner: tip.owner.username }), text: tip.owner.display_name }),
      h("span", { class: "tip-card-count", text: plural(tip.endorsements, "person found it helpful", "people found it helpful") }),
      ...statusBadges(tip)),
    tip.tags.length ? h("ul", { class: "tip-tags", "aria-label": "Tags" }, tagList(boot.urls, tip.tags)) : null);
}

async function showList(query) {
  $("tips-list-view").hidden = false;
  const title = heading(query);
  $("tips-heading").textContent = title;
  document.title = `${title} · PhysNet`;
  if (query.review === "due") {
    $("tips-sub").textContent = "Tips past their review date that you own or moderate: check them against the current EHR, then edit or verify them.";
  }
  try {
    const data = await get("/tips", query);
    $("tips-list").replaceChildren(...data.tips.map(card));
    $("tips-status").textContent = data.total
      ? (data.tips.length ? "" : "No more tips on this page.")
      : (query.review === "due" ? "Nothing to review: every tip you look after is current." : "No tips here yet. Promote a helpful message from any conversation.");
    const page = data.page;
    const pages = Math.max(1, Math.ceil(data.total / 20));
    const prev = $("tips-prev");
    const next = $("tips-next");
    prev.hidden = page <= 1;
    next.hidden = page >= pages;
    prev.href = listUrl(boot.urls, { ...query, page: page - 1 > 1 ? page - 1 : "" });
    next.href = listUrl(boot.urls, { ...query, page: page + 1 });
    if (data.total) $("tips-sub").append(` ${plural(data.total, "tip", "tips")}.`);
  } catch (err) {
    $("tips-status").textContent = err.message;
    toastError(err);
  }
}

markTab(boot.query ?? {});
if (boot.view === "tip") showTip(boot);
else showList(boot.query ?? {});
