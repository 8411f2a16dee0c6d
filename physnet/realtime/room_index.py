"""Socket.IO client managers that know each socket's rooms.

python-socketio finds a socket's rooms by scanning every room of the process
(`BaseManager.basic_disconnect`, `get_rooms`). Each person here has a `user:` room and,
when watched, a `presence:` room, so a process with 5,000 people has 10,000+ rooms and a
mass disconnect (a proxy restart, the end of a shift) costs O(sockets x rooms): 45 s of a
busy worker for 5,000 people (bench/scale.py), during which every other socket on it
waits. These managers keep an index from socket to rooms beside the library's own table,
so leaving is O(the socket's rooms).
"""

from __future__ import annotations

import threading
from typing import Any

import socketio

Key = tuple[str, str]  # (namespace, sid)


class RoomIndex:
    """Mixin for a python-socketio manager: `self.rooms` stays the library's, plus an index.

    The index holds every room a socket entered, including the `None` room (all sockets of
    the namespace) and its own sid room, exactly as `self.rooms` has it.
    """

    rooms: dict[str, dict[Any, Any]]
    callbacks: dict[str, Any]
    pending_connect: dict[str, list[str]]
    pending_disconnect: dict[str, list[str]]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sid_rooms: dict[Key, set[Any]] = {}
        # Threading mode (`physnet run`) changes rooms from several threads: the library's
        # table and the index change together or not at all.
        self._index_lock = threading.RLock()

    def basic_enter_room(self, sid: str, namespace: str, room: Any, eio_sid: Any = None) -> None:
        with self._index_lock:
            super().basic_enter_room(sid, namespace, room, eio_sid=eio_sid)  # type: ignore[misc]
            self.sid_rooms.setdefault((namespace, sid), set()).add(room)

    def basic_leave_room(self, sid: str, namespace: str, room: Any) -> None:
        with self._index_lock:
            super().basic_leave_room(sid, namespace, room)  # type: ignore[misc]
            joined = self.sid_rooms.get((namespace, sid))
            if joined is not None:
                joined.discard(room)
                if not joined:
                    self.sid_rooms.pop((namespace, sid), None)

    def basic_disconnect(self, sid: str, namespace: str, **kwargs: Any) -> None:
        # The library's version, with the scan of every room replaced by the index.
        with self._index_lock:
            if namespace not in self.rooms:
                return
            for room in list(self.sid_rooms.get((namespace, sid), ())):
                self.basic_leave_room(sid, namespace, room)
            self.sid_rooms.pop((namespace, sid), None)
            self.callbacks.pop(sid, None)
            for pending in (self.pending_connect, self.pending_disconnect):
                sids = pending.get(namespace)
                if sids is not None and sid in sids:
                    sids.remove(sid)
                    if not sids:
                        del pending[namespace]

    def get_rooms(self, sid: str, namespace: str) -> list[Any]:
        with self._index_lock:
            return [room for room in self.sid_rooms.get((namespace, sid), ()) if room is not None]


class IndexedManager(RoomIndex, socketio.Manager):
    """The single-process manager (no message queue)."""


class IndexedRedisManager(RoomIndex, socketio.RedisManager):
    """The Redis message-queue manager (several processes)."""


def client_manager(redis_url: str | None, channel: str) -> socketio.Manager:
    """The manager for this process: through Redis when a queue is configured."""
    if redis_url:
        return IndexedRedisManager(redis_url, channel=channel)
    return IndexedManager()
