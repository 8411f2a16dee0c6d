"""Web Push subscriptions, the push outbox, and each person's availability."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from physnet.extensions import db
from physnet.models.types import UTCDateTime, utcnow
from physnet.models.users import User

AVAILABILITY_STATUSES = ("available", "busy", "off_duty")


class PushSubscription(db.Model):  # type: ignore[name-defined]
    """One browser's push subscription (a device), as PushManager.subscribe() gave it."""

    __tablename__ = "push_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    endpoint: Mapped[str] = mapped_column(Text)
    # sha256 of the endpoint: a unique key of bounded length (endpoints run to 500+ chars).
    endpoint_hash: Mapped[str] = mapped_column(String(64), unique=True)
    p256dh: Mapped[str] = mapped_column(String(128))
    auth: Mapped[str] = mapped_column(String(64))
    user_agent: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    user: Mapped[User] = relationship()


class PushOutbox(db.Model):  # type: ignore[name-defined]
    """A push waiting to be sent, written in the transaction that caused it.

    The payload is the content-free notification (channel, author, link), never message text.
    One row per subscription and topic: a second push for the same conversation replaces
    the waiting one instead of queueing behind it.
    """

    __tablename__ = "push_outbox"
    __table_args__ = (Index("ix_push_outbox_due", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("push_subscriptions.id", ondelete="CASCADE"), index=True
    )
    topic: Mapped[str] = mapped_column(String(32))
    payload: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class UserAvailability(db.Model):  # type: ignore[name-defined]
    """Available, busy or off duty (optionally until a time), and quiet hours.

    Pushes that off duty or quiet hours hold are counted in `held`; one summary push is
    sent when the period ends.
    """

    __tablename__ = "user_availability"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[str] = mapped_column(String(16), default="available")
    until: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    quiet_start: Mapped[str | None] = mapped_column(String(5), default=None)  # "22:00"
    quiet_end: Mapped[str | None] = mapped_column(String(5), default=None)  # "07:00"
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    held: Mapped[int] = mapped_column(default=0)
    # Senders already told "off duty until ..." during the current period (comma-separated ids).
    told: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MailMark(db.Model):  # type: ignore[name-defined]
    """Mentions up to this message id were mailed (or were not due) for this person."""

    __tablename__ = "push_mail_marks"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    mailed_up_to: Mapped[int] = mapped_column(default=0)
