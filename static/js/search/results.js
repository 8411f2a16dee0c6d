// The full results page (/search?q=…&page=N) inside the app's main pane: every result with
// its snippet, the count, "Did you mean", warnings, paging, and the rebuilding or bad-query
// states, which always leave a readable page.

import { get } from "../api.js";
import { h, icon } from "../dom.js";
import { plural } from "../format.js";
import { anyOfLine, errorText, resultLink, suggestionLine, tipsFirst } from "./render.js";
import { searchUrl } from "./links.js";

const PER_PAGE = 20;
const MAX_PAGE = 50;
const $ = (id) => document.getElementById(id);

export class SearchPage {
  /** go(url): follow an in-app link (pushes history). */
  constructor({ go }) {
    this.go = go;
    this.section = $("search-page");
    this.seq = 0;
    this.section.addEventListener("click", (event) => {
      const link = event.target.closest("a.pager-link");
      if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
      event.preventDefault();
      this.go(link.href);
    });
  }

  get shown() {
    return !this.section.hidden;
  }

  hide() {
    this.seq += 1;
    this.section.hidden = true;
    delete $("app").dataset.view;
  }

  /** Show the results for the address bar's q and page. */
  async show() {
    const params = new URLSearchParams(location.search);
    const q = (params.get("q") ?? "").trim();
    const raw = Number(params.get("page") ?? "1");
    const page = Number.isInteger(raw) && raw >= 1 ? Math.min(raw, MAX_PAGE) : 1;
    const mine = ++this.seq;
    $("app").dataset.view = "search";
    this.section.hidden = false;
    $("channel-kind").replaceChildren(icon("search"));
    $("channel-title").textContent = q ? `Search: ${q}` : "Search";
    $("channel-desc").textContent = "";
    document.title = `${q ? `${q} · ` : ""}Search · PhysNet`;
    const input = $("search-input");
    if (input && document.activeElement !== input) input.value = q;
    if (!q) {
      this.#render(h("p", { class: "search-empty", text: "Type words or operators in the search box; “?” explains them." }));
      return;
    }
    this.#render(h("p", { class: "search-empty", role: "status", text: "Searching…" }));
    try {
      const data = await get("/search", { q, page });
      if (mine !== this.seq) return;
      this.#renderResults(q, page, data);
    } catch (err) {
      if (mine !== this.seq) return;
      const rebuilding = err?.code === "search_rebuilding";
      this.#render(h("div", { class: rebuilding ? "search-rebuilding" : "search-error", role: "alert" },
        h("strong", { text: rebuilding ? "Search is being rebuilt" : "This search did not work" }),
        h("p", { text: errorText(err) })));
    }
  }

  #render(...children) {
    this.section.replaceChildren(h("div", { class: "search-page-inner" }, ...children));
    this.section.scrollTop = 0;
  }

  #renderResults(q, page, data) {
    const first = (page - 1) * PER_PAGE + 1;
    const count = data.total
      ? `${plural(data.total, "result", "results")}${page > 1 ? ` · page ${page}` : ""}`
      : "No messages match.";
    const notes = [];
    if (data.suggestion) notes.push(h("p", { class: "search-note" }, suggestionLine(data.suggestion,
      searchUrl(data.suggestion), (s) => this.go(searchUrl(s)))));
    const anyOf = anyOfLine(data);
    if (anyOf) notes.push(h("p", { class: "search-note" }, anyOf));
    for (const warning of data.warnings ?? []) notes.push(h("p", { class: "search-warning", text: warning }));
    if (data.partial) {
      notes.push(h("p", { class: "search-warning",
        text: "This search took too long, so not every message was looked at; add a word or an operator." }));
    }
    const list = h("ol", { class: "search-results", start: String(first) },
      ...tipsFirst(data.results).map((r) => h("li", {}, resultLink(r))));
    const pages = Math.min(MAX_PAGE, Math.ceil((data.total ?? 0) / PER_PAGE));
    const pager = h("nav", { class: "pager", "aria-label": "Result pages" },
      page > 1 ? h("a", { class: "pager-link btn btn--small", href: searchUrl(q, page - 1), rel: "prev",
        text: "Previous" }) : null,
      pages > 1 ? h("span", { class: "muted", text: `Page ${page} of ${pages}` }) : null,
      page < pages ? h("a", { class: "pager-link btn btn--small", href: searchUrl(q, page + 1), rel: "next",
        text: "Next" }) : null);
    this.#render(h("p", { class: "search-count", role: "status", text: count }), ...notes,
      data.results.length ? list : null, pages > 1 ? pager : null);
  }
}
