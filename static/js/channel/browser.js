// The channel browser: browse and join channels, create one, message a colleague directly.

import { enc, get, post } from "../api.js";
import { openDialog } from "../dialogs.js";
import { h, icon } from "../dom.js";
import { userPicker } from "../people/picker.js";
import { setChannel, state } from "../store.js";
import { toastError } from "../toast.js";

const $ = (id) => document.getElementById(id);

export function initChannelBrowser({ navigate }) {
  initNewChannel(navigate);
  initBrowse(navigate);
  initDirect(navigate);
}

function initNewChannel(navigate) {
  const form = $("new-channel-form");
  const error = $("nc-error");
  const name = $("nc-name");
  const title = $("nc-title");
  $("new-channel-btn").addEventListener("click", () => {
    form.reset();
    error.hidden = true;
    openDialog("new-channel-dialog");
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const submit = form.querySelector('[type="submit"]');
    submit.disabled = true;
    error.hidden = true;
    try {
      const { channel } = await post("/channels", {
        name: name.value.trim().replace(/^#/, ""), title: title.value.trim(),
        description: $("nc-description").value.trim(), private: $("nc-private").checked,
      });
      setChannel({ ...channel, unread: 0, mentions: 0 });
      $("new-channel-dialog").close();
      navigate(channel.name);
    } catch (err) {
      // The server's own sentence, next to the form, so the person can fix the field.
      error.textContent = err.message;
      error.hidden = false;
      (err.code?.includes("name") || err.code === "channel_exists" ? name : title).focus();
    } finally {
      submit.disabled = false;
    }
  });
}

function initBrowse(navigate) {
  const list = $("browse-list");
  const filter = $("browse-filter");
  let channels = [];

  const render = () => {
    const q = filter.value.trim().toLowerCase();
    const shown = channels.filter((c) => !q || `${c.name} ${c.title} ${c.description}`.toLowerCase().includes(q));
    $("browse-empty").hidden = channels.length > 0;
    list.replaceChildren(...shown.map((c) => h("li", { class: "browse-item" },
      h("div", { class: "browse-text" },
        h("a", { class: "browse-name", href: state.urls.channel.replace("CHANNEL", enc(c.name)),
          dataset: { view: c.name } }, icon(c.kind === "announcement" ? "megaphone" : "hash"),
        h("span", { text: c.title || c.name })),
        h("span", { class: "browse-sub", text: `#${c.name}${c.description ? ` · ${c.description}` : ""}` })),
      h("button", { class: "btn btn--small", type: "button", dataset: { join: c.name },
        "aria-label": `Join ${c.title || c.name}`, text: "Join" }))));
  };

  $("browse-btn").addEventListener("click", async () => {
    filter.value = "";
    list.replaceChildren(h("li", { class: "muted", text: "Loading channels…" }));
    openDialog("browse-dialog");
    try {
      const data = await get("/channels");
      data.channels.forEach((c) => {
        if (c.member) setChannel(c);
      });
      channels = data.channels.filter((c) => !c.member && c.kind !== "direct" && !c.archived);
      render();
    } catch (err) {
      toastError(err);
    }
  });
  filter.addEventListener("input", render);
  list.addEventListener("click", async (event) => {
    const view = event.target.closest("[data-view]");
    if (view && event.button === 0 && !event.ctrlKey && !event.metaKey) {
      event.preventDefault();
      $("browse-dialog").close();
      navigate(view.dataset.view);
      return;
    }
    const join = event.target.closest("[data-join]");
    if (!join) return;
    join.disabled = true;
    try {
      const { channel } = await post(`/channels/${enc(join.dataset.join)}/join`);
      setChannel({ ...channel, unread: 0, mentions: 0 });
      $("browse-dialog").close();
      navigate(channel.name);
    } catch (err) {
      join.disabled = false;
      toastError(err);
    }
  });
}

function initDirect(navigate) {
  const error = $("dm-error");
  const picker = userPicker($("dm-search"), $("dm-results"), {
    exclude: () => new Set([state.me.username]),
    onPick: async (user) => {
      error.hidden = true;
      try {
        const { channel } = await post("/direct", { username: user.username });
        state.partners.set(channel.name, { username: user.username, display_name: user.display_name });
        setChannel({ ...channel, unread: 0, mentions: 0 });
        $("dm-dialog").close();
        navigate(channel.name);
      } catch (err) {
        error.textContent = err.message;
        error.hidden = false;
      }
    },
  });
  for (const id of ["new-dm-btn", "new-dm-btn-2"]) {
    $(id).addEventListener("click", () => {
      picker.clear();
      error.hidden = true;
      openDialog("dm-dialog");
    });
  }
}
