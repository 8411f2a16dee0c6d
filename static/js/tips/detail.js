// One tip: body, tags, the "may be out of date" banner, endorse, verify, edit, delete, history.

import { del, get, patch, post } from "../api.js";
import { confirmDialog } from "../dialogs.js";
import { h } from "../dom.js";
import { fullTime } from "../format.js";
import { toast, toastError } from "../toast.js";
import { conversationUrl, listUrl, parseTags, tagList } from "./common.js";

const $ = (id) => document.getElementById(id);
let tip = null;
let urls = null;

export async function showTip(boot) {
  urls = boot.urls;
  $("tip-view").hidden = false;
  try {
    ({ tip } = await get(`/tips/${boot.tip_id}`));
  } catch (err) {
    $("tip-title").textContent = err.message;
    toastError(err);
    return;
  }
  render();
  $("tip-endorse").addEventListener("click", () => act(() => (tip.endorsed_by_me ? del : post)(`/tips/${tip.id}/endorse`)));
  $("tip-verify").addEventListener("click", () => act(() => (tip.verified ? del : post)(`/tips/${tip.id}/verify`)));
  $("tip-edit").addEventListener("click", openEditor);
  $("te-cancel").addEventListener("click", () => { $("tip-edit-form").hidden = true; });
  $("tip-edit-form").addEventListener("submit", saveEdit);
  $("tip-delete").addEventListener("click", deleteTip);
  $("tip-history-btn").addEventListener("click", showHistory);
}

function render() {
  document.title = `${tip.title} · Tips · PhysNet`;
  $("tip-crumbs").replaceChildren(h("a", { href: listUrl(urls, { channel: tip.channel }), text: `Tips in #${tip.channel}` }));
  $("tip-title").textContent = tip.title;
  $("tip-meta").replaceChildren(
    h("span", { text: `By ${tip.owner.display_name}` }),
    h("span", { text: `Updated ${fullTime(tip.updated_at)}` }),
    h("span", { text: `Review by ${tip.review_at}` }));
  $("tip-banner").hidden = !tip.out_of_date;
  $("tip-banner-text").textContent = `This tip may be out of date: its review date (${tip.review_at}) has passed, and EHR upgrades change workflows. Check it before relying on it.`;
  $("tip-verified").hidden = !tip.verified;
  if (tip.verified) $("tip-verified-text").textContent = `Verified by ${tip.verified.by.display_name} on ${fullTime(tip.verified.at)}`;
  $("tip-body").innerHTML = tip.html; // sanitized by the server (nh3)
  $("tip-tags").replaceChildren(...tagList(urls, tip.tags));
  const endorse = $("tip-endorse");
  endorse.setAttribute("aria-pressed", String(Boolean(tip.endorsed_by_me)));
  endorse.title = tip.endorsed_by_me ? "You found this helpful; click to take it back" : "Mark this tip as helpful";
  $("tip-count").textContent = String(tip.endorsements);
  $("tip-verify").hidden = !tip.permissions?.verify;
  $("tip-verify").textContent = tip.verified ? "Remove verified mark" : "Mark verified";
  $("tip-edit").hidden = !tip.permissions?.edit;
  $("tip-delete").hidden = !tip.permissions?.edit;
  const conversation = $("tip-conversation");
  conversation.hidden = !tip.source_message_id && !tip.thread_id;
  conversation.href = conversationUrl(urls, tip);
}

async function act(call) {
  try {
    ({ tip } = await call());
    render();
  } catch (err) {
    toastError(err);
  }
}

function openEditor() {
  $("te-title").value = tip.title;
  $("te-body").value = tip.body;
  $("te-tags").value = tip.tags.join(", ");
  $("te-review").value = tip.review_at;
  $("te-error").hidden = true;
  $("tip-edit-form").hidden = false;
  $("te-title").focus();
}

async function saveEdit(event) {
  event.preventDefault();
  const changes = { title: $("te-title").value, body: $("te-body").value, tags: parseTags($("te-tags").value) };
  if ($("te-review").value) changes.review_at = $("te-review").value;
  try {
    ({ tip } = await patch(`/tips/${tip.id}`, changes));
    $("tip-edit-form").hidden = true;
    render();
    toast("Tip saved; the earlier version is in its history.");
  } catch (err) {
    $("te-error").textContent = err.message;
    $("te-error").hidden = false;
  }
}

async function deleteTip() {
  const ok = await confirmDialog({ title: "Delete tip?", text: "The tip disappears from every list and from search. The conversation stays.", confirm: "Delete" });
  if (!ok) return;
  try {
    await del(`/tips/${tip.id}`);
    window.location.assign(listUrl(urls, { channel: tip.channel }));
  } catch (err) {
    toastError(err);
  }
}

async function showHistory() {
  try {
    const { edits } = await get(`/tips/${tip.id}/history`);
    const list = $("tip-history-list");
    if (!edits.length) {
      list.replaceChildren(h("li", { class: "muted", text: "This tip has not been edited." }));
      return;
    }
    list.replaceChildren(...edits.slice().reverse().map((e) => h("li", { class: "tip-version" },
      h("p", { class: "tip-version-label", text: `Replaced by ${e.editor.display_name} on ${fullTime(e.replaced_at)}${e.tags.length ? ` · tags: ${e.tags.join(", ")}` : ""}` }),
      h("p", { class: "tip-version-title", text: e.title }),
      h("p", { class: "tip-version-body", text: e.body }))));
  } catch (err) {
    toastError(err);
  }
}
