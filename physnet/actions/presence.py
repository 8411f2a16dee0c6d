"""Who is online and who is typing: ephemeral state that is broadcast, never stored.

A person is online while they have a socket on any server process. With Redis, the
processes share that in `physnet.realtime.cluster_presence`; a Redis hiccup only delays
presence (the heartbeat repairs it), it never refuses a connection.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import threading

from physnet.errors import Unavailable
from physnet.extensions import socketio
from physnet.models import Channel, User
from physnet.realtime import rooms
from physnet.realtime.cluster_presence import HEARTBEAT_S, cluster
from physnet.realtime.control import bus

log = logging.getLogger(__name__)
EVERYONE = "presence"
_heartbeat_lock = threading.Lock()
_heartbeat_started = False


def connected(user: User, sid: str, deadline: float | None = None) -> None:
    """Record a socket; a person's first socket anywhere announces them online."""
    bus.ensure_listening()
    _ensure_heartbeat()
    socketio.server.enter_room(sid, EVERYONE, namespace=rooms.NAMESPACE)
    if rooms.connections.add(user.id, user.username, sid, deadline) and _first_anywhere(
        user.username
    ):
        rooms.emit("presence", {"username": user.username, "status": "online"}, EVERYONE)


def disconnected(sid: str) -> None:
    """Forget a socket; a person's last socket anywhere announces them offline.

    Runs inside whatever closed the socket (possibly an action, mid-request), so it must not
    touch the database session.
    """
    username = rooms.connections.remove(sid)
    if username is not None and _last_anywhere(username):
        rooms.emit("presence", {"username": username, "status": "offline"}, EVERYONE)


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


def _ensure_heartbeat() -> None:
    """Start this process's presence heartbeat (once) when it begins to hold sockets."""
    global _heartbeat_started
    if not cluster.enabled or _heartbeat_started:
        return
    with _heartbeat_lock:
        if _heartbeat_started:
            return
        _heartbeat_started = True
    socketio.start_background_task(_heartbeat_forever)
    atexit.register(_withdraw)


def _heartbeat_forever() -> None:
    while True:
        socketio.sleep(HEARTBEAT_S)
        try:
            gone = cluster.heartbeat(rooms.connections.online_usernames())
        except Exception:  # Redis restarting: the next beat re-adds everyone
            log.warning("presence heartbeat failed", exc_info=True)
            continue
        for username in gone:  # their process died; nobody else holds them
            rooms.emit("presence", {"username": username, "status": "offline"}, EVERYONE)


def _withdraw() -> None:
    with contextlib.suppress(Exception):
        cluster.withdraw()
