// Addresses of search results and pages, from the templates the server put on the search form
// (so they also work under a path prefix and on pages without the app's bootstrap).

const form = () => document.getElementById("search-form");

export function messageUrl(channel, id) {
  return form().dataset.messageUrl.replace("CHANNEL", encodeURIComponent(channel)).replace("MESSAGE", String(id));
}

export function channelUrl(channel) {
  return form().dataset.channelUrl.replace("CHANNEL", encodeURIComponent(channel));
}

/** The full results page for `q` (and a page number beyond the first). */
export function searchUrl(q, page = 1) {
  const params = new URLSearchParams({ q });
  if (page > 1) params.set("page", String(page));
  return `${form().action.replace(/[?#].*$/, "")}?${params}`;
}

/** Where a result opens: a message in its channel; a tip in its channel (until tips get pages). */
export function resultUrl(result) {
  return result.type === "message" ? messageUrl(result.channel, result.id) : channelUrl(result.channel);
}

/** {channel, id} when `url` is a message link, else null. */
export function parseMessageUrl(url) {
  const [prefix, rest] = form().dataset.messageUrl.split("CHANNEL");
  const [middle] = rest.split("MESSAGE");
  const path = new URL(url, location.href).pathname;
  if (!path.startsWith(prefix)) return null;
  const tail = path.slice(prefix.length);
  const at = tail.lastIndexOf(middle);
  if (at <= 0) return null;
  const id = Number(tail.slice(at + middle.length));
  if (!Number.isInteger(id) || id <= 0) return null;
  return { channel: decodeURIComponent(tail.slice(0, at)), id };
}

export function isSearchUrl(url) {
  const target = new URL(url, location.href);
  return target.pathname === new URL(form().action, location.href).pathname;
}
