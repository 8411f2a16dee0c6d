"""Socket.IO handlers: adapters that authenticate, parse, call one action, acknowledge."""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from typing import Any, cast

from flask import current_app, request, session
from flask_login import current_user
from socketio.exceptions import ConnectionRefusedError as Refused
from sqlalchemy import bindparam, select
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from physnet import ratelimit
from physnet.access import access_channel
from physnet.actions import presence
from physnet.actions.messages import send
from physnet.actions.users import token_for
from physnet.actions.validate import require_int, require_str
from physnet.errors import PhysNetError, Unauthorized
from physnet.extensions import db, socketio
from physnet.models import ApiToken, Channel, EndedSession, Membership, User
from physnet.reads.channels import catch_up, channel_events, last_event_id
from physnet.reads.json import message_json
from physnet.reads.people import availability_labels
from physnet.realtime import rooms
from physnet.realtime.expiry import expiry
from physnet.web.session import session_deadline, session_expired, session_idle_deadline

log = logging.getLogger(__name__)
Ack = dict[str, Any]
CATCH_UP_LIMIT = 500


# Built once: they run on every socket event. A token's socket: the user, and whether the
# token was revoked since the socket opened.
_TOKEN_USER = select(
    User,
    ~select(ApiToken.id)
    .where(ApiToken.id == bindparam("token_id"), ApiToken.revoked_at.is_(None))
    .exists(),
).where(User.id == bindparam("user_id"))
# The same for a cookie's socket: the user, and whether that session was signed out since.
_SESSION_USER = select(
    User, select(EndedSession.sid).where(EndedSession.sid == bindparam("session_id")).exists()
).where(User.id == bindparam("user_id"))


def _socket_user() -> User:
    """The user behind this socket, re-checked on every event (deactivation ends access)."""
    sid = request.sid  # type: ignore[attr-defined]
    user_id = rooms.connections.user_of(sid, time.time())
    session_id = expiry.session_of(sid)
    token_id = rooms.connections.token_of(sid)
    check: tuple[Any, dict[str, Any]] | None = None
    if user_id is not None and token_id is not None:  # an API token's: revoked since?
        check = _TOKEN_USER, {"user_id": user_id, "token_id": token_id}
    elif user_id is not None and session_id is not None:  # a cookie's: signed out since?
        check = _SESSION_USER, {"user_id": user_id, "session_id": session_id}
    row = db.session.execute(*check).first() if check is not None else None
    user, ended = row if row is not None else (None, False)
    if user is not None and ended and token_id is not None:
        raise Unauthorized("This API token was revoked.", code="token_revoked")
    if user is None or ended or not user.active:
        raise Unauthorized("Your session has ended; sign in again.", code="session_ended")
    return user


def handler(event: str) -> Callable[[Callable[..., Ack]], Callable[..., Ack]]:
    """Register a socket event whose payload must be an object; errors become ack errors."""

    def wrap(fn: Callable[..., Ack]) -> Callable[..., Ack]:
        @functools.wraps(fn)
        def run(data: Any = None, *extra: Any) -> Ack:
            try:
                if not isinstance(data, dict):
                    return _error("invalid_payload", f"{event} expects a JSON object.")
                user = _socket_user()
                expiry.touch(request.sid)  # type: ignore[attr-defined]
                return fn(user, data)
            except PhysNetError as exc:
                db.session.rollback()
                return {"ok": False, "error": exc.to_dict()}
            except (OperationalError, InterfaceError):
                db.session.rollback()
                log.warning("socket event %s: the database is not answering", event)
                return _error(
                    "database_unavailable", "The database is not answering; try again in a moment."
                )
            except PoolTimeout:
                db.session.rollback()
                log.warning("socket event %s: every database connection is busy", event)
                return _error("server_busy", "The server is busy; try again in a moment.")
            except Exception:
                db.session.rollback()
                log.exception("socket event %s failed", event)
                return _error("internal_error", "Something went wrong on our side.")
            finally:
                # Flask's teardown does not run for socket events: give the connection back.
                db.session.remove()

        socketio.on_event(event, run)
        return run

    return wrap


def _error(code: str, message: str) -> Ack:
    return {"ok": False, "error": {"code": code, "message": message}}


@socketio.on("connect")
def on_connect(auth: Any = None) -> bool:
    """Accept the session cookie or auth={"token": ...}; refuse anything else.

    A socket hears no presence events until `presence_subscribe` names the people it shows
    (with the deprecated `presence_everyone` setting on, it hears everyone's unless it connects
    with auth={"presence": "subscribe"}). A busy or
    unreachable database refuses with a code (server_busy, database_unavailable): the client
    tries again later, unlike a refusal for want of a session.
    """
    try:
        return _connect(auth)
    except PoolTimeout:
        log.warning("socket connect: every database connection is busy")
        raise _refused("server_busy", "The server is busy; try again in a moment.") from None
    except (OperationalError, InterfaceError):
        log.warning("socket connect: the database is not answering")
        raise _refused(
            "database_unavailable", "The database is not answering; try again in a moment."
        ) from None
    finally:
        db.session.remove()


def _refused(code: str, message: str) -> Refused:
    # The client's connect_error carries {message, data: {code}} (socket.io-client: err.data).
    return Refused(message, {"code": code})


def _connect(auth: Any) -> bool:
    user: User | None = None
    deadline = None
    sid = request.sid  # type: ignore[attr-defined]
    token = None
    if isinstance(auth, dict) and isinstance(auth.get("token"), str):
        token = token_for(auth["token"])
        user = token.user if token is not None else None
    elif current_user.is_authenticated and not session_expired():
        user = current_user._get_current_object()
        deadline = session_deadline()
    if user is None or not user.active:
        return False
    if token is not None:
        # Bound before the rooms are entered, then checked again in a fresh transaction: a
        # revocation published before the binding would otherwise miss this socket.
        token_id, user_id = token.id, user.id
        rooms.connections.bind_token(sid, token_id)
        db.session.rollback()
        if db.session.scalar(select(ApiToken.revoked_at).where(ApiToken.id == token_id)):
            rooms.connections.remove(sid)
            return False
        user = db.session.get(User, user_id)
        if user is None or not user.active:
            rooms.connections.remove(sid)
            return False
    if deadline is not None:  # a cookie session: the socket ends with it, idle or not
        idle = current_app.config["PHYSNET"].session_idle_minutes * 60
        session_id = str(session.get("sid", ""))
        expiry.watch(sid, session_id, idle, session_idle_deadline(), deadline)
    channel_ids = db.session.scalars(
        select(Membership.channel_id).join(Channel).where(Membership.user_id == user.id)
    ).all()
    # Give the connection back before the room and presence work (Redis round trips):
    # under gevent a connect storm otherwise holds every pooled connection meanwhile.
    db.session.remove()
    for channel_id in channel_ids:
        socketio.server.enter_room(sid, rooms.channel_room(channel_id), namespace="/")
    socketio.server.enter_room(sid, rooms.user_room(user.id), namespace="/")
    everyone = current_app.config["PHYSNET"].presence_everyone and not (
        isinstance(auth, dict) and auth.get("presence") == "subscribe"
    )
    presence.connected(user, sid, deadline, everyone=everyone)
    return True


@socketio.on("disconnect")
def on_disconnect(*args: Any) -> None:
    # No database work here: a server-side disconnect runs inside the action that caused it.
    expiry.forget(request.sid)  # type: ignore[attr-defined]
    presence.disconnected(request.sid)  # type: ignore[attr-defined]


@handler("send_message")
def send_message(user: User, data: dict[str, Any]) -> Ack:
    ratelimit.check("post", f"user:{user.id}")
    message, _ = send.check_send_message(
        user,
        data.get("channel"),
        data.get("body"),
        data.get("client_msg_id"),
        data.get("thread_id"),
        data.get("phi_override_reason"),
        data.get("file_ids"),
        data.get("question", False),
    )
    return {"ok": True, "message": message_json(message)}


@handler("catch_up")
def on_catch_up(user: User, data: dict[str, Any]) -> Ack:
    channel, membership = access_channel(user, require_str(data.get("channel"), "channel") or "")
    after = require_int(data.get("after"), "after") or 0
    since = require_int(data.get("since_event"), "since_event", optional=True)
    messages = catch_up(user, channel, membership, after, CATCH_UP_LIMIT + 1)
    # Edits, deletes, reactions... since the client's last event id (with `since_event`).
    events = [] if since is None else channel_events(channel, since, CATCH_UP_LIMIT + 1)
    return {
        "ok": True,
        "messages": [message_json(m) for m in messages[:CATCH_UP_LIMIT]],
        "has_more": len(messages) > CATCH_UP_LIMIT,  # call again after the last id
        "events": events[:CATCH_UP_LIMIT],
        "events_more": len(events) > CATCH_UP_LIMIT,  # again after the last event id
        "last_event_id": last_event_id(),
    }


@handler("presence_subscribe")
def on_presence_subscribe(user: User, data: dict[str, Any]) -> Ack:
    """Hear presence (and `availability`) only about these people; the ack says which of
    them are online now, and the busy or off-duty label of those who are not available."""
    db.session.remove()  # done with the database: keep no pooled connection over Redis calls
    names = data.get("usernames")
    online = presence.subscribe(request.sid, names)  # type: ignore[attr-defined]
    labels = availability_labels(cast(list[str], names))  # a list of names: subscribe checked
    return {"ok": True, "online": online, "availability": labels}


@handler("typing")
def on_typing(user: User, data: dict[str, Any]) -> Ack:
    # Per socket, in this process (a socket lives in one): the excess is dropped unsent.
    ratelimit.check("typing", request.sid, local=True)  # type: ignore[attr-defined]
    channel, membership = access_channel(user, require_str(data.get("channel"), "channel") or "")
    if membership is None:  # readable (access_channel checked), but typing is for members
        return _error("not_a_member", f"Join #{channel.name} first.")
    presence.typing(user, channel, request.sid)  # type: ignore[attr-defined]
    return {"ok": True}
