"""@mentions in a message: who gets one, and the notice each is sent."""

from __future__ import annotations

from sqlalchemy import select

from physnet import markdown
from physnet.access import (
    can_read,
)
from physnet.actions.broadcast import queue_event
from physnet.extensions import db
from physnet.models import (
    Membership,
    Mention,
    Message,
    User,
)
from physnet.reads.json import author_json
from physnet.realtime import rooms


def record_mentions(message: Message, skip: set[int]) -> list[int]:
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


def queue_mention_events(message: Message, user_ids: list[int]) -> None:
    # A notification names the channel and the author, never the content.
    payload = {
        "message_id": message.id,
        "channel": message.channel.name,
        "author": author_json(message.author),
    }
    for user_id in user_ids:
        queue_event("mention", payload, rooms.user_room(user_id))
