// What the buttons on a message do; shared by the channel list and the thread panel.

import { del, post } from "../api.js";
import { confirmDialog, showEdits } from "../dialogs.js";
import { askReason } from "../phi.js";
import { state } from "../store.js";
import { openPromote } from "../tips/promote.js";
import { toast, toastError } from "../toast.js";
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
    case "report":
      await reportMessage(msg, list);
      break;
    case "pin":
      await togglePin(msg, ctx);
      break;
    case "promote":
      if (msg.question?.status === "answered") await promoteQuestion(msg);
      else openPromote(msg, { urls: state.urls });
      break;
    case "accept-answer":
      await acceptAnswer(msg, list, ctx);
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

async function togglePin(msg, ctx) {
  try {
    const path = `/messages/${msg.id}/pin`;
    const { message } = msg.pinned_at ? await del(path) : await post(path);
    ctx.apply(message); // the broadcast says the same to everyone else
  } catch (err) {
    toastError(err);
  }
}

/** The asker (or a moderator) accepts this reply as the thread's answer, or unmarks it. */
async function acceptAnswer(msg, list, ctx) {
  const root = list.entries.get(msg.thread_id)?.msg;
  if (!root?.question) return;
  try {
    const path = `/messages/${root.id}/answer`;
    const { message } = root.question.answer_id === msg.id
      ? await del(path) : await post(path, { message_id: msg.id });
    ctx.apply(message);
  } catch (err) {
    toastError(err);
  }
}

/** An answered question becomes a tip: the question as its title, the answer as its body. */
async function promoteQuestion(msg) {
  try {
    const { tip } = await post(`/messages/${msg.id}/promote-question`, {});
    toast(`Tip created: ${tip.title}`);
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

/** Flag a message as patient information: it is hidden at once until a moderator reviews it. */
async function reportMessage(msg, list) {
  const reason = await askReason({
    id: "report-dialog",
    title: "Report patient information",
    text: "The message is hidden from everyone at once, until a moderator reviews it. "
      + "Its author is told privately; your name is shown only to moderators.",
    label: "What did you see? (optional; do not repeat the identifiers)",
    placeholder: "For example: a patient's name and date of birth",
    cancel: "Cancel",
    confirm: "Report and hide",
    required: false,
  });
  if (reason === null) return;
  try {
    await post(`/messages/${msg.id}/report`, { kind: "phi", reason });
    list.markDeleted(msg.id);
    toast("Reported. The message is hidden until a moderator reviews it.");
  } catch (err) {
    toastError(err);
  }
}
