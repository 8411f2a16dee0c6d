// A type-ahead for colleagues (GET /users?q=) as an ARIA combobox with a listbox.

import { get } from "../api.js";
import { h } from "../dom.js";
import { initials, tone } from "../format.js";
import { hidden, showing } from "../presence.js";
import { learnName, onChange, state } from "../store.js";
import { toastError } from "../toast.js";

const DEBOUNCE_MS = 180;

export function userPicker(input, listbox, { onPick, exclude = () => new Set() }) {
  let timer = null;
  let users = [];
  let active = -1;
  let seq = 0;

  const watchKey = `picker:${listbox.id}`;
  const render = () => {
    if (users.length) showing(watchKey, users.map((u) => u.username));
    else hidden(watchKey);
    listbox.replaceChildren(...users.map((user, i) => h("li", {
      class: "person", role: "option", id: `${listbox.id}-${i}`, "aria-selected": String(i === active),
      dataset: { index: i },
    },
    h("span", { class: `avatar avatar--sm avatar--t${tone(user.username)}`, "aria-hidden": "true",
      text: initials(user.display_name) }),
    h("span", { class: "person-text" },
      h("span", { class: "person-name" }, user.display_name,
        state.online.has(user.username) ? h("span", { class: "dot dot--online", title: "Online" }) : null),
      h("span", { class: "person-sub",
        text: [user.title, user.specialty, user.facility].filter(Boolean).join(" · ") })))));
    input.setAttribute("aria-expanded", String(users.length > 0));
    if (active >= 0) input.setAttribute("aria-activedescendant", `${listbox.id}-${active}`);
    else input.removeAttribute("aria-activedescendant");
  };

  const search = async () => {
    const q = input.value.trim();
    const mine = ++seq;
    if (!q) {
      users = [];
      active = -1;
      return render();
    }
    try {
      const data = await get("/users", { q });
      if (mine !== seq) return; // a newer keystroke already asked
      const skip = exclude();
      users = data.users.filter((u) => !skip.has(u.username));
      users.forEach(learnName);
      active = users.length ? 0 : -1;
      render();
      if (!users.length) listbox.replaceChildren(h("li", { class: "person-none", text: `Nobody matches “${q}”.` }));
    } catch (err) {
      toastError(err);
    }
  };

  // Online dots follow presence while the list is open. The options are updated in place,
  // not rebuilt: a node replaced between mouse-down and mouse-up would swallow the click.
  const refreshDots = () => {
    for (const option of listbox.querySelectorAll("[data-index]")) {
      const user = users[Number(option.dataset.index)];
      const name = option.querySelector(".person-name");
      const dot = name?.querySelector(".dot--online");
      const online = user !== undefined && state.online.has(user.username);
      if (online && !dot) name.append(h("span", { class: "dot dot--online", title: "Online" }));
      else if (!online && dot) dot.remove();
    }
  };
  onChange(() => {
    if (users.length) refreshDots();
  });
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(search, DEBOUNCE_MS);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!users.length) return;
      event.preventDefault();
      active = (active + (event.key === "ArrowDown" ? 1 : -1) + users.length) % users.length;
      render();
    } else if (event.key === "Enter" && active >= 0) {
      event.preventDefault();
      onPick(users[active]);
    }
  });
  listbox.addEventListener("click", (event) => {
    const option = event.target.closest("[data-index]");
    if (option) onPick(users[Number(option.dataset.index)]);
  });

  return {
    clear() {
      input.value = "";
      users = [];
      active = -1;
      render();
    },
  };
}
