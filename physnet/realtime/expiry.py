"""Close cookie-authenticated sockets when their session goes idle or reaches its lifetime.

A socket outlives the HTTP request that opened it, so the session's clocks are checked
here too: a watcher thread (one per process, started with the first socket) disconnects a
socket once its idle deadline or absolute lifetime passes. A socket event from the person,
or an HTTP request of the same session on this process, moves the idle deadline on. The
browser then reconnects with its cookie, which is refused once that session is over.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from physnet.extensions import socketio

log = logging.getLogger(__name__)
NAMESPACE = "/"


@dataclass
class _Clock:
    session_id: str
    idle_seconds: float
    idle_deadline: float
    lifetime_deadline: float


class SocketExpiry:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._clocks: dict[str, _Clock] = {}
        self._by_session: dict[str, set[str]] = {}  # session id -> its sockets here
        self._thread: threading.Thread | None = None
        self._interval = 5.0

    def watch(
        self, sid: str, session_id: str, idle_seconds: float, idle_deadline: float, lifetime: float
    ) -> None:
        """Start timing a socket opened with a cookie session."""
        with self._lock:
            self._clocks[sid] = _Clock(session_id, idle_seconds, idle_deadline, lifetime)
            self._by_session.setdefault(session_id, set()).add(sid)
            # Check often enough that a socket closes within a quarter of the idle time.
            self._interval = min(self._interval, max(idle_seconds / 4, 0.25))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="physnet-socket-expiry", daemon=True
                )
                self._thread.start()

    def touch(self, sid: str, now: float | None = None) -> None:
        """The person used this socket: their session is not idle."""
        now = time.time() if now is None else now
        with self._lock:
            clock = self._clocks.get(sid)
            if clock is not None and clock.idle_deadline >= now:
                clock.idle_deadline = now + clock.idle_seconds

    def touch_session(self, session_id: str, seen: float) -> None:
        """An HTTP request of this session refreshed its idle clock at `seen`."""
        with self._lock:
            for sid in self._by_session.get(session_id, ()):
                clock = self._clocks[sid]
                if clock.idle_deadline >= seen:  # an expired clock is not revived
                    clock.idle_deadline = max(clock.idle_deadline, seen + clock.idle_seconds)

    def end_session(self, session_id: str) -> list[str]:
        """That cookie session was ended: return its sockets here, and mark their clocks
        over, so the watcher closes any that a direct close missed (one still connecting)."""
        with self._lock:
            sids = list(self._by_session.get(session_id, ()))
            for sid in sids:
                self._clocks[sid].idle_deadline = self._clocks[sid].lifetime_deadline = 0
            return sids

    def session_of(self, sid: str) -> str | None:
        """The cookie session a socket was opened with (None for an API token)."""
        with self._lock:
            clock = self._clocks.get(sid)
            return clock.session_id if clock is not None else None

    def forget(self, sid: str) -> None:
        with self._lock:
            clock = self._clocks.pop(sid, None)
            if clock is not None:
                sids = self._by_session.get(clock.session_id, set())
                sids.discard(sid)
                if not sids:
                    self._by_session.pop(clock.session_id, None)

    def expired(self, now: float) -> list[str]:
        with self._lock:
            return [
                sid
                for sid, c in self._clocks.items()
                if min(c.idle_deadline, c.lifetime_deadline) < now
            ]

    def _run(self) -> None:
        while True:
            time.sleep(self._interval)
            for sid in self.expired(time.time()):
                self.forget(sid)
                try:
                    socketio.server.disconnect(sid, namespace=NAMESPACE)
                except Exception:  # already gone, or the server is shutting down
                    log.debug("could not close expired socket %s", sid, exc_info=True)


expiry = SocketExpiry()
