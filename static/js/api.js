// The JSON API over fetch: the session cookie authenticates, and every state-changing call
// carries the CSRF token from the page's meta tag (the server refuses it otherwise).

const csrfToken = document.querySelector('meta[name="csrf-token"]')?.content ?? "";
let base = "/api/v1";
let loginUrl = "/login";
let signingOut = false; // sign-out's own navigation wins over a late 401's redirect

export function signingOutNow() {
  signingOut = true;
}

export function configureApi(urls) {
  base = urls.api;
  loginUrl = urls.login;
}

export class ApiError extends Error {
  /** details: the whole error object, with any extra fields (e.g. PHI findings and policy) */
  constructor(status, code, message, details = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

async function request(method, path, body) {
  const init = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
  if (method !== "GET") {
    init.headers["Content-Type"] = "application/json";
    init.headers["X-CSRFToken"] = csrfToken;
    init.body = JSON.stringify(body ?? {});
  }
  let response;
  try {
    response = await fetch(base + path, init);
  } catch {
    throw new ApiError(0, "network", "PhysNet could not be reached. Check the connection and try again.");
  }
  let data = null;
  try {
    data = await response.json();
  } catch {
    // A proxy error page or an empty body: the status line below still says what happened.
  }
  if (!response.ok) {
    if (response.status === 401 && !signingOut) {
      // The session ended (idle timeout, sign-out elsewhere): sign in and come back here.
      window.location.assign(`${loginUrl}?next=${encodeURIComponent(location.pathname)}`);
    }
    const error = data?.error ?? {};
    throw new ApiError(response.status, error.code ?? "http_error",
      error.message ?? `The server answered ${response.status}; try again in a moment.`, error);
  }
  return data ?? {};
}

export function get(path, params = {}) {
  const query = new URLSearchParams(
    Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== ""),
  ).toString();
  return request("GET", query ? `${path}?${query}` : path);
}

export const post = (path, body) => request("POST", path, body);
export const patch = (path, body) => request("PATCH", path, body);
export const put = (path, body) => request("PUT", path, body);
export const del = (path) => request("DELETE", path);

export const enc = encodeURIComponent;
