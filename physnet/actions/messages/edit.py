"""Editing a message (with its history) and deleting one (a tombstone)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select

from physnet import markdown
from physnet.access import (
    access_message,
    can_moderate,
)
from physnet.actions import notifications, validate
from physnet.actions.audit import actor_of, record_audit
from physnet.actions.broadcast import queue_event, queue_message_event
from physnet.actions.files.remove import remove_message_files
from physnet.actions.messages.mentions import queue_mention_events, record_mentions
from physnet.actions.phi import PhiOverride, check_phi, record_phi_override
from physnet.db.transaction import atomic
from physnet.errors import Forbidden, Invalid
from physnet.extensions import db
from physnet.models import (
    Mention,
    Message,
    MessageEdit,
    User,
    utcnow,
)
from physnet.realtime import rooms


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
    return do_edit_message(user, message, text, phi_override=override)


def do_edit_message(
    user: User, message: Message, body: str, phi_override: PhiOverride | None = None
) -> Message:
    """Replace the body, keep the old one in the history, and broadcast the new version;
    a `phi_override` (from check_phi) is audited in the same transaction."""
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
        added = record_mentions(message, skip=already)
        queue_mention_events(message, added)
        notifications.queue_mention_notifications(message, added)
        db.session.flush()
        record_phi_override(phi_override, f"message:{message.id}")
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
        remove_message_files([message.id], actor_of(actor), "message deleted")
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
        queue_event(
            "message_deleted",
            {"id": message.id, "channel": message.channel.name, "thread_id": message.thread_id},
            rooms.channel_room(message.channel_id),
        )
