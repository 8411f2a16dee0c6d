// Review reminders in the chat app: the "to review" count next to Tips in the sidebar, and a
// toast when `physnet tips remind` names a tip I look after (the `tip_review` event).

import { get } from "../api.js";
import { h } from "../dom.js";
import { toast } from "../toast.js";

let due = 0;

function showCount() {
  const badge = document.getElementById("tips-due");
  if (!badge) return;
  badge.hidden = due === 0;
  badge.textContent = String(due);
  badge.title = `${due} tip${due === 1 ? "" : "s"} to review`;
}

export async function initTipReminders() {
  try {
    ({ total: due } = await get("/tips", { review: "due" }));
    showCount();
  } catch {
    // The count is a convenience; the Tips page shows the list itself.
  }
}

/** payload: {tip_id, title, channel, review_at, text} */
export function onTipReview(payload, urls) {
  due += 1;
  showCount();
  const note = toast(payload.text, { timeout: 15000 });
  note.querySelector(".toast-text").append(" ",
    h("a", { href: urls.tip.replace("TIP", String(payload.tip_id)), text: "Review it" }));
}
