// PhysNet's service worker (served at /sw.js, which prepends VERSION, SHELL and OFFLINE_URL).
// It caches the app shell only: scripts, styles, icons, fonts and the offline page. Pages
// with someone's data, API answers, files and photos always go to the network and are
// never stored. A push carries no message text: it names the channel and the author.

const CACHE = `physnet-shell-${VERSION}`;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

const shellUrls = new Set(SHELL.map((u) => new URL(u, self.location.origin).pathname));

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    // Pages come from the network; only when it is gone, the offline page.
    event.respondWith(
      fetch(request).catch(() =>
        caches.match(OFFLINE_URL).then(
          (page) => page || new Response("You are offline.", { status: 503 }),
        ),
      ),
    );
    return;
  }
  if (!shellUrls.has(url.pathname)) return; // API, sockets, files, photos: never cached
  // caches.match, not caches.open: after sign-out cleared the caches, nothing recreates one.
  event.respondWith(
    caches.match(request, { ignoreSearch: true }).then((hit) => hit || fetch(request)),
  );
});

self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (e) {
    data = {};
  }
  const title = data.kind === "summary" ? "PhysNet" : data.channel ? `PhysNet · #${data.channel}` : "PhysNet";
  const body = data.text || "You have new notifications.";
  const shown = self.registration.showNotification(title, {
    body,
    tag: data.kind === "summary" ? "summary" : `c:${data.channel || ""}`,
    renotify: true,
    icon: new URL("static/img/icon-192.png", self.registration.scope).href,
    badge: new URL("static/img/badge-96.png", self.registration.scope).href,
    data: { url: data.url || "/" },
  });
  const badge = "setAppBadge" in self.navigator && typeof data.badge === "number"
    ? (data.badge ? self.navigator.setAppBadge(data.badge) : self.navigator.clearAppBadge())
    : Promise.resolve();
  event.waitUntil(Promise.all([shown, badge.catch(() => {})]));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = new URL(event.notification.data?.url || "/", self.location.origin).href;
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
      const open = windows.find((w) => new URL(w.url).origin === self.location.origin);
      if (open) {
        return open.focus().then((w) => (w || open).navigate(target));
      }
      return self.clients.openWindow(target);
    }),
  );
});

self.addEventListener("message", (event) => {
  // Sign-out: drop every cache this origin holds.
  if (event.data === "clear") {
    event.waitUntil(caches.keys().then((keys) => Promise.all(keys.map((k) => caches.delete(k)))));
  }
});
