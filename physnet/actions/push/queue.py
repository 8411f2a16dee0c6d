"""Queue pushes for a notification, inside the transaction of the message that caused it."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select

from physnet.actions.push import delivery
from physnet.db.transaction import after_commit
from physnet.extensions import db
from physnet.models import PushOutbox, PushSubscription, UserAvailability, utcnow


def topic_for(channel_id: int, thread_id: int | None) -> str:
    """One conversation, one topic: a newer push replaces an undelivered older one (RFC 8030
    Topic, at most 32 base64url characters)."""
    return f"c{channel_id}" + (f"t{thread_id}" if thread_id else "")


def queue_pushes(
    payload: dict[str, Any], user_ids: list[int], topic: str
) -> list[UserAvailability]:
    """Queue `payload` (content-free) for every subscribed device of `user_ids`.

    People whose availability holds pushes (off duty, quiet hours) get no push now; their
    `held` count grows and one summary goes out when the period ends. Returns the
    availability rows that held, so the caller can tell a sender "off duty until ...".
    """
    if not user_ids:
        return []
    now = utcnow()
    subs = db.session.execute(
        select(PushSubscription.id, PushSubscription.user_id).where(
            PushSubscription.user_id.in_(user_ids)
        )
    ).all()
    holding = _holding(user_ids, now)
    held_ids = {a.user_id for a in holding}
    send_to = [sub_id for sub_id, user_id in subs if user_id not in held_ids]
    subscribed = {user_id for _, user_id in subs}
    for avail in holding:
        if avail.user_id in subscribed:
            avail.held += 1
    if send_to:
        enqueue(send_to, payload, topic, now)
    return holding


def enqueue(
    subscription_ids: list[int], payload: dict[str, Any], topic: str, now: datetime
) -> None:
    """Insert outbox rows; a waiting row of the same topic is replaced (collapsed)."""
    db.session.execute(
        delete(PushOutbox).where(
            PushOutbox.subscription_id.in_(subscription_ids),
            PushOutbox.topic == topic,
            PushOutbox.attempts == 0,
            PushOutbox.next_attempt_at <= now,  # not leased by a sender right now
        )
    )
    body = json.dumps(payload, separators=(",", ":"))
    db.session.execute(
        insert(PushOutbox),
        [
            {
                "subscription_id": sub_id,
                "topic": topic,
                "payload": body,
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
            for sub_id in subscription_ids
        ],
    )
    after_commit(delivery.kick)


def _holding(user_ids: list[int], now: datetime) -> list[UserAvailability]:
    """Availability rows of these people that hold pushes right now."""
    from physnet.actions.availability import holds_pushes

    rows = db.session.scalars(
        select(UserAvailability).where(
            UserAvailability.user_id.in_(user_ids),
            (UserAvailability.status == "off_duty") | UserAvailability.quiet_start.is_not(None),
        )
    ).all()
    return [row for row in rows if holds_pushes(row, now)]


def told_sender(avail: UserAvailability, sender_id: int) -> bool:
    """Record that `sender_id` was told about this period; False if already told."""
    told = set(filter(None, avail.told.split(",")))
    if str(sender_id) in told:
        return False
    told.add(str(sender_id))
    avail.told = ",".join(sorted(told))
    return True
