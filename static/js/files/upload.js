// One upload to POST /api/v1/channels/<name>/files, with progress and cancel. fetch() has no
// upload progress, so this one request uses XMLHttpRequest.

import { ApiError } from "../api.js";

const csrfToken = document.querySelector('meta[name="csrf-token"]')?.content ?? "";

/** Returns {done: Promise<file object>, cancel()}; onProgress(fraction) while it sends. */
export function uploadFile(channel, file, { reason = null, onProgress = () => {} } = {}) {
  const xhr = new XMLHttpRequest();
  const form = new FormData();
  form.append("file", file, file.name || "pasted.png");
  if (reason) form.append("phi_override_reason", reason);
  const done = new Promise((resolve, reject) => {
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    });
    xhr.addEventListener("load", () => {
      let data = null;
      try {
        data = JSON.parse(xhr.responseText);
      } catch {
        // a proxy's error page: the status says enough
      }
      if (xhr.status === 201 && data?.file) return resolve(data.file);
      const error = data?.error ?? {};
      reject(new ApiError(xhr.status, error.code ?? "http_error",
        error.message ?? `The server answered ${xhr.status}; try again in a moment.`, error));
    });
    xhr.addEventListener("error", () => reject(new ApiError(0, "network",
      "PhysNet could not be reached. Check the connection and try again.")));
    xhr.addEventListener("abort", () => reject(new ApiError(0, "cancelled", "Upload cancelled.")));
  });
  xhr.open("POST", `/api/v1/channels/${encodeURIComponent(channel)}/files`);
  xhr.setRequestHeader("X-CSRFToken", csrfToken);
  xhr.setRequestHeader("Accept", "application/json");
  xhr.send(form);
  return { done, cancel: () => xhr.abort() };
}
