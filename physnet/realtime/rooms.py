"""Who is connected where: each socket's user, and the rooms of channels and people.

Only `physnet.actions` calls the functions that change rooms or send events.
"""

from __future__ import annotations

import threading
from typing import Any

from physnet.extensions import socketio
from physnet.realtime.control import bus
from physnet.realtime.expiry import expiry

NAMESPACE = "/"


def channel_room(channel_id: int) -> str:
    return f"channel:{channel_id}"


def user_room(user_id: int) -> str:
    return f"user:{user_id}"


def watch_room(username: str) -> str:
    """The sockets that asked for this person's presence (`presence_subscribe`)."""
    return f"presence:{username}"


class Connections:
    """This process's sockets per user (rooms themselves cross processes through the queue)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_user: dict[int, set[str]] = {}
        self._user_of: dict[str, int] = {}
        self._deadline: dict[str, float] = {}
        self._username: dict[int, str] = {}
        self._watching: dict[str, set[str]] = {}  # sid -> usernames whose presence it hears
        self._token_of: dict[str, int] = {}  # sid -> the API token it was opened with
        self._by_token: dict[int, set[str]] = {}

    def add(self, user_id: int, username: str, sid: str, deadline: float | None = None) -> bool:
        """Record a socket (usable until `deadline`, if given); True for the user's first."""
        with self._lock:
            self._username[user_id] = username
            if deadline is not None:
                self._deadline[sid] = deadline
            sids = self._by_user.setdefault(user_id, set())
            first = not sids
            sids.add(sid)
            self._user_of[sid] = user_id
            return first

    def remove(self, sid: str) -> str | None:
        """Forget a socket; return the person's username when it was their last one here."""
        with self._lock:
            user_id = self._user_of.pop(sid, None)
            self._deadline.pop(sid, None)
            self._watching.pop(sid, None)
            token_id = self._token_of.pop(sid, None)
            if token_id is not None:
                self._by_token.get(token_id, set()).discard(sid)
                if not self._by_token.get(token_id):
                    self._by_token.pop(token_id, None)
            if user_id is None:
                return None
            sids = self._by_user.get(user_id, set())
            sids.discard(sid)
            if sids:
                return None
            self._by_user.pop(user_id, None)
            return self._username.pop(user_id, None)

    def bind_token(self, sid: str, token_id: int) -> None:
        """The socket was opened with this API token: revoking it closes the socket."""
        with self._lock:
            self._token_of[sid] = token_id
            self._by_token.setdefault(token_id, set()).add(sid)

    def token_of(self, sid: str) -> int | None:
        return self._token_of.get(sid)

    def sids_of_token(self, token_id: int) -> list[str]:
        with self._lock:
            return list(self._by_token.get(token_id, ()))

    def user_of(self, sid: str, now: float | None = None) -> int | None:
        """The socket's user; given `now`, None once its session's lifetime is over."""
        if now is not None and self._deadline.get(sid, now) < now:
            return None
        return self._user_of.get(sid)

    def watch(self, sid: str, usernames: set[str]) -> set[str]:
        """Record whose presence the socket hears now; return whom it heard before.
        (Kept here because asking Socket.IO for a socket's rooms scans every room.)"""
        with self._lock:
            before = self._watching.get(sid, set())
            if sid in self._user_of:
                self._watching[sid] = usernames
            return before

    def sids_of(self, user_id: int) -> list[str]:
        with self._lock:
            return list(self._by_user.get(user_id, ()))

    def online_user_ids(self) -> list[int]:
        with self._lock:
            return list(self._by_user)

    def online_usernames(self) -> list[str]:
        with self._lock:
            return [self._username[user_id] for user_id in self._by_user]


connections = Connections()


def emit(event: str, payload: Any, room: str | list[str], skip_sid: str | None = None) -> None:
    """Send to every socket in `room` (or in any of several rooms, once each), anywhere."""
    socketio.emit(event, payload, to=room, skip_sid=skip_sid, namespace=NAMESPACE)


def enter_channel(user_id: int, channel_id: int) -> None:
    """Put every open socket of the user, in any process, into the channel's room."""
    bus.publish("enter", user_id=user_id, channel_id=channel_id)


def leave_channel(user_id: int, channel_id: int) -> None:
    bus.publish("leave", user_id=user_id, channel_id=channel_id)


def disconnect_user(user_id: int) -> None:
    """Close every open socket of the user, in any process."""
    bus.publish("disconnect", user_id=user_id)


def disconnect_token(token_id: int) -> None:
    """Close every socket opened with one API token, in any process."""
    bus.publish("disconnect_token", token_id=token_id)


def disconnect_session(session_id: str) -> None:
    """Close every socket opened with one cookie session, in any process."""
    bus.publish("disconnect_session", session_id=session_id)


@bus.handler("enter")
def _enter_here(user_id: int, channel_id: int) -> None:
    for sid in connections.sids_of(user_id):
        socketio.server.enter_room(sid, channel_room(channel_id), namespace=NAMESPACE)


@bus.handler("leave")
def _leave_here(user_id: int, channel_id: int) -> None:
    for sid in connections.sids_of(user_id):
        socketio.server.leave_room(sid, channel_room(channel_id), namespace=NAMESPACE)


@bus.handler("disconnect")
def _disconnect_here(user_id: int) -> None:
    for sid in connections.sids_of(user_id):
        socketio.server.disconnect(sid, namespace=NAMESPACE)


@bus.handler("disconnect_session")
def _disconnect_session_here(session_id: str) -> None:
    for sid in expiry.end_session(session_id):
        socketio.server.disconnect(sid, namespace=NAMESPACE)


@bus.handler("disconnect_token")
def _disconnect_token_here(token_id: int) -> None:
    for sid in connections.sids_of_token(token_id):
        socketio.server.disconnect(sid, namespace=NAMESPACE)
