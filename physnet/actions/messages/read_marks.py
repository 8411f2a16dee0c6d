"""The read marker of a member in a channel, and the mentions it clears."""

from __future__ import annotations

from sqlalchemy import select, update

from physnet.db.transaction import atomic
from physnet.extensions import db
from physnet.models import (
    Membership,
    Mention,
    Message,
    User,
    utcnow,
)


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
