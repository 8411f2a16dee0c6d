"""Who is online and who is typing: ephemeral state that is broadcast, never stored."""

from __future__ import annotations

from physnet.extensions import socketio
from physnet.models import Channel, User
from physnet.realtime import rooms
from physnet.realtime.control import bus

EVERYONE = "presence"


def connected(user: User, sid: str, deadline: float | None = None) -> None:
    """Record a socket; the first one of a person announces them online."""
    bus.ensure_listening()
    socketio.server.enter_room(sid, EVERYONE, namespace=rooms.NAMESPACE)
    if rooms.connections.add(user.id, user.username, sid, deadline):
        rooms.emit("presence", {"username": user.username, "status": "online"}, EVERYONE)


def disconnected(sid: str) -> None:
    """Forget a socket; the last one of a person announces them offline.

    Runs inside whatever closed the socket (possibly an action, mid-request), so it must not
    touch the database session.
    """
    username = rooms.connections.remove(sid)
    if username is not None:
        rooms.emit("presence", {"username": username, "status": "offline"}, EVERYONE)


def typing(user: User, channel: Channel, sid: str) -> None:
    rooms.emit(
        "typing",
        {"channel": channel.name, "username": user.username},
        rooms.channel_room(channel.id),
        skip_sid=sid,
    )
