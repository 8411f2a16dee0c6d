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

/** Why a result matched: the question's words it holds, through which synonym or
 * spelling correction, and the words it lacks (null when the API sent none). Plain text. */
export function whyLine(result) {
  const matched = result.matched_words ?? [];
  const missing = result.missing_words ?? [];
  const via = result.matched_via ?? [];
  if (!matched.length || (!missing.length && !via.length)) return null;
  const parts = [`Matched ${matched.join(", ")}`];
  for (const v of via) {
    parts.push(`${v.word} → ${v.as} (${v.kind === "spelling" ? "spelling" : "synonym"})`);
  }
  if (missing.length) parts.push(`not ${missing.join(", ")}`);
  return h("p", { class: "hit-why", text: parts.join(" · ") });
}

/** Tips first, then messages and threads, each in rank order. */
export function tipsFirst(results) {
  return [...results.filter((r) => r.type === "tip"), ...results.filter((r) => r.type !== "tip")];
}

/** "Showing results for any of: …" when some results lack some of the words. */
export function anyOfLine(data) {
  if (!data.any_of?.length) return null;
  return h("span", { class: "search-any-of",
    text: `Showing results for any of: ${data.any_of.join(", ")}` });
}

/** The result as a link (a real address: it opens in a new tab and can be shared). */
export function resultLink(result) {
  const snippet = h("p", { class: "hit-snippet" });
  snippet.innerHTML = result.snippet_html; // escaped server-side; only <mark> tags
  const title = result.type === "tip" && result.title
    ? h("strong", { class: "hit-title", text: result.title }) : null;
  const kind = result.type === "tip" ? "Tip" : result.thread_id ? "Reply" : "Message";
  return h("a", {
    class: "hit", href: resultUrl(result), dataset: { type: result.type, id: result.id },
  },
  h("span", { class: "hit-meta" },
    h("span", { class: `hit-type hit-type--${result.type}`, text: kind }),
    result.question ? h("span", { class: "msg-question", dataset: { status: result.question },
      text: result.question === "answered" ? "Answered" : "Open question" }) : null,
    h("span", { class: "hit-channel" }, icon("hash"), result.channel),
    h("span", { class: "hit-author", text: result.author?.display_name ?? "" }),
    h("time", { class: "hit-time", datetime: result.created_at, title: fullTime(result.created_at),
      text: when(result.created_at) })),
  title, snippet, whyLine(result));
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
