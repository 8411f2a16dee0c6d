// The live connection. Socket.IO reconnects by itself; after every (re)connect the app
// catches up on what it missed. Events carry an `event_id`: one that arrives twice (a
// server process died after its commit, and another published it again) is handled once,
// and a catch-up replays the channel's events (edits, deletes, reactions) since the last. Sends go over the socket when it is up, else over HTTP:
// the same client_msg_id makes a retry on either path safe (the server stores one message).

import { io } from "../../vendor/socket.io.esm.min.js";
import { ApiError, enc, post } from "../api.js";

const SERVER_EVENTS = ["message", "message_updated", "message_deleted", "reaction", "typing",
  "presence", "mention", "channel_joined", "channel_left", "channel_updated",
  "message_quarantined", "tip_review", "availability_notice", "availability"];
const ACK_TIMEOUT_MS = 15000;
const EVENT_IDS_KEPT = 2000;
const RETRY_LATER = new Set(["server_busy", "database_unavailable"]);
// A refused websocket handshake (the server's origin rule answers 400) looks to a browser like
// any network error. After this many failures in a row, ask the server whether it accepts
// this page's origin at all (origin-check goes through the same proxy location as the socket).
const ORIGIN_CHECK_AFTER = 2;
const ORIGIN_CHECK_EVERY = 10; // and again now and then, in case the server was down at first
const ORIGIN_CHECK_URL = "/socket.io/origin-check";

export class Live {
  /** handlers: one function per server event, plus connected(first), disconnected(), refused(),
   * originRefused({origin, accepted_origins, public_url}) */
  constructor(handlers) {
    this.handlers = handlers;
    this.everConnected = false;
    this.failures = 0; // connection errors since the last successful connect
    this.eventIds = new Set(); // the last EVENT_IDS_KEPT event ids handled
    this.eventOrder = [];
    this.lastEventId = null; // the highest event id handled (or the server's at a catch-up)
    this.resumeFrom = null; // lastEventId when the connection dropped: catch-ups start there
    // Presence only about the people on screen (presence.js names them), not everyone.
    this.socket = io({ transports: ["websocket"], auth: { presence: "subscribe" } });
    for (const name of SERVER_EVENTS) {
      this.socket.on(name, (payload) => this.#deliver(name, payload));
    }
    this.socket.on("connect", () => {
      this.failures = 0;
      const first = !this.everConnected;
      this.everConnected = true;
      handlers.connected?.(first);
    });
    this.socket.on("disconnect", () => {
      this.resumeFrom ??= this.lastEventId;
      handlers.disconnected?.();
    });
    this.socket.on("connect_error", (err) => {
      // Refused for a passing reason (the server busy, its database away): try again soon,
      // at a random moment so a whole ward does not come back in the same second.
      if (RETRY_LATER.has(err?.data?.code)) {
        handlers.disconnected?.();
        clearTimeout(this.retryTimer);
        this.retryTimer = setTimeout(() => this.socket.connect(), 1000 + Math.random() * 4000);
        return;
      }
      // `active` is false when the server refused us (session over), not when it is down.
      if (!this.socket.active) {
        handlers.refused?.();
        return;
      }
      handlers.disconnected?.();
      this.failures += 1;
      const since = this.failures - ORIGIN_CHECK_AFTER;
      if (since >= 0 && since % ORIGIN_CHECK_EVERY === 0) this.#checkOrigin();
    });
  }

  /** Hand an event to its handler, unless its event id was handled already. */
  #deliver(name, payload) {
    const id = payload?.event_id;
    if (id != null) {
      if (this.eventIds.has(id)) return;
      this.eventIds.add(id);
      this.eventOrder.push(id);
      if (this.eventOrder.length > EVENT_IDS_KEPT) this.eventIds.delete(this.eventOrder.shift());
      if (this.lastEventId == null || id > this.lastEventId) this.lastEventId = id;
    }
    this.handlers[name]?.(payload);
  }

  /** Stop retrying, and say why, when the server's origin rule refuses this page. */
  async #checkOrigin() {
    let answer;
    try {
      const response = await fetch(`${ORIGIN_CHECK_URL}?origin=${encodeURIComponent(location.origin)}`,
        { cache: "no-store", credentials: "same-origin" });
      if (!response.ok) return; // an older server, or the server is down: keep retrying
      answer = await response.json();
    } catch {
      return; // the server is unreachable: Socket.IO keeps retrying, the banner says so
    }
    if (answer?.accepted !== false || this.socket.connected) return;
    this.socket.disconnect(); // retrying cannot help until the configuration changes
    this.handlers.originRefused?.(answer);
  }

  get connected() {
    return this.socket.connected;
  }

  async #call(event, payload) {
    let ack;
    try {
      ack = await this.socket.timeout(ACK_TIMEOUT_MS).emitWithAck(event, payload);
    } catch {
      throw new ApiError(0, "timeout", "The server did not answer in time.");
    }
    if (!ack?.ok) {
      throw new ApiError(400, ack?.error?.code ?? "error", ack?.error?.message ?? "The server refused it.",
        ack?.error ?? {});
    }
    return ack;
  }

  /** Post a message; resolves with the server's copy. */
  async send({ channel, body, client_msg_id: cid, thread_id: threadId, phi_override_reason: reason,
    file_ids: fileIds, question }) {
    const payload = { channel, body, client_msg_id: cid };
    if (fileIds?.length) payload.file_ids = fileIds;
    if (question) payload.question = true;
    if (threadId != null) payload.thread_id = threadId;
    if (reason) payload.phi_override_reason = reason;
    if (this.connected) return (await this.#call("send_message", payload)).message;
    return (await post(`/channels/${enc(channel)}/messages`, payload)).message;
  }

  /** Every message of `channel` after id `after`, replies included, oldest first; the
   * channel's other events since the connection dropped are replayed to their handlers. */
  async catchUp(channel, after) {
    const payload = { channel, after };
    const since = this.resumeFrom ?? this.lastEventId;
    if (since != null) payload.since_event = since;
    const ack = await this.#call("catch_up", payload);
    if (this.lastEventId == null) this.lastEventId = ack.last_event_id ?? null;
    for (const { event, data } of ack.events ?? []) {
      if (event === "message" && data?.id > after) continue; // in the caller's list below
      this.#deliver(event, data);
    }
    return ack.messages;
  }

  /** The catch-ups after a reconnect are done: later ones start from the newest event. */
  caughtUp() {
    this.resumeFrom = null;
  }

  /** Hear presence about these people only; resolves with those of them online now. */
  async presenceSubscribe(usernames) {
    return this.#call("presence_subscribe", { usernames });
  }

  typing(channel) {
    if (this.connected) this.socket.emit("typing", { channel });
  }
}
