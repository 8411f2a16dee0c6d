// What the buttons on a message do; shared by the channel list and the thread panel.

import { del, post } from "../api.js";
import { confirmDialog, showEdits } from "../dialogs.js";
import { state } from "../store.js";
import { openPromote } from "../tips/promote.js";
import { toastError } from "../toast.js";
import { startEdit } from "./edit.js";
import { openPicker } from "./picker.js";

/** ctx: {composer, openThread(msg), apply(message)} */
export async function handleAction(action, entry, button, list, ctx) {
  const { msg } = entry;
  switch (action) {
    case "react":
      openPicker(button, (emoji) => toggleReaction(msg, emoji, ctx));
      break;
    case "toggle-reaction":
      toggleReaction(msg, button.dataset.emoji, ctx);
      break;
    case "thread":
      ctx.openThread(msg);
      break;
    case "edit":
      startEdit(entry, list, { onDone: () => ctx.composer.focus() });
      break;
    case "delete":
      await deleteMessage(msg, ctx);
      break;
    case "edits":
      showEdits(msg);
      break;
    case "promote":
      openPromote(msg, { urls: state.urls });
      break;
    case "retry": {
      const draft = list.retryPending(msg.client_msg_id);
      if (draft) ctx.composer.deliver(draft);
      break;
    }
    case "discard":
      list.discardPending(msg.client_msg_id);
      break;
    default:
      break;
  }
}

async function toggleReaction(msg, emoji, ctx) {
  try {
    const { message } = await post(`/messages/${msg.id}/reactions`, { emoji });
    ctx.apply(message); // the broadcast will say the same; this makes it instant
  } catch (err) {
    toastError(err);
  }
}

async function deleteMessage(msg, ctx) {
  const ok = await confirmDialog({
    title: "Delete message?",
    text: "Everyone will see “This message was deleted.” in its place. This cannot be undone.",
    confirm: "Delete",
  });
  if (!ok) return;
  try {
    const { message } = await del(`/messages/${msg.id}`);
    ctx.apply(message);
  } catch (err) {
    toastError(err);
  }
}
