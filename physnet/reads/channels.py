"""Read-only queries behind listings: channels with unread counts, history, catch-up."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import and_, func, select

from physnet.access import readable_channel_ids, shown_to_readers, visible_in_channel
from physnet.extensions import db
from physnet.models import ChangeLog, Channel, Membership, Mention, Message, User
from physnet.reads.json import author_json, channel_json

MAX_PAGE = 200


def channel_listing(user: User) -> list[dict[str, Any]]:
    """Every channel `user` can see, with unread and unread-mention counts where a member."""
    memberships = {
        m.channel_id: m
        for m in db.session.scalars(select(Membership).where(Membership.user_id == user.id))
    }
    channels = db.session.scalars(
        select(Channel).where(Channel.id.in_(readable_channel_ids(user))).order_by(Channel.name)
    ).all()
    unread = dict(
        db.session.execute(
            select(Message.channel_id, func.count())
            .join(
                Membership,
                and_(Membership.channel_id == Message.channel_id, Membership.user_id == user.id),
            )
            .where(
                Message.id > Membership.last_read_id,
                Message.author_id != user.id,
                Message.deleted_at.is_(None),
                shown_to_readers(),
            )
            .group_by(Message.channel_id)
        )
        .tuples()
        .all()
    )
    mentions = dict(
        db.session.execute(
            select(Message.channel_id, func.count())
            .join(Mention, Mention.message_id == Message.id)
            .where(
                Mention.user_id == user.id,
                Mention.read_at.is_(None),
                shown_to_readers(),  # a reported message notifies no one
            )
            .group_by(Message.channel_id)
        )
        .tuples()
        .all()
    )
    ids = [c.id for c in channels]
    # One index lookup per channel: the newest message id and the member count.
    newest = select(func.max(Message.id)).where(Message.channel_id == Channel.id)
    members = (
        select(func.count()).select_from(Membership).where(Membership.channel_id == Channel.id)
    )
    stats = {
        row[0]: (row[1], row[2])
        for row in db.session.execute(
            select(Channel.id, newest.scalar_subquery(), members.scalar_subquery()).where(
                Channel.id.in_(ids)
            )
        )
    }
    partners = _direct_partners(user, [c.id for c in channels if c.kind == "direct"])
    return [
        channel_json(
            c,
            memberships.get(c.id),
            unread=unread.get(c.id, 0),
            mentions=mentions.get(c.id, 0),
            last_message_id=stats.get(c.id, (None, 0))[0],
            member_count=stats.get(c.id, (None, 0))[1],
            partner=partners.get(c.id),
        )
        for c in channels
    ]


def _direct_partners(user: User, channel_ids: list[int]) -> dict[int, dict[str, str]]:
    """The other person of each direct channel."""
    if not channel_ids:
        return {}
    rows = db.session.scalars(
        select(Membership).where(
            Membership.channel_id.in_(channel_ids), Membership.user_id != user.id
        )
    ).all()
    return {m.channel_id: author_json(m.user) for m in rows}


def _channel_messages(user: User, channel: Channel, membership: Membership | None) -> Any:
    """The messages of `channel` (which `user` reads) that `user` may see, tombstones too."""
    return select(Message).where(
        Message.channel_id == channel.id, visible_in_channel(user, membership)
    )


def _in_thread(query: Any, thread_id: int | None) -> Any:
    if thread_id is None:  # top level only: replies are counted on their parent
        return query.where(Message.thread_id.is_(None))
    return query.where((Message.thread_id == thread_id) | (Message.id == thread_id))


def history(
    user: User,
    channel: Channel,
    membership: Membership | None,
    *,
    after: int | None = None,
    before: int | None = None,
    limit: int = 50,
    thread_id: int | None = None,
) -> tuple[list[Message], bool]:
    """A page of the messages `user` may see, oldest first, and whether more lie beyond it.

    Without a thread, only top-level messages (replies are counted on their parent); with
    `thread_id`, the thread's root and its replies. With `after`, the page starts just after
    that id and `has_more` looks forward; otherwise it ends at `before` (or the newest) and
    `has_more` looks back.
    """
    limit = max(1, min(limit, MAX_PAGE))
    query = _in_thread(_channel_messages(user, channel, membership), thread_id)
    if before is not None:
        query = query.where(Message.id < before)
    if after is not None:
        rows = db.session.scalars(
            query.where(Message.id > after).order_by(Message.id).limit(limit + 1)
        ).all()
        return list(rows[:limit]), len(rows) > limit
    rows = db.session.scalars(query.order_by(Message.id.desc()).limit(limit + 1)).all()
    return list(reversed(rows[:limit])), len(rows) > limit


def history_around(
    user: User,
    channel: Channel,
    membership: Membership | None,
    around: int,
    *,
    limit: int = 50,
    thread_id: int | None = None,
) -> tuple[list[Message], bool, bool]:
    """A page of messages centred on id `around` (which need not exist), oldest first, with
    whether older and whether newer messages lie beyond it (the same filters as `history`)."""
    limit = max(1, min(limit, MAX_PAGE))
    query = _in_thread(_channel_messages(user, channel, membership), thread_id)
    older = db.session.scalars(
        query.where(Message.id < around).order_by(Message.id.desc()).limit(limit + 1)
    ).all()
    newer = db.session.scalars(
        query.where(Message.id >= around).order_by(Message.id).limit(limit + 1)
    ).all()
    # Half the page on each side; a short side lends its room to the other.
    want_newer = max(limit - limit // 2, limit - len(older))
    n_newer = min(len(newer), want_newer)
    n_older = min(len(older), limit - n_newer)
    page = list(reversed(older[:n_older])) + list(newer[:n_newer])
    return page, len(older) > n_older, len(newer) > n_newer


def catch_up(
    user: User, channel: Channel, membership: Membership | None, after: int, limit: int = 500
) -> list[Message]:
    """Every message (replies included) `user` may see with an id above `after`, oldest
    first."""
    query = _channel_messages(user, channel, membership).where(Message.id > after)
    return list(db.session.scalars(query.order_by(Message.id).limit(limit)).all())


def channel_events(channel: Channel, after: int, limit: int = 500) -> list[dict[str, Any]]:
    """The events logged for `channel`'s room after event id `after`, oldest first, as they
    were sent (`{"event", "event_id", "data"}`); the log keeps them at least an hour."""
    rows = db.session.execute(
        select(ChangeLog.id, ChangeLog.event, ChangeLog.payload)
        .where(ChangeLog.room == f"channel:{channel.id}", ChangeLog.id > after)
        .order_by(ChangeLog.id)
        .limit(limit)
    ).all()
    events = []
    for row in rows:
        data = json.loads(row.payload or "null")
        if isinstance(data, dict):
            data["event_id"] = row.id
        events.append({"event": row.event, "event_id": row.id, "data": data})
    return events


def last_event_id() -> int:
    """The newest event id (0 when none): where a client's catch-up starts from."""
    return int(db.session.scalar(select(func.max(ChangeLog.id))) or 0)


def members_of(channel: Channel) -> list[dict[str, Any]]:
    rows = db.session.scalars(
        select(Membership)
        .join(User, User.id == Membership.user_id)
        .where(Membership.channel_id == channel.id, User.active)
        .order_by(User.display_name)
    ).all()
    return [
        {
            "username": m.user.username,
            "display_name": m.user.display_name or m.user.username,
            "role": m.role,
        }
        for m in rows
    ]
