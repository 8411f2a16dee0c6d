"""Who is online and who is typing: ephemeral state that is broadcast, never stored.

A person is online while they have a socket on any server process. With Redis, the
processes share that in `physnet.realtime.cluster_presence`; a Redis hiccup only delays
presence (the heartbeat repairs it), it never refuses a connection.

Who hears a `presence` event: only the sockets that named that person with
`presence_subscribe` (the web app names the people on screen: direct-message partners, an open
member list, a page of the directory). Until the 2026-12 release every socket heard everyone,
which costs N x N events when N people connect at a shift change; the deprecated setting
`presence_everyone` keeps that for one release (`everyone=True` below).
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import threading
from typing import Any

from flask import Flask, current_app

from physnet.actions import republish
from physnet.errors import Invalid, Unavailable
from physnet.extensions import socketio
from physnet.models import Channel, User
from physnet.realtime import rooms
from physnet.realtime.cluster_presence import HEARTBEAT_S, cluster
from physnet.realtime.control import bus

log = logging.getLogger(__name__)
EVERYONE = "presence"
MAX_WATCHED = 500
_heartbeat_lock = threading.Lock()
_heartbeat_started = False


def connected(user: User, sid: str, deadline: float | None = None, everyone: bool = True) -> None:
    """Record a socket; a person's first socket anywhere announces them online.

    With `everyone` False the socket hears no presence until it subscribes to people.
    """
    bus.ensure_listening()
    _ensure_heartbeat()
    if everyone:
        socketio.server.enter_room(sid, EVERYONE, namespace=rooms.NAMESPACE)
    if rooms.connections.add(user.id, user.username, sid, deadline) and _first_anywhere(
        user.username
    ):
        _announce(user.username, "online")


def disconnected(sid: str) -> None:
    """Forget a socket; a person's last socket anywhere announces them offline.

    Runs inside whatever closed the socket (possibly an action, mid-request), so it must not
    touch the database session.
    """
    username = rooms.connections.remove(sid)
    if username is not None and _last_anywhere(username):
        _announce(username, "offline")


def subscribe(sid: str, usernames: Any) -> list[str]:
    """From now on this socket hears presence only about `usernames` (replacing what it
    asked for before); return those of them who are online now, sorted."""
    names = _usernames(usernames)
    server = socketio.server
    before = rooms.connections.watch(sid, set(names))
    server.leave_room(sid, EVERYONE, namespace=rooms.NAMESPACE)
    for name in before.difference(names):
        server.leave_room(sid, rooms.watch_room(name), namespace=rooms.NAMESPACE)
    for name in set(names).difference(before):
        server.enter_room(sid, rooms.watch_room(name), namespace=rooms.NAMESPACE)
    return sorted(_online_among(names))


def _usernames(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise Invalid("usernames is a list of usernames.", code="invalid_usernames")
    names = sorted({v for v in value if v})
    if len(names) > MAX_WATCHED:
        raise Invalid(
            f"Subscribe to at most {MAX_WATCHED} people at a time; ask for the ones on screen.",
            code="too_many_usernames",
        )
    if any(len(v) > 255 for v in names):
        raise Invalid("A username is at most 255 characters.", code="invalid_usernames")
    return names


def _online_among(names: list[str]) -> set[str]:
    if not names:
        return set()
    if not cluster.enabled:
        return set(names) & set(rooms.connections.online_usernames())
    try:
        return cluster.online_among(names)
    except Exception:
        log.warning("presence: Redis is not answering", exc_info=True)
        raise Unavailable(
            "Who is online is unknown while Redis is not answering; try again in a moment.",
            code="presence_unavailable",
        ) from None


def _announce(username: str, status: str) -> None:
    """Tell every socket that hears everyone, and every one watching this person."""
    payload = {"username": username, "status": status}
    rooms.emit("presence", payload, [EVERYONE, rooms.watch_room(username)])


def typing(user: User, channel: Channel, sid: str) -> None:
    rooms.emit(
        "typing",
        {"channel": channel.name, "username": user.username},
        rooms.channel_room(channel.id),
        skip_sid=sid,
    )


def online_usernames() -> list[str]:
    """Everyone with an open socket on any server process, sorted.

    Raises Unavailable when the processes share presence through Redis and it is down.
    """
    if not cluster.enabled:
        return sorted(rooms.connections.online_usernames())
    try:
        return sorted(cluster.online())
    except Exception:
        log.warning("presence: Redis is not answering", exc_info=True)
        raise Unavailable(
            "Who is online is unknown while Redis is not answering; try again in a moment.",
            code="presence_unavailable",
        ) from None


def _first_anywhere(username: str) -> bool:
    if not cluster.enabled:
        return True
    try:
        return cluster.join(username)
    except Exception:
        log.warning("presence: could not record %s in Redis", username, exc_info=True)
        return True


def _last_anywhere(username: str) -> bool:
    if not cluster.enabled:
        return True
    try:
        return cluster.leave(username)
    except Exception:
        log.warning("presence: could not remove %s from Redis", username, exc_info=True)
        return True


def start_node(app: Flask) -> None:
    """A server process joins the heartbeat at start, sockets or not, and takes its turn at
    republishing events that a dead process committed but never published (`republish`)."""
    if cluster.enabled:
        try:
            cluster.register()
        except Exception:  # Redis not up yet: the first heartbeat registers
            log.warning("presence: could not register this process in Redis", exc_info=True)
    _ensure_heartbeat(app)
    republish.start(app)


def _ensure_heartbeat(app: Flask | None = None) -> None:
    """Start this process's presence heartbeat (once) when it begins to hold sockets."""
    global _heartbeat_started
    if not cluster.enabled or _heartbeat_started:
        return
    with _heartbeat_lock:
        if _heartbeat_started:
            return
        _heartbeat_started = True
    target = app or current_app._get_current_object()  # type: ignore[attr-defined]
    socketio.start_background_task(_heartbeat_forever, target)
    atexit.register(_withdraw)


def _heartbeat_forever(app: Flask) -> None:
    while True:
        socketio.sleep(HEARTBEAT_S)
        try:
            reaped = cluster.heartbeat(rooms.connections.online_usernames())
        except Exception:  # Redis restarting: the next beat re-adds everyone
            log.warning("presence heartbeat failed", exc_info=True)
            continue
        for username in reaped.offline:  # their process died; nobody else holds them
            _announce(username, "offline")


def _withdraw() -> None:
    with contextlib.suppress(Exception):
        cluster.withdraw()
