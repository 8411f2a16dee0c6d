// One search result: what it is, where, who, when, and the snippet with the matched words
// highlighted. The snippet is HTML the server built and escaped (only <mark> is markup).

import { h, icon } from "../dom.js";
import { fullTime } from "../format.js";
import { resultUrl } from "./links.js";

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });
const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });

function when(iso) {
  const d = new Date(iso);
  const today = new Date().toDateString() === d.toDateString();
  return today ? timeFormat.format(d) : dateFormat.format(d);
}

/** The result as a link (a real address: it opens in a new tab and can be shared). */
export function resultLink(result) {
  const snippet = h("p", { class: "hit-snippet" });
  snippet.innerHTML = result.snippet_html; // escaped server-side; only <mark> tags
  const kind = result.type === "tip" ? "Tip" : result.thread_id ? "Reply" : "Message";
  return h("a", {
    class: "hit", href: resultUrl(result), dataset: { type: result.type, id: result.id },
  },
  h("span", { class: "hit-meta" },
    h("span", { class: `hit-type hit-type--${result.type}`, text: kind }),
    h("span", { class: "hit-channel" }, icon("hash"), result.channel),
    h("span", { class: "hit-author", text: result.author?.display_name ?? "" }),
    h("time", { class: "hit-time", datetime: result.created_at, title: fullTime(result.created_at),
      text: when(result.created_at) })),
  snippet);
}

/** "Did you mean X?" as a link that runs the corrected search. */
export function suggestionLine(suggestion, href, onPick) {
  const link = h("a", { class: "suggestion-link", href, text: suggestion });
  link.addEventListener("click", (event) => {
    if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    onPick(suggestion);
  });
  return h("span", { class: "suggestion" }, "Did you mean ", link, "?");
}

/** A sentence for a failed search: the API's own message, or the rebuilding notice. */
export function errorText(err) {
  if (err?.code === "search_rebuilding") return "Search is being rebuilt; try again in a minute.";
  return err?.message || "Search failed; try again.";
}
