"""The one rule of who may see and do what, shared by pages, API, sockets and search."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, and_, bindparam, false, or_, select, true
from sqlalchemy.orm import lazyload

from physnet.errors import Forbidden, NotFound
from physnet.extensions import db
from physnet.models import (
    CHANNEL_NAME_RE,
    MAX_ID,
    USERNAME,
    Channel,
    File,
    Membership,
    Message,
    Tip,
    User,
)

OPEN_KINDS = ("public", "announcement")


def membership_of(user: User, channel: Channel) -> Membership | None:
    return db.session.get(Membership, (channel.id, user.id))


def can_read(user: User, channel: Channel, membership: Membership | None) -> bool:
    """Open channels are readable by every active user; private ones only by members."""
    if not user.active:
        return False
    return channel.kind in OPEN_KINDS or membership is not None


def can_moderate(user: User, membership: Membership | None) -> bool:
    return user.is_staff or (membership is not None and membership.role == "moderator")


def check_can_post(user: User, channel: Channel, membership: Membership | None) -> None:
    """Raise Forbidden unless `user` may post in `channel` (read access already checked)."""
    if channel.archived_at is not None:
        raise Forbidden(
            f"#{channel.name} is archived; it can be read but not posted to.",
            code="channel_archived",
        )
    if membership is None:
        raise Forbidden(f"Join #{channel.name} before posting in it.", code="not_a_member")
    if channel.kind == "announcement" and not can_moderate(user, membership):
        raise Forbidden(
            f"Only moderators and admins post in #{channel.name}.", code="announcement_only"
        )


# Built once (it runs on every post and socket event); the user and name are bound per call.
_CHANNEL_AND_MEMBERSHIP = (
    select(Channel, Membership)
    .outerjoin(
        Membership,
        and_(Membership.channel_id == Channel.id, Membership.user_id == bindparam("user_id")),
    )
    .where(Channel.name == bindparam("name"))
    .options(lazyload(Membership.channel), lazyload(Membership.user))
)


# The id of the message an author already sent with a client_msg_id (in any channel).
SENT_WITH_CLIENT_ID = select(Message.id).where(
    Message.author_id == bindparam("user_id"), Message.client_msg_id == bindparam("cid")
)
# A post asks for it in the same query as the channel and the membership.
_CHANNEL_MEMBERSHIP_AND_REPEAT = _CHANNEL_AND_MEMBERSHIP.add_columns(
    SENT_WITH_CLIENT_ID.scalar_subquery()
)


def access_channel(user: User, name: str) -> tuple[Channel, Membership | None]:
    """Fetch a channel `user` may read; a hidden channel is reported exactly like a missing one."""
    channel, membership, _ = _access_channel(user, name, _CHANNEL_AND_MEMBERSHIP, {})
    return channel, membership


def access_channel_to_post(
    user: User, name: str, client_msg_id: str | None
) -> tuple[Channel, Membership | None, int | None]:
    """`access_channel`, and the id of the message `user` already sent with `client_msg_id`
    (anywhere), if any: one query for the three on every post."""
    if client_msg_id is None:
        return (*access_channel(user, name), None)
    return _access_channel(user, name, _CHANNEL_MEMBERSHIP_AND_REPEAT, {"cid": client_msg_id})


def _access_channel(
    user: User, name: str, statement: Any, extra: dict[str, Any]
) -> tuple[Channel, Membership | None, Any]:
    # A name that cannot exist is not looked up (nor are NULs sent to the database).
    channel, membership, more = None, None, None
    if isinstance(name, str) and CHANNEL_NAME_RE.fullmatch(name):
        # One query for both: this runs on every post and every socket event.
        row = db.session.execute(statement, {"user_id": user.id, "name": name, **extra}).first()
        if row is not None:
            channel, membership, *rest = row
            more = rest[0] if rest else None
    if channel is None or not can_read(user, channel, membership):
        raise NotFound(f"There is no channel #{name} that you can see.", code="unknown_channel")
    return channel, membership, more


def access_message(user: User, message_id: int) -> tuple[Message, Membership | None]:
    """Fetch a message whose channel `user` may read."""
    valid = isinstance(message_id, int) and 0 < message_id <= MAX_ID
    message = db.session.get(Message, message_id) if valid else None
    membership = membership_of(user, message.channel) if message is not None else None
    if message is None or not can_see(user, message, membership):
        raise NotFound(
            f"There is no message {message_id} that you can see.", code="unknown_message"
        )
    return message, membership


def access_file(user: User, file_id: int) -> File:
    """Fetch a file `user` may download: an attached one follows its message (deleted or
    hidden: no one but its channel's moderators); one not yet attached, its uploader alone."""
    valid = isinstance(file_id, int) and 0 < file_id <= MAX_ID
    found = db.session.get(File, file_id) if valid else None
    allowed = False
    if found is not None and found.message_id is not None:
        message = db.session.get(Message, found.message_id)
        allowed = (
            message is not None
            and message.deleted_at is None
            and can_see(user, message, membership_of(user, message.channel))
        )
    elif found is not None and found.uploader_id == user.id:
        channel = db.session.get(Channel, found.channel_id)
        allowed = channel is not None and can_read(user, channel, membership_of(user, channel))
    if found is None or not allowed:
        raise NotFound(f"There is no file {file_id} that you can see.", code="unknown_file")
    return found


# What a person may see of messages: written once, here, for every read path and broadcast.
# - the channel is readable (`can_read`, `readable_channel_ids`);
# - a reported (quarantined) message is hidden from everyone but those who moderate its
#   channel, who see it marked (`"quarantined": true`);
# - a deleted message is a tombstone with no text; lists of content (search, mentions, pins,
#   tips) leave it out altogether.
# Nothing outside this block and the quarantine's own action reads `quarantined_at`.


def is_hidden(message: Message) -> bool:
    """True while a report keeps `message` from the channel's ordinary readers: it is in no
    broadcast, no index document, no tip."""
    return message.quarantined_at is not None


def can_see(user: User, message: Message, membership: Membership | None) -> bool:
    """The rule for one loaded message (`membership`: `user`'s in its channel)."""
    if not can_read(user, message.channel, membership):
        return False
    return not is_hidden(message) or can_moderate(user, membership)


def shown_to_readers() -> ColumnElement[bool]:
    """The messages every reader of their channel sees: not hidden by a report (what the
    search index, redelivery, unread counts and tips draw from)."""
    return Message.quarantined_at.is_(None)


def visible_in_channel(user: User, membership: Membership | None) -> ColumnElement[bool]:
    """The messages of one channel `user` already reads (see `access_channel`) that they may
    see: moderators of it see hidden ones too."""
    return true() if can_moderate(user, membership) else shown_to_readers()


def visible_messages(user: User, *, tombstones: bool = False) -> ColumnElement[bool]:
    """The messages, across channels, `user` may see (a WHERE clause on Message): readable
    channels, hidden ones only where `user` moderates, tombstones only if asked for."""
    if not user.active:
        return false()
    clauses: list[ColumnElement[bool]] = [Message.channel_id.in_(readable_channel_ids(user))]
    if not user.is_staff:
        moderated = select(Membership.channel_id).where(
            Membership.user_id == user.id, Membership.role == "moderator"
        )
        clauses.append(or_(shown_to_readers(), Message.channel_id.in_(moderated)))
    if not tombstones:
        clauses.append(Message.deleted_at.is_(None))
    return and_(*clauses)


def access_tip(user: User, tip_id: int) -> tuple[Tip, Membership | None]:
    """Fetch a live tip whose channel `user` may read (the rule of access_message)."""
    valid = isinstance(tip_id, int) and 0 < tip_id <= MAX_ID
    tip = db.session.get(Tip, tip_id) if valid else None
    if tip is not None and tip.deleted_at is not None:
        tip = None
    membership = membership_of(user, tip.channel) if tip is not None else None
    if tip is None or not can_read(user, tip.channel, membership):
        raise NotFound(f"There is no tip {tip_id} that you can see.", code="unknown_tip")
    return tip, membership


def readable_channel_ids(user: User) -> Select[tuple[int]]:
    """A SELECT of the ids of every channel `user` may read (for search and listings)."""
    member_of = select(Membership.channel_id).where(Membership.user_id == user.id)
    return select(Channel.id).where(or_(Channel.kind.in_(OPEN_KINDS), Channel.id.in_(member_of)))


def require_staff(user: User) -> None:
    if not user.is_staff:
        raise Forbidden("Only moderators and admins may do that.", code="staff_only")


def access_profile(viewer: User, username: str) -> User:
    """Fetch the person whose profile `viewer` opens (any signed-in person may read any)."""
    valid = isinstance(username, str) and USERNAME.fullmatch(username) is not None
    user = db.session.scalar(select(User).where(User.username == username)) if valid else None
    if user is None or not viewer.active:
        raise NotFound(f"There is no user {username}.", code="unknown_user")
    return user


def person_channels_visible_to(viewer: User, person: User) -> Select[tuple[Channel]]:
    """The channels `person` belongs to that `viewer` may read: open ones, and private ones
    `viewer` is in too. Direct messages are never listed, not even to their other member."""
    return (
        select(Channel)
        .join(Membership, Membership.channel_id == Channel.id)
        .where(
            Membership.user_id == person.id,
            Channel.kind != "direct",
            Channel.archived_at.is_(None),
            Channel.id.in_(readable_channel_ids(viewer)),
        )
        .order_by(Channel.name)
    )


def access_insights(user: User) -> bool:
    """Admins and analysts see the insights; True when they may also see the words people
    wrote in them (admins). Everyone else gets Forbidden."""
    if user.active and user.role == "admin":
        return True
    if user.active and user.role == "analyst":
        return False
    raise Forbidden("Only admins and analysts see the insights.", code="insights_only")
