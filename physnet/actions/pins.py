"""Pinning and unpinning messages, and the list of a channel's pins."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from physnet.access import access_message, check_can_post, visible_in_channel
from physnet.actions.audit import record_audit
from physnet.actions.broadcast import queue_message_event
from physnet.db.transaction import atomic
from physnet.errors import Invalid
from physnet.extensions import db
from physnet.models import Channel, Membership, Message, User, utcnow

MAX_PINS_LISTED = 200


def check_set_pinned(user: User, message_id: Any, pinned: bool) -> Message:
    """Pin or unpin a message `user` may post next to; a repeat changes nothing.

    Raises NotFound for a message `user` cannot read, Forbidden when they may not post in
    its channel (announcement channels: staff only), Invalid for a deleted message.
    """
    message, membership = access_message(user, message_id)  # 404 for any id it cannot be
    check_can_post(user, message.channel, membership)
    if message.deleted_at is not None:
        raise Invalid("A deleted message cannot be pinned.", code="message_deleted")
    if (message.pinned_at is not None) == pinned:
        return message
    return do_set_pinned(user, message, pinned)


def do_set_pinned(user: User, message: Message, pinned: bool) -> Message:
    """Set or clear the pin, audit it and broadcast the message. Precondition: allowed."""
    with atomic():
        message.pinned_at = utcnow() if pinned else None
        message.pinned_by = user if pinned else None
        # The session hook queues the message for the search index (its `is:pinned` tag).
        record_audit(
            f"user:{user.username}",
            "message.pinned" if pinned else "message.unpinned",
            f"message:{message.id}",
            channel=message.channel.name,
        )
        db.session.flush()
        queue_message_event("message_updated", message)
    return message


def pinned_messages(
    user: User, channel: Channel, membership: Membership | None, limit: int = MAX_PINS_LISTED
) -> list[Message]:
    """The channel's live pinned messages that `user` may see, most recently pinned first."""
    return list(
        db.session.scalars(
            select(Message)
            .where(
                Message.channel_id == channel.id,
                Message.pinned_at.is_not(None),
                Message.deleted_at.is_(None),
                visible_in_channel(user, membership),
            )
            .order_by(Message.pinned_at.desc(), Message.id.desc())
            .limit(limit)
        ).all()
    )
