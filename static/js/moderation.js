// The moderators' review page: open reports in the channels they moderate, each with the
// reported text and Release / Delete.

import { configureApi, get, post } from "./api.js";
import { h } from "./dom.js";
import { fullTime } from "./format.js";

const boot = JSON.parse(document.getElementById("bootstrap").textContent);
configureApi(boot.urls);
const list = document.getElementById("moderation-list");
const status = document.getElementById("moderation-status");

async function load() {
  try {
    const { reports } = await get("/moderation/reports");
    status.textContent = reports.length ? `${reports.length} open report(s).`
      : "No open reports in the channels you moderate.";
    list.replaceChildren(...reports.map(reportItem));
  } catch (err) {
    status.textContent = err.message;
  }
}

function reportItem(report) {
  const msg = report.message;
  const item = h("li", { class: "moderation-item", dataset: { report: report.id } },
    h("p", {}, h("strong", { text: report.kind === "phi" ? "Patient information" : "Other" }),
      ` · #${msg.channel} · by ${msg.author.display_name} · reported by ${report.reporter.display_name}`
      + ` ${fullTime(report.created_at)}`),
    report.reason ? h("p", { class: "muted", text: `Reason: ${report.reason}` }) : null,
    h("p", { class: "moderation-body", text: msg.body }),
    h("div", { class: "moderation-actions" },
      button("Release", "btn", () => resolve(report, "release", item)),
      button("Delete", "btn btn--danger", () => resolve(report, "delete", item))));
  return item;
}

function button(text, cls, onclick) {
  return h("button", { class: cls, type: "button", text, onclick });
}

async function resolve(report, action, item) {
  for (const b of item.querySelectorAll("button")) b.disabled = true;
  try {
    await post(`/moderation/reports/${report.id}/${action}`);
    item.replaceChildren(h("p", { class: "muted",
      text: action === "release" ? "Released: the message is back in its channel." : "Deleted." }));
  } catch (err) {
    item.append(h("p", { class: "form-error", role: "alert", text: err.message }));
    for (const b of item.querySelectorAll("button")) b.disabled = false;
  }
}

load();
