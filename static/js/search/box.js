// The header search box: results as you type (debounced; a slower, older answer never
// replaces a newer one), Up/Down/Enter/Escape in the dropdown, "/" to focus, Enter for the
// full results page, and the "?" popover that explains the operators.

import { ApiError, get } from "../api.js";
import { h } from "../dom.js";
import { plural } from "../format.js";
import { anyOfLine, errorText, resultLink, suggestionLine, tipsFirst } from "./render.js";
import { searchUrl } from "./links.js";

const DEBOUNCE_MS = 200;
const SHOWN = 8;
const $ = (id) => document.getElementById(id);

/** options.openUrl(url) opens a link in the app (default: load the page). */
export function initSearchBox({ openUrl = (url) => window.location.assign(url) } = {}) {
  const form = $("search-form");
  if (!form) return null;
  const input = $("search-input");
  const dropdown = $("search-dropdown");
  const status = $("search-status");
  const options = $("search-options");
  const helpBtn = $("search-help-btn");
  const help = $("search-help");
  let timer = null;
  let seq = 0; // the newest request; answers to older ones are dropped
  let active = -1;
  let lastQuery = null;

  const items = () => [...options.querySelectorAll('[role="option"]')];

  function setActive(index) {
    const all = items();
    active = all.length ? (index + all.length) % all.length : -1;
    all.forEach((el, i) => el.setAttribute("aria-selected", String(i === active)));
    if (active >= 0) {
      input.setAttribute("aria-activedescendant", all[active].id);
      all[active].scrollIntoView({ block: "nearest" });
    } else input.removeAttribute("aria-activedescendant");
  }

  function open() {
    dropdown.hidden = false;
    input.setAttribute("aria-expanded", "true");
  }

  function close() {
    dropdown.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function option(child, index) {
    return h("li", { role: "option", id: `search-option-${index}`, "aria-selected": "false",
      class: "search-option" }, child);
  }

  function rerun(q) {
    input.value = q;
    input.focus();
    schedule(0);
  }

  function render(q, data) {
    const results = tipsFirst(data.results.slice(0, SHOWN));
    const rows = results.map((r, i) => option(resultLink(r), i));
    rows.push(option(h("a", { class: "search-all", href: searchUrl(q),
      text: data.total ? `See all ${plural(data.total, "result", "results")}` : `Search for “${q}”` }),
    rows.length));
    options.replaceChildren(...rows);
    status.replaceChildren();
    if (data.suggestion) status.append(suggestionLine(data.suggestion, searchUrl(data.suggestion), rerun));
    else if (!data.total) status.textContent = "No messages match.";
    const anyOf = anyOfLine(data);
    if (anyOf) status.append(anyOf);
    for (const warning of data.warnings ?? []) status.append(h("span", { class: "search-warning", text: warning }));
    status.hidden = !status.childNodes.length;
    active = -1;
    open();
  }

  async function run() {
    const q = input.value.trim();
    if (!q) {
      seq += 1;
      lastQuery = null;
      close();
      return;
    }
    if (q === lastQuery && !dropdown.hidden) return;
    const mine = ++seq;
    form.setAttribute("aria-busy", "true");
    try {
      const data = await get("/search", { q });
      if (mine !== seq) return;
      lastQuery = q;
      render(q, data);
    } catch (err) {
      if (mine !== seq) return;
      lastQuery = null;
      options.replaceChildren();
      status.hidden = false;
      status.replaceChildren(h("span", { class: err instanceof ApiError && err.code === "search_rebuilding"
        ? "search-rebuilding" : "search-error", text: errorText(err) }));
      open();
    } finally {
      if (mine === seq) form.removeAttribute("aria-busy");
    }
  }

  function schedule(delay = DEBOUNCE_MS) {
    clearTimeout(timer);
    timer = setTimeout(run, delay);
  }

  function follow(link, event) {
    if (event && (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey)) return;
    event?.preventDefault();
    close();
    input.blur();
    openUrl(link.href);
  }

  input.addEventListener("input", () => schedule());
  input.addEventListener("focus", () => {
    if (input.value.trim() && options.childElementCount) open();
  });
  input.addEventListener("keydown", (event) => {
    if (event.isComposing) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (dropdown.hidden) {
        if (input.value.trim()) { lastQuery = null; schedule(0); }
        return;
      }
      setActive(active + (event.key === "ArrowDown" ? 1 : -1));
    } else if (event.key === "Enter") {
      event.preventDefault();
      const chosen = active >= 0 ? items()[active]?.querySelector("a") : null;
      if (chosen) follow(chosen);
      else if (input.value.trim()) {
        clearTimeout(timer);
        seq += 1; // a type-ahead answer arriving now must not reopen the dropdown
        close();
        openUrl(searchUrl(input.value.trim()));
      }
    } else if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation(); // keep an open thread panel open
      if (!dropdown.hidden) close();
      else input.blur();
    }
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (input.value.trim()) openUrl(searchUrl(input.value.trim()));
  });
  options.addEventListener("click", (event) => {
    const link = event.target.closest("a");
    if (link) follow(link, event);
  });
  options.addEventListener("mousedown", (event) => event.preventDefault()); // keep focus in the box

  // Help popover.
  const setHelp = (show) => {
    help.hidden = !show;
    helpBtn.setAttribute("aria-expanded", String(show));
    if (show) close();
  };
  helpBtn.addEventListener("click", () => setHelp(help.hidden));
  help.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.stopPropagation();
      setHelp(false);
      helpBtn.focus();
    }
  });
  helpBtn.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !help.hidden) {
      event.stopPropagation();
      setHelp(false);
    }
  });
  // Escape closes the open popover wherever focus went meanwhile (the channel's composer
  // takes focus once its history has loaded, which can land after the help was opened).
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !help.hidden) setHelp(false);
  });

  document.addEventListener("pointerdown", (event) => {
    if (!form.contains(event.target)) {
      close();
      setHelp(false);
    }
  });

  // "/" anywhere but in a field focuses the box, as in Slack and GitHub.
  document.addEventListener("keydown", (event) => {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    const target = event.target;
    if (target instanceof Element && target.closest("input, textarea, select, [contenteditable]")) return;
    if (document.querySelector("dialog[open]")) return;
    event.preventDefault();
    input.focus();
    input.select();
  });

  return {
    input,
    setQuery(q) {
      input.value = q;
      lastQuery = null;
      close();
    },
    close,
  };
}
