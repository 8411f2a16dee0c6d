"""Notification preferences, the "Mentions & replies" read markers, and notification events.

A `notification` event names the channel and the author, never the message's content (as
HIPAA guidance for chat products asks): the payload is built from ids and names only.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from sqlalchemy import Integer, String, bindparam, func, literal, or_, select, update
from sqlalchemy.exc import IntegrityError

from physnet.access import access_channel
from physnet.actions import validate
from physnet.actions.availability import off_duty
from physnet.actions.broadcast import queue_event
from physnet.actions.push import delivery
from physnet.actions.push.queue import queue_pushes, told_sender, topic_for
from physnet.db.transaction import after_commit, atomic
from physnet.errors import BadRequest, Invalid
from physnet.extensions import db
from physnet.models import (
    NOTIFY_LEVELS,
    Channel,
    HelpOffer,
    Membership,
    Mention,
    Message,
    RepliesReadMarker,
    User,
    UserAvailability,
    default_notification_level,
    utcnow,
)
from physnet.reads.json import availability_json, availability_label, notification_json
from physnet.realtime import rooms

# --- preferences --------------------------------------------------------------------------


def check_set_notification_level(user: User, channel_name: Any, level: Any) -> Membership:
    """Validate and store `user`'s notification level for a channel they belong to."""
    name = validate.require_str(channel_name, "channel") or ""
    if not isinstance(level, str):
        raise BadRequest(
            'Field level must be "all", "mentions" or "none".', code="invalid_type", field="level"
        )
    if level not in NOTIFY_LEVELS:
        raise Invalid(
            'A notification level is "all", "mentions" or "none".',
            code="invalid_notification_level",
            field="level",
        )
    membership = require_membership(user, name)
    return do_set_notification_level(membership, level)


def require_membership(user: User, name: str) -> Membership:
    """The membership behind a channel's preferences: only members have preferences."""
    channel, membership = access_channel(user, name)
    if membership is None:
        raise Invalid(f"Join #{channel.name} to choose its notifications.", code="not_a_member")
    return membership


def do_set_notification_level(membership: Membership, level: str) -> Membership:
    """Store the level; the kind's default is stored as NULL so it follows the default."""
    with atomic():
        default = default_notification_level(membership.channel.kind)
        membership.notify = None if level == default else level
    return membership


# --- the "Mentions & replies" view's read state --------------------------------------------


def check_mark_mentions_read(user: User, up_to_id: Any) -> int:
    """Validate `up_to_id`, then mark everything in the view up to it as read."""
    newest = validate.require_int(up_to_id, "up_to_id") or 0
    try:
        return do_mark_mentions_read(user, newest)
    except IntegrityError:  # two tabs created my first marker at once; it exists now
        return do_mark_mentions_read(user, newest)


def do_mark_mentions_read(user: User, up_to_id: int) -> int:
    """Clear my mentions up to that message id, in any channel (a non-member mentioned in a
    public channel has no read marker there), and move my replies marker forward. The marker
    never passes the newest existing message, so later replies cannot be pre-read. Returns
    the marker."""
    with atomic():
        newest = db.session.scalar(select(func.max(Message.id))) or 0
        up_to = min(up_to_id, newest)
        db.session.execute(
            update(Mention)
            .where(
                Mention.user_id == user.id,
                Mention.read_at.is_(None),
                Mention.message_id <= up_to,
            )
            .values(read_at=utcnow())
        )
        db.session.execute(
            update(HelpOffer)
            .where(
                HelpOffer.user_id == user.id,
                HelpOffer.read_at.is_(None),
                HelpOffer.message_id <= up_to,
            )
            .values(read_at=utcnow())
        )
        marker = db.session.get(RepliesReadMarker, user.id)
        if marker is None:
            marker = RepliesReadMarker(user_id=user.id, last_read_id=0)
            db.session.add(marker)
        marker.last_read_id = max(marker.last_read_id, up_to)
        queue_event("mentions_read", {"up_to_id": up_to}, rooms.user_room(user.id))
    return marker.last_read_id


# --- notification events --------------------------------------------------------------------


_CANDIDATE_QUERIES: dict[tuple[bool, bool, bool], Any] = {}


def _candidates_query(default_all: bool, in_a_thread: bool, mentions: bool) -> Any:
    """The members who might be notified of a new message, as (user_id, level, in thread):
    one statement per shape, built once (it runs on every send), values bound per call."""
    key = (default_all, in_a_thread, mentions)
    statement = _CANDIDATE_QUERIES.get(key)
    if statement is not None:
        return statement
    level = func.coalesce(Membership.notify, bindparam("default_level", type_=String))
    # Written so an index on (channel_id, notify) finds the "all" people of a big channel
    # without reading every membership; mentioned people and thread authors are few.
    wants_all: Any = Membership.notify == "all"
    if default_all:
        wants_all = or_(wants_all, Membership.notify.is_(None))
    candidates = [wants_all]
    in_thread: Any = literal(False)
    if in_a_thread:
        parent_id = bindparam("parent_id", type_=Integer)
        in_thread = Membership.user_id.in_(
            select(Message.author_id).where(
                or_(Message.id == parent_id, Message.thread_id == parent_id)
            )
        )
        candidates.append(in_thread)
    if mentions:
        candidates.append(Membership.user_id.in_(bindparam("mentioned", expanding=True)))
    # No join to users: a deactivated person has no open socket left to notify.
    statement = select(Membership.user_id, level, in_thread).where(
        Membership.channel_id == bindparam("channel_id"),
        Membership.user_id != bindparam("author_id"),
        or_(*candidates),
    )
    _CANDIDATE_QUERIES[key] = statement
    return statement


def queue_message_notifications(
    message: Message, parent: Message | None, mentioned: list[int]
) -> None:
    """Queue a `notification` for each person whose preference asks for this new message.

    One query, whatever the channel's size: it returns only members who might be notified
    (level "all", or mentioned, or in the thread); levels are applied here.
    Call inside the message's transaction, after its mentions were recorded.
    """
    channel = message.channel
    default = default_notification_level(channel.kind)
    statement = _candidates_query(default == "all", parent is not None, bool(mentioned))
    values: dict[str, Any] = {
        "channel_id": channel.id,
        "author_id": message.author_id,
        "default_level": default,
    }
    if parent is not None:
        values["parent_id"] = parent.id
    if mentioned:
        values["mentioned"] = list(mentioned)
    rows = db.session.execute(statement, values).all()
    members = set()
    by_kind: dict[str, list[int]] = {}
    for user_id, user_level, participant in rows:
        members.add(user_id)
        kind = _kind(user_id in mentioned, bool(participant), user_level)
        if kind is not None:
            by_kind.setdefault(kind, []).append(user_id)
    # A mentioned non-member (a public channel) is notified as for the default level.
    outside = [user_id for user_id in mentioned if user_id not in members]
    if outside:
        by_kind.setdefault("mention", []).extend(outside)
    for kind, user_ids in by_kind.items():
        _queue(message, channel, user_ids, kind)


def queue_mention_notifications(message: Message, mentioned: list[int]) -> None:
    """Notify people newly mentioned by an edit, unless their level is "none"."""
    if not mentioned:
        return
    channel = message.channel
    levels = dict(
        db.session.execute(
            select(Membership.user_id, Membership.notify).where(
                Membership.channel_id == channel.id, Membership.user_id.in_(mentioned)
            )
        )
        .tuples()
        .all()
    )
    default = default_notification_level(channel.kind)
    wanted = [user_id for user_id in mentioned if (levels.get(user_id) or default) != "none"]
    if wanted:
        _queue(message, channel, wanted, "mention")


def _kind(mentioned: bool, participant: bool, level: str) -> str | None:
    """What a person with `level` is told about a message, if anything."""
    if level == "none":
        return None
    if mentioned:
        return "mention"
    if participant:
        return "reply"
    return "message" if level == "all" else None


def _queue(message: Message, channel: Channel, user_ids: list[int], kind: str) -> None:
    """One payload and one emit for everyone told the same thing (through Redis, one
    message for the whole list instead of one per person), and the same content-free
    payload as a Web Push to their devices."""
    payload = notification_json(message, channel, kind)
    queue_event("notification", payload, [rooms.user_room(u) for u in user_ids])
    push = {**payload, "url": f"/c/{channel.name}/m/{message.id}"}
    topic = topic_for(channel.id, message.thread_id)
    work = partial(_queue_push, push, user_ids, topic, kind, message.author_id)
    after_commit(delivery.submit, work)


def _queue_push(
    payload: dict[str, Any], user_ids: list[int], topic: str, kind: str, author_id: int
) -> None:
    """On the push dispatcher, after the message committed: queue the pushes; tell the
    author, once, that someone they mentioned is off duty."""
    holding = queue_pushes(payload, user_ids, topic)
    if kind == "mention":
        for avail in holding:
            if off_duty(avail, utcnow()) and told_sender(avail, author_id):
                _tell_sender(author_id, avail)


def _tell_sender(sender_id: int, avail: UserAvailability) -> None:
    """ "Dr. Kim is off duty until 07:00", once per period, to the sender's own sockets."""
    person = db.session.get(User, avail.user_id)
    if person is None:
        return
    label = availability_label(avail)
    name = person.display_name or person.username
    notice = {
        "username": person.username,
        "status": avail.status,
        "until": availability_json(avail)["until"],
        "text": f"{name} is {label}.",
    }
    queue_event("availability_notice", notice, rooms.user_room(sender_id))
