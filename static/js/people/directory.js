// The people directory (/people) and profiles (/people/<username>), shown in place of the
// channel pane: search by name, facet by specialty and facility, page through results.

import { get } from "../api.js";
import { h } from "../dom.js";
import { initials, tone } from "../format.js";
import { ProfileView } from "./profile.js";
import { hidden, showing } from "../presence.js";
import { changed, learnName, onChange, state } from "../store.js";
import { toastError } from "../toast.js";

const $ = (id) => document.getElementById(id);
const FILTERS = ["q", "specialty", "facility", "department", "expertise", "ehr"];
const DEBOUNCE_MS = 200;

export function avatar(user, size = "") {
  if (user.photo_url) {
    return h("img", { class: `avatar avatar-photo ${size}`, src: user.photo_url, alt: "", loading: "lazy" });
  }
  return h("span", { class: `avatar avatar--t${tone(user.username)} ${size}`, "aria-hidden": "true",
    text: initials(user.display_name) });
}

export function initPeople({ navigate }) {
  return new PeopleView({ navigate });
}

class PeopleView {
  constructor({ navigate }) {
    this.navigate = navigate;
    this.section = $("people-view");
    this.params = new URLSearchParams();
    this.seq = 0;
    this.timer = null;
    this.profile = new ProfileView({ navigate });
    $("people-btn").addEventListener("click", (event) => {
      if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
      event.preventDefault();
      this.open(state.urls.people);
    });
    const form = $("people-search");
    form.addEventListener("submit", (event) => event.preventDefault());
    form.addEventListener("input", () => {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.applyForm(), DEBOUNCE_MS);
    });
    for (const name of ["specialty", "facility"]) {
      $(`facet-${name}`).addEventListener("click", (event) => {
        const button = event.target.closest("[data-value]");
        if (!button) return;
        const next = new URLSearchParams(this.params);
        if (next.get(name) === button.dataset.value) next.delete(name);
        else next.set(name, button.dataset.value);
        next.delete("page");
        this.open(this.url(next), { history: "replace" });
      });
    }
    onChange(() => this.paintAvailability());
    $("people-results").addEventListener("click", (event) => this.follow(event));
    $("profile-pane").addEventListener("click", (event) => this.follow(event));
    $("people-nav-open").addEventListener("click", () => $("nav-open").click());
    $("people-prev").addEventListener("click", () => this.turn(-1));
    $("people-next").addEventListener("click", () => this.turn(1));
  }

  /** Whether `path` is one of ours (the directory or a profile). */
  owns(path) {
    return path === state.urls.people || this.usernameOf(path) !== null;
  }

  usernameOf(path) {
    const [prefix] = state.urls.profile.split("USERNAME");
    return path.startsWith(prefix) && path.length > prefix.length
      ? decodeURIComponent(path.slice(prefix.length)) : null;
  }

  url(params) {
    const query = params.toString();
    return query ? `${state.urls.people}?${query}` : state.urls.people;
  }

  /** Links inside the directory and profiles stay in the app. */
  follow(event) {
    const link = event.target.closest("a[href]");
    if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
    const url = new URL(link.href, location.href);
    if (url.origin !== location.origin) return;
    if (this.owns(url.pathname)) {
      event.preventDefault();
      this.open(url.pathname + url.search);
    } else if (link.dataset.channel) {
      event.preventDefault();
      this.navigate(link.dataset.channel);
    }
  }

  /** Show the directory or a profile for `url` ("/people?q=..", "/people/akim"). */
  async open(url, { history = "push" } = {}) {
    if (history === "push" && location.pathname + location.search !== url) window.history.pushState({ people: url }, "", url);
    if (history === "replace") window.history.replaceState({ people: url }, "", url);
    this.show();
    const target = new URL(url, location.href);
    const username = this.usernameOf(target.pathname);
    $("directory-pane").hidden = username !== null;
    $("profile-pane").hidden = username === null;
    if (username !== null) {
      $("people-heading").textContent = "Profile";
      $("people-desc").textContent = "";
      return this.profile.open(username);
    }
    $("people-heading").textContent = "People";
    $("people-desc").textContent = "Find a colleague by name, specialty, hospital or expertise.";
    this.params = target.searchParams;
    for (const name of ["q", "department", "expertise"]) $(`people-${name}`).value = this.params.get(name) ?? "";
    return this.search();
  }

  show() {
    state.open = null; // no channel is on screen: its new messages count as unread
    changed();
    document.getElementById("main").hidden = true;
    document.getElementById("thread-panel").hidden = true;
    document.getElementById("app").classList.remove("thread-open");
    this.section.hidden = false;
  }

  hide() {
    hidden("people");
    this.section.hidden = true;
    document.getElementById("main").hidden = false;
  }

  applyForm() {
    const next = new URLSearchParams(this.params);
    for (const name of ["q", "department", "expertise"]) {
      const value = $(`people-${name}`).value.trim();
      if (value) next.set(name, value);
      else next.delete(name);
    }
    next.delete("page");
    this.open(this.url(next), { history: "replace" });
  }

  turn(step) {
    const next = new URLSearchParams(this.params);
    next.set("page", String(Math.max(1, Number(this.params.get("page") ?? 1) + step)));
    this.open(this.url(next));
    $("people-scroll").scrollTop = 0;
  }

  async search() {
    const mine = ++this.seq;
    const query = Object.fromEntries(FILTERS.concat("page").map((k) => [k, this.params.get(k)]));
    let data;
    try {
      data = await get("/users", query);
    } catch (err) {
      toastError(err);
      return;
    }
    if (mine !== this.seq) return; // a newer search already answered
    data.users.forEach(learnName);
    this.render(data);
  }

  /** Busy / off duty beside each person listed, as the store knows it now. */
  paintAvailability() {
    for (const el of $("people-results").querySelectorAll("[data-availability]")) {
      el.textContent = state.availability.get(el.dataset.availability) ?? "";
    }
  }

  render({ users, total, page, per_page: perPage, facets }) {
    const pages = Math.max(1, Math.ceil(total / perPage));
    $("people-summary").textContent = total === 0 ? "Nobody matches these filters."
      : `${total.toLocaleString()} ${total === 1 ? "person" : "people"}${pages > 1 ? ` · page ${page} of ${pages.toLocaleString()}` : ""}`;
    $("people-results").replaceChildren(...users.map((user) => h("li", { class: "directory-item" },
      avatar(user),
      h("div", { class: "person-text" },
        h("a", { class: "person-name", href: state.urls.profile.replace("USERNAME", encodeURIComponent(user.username)),
          text: user.display_name }),
        h("span", { class: "person-sub", text: [user.title, user.specialty, user.facility].filter(Boolean).join(" · ") }),
        h("span", { class: "person-availability", dataset: { availability: user.username },
          text: state.availability.get(user.username) ?? "" }),
        user.expertise.length ? h("span", { class: "person-tags", text: user.expertise.join(", ") }) : null))));
    showing("people", users.map((user) => user.username)); // their availability, kept live
    $("people-prev").disabled = page <= 1;
    $("people-next").disabled = page >= pages;
    $("people-pageinfo").textContent = pages > 1 ? `Page ${page} of ${pages.toLocaleString()}` : "";
    for (const name of ["specialty", "facility"]) {
      const active = this.params.get(name);
      $(`facet-${name}`).replaceChildren(...facets[name].map(({ value, count }) => h("li", {},
        h("button", { class: "facet-btn", type: "button", "aria-pressed": String(value === active),
          dataset: { value } }, h("span", { class: "facet-value", text: value }),
        h("span", { class: "facet-count", text: count.toLocaleString() })))));
    }
  }
}
