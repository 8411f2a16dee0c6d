"""The weekly digest (issue 17): each person's choice, and each digest sent (one per person
per week: the unique key makes `physnet digest send` idempotent)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from physnet.extensions import db
from physnet.models.types import UTCDateTime, utcnow

DIGEST_MODES = ("off", "app", "email")  # no digest; in the app; by e-mail (and in the app)
DIGEST_STATUSES = ("sending", "sent", "failed")


class DigestChoice(db.Model):  # type: ignore[name-defined]
    """A person's choice (no row: the site's default, `[digest] default`)."""

    __tablename__ = "digest_choices"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    mode: Mapped[str] = mapped_column(String(8))  # see DIGEST_MODES
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Digest(db.Model):  # type: ignore[name-defined]
    """One person's digest for one week (the Monday that starts it, UTC): what it listed, by
    id only (the page shows what the person may still read), how it went and whether it
    arrived. A mail that failed is retried by the next run, then shown in the app."""

    __tablename__ = "digests"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    week: Mapped[date] = mapped_column(Date)
    delivery: Mapped[str] = mapped_column(String(8))  # "app" or "email"
    status: Mapped[str] = mapped_column(String(8), default="sending")  # see DIGEST_STATUSES
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(String(200), default="")
    covered_from: Mapped[datetime] = mapped_column(UTCDateTime)
    covered_until: Mapped[datetime] = mapped_column(UTCDateTime)
    tip_ids: Mapped[str] = mapped_column(Text, default="")  # space-separated ids
    question_ids: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    __table_args__ = (UniqueConstraint("user_id", "week"),)
