// This device: the service worker (installable app, offline shell), push on this device,
// my availability, the install prompt (offered once, from the user menu), and sign-out
// that leaves nothing behind (every cache and this device's push subscription).

import { get, post, put, signingOutNow } from "../api.js";
import { openDialog } from "../dialogs.js";
import { toast, toastError } from "../toast.js";

const $ = (id) => document.getElementById(id);
const INSTALL_OFFERED = "physnet.installOffered";
let urls = {};
let installEvent = null;

export function initDevice(bootUrls) {
  urls = bootUrls;
  if ("serviceWorker" in navigator && urls.sw) {
    navigator.serviceWorker.register(urls.sw, { scope: urls.home || "/" }).catch(() => {});
  }
  window.addEventListener("beforeinstallprompt", (event) => {
    event.preventDefault();
    installEvent = event;
    if (!localStorage.getItem(INSTALL_OFFERED)) $("install-btn").hidden = false;
  });
  $("install-btn")?.addEventListener("click", async () => {
    localStorage.setItem(INSTALL_OFFERED, "1");
    $("install-btn").hidden = true;
    if (installEvent) {
      installEvent.prompt();
      installEvent = null;
    }
  });
  $("device-btn")?.addEventListener("click", openDevice);
  $("push-toggle")?.addEventListener("click", togglePush);
  $("availability-form")?.addEventListener("submit", saveAvailability);
  for (const form of document.querySelectorAll("form[data-sign-out]")) {
    form.addEventListener("submit", signOut);
  }
}

async function registration() {
  if (!("serviceWorker" in navigator)) return null;
  return navigator.serviceWorker.getRegistration(urls.home || "/");
}

async function currentSubscription() {
  const reg = await registration();
  return reg?.pushManager ? reg.pushManager.getSubscription() : null;
}

async function openDevice() {
  openDialog("device-dialog");
  const sub = await currentSubscription().catch(() => null);
  renderPush(Boolean(sub));
  try {
    const me = await get("/me/availability");
    $("availability-status").value = me.status;
    $("availability-until").value = me.until ? localTime(me.until) : "";
    $("quiet-start").value = me.quiet_hours?.start || "";
    $("quiet-end").value = me.quiet_hours?.end || "";
  } catch (error) {
    toastError(error);
  }
}

function renderPush(on) {
  const supported = "PushManager" in window && "serviceWorker" in navigator;
  $("push-toggle").disabled = !supported;
  $("push-toggle").textContent = on ? "Turn off push on this device" : "Turn on push on this device";
  $("push-state").textContent = !supported
    ? "This browser cannot receive pushes (on iPhone: add PhysNet to the home screen first)."
    : on ? "This device receives pushes: the channel and the person, never the message."
      : "This device receives no pushes.";
}

function keyBytes(base64url) {
  const text = atob(base64url.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

async function togglePush() {
  try {
    const reg = await registration();
    if (!reg) throw new Error("The app is still starting; try again in a moment.");
    const existing = await reg.pushManager.getSubscription();
    if (existing) {
      await post("/me/push-subscriptions/remove", { endpoint: existing.endpoint });
      await existing.unsubscribe();
      renderPush(false);
      return;
    }
    if ((await Notification.requestPermission()) !== "granted") {
      throw new Error("Notifications are blocked for PhysNet in this browser's settings.");
    }
    const { public_key: key } = await get("/push/key");
    const sub = await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(key) });
    await post("/me/push-subscriptions", sub.toJSON());
    renderPush(true);
    toast("Push is on for this device.");
  } catch (error) {
    toastError(error);
  }
}

function localTime(iso) {
  const d = new Date(iso);
  return `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
}

function nextOccurrence(hhmm) {
  // "07:00" -> the next 07:00 from now, in this device's time zone, as ISO 8601 UTC.
  const [h, m] = hhmm.split(":").map(Number);
  const when = new Date();
  when.setHours(h, m, 0, 0);
  if (when <= new Date()) when.setDate(when.getDate() + 1);
  return when.toISOString();
}

async function saveAvailability(event) {
  event.preventDefault();
  const status = $("availability-status").value;
  const until = $("availability-until").value;
  const start = $("quiet-start").value;
  const end = $("quiet-end").value;
  const body = { status };
  if (status === "off_duty" && until) body.until = nextOccurrence(until);
  body.quiet_hours = start && end
    ? { start, end, time_zone: Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC" }
    : null;
  try {
    const saved = await put("/me/availability", body);
    toast(saved.label ? `You are ${saved.label}.` : "You are available.");
    $("device-dialog").close();
  } catch (error) {
    toastError(error);
  }
}

async function signOut(event) {
  const form = event.currentTarget;
  if (form.dataset.cleared) return; // second pass: let the browser submit
  event.preventDefault();
  const work = (async () => {
    const sub = await currentSubscription().catch(() => null);
    if (sub) {
      await post("/me/push-subscriptions/remove", { endpoint: sub.endpoint }).catch(() => {});
      await sub.unsubscribe().catch(() => {});
    }
    if ("caches" in window) {
      const keys = await caches.keys();
      await Promise.all(keys.map((k) => caches.delete(k)));
    }
    // The worker goes too (the next sign-in installs it again, with a fresh shell cache).
    await (await registration())?.unregister();
    if ("clearAppBadge" in navigator) await navigator.clearAppBadge().catch(() => {});
  })();
  // Never hold sign-out hostage: at most two seconds of clean-up.
  await Promise.race([work.catch(() => {}), new Promise((r) => setTimeout(r, 2000))]);
  form.dataset.cleared = "1";
  signingOutNow();
  form.submit();
}
