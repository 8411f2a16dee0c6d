"""Every broadcast event comes from a committed change-log row, and carries its id.

`queue_event` writes the event into the change log in the caller's transaction and
publishes it after the commit, with `event_id` (the row's id) in its payload. A process
that dies between the two leaves a committed row that nobody published; the republisher
of some live server process (`physnet.actions.republish`) sends it a few seconds later. A
screen may then get an event twice: clients keep one copy per `event_id`. Control messages
(closing a person's sockets) go the same way, with no payload for screens.

The events whose payload is a message (or describes one) are held to the visibility rule
here, so a message a report keeps hidden (`physnet.access.is_hidden`) is never in a
payload sent to a channel: not as itself, not as the parent a reply updates, not when
republished.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import select

from physnet.access import is_hidden
from physnet.db import change_log, failpoints
from physnet.db.transaction import after_commit
from physnet.extensions import db
from physnet.models import Membership, Message, User
from physnet.reads.json import message_json
from physnet.realtime import rooms
from physnet.realtime.cluster_presence import cluster

log = logging.getLogger(__name__)


def _enter_if_member(user_id: int, channel_id: int) -> None:
    """Move the person's sockets into the channel's room, if they are (still) an active
    member: a join replayed late, after a removal, must not let them hear the channel."""
    member = db.session.scalar(
        select(Membership.user_id)
        .join(User, User.id == Membership.user_id)
        .where(Membership.user_id == user_id, Membership.channel_id == channel_id, User.active)
    )
    if member is not None:
        rooms.enter_channel(user_id, channel_id)


def _leave_unless_member(user_id: int, channel_id: int) -> None:
    """Take the person's sockets out of the channel's room, unless they are a member again
    (a removal replayed late, after they were added back)."""
    if db.session.get(Membership, (channel_id, user_id)) is None:
        rooms.leave_channel(user_id, channel_id)


# Control messages: not sent to a room's screens but carried out in every process. Each is
# safe to carry out late or twice (the republisher may): it acts on the state of now.
CONTROLS: dict[str, Callable[..., None]] = {
    "disconnect_user": rooms.disconnect_user,
    "disconnect_token": rooms.disconnect_token,
    "disconnect_session": rooms.disconnect_session,
    "enter_channel": _enter_if_member,
    "leave_channel": _leave_unless_member,
}


def queue_event(event: str, payload: Any, room: str | list[str] | None) -> int:
    """Log `event` for `room` (or each of several rooms, once per socket) in the current
    transaction and publish it once it commits; return its event id. `room` is None for a
    control message (`CONTROLS`)."""
    text = json.dumps(payload, separators=(",", ":"), default=str)
    event_id = change_log.log_event(db.session(), event, room, text)
    after_commit(publish, event_id, event, payload, room)
    return event_id


def queue_events(events: Sequence[tuple[str, Any, str | list[str] | None]]) -> list[int]:
    """`queue_event` for many (event, payload, room) at once: one multi-row INSERT per
    batch, published in order after the commit. Returns their event ids."""
    if not events:
        return []
    texts = [
        (event, room, json.dumps(payload, separators=(",", ":"), default=str))
        for event, payload, room in events
    ]
    event_ids = change_log.log_events(db.session(), texts)
    after_commit(publish_many, list(zip(event_ids, events, strict=True)))
    return event_ids


def queue_control(name: str, **arguments: Any) -> int:
    """Carry out a control message (`CONTROLS`) in every process once this commits."""
    return queue_event(name, arguments, None)


def publish(event_id: int, event: str, payload: Any, room: str | list[str] | None) -> None:
    """Send one logged event now (after its commit), then note it as published."""
    failpoints.reach("event.committed")  # fault tests only: die before publishing
    _send(event_id, event, payload, room)
    mark_published([event_id])


PUBLISHED_EVERY = 200  # events sent by `publish_many` between notes to the republisher


def publish_many(events: list[tuple[int, tuple[str, Any, str | list[str] | None]]]) -> None:
    """`publish` for the events of `queue_events`, in order. They are noted as published a
    couple of hundred at a time, so that the republisher (which resends what is not noted
    within its grace of 2 s) does not send a long run again while it is still going out;
    one that fails is logged and the rest still go."""
    failpoints.reach("event.committed")
    sent: list[int] = []
    for event_id, (event, payload, room) in events:
        try:
            _send(event_id, event, payload, room)
        except Exception:
            log.exception("event %s (%s) could not be published", event_id, event)
        sent.append(event_id)
        if len(sent) >= PUBLISHED_EVERY:
            mark_published(sent)
            sent = []
    if sent:
        mark_published(sent)


def _send(event_id: int, event: str, payload: Any, room: str | list[str] | None) -> None:
    if room is None:
        CONTROLS[event](**payload)
    else:
        data = {**payload, "event_id": event_id} if isinstance(payload, dict) else payload
        rooms.emit(event, data, room)


def mark_published(event_ids: Iterable[int]) -> None:
    """Tell the republisher these are out (best effort: at worst it sends them again)."""
    if not cluster.enabled:
        return
    event_ids = list(event_ids)
    try:
        cluster.mark_published(event_ids)
    except Exception:
        log.warning("could not note events %s as published", event_ids, exc_info=True)


def queue_message_event(event: str, message: Message, payload: Any = None) -> None:
    """After commit, send `event` (`message`, `message_updated`, `reaction`...) about
    `message` to its channel; the payload defaults to the message itself. Nothing is sent
    for a hidden message."""
    if is_hidden(message):
        return
    data = message_json(message) if payload is None else payload
    queue_event(event, data, rooms.channel_room(message.channel_id))


def emit_message_event(event: str, message: Message) -> bool:
    """Send `event` with `message` now, outside a transaction and without an event id;
    False when the message is hidden and nothing was sent."""
    if is_hidden(message):
        return False
    rooms.emit(event, message_json(message), rooms.channel_room(message.channel_id))
    return True
