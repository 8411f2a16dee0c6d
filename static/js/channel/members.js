// The member list of the open channel: who is in it and online, add people, leave.

import { enc, get, post } from "../api.js";
import { confirmDialog, openDialog } from "../dialogs.js";
import { h } from "../dom.js";
import { initials, tone } from "../format.js";
import { userPicker } from "../people/picker.js";
import { hidden, showing } from "../presence.js";
import { channelRef, onChange, setChannel, state } from "../store.js";
import { toast, toastError } from "../toast.js";

const $ = (id) => document.getElementById(id);

export function initMembers(view, { onLeft }) {
  const dialog = $("members-dialog");
  const error = $("members-error");
  const picker = userPicker($("add-member-search"), $("add-member-results"), {
    exclude: () => new Set(view.members.map((m) => m.username)),
    onPick: async (user) => {
      try {
        await post(`/channels/${enc(view.channel.name)}/members`, { username: user.username });
        picker.clear();
        await refresh();
        toast(`${user.display_name} was added to ${channelRef(view.channel)}.`);
      } catch (err) {
        error.textContent = err.message;
        error.hidden = false;
      }
    },
  });

  const render = () => {
    const c = view.channel;
    if (!c) return;
    $("members-heading").textContent = `Members of ${channelRef(c)}`;
    $("add-member-field").hidden = !c.member || c.kind === "direct";
    $("leave-btn").hidden = !c.member || c.kind === "direct";
    $("member-list").replaceChildren(...view.members.map((m) => {
      const online = state.online.has(m.username);
      return h("li", { class: "person" },
        h("span", { class: `avatar avatar--sm avatar--t${tone(m.username)}`, "aria-hidden": "true",
          text: initials(m.display_name) }),
        h("span", { class: "person-text" },
          h("span", { class: "person-name" }, m.display_name,
            m.username === state.me.username ? h("span", { class: "muted", text: " (you)" }) : null),
          h("span", { class: "person-sub", text: `@${m.username}` })),
        m.role === "moderator" ? h("span", { class: "tag", text: "Moderator" }) : null,
        h("span", { class: `dot ${online ? "dot--online" : "dot--offline"}`, title: online ? "Online" : "Offline" }),
        h("span", { class: "visually-hidden", text: online ? "online" : "offline" }));
    }));
  };

  const refresh = async () => {
    const { members } = await get(`/channels/${enc(view.channel.name)}/members`);
    view.members = members;
    if (dialog.open) showing("members", members.map((m) => m.username));
    view.refreshPresence();
    render();
  };

  $("members-btn").addEventListener("click", () => {
    error.hidden = true;
    picker.clear();
    render();
    openDialog("members-dialog");
    refresh().catch(toastError);
  });

  $("leave-btn").addEventListener("click", async () => {
    const c = view.channel;
    dialog.close();
    const ok = await confirmDialog({ title: `Leave ${channelRef(c)}?`,
      text: c.private ? "It is private: someone will have to add you back." : "You can join again from Browse channels.",
      confirm: "Leave" });
    if (!ok) return;
    state.leaving.add(c.name);
    try {
      await post(`/channels/${enc(c.name)}/leave`);
      if (c.private) state.channels.delete(c.name);
      else setChannel({ ...c, member: false, unread: 0, mentions: 0 });
      toast(`You left ${channelRef(c)}.`);
      onLeft(c.name);
    } catch (err) {
      toastError(err);
    } finally {
      state.leaving.delete(c.name);
    }
  });

  dialog.addEventListener("close", () => hidden("members"));
  onChange(() => {
    if (dialog.open) render(); // presence dots stay live while the list is open
  });
}
