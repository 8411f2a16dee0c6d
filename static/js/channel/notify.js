// The channel header's notification control: all messages, mentions & replies, or nothing,
// stored per membership on the server (PUT /channels/<name>/notifications).

import { enc, put } from "../api.js";
import { channelRef, onChange, setChannel, state } from "../store.js";
import { toast, toastError } from "../toast.js";

const control = document.getElementById("notify-control");
const select = document.getElementById("notify-level");
const SAYS = {
  all: "every new message",
  mentions: "mentions and replies to your threads",
  none: "nothing",
};

export function initChannelNotify() {
  select.addEventListener("change", async () => {
    const name = state.open;
    const level = select.value;
    try {
      const saved = await put(`/channels/${enc(name)}/notifications`, { level });
      const channel = state.channels.get(name);
      if (channel) setChannel({ ...channel, notifications: saved.level });
      toast(`${channelRef(channel)}: you will be notified about ${SAYS[saved.level]}.`);
    } catch (err) {
      toastError(err);
      render();
    }
  });
  onChange(render);
  render();
}

function render() {
  const channel = state.channels.get(state.open);
  control.hidden = !channel?.member || !channel.notifications;
  if (!control.hidden && document.activeElement !== select) select.value = channel.notifications;
}
