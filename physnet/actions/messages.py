"""Posting, editing, deleting and reacting to messages."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from physnet import failpoints, markdown
from physnet.access import (
    access_channel,
    access_message,
    can_moderate,
    can_read,
    can_see,
    check_can_post,
)
from physnet.actions import notifications, redelivery, validate
from physnet.actions.audit import actor_of, record_audit
from physnet.actions.broadcast import queue_message_event
from physnet.actions.effects import after_commit, atomic
from physnet.actions.phi import check_phi, store_with_override
from physnet.errors import BadRequest, Conflict, Forbidden, Invalid
from physnet.extensions import db
from physnet.models import (
    Channel,
    Membership,
    Mention,
    Message,
    MessageEdit,
    Reaction,
    User,
    utcnow,
)
from physnet.realtime import rooms
from physnet.serialize import author_json, reactions_json

MAX_EMOJI = 32


def check_send_message(
    user: User,
    channel_name: Any,
    body: Any,
    client_msg_id: Any = None,
    thread_id: Any = None,
    phi_override_reason: Any = None,
) -> tuple[Message, bool]:
    """Validate raw input, then post. Returns (message, created); created is False for a
    repeated client_msg_id, whose first message is returned unchanged."""
    name = validate.require_str(channel_name, "channel") or ""
    text = validate.message_body(body)
    cid = validate.client_msg_id(client_msg_id)
    parent_id = validate.require_int(thread_id, "thread_id", optional=True)
    channel, membership = access_channel(user, name)
    if cid is not None:
        existing = _by_client_id(user, cid)
        if existing is not None:
            return _same_send(user, existing, channel, membership), False
    check_can_post(user, channel, membership)
    parent = None
    if parent_id is not None:
        parent = db.session.get(Message, parent_id)
        if parent is not None and parent.thread_id is not None:  # a reply to a reply joins
            parent = db.session.get(Message, parent.thread_id)  # the same thread
        if (
            parent is None
            or parent.channel_id != channel.id
            or parent.deleted_at is not None
            or not can_see(user, parent, membership)
        ):
            raise Invalid("That thread does not exist in this channel.", code="unknown_thread")
    override = check_phi(user, channel, text, phi_override_reason, action="message.send")
    try:
        send = lambda: do_send_message(user, channel, text, cid, parent)  # noqa: E731
        return store_with_override(override, send, lambda m: f"message:{m.id}"), True
    except IntegrityError:
        # The same client_msg_id raced in on another connection, and that one won.
        existing = _by_client_id(user, cid) if cid else None
        if existing is None:
            raise
        return _same_send(user, existing, channel, membership), False


def _same_send(
    user: User, existing: Message, channel: Channel, membership: Membership | None
) -> Message:
    """A repeated client_msg_id is the same send only in the same channel; anywhere else it
    is a client error (and must not reveal where the first message went). A first message
    that a report has hidden since is not handed back, not even to its author."""
    if existing.channel_id != channel.id:
        raise Conflict(
            "This client_msg_id was already used for another message; generate a "
            "new one for each message.",
            code="client_msg_id_reused",
        )
    if not can_see(user, existing, membership):
        raise Conflict(
            "That message was reported and is hidden until a moderator reviews it.",
            code="message_hidden",
        )
    return existing


def _by_client_id(user: User, cid: str) -> Message | None:
    return db.session.scalar(
        select(Message).where(Message.author_id == user.id, Message.client_msg_id == cid)
    )


def do_send_message(
    user: User,
    channel: Channel,
    body: str,
    client_msg_id: str | None,
    parent: Message | None,
    created_at: Any = None,
) -> Message:
    """Store a message and queue its broadcast. Precondition: `user` may post in `channel`."""
    now = created_at or utcnow()
    html = markdown.render(body)  # before the transaction: keep the write lock short
    with atomic():
        # Lock the channel row first, so ids within a channel are handed out in commit order
        # and a client catching up "after id N" can never miss a message committed later.
        db.session.execute(
            update(Channel).where(Channel.id == channel.id).values(last_message_at=now)
        )
        message = Message(
            channel=channel,
            author=user,
            body=body,
            html=html,
            client_msg_id=client_msg_id,
            reactions=[],
            created_at=now,
            thread_id=parent.id if parent else None,
        )
        db.session.add(message)
        if parent is not None:
            parent.reply_count = Message.reply_count + 1
        db.session.flush()
        redelivery.hold(message.id)  # if this process dies before the broadcast, a peer sends it
        mentioned = _record_mentions(message, skip=set())
        # The author has read their own message.
        db.session.execute(
            update(Membership)
            .where(
                Membership.channel_id == channel.id,
                Membership.user_id == user.id,
                Membership.last_read_id < message.id,
            )
            .values(last_read_id=message.id)
        )
        after_commit(failpoints.reach, "message.committed")  # fault tests only
        queue_message_event("message", message)
        if parent is not None:
            db.session.refresh(parent)
            queue_message_event("message_updated", parent)  # its new reply count
        _queue_mention_events(message, mentioned)
        notifications.queue_message_notifications(message, parent, mentioned)
        after_commit(redelivery.release, message.id)  # last: every broadcast is out
    return message


def _record_mentions(message: Message, skip: set[int]) -> list[int]:
    """Store a mention for each @username who can read the channel; return their ids."""
    names = markdown.mentioned_usernames(message.body)
    if not names:
        return []
    users = db.session.scalars(select(User).where(User.username.in_(names), User.active)).all()
    ids = []
    for mentioned in users:
        if mentioned.id in skip or mentioned.id == message.author_id:
            continue
        membership = db.session.get(Membership, (message.channel_id, mentioned.id))
        if can_read(mentioned, message.channel, membership):
            db.session.add(Mention(message_id=message.id, user_id=mentioned.id))
            ids.append(mentioned.id)
    return ids


def _queue_mention_events(message: Message, user_ids: list[int]) -> None:
    # A notification names the channel and the author, never the content.
    payload = {
        "message_id": message.id,
        "channel": message.channel.name,
        "author": author_json(message.author),
    }
    for user_id in user_ids:
        after_commit(rooms.emit, "mention", payload, rooms.user_room(user_id))


def check_edit_message(
    user: User, message_id: Any, body: Any, phi_override_reason: Any = None
) -> Message:
    mid = validate.require_int(message_id, "id") or 0
    text = validate.message_body(body)
    message, _ = access_message(user, mid)
    if message.author_id != user.id:
        raise Forbidden("Only the author can edit a message.", code="not_author")
    if message.deleted_at is not None:
        raise Invalid("A deleted message cannot be edited.", code="message_deleted")
    if text == message.body:
        return message
    override = check_phi(user, message.channel, text, phi_override_reason, action="message.edit")
    edit = lambda: do_edit_message(user, message, text)  # noqa: E731
    return store_with_override(override, edit, lambda m: f"message:{m.id}")


def do_edit_message(user: User, message: Message, body: str) -> Message:
    """Replace the body, keep the old one in the history, and broadcast the new version."""
    if body == message.body:
        return message
    with atomic():
        db.session.add(
            MessageEdit(message_id=message.id, editor_id=user.id, previous_body=message.body)
        )
        record_audit(
            actor_of(user),
            "message.edited",
            f"message:{message.id}",
            channel=message.channel.name,
            before=message.body,
            after=body,
        )
        message.body = body
        message.html = markdown.render(body)
        message.edited_at = utcnow()
        already = set(
            db.session.scalars(select(Mention.user_id).where(Mention.message_id == message.id))
        )
        added = _record_mentions(message, skip=already)
        _queue_mention_events(message, added)
        notifications.queue_mention_notifications(message, added)
        db.session.flush()
        queue_message_event("message_updated", message)
    return message


def check_delete_message(user: User, message_id: Any) -> Message:
    mid = validate.require_int(message_id, "id") or 0
    message, membership = access_message(user, mid)
    if message.author_id != user.id and not can_moderate(user, membership):
        raise Forbidden("Only the author or a moderator can delete a message.", code="not_author")
    if message.deleted_at is None:
        do_delete_message(message, user)
    return message


def do_delete_message(message: Message, actor: User | None = None) -> None:
    """Leave a tombstone: the text, its edit history, reactions and mentions are removed.

    The audit log keeps the deleted text (it is readable by admins only)."""
    with atomic():
        record_audit(
            actor_of(actor),
            "message.deleted",
            f"message:{message.id}",
            channel=message.channel.name,
            author=message.author.username,
            before=message.body,
        )
        message.deleted_at = utcnow()
        message.pinned_at, message.pinned_by = None, None  # a tombstone is not kept pinned
        message.body = ""
        message.html = ""
        db.session.execute(delete(MessageEdit).where(MessageEdit.message_id == message.id))
        db.session.execute(delete(Mention).where(Mention.message_id == message.id))
        message.reactions.clear()
        if message.thread_id is not None:  # the thread's reply count no longer includes it
            parent = db.session.get(Message, message.thread_id)
            if parent is not None:
                parent.reply_count = Message.reply_count - 1
                db.session.flush()
                db.session.refresh(parent)
                queue_message_event("message_updated", parent)
        after_commit(
            rooms.emit,
            "message_deleted",
            {"id": message.id, "channel": message.channel.name, "thread_id": message.thread_id},
            rooms.channel_room(message.channel_id),
        )


def check_toggle_reaction(user: User, message_id: Any, emoji: Any) -> tuple[Message, bool]:
    mid = validate.require_int(message_id, "id") or 0
    if not isinstance(emoji, str):
        raise BadRequest("Field emoji must be a string.", code="invalid_type", field="emoji")
    text = emoji.strip()
    if not text or len(text) > MAX_EMOJI or any(c.isspace() or c == "\x00" for c in text):
        raise Invalid("An emoji is 1 to 32 characters with no spaces.", code="invalid_emoji")
    message, membership = access_message(user, mid)
    if membership is None:
        raise Forbidden(f"Join #{message.channel.name} before reacting.", code="not_a_member")
    if message.deleted_at is not None:
        raise Invalid("A deleted message cannot get reactions.", code="message_deleted")
    try:
        return message, do_toggle_reaction(user, message, text)
    except IntegrityError:  # a double click raced us: the reaction is there
        db.session.refresh(message)
        return message, True


def do_toggle_reaction(user: User, message: Message, emoji: str) -> bool:
    """Add the reaction, or remove it when already there; True when added."""
    with atomic():
        existing = db.session.get(Reaction, (message.id, user.id, emoji))
        if existing is not None:
            message.reactions.remove(existing)
        else:
            message.reactions.append(Reaction(user_id=user.id, emoji=emoji, user=user))
        db.session.flush()
        queue_message_event(
            "reaction",
            message,
            {
                "message_id": message.id,
                "channel": message.channel.name,
                "emoji": emoji,
                "username": user.username,
                "added": existing is None,
                "reactions": reactions_json(message),
            },
        )
    return existing is None


def do_mark_read(user: User, membership: Membership, message_id: int) -> None:
    """Move the read marker forward (never back) and clear mentions up to it."""
    with atomic():
        if message_id > membership.last_read_id:
            membership.last_read_id = message_id
        db.session.execute(
            update(Mention)
            .where(
                Mention.user_id == user.id,
                Mention.read_at.is_(None),
                Mention.message_id.in_(
                    select(Message.id).where(
                        Message.channel_id == membership.channel_id, Message.id <= message_id
                    )
                ),
            )
            .values(read_at=utcnow())
        )
