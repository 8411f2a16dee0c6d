"""Emoji reactions: toggled on and off, broadcast to the channel."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError

from physnet.access import (
    access_message,
)
from physnet.actions import validate
from physnet.actions.broadcast import queue_message_event
from physnet.db.transaction import atomic
from physnet.errors import BadRequest, Forbidden, Invalid
from physnet.extensions import db
from physnet.models import (
    Message,
    Reaction,
    User,
)
from physnet.reads.json import reactions_json

MAX_EMOJI = 32


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
