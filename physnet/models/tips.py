"""Tips: curated answers promoted from the conversation, their tags, history and endorsements."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from sqlalchemy import Column, Date, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from physnet.extensions import db
from physnet.models.channels import Channel
from physnet.models.types import UTCDateTime, utcnow
from physnet.models.users import User

MAX_TITLE = 200
MAX_TAGS = 20
MAX_TAG = 50
# Lowercase words of letters and digits joined by single hyphens: "epic-in-basket".
# Used with fullmatch: "$" would also accept a trailing newline.
TAG_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")

tip_tags = Table(
    "tip_tags",
    db.metadata,
    Column("tip_id", ForeignKey("tips.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Tag(db.Model):  # type: ignore[name-defined]
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(MAX_TAG), unique=True)

    def __repr__(self) -> str:
        return f"<Tag {self.name}>"


class Tip(db.Model):  # type: ignore[name-defined]
    __tablename__ = "tips"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    title: Mapped[str] = mapped_column(String(MAX_TITLE))
    body: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    # The message it was promoted from, and the root of that message's thread.
    source_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("messages.id", ondelete="SET NULL"), default=None
    )
    thread_id: Mapped[int | None] = mapped_column(
        ForeignKey("messages.id", ondelete="SET NULL"), default=None
    )
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    review_at: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    channel: Mapped[Channel] = relationship(lazy="joined")
    owner: Mapped[User] = relationship(lazy="joined", foreign_keys=[owner_id])
    verified_by: Mapped[User | None] = relationship(lazy="joined", foreign_keys=[verified_by_id])
    tags: Mapped[list[Tag]] = relationship(secondary=tip_tags, lazy="selectin", order_by="Tag.name")

    __table_args__ = (
        Index("ix_tips_channel_id_created_at", "channel_id", "created_at"),
        Index("ix_tips_review_at", "review_at"),
    )

    @property
    def tag_names(self) -> list[str]:
        return [tag.name for tag in self.tags]

    def __repr__(self) -> str:
        return f"<Tip {self.id} in {self.channel_id}>"


class TipEdit(db.Model):  # type: ignore[name-defined]
    """The title, body and tags of a tip as they were before one edit."""

    __tablename__ = "tip_edits"

    id: Mapped[int] = mapped_column(primary_key=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"), index=True)
    editor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    previous_title: Mapped[str] = mapped_column(String(MAX_TITLE))
    previous_body: Mapped[str] = mapped_column(Text)
    previous_tags: Mapped[str] = mapped_column(Text, default="")  # space-separated names
    edited_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    editor: Mapped[User] = relationship(lazy="joined")


class TipEndorsement(db.Model):  # type: ignore[name-defined]
    """One person found a tip helpful; the primary key makes it one row per person."""

    __tablename__ = "tip_endorsements"

    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TipReminder(db.Model):  # type: ignore[name-defined]
    """A review reminder sent to one person for one tip's review date.

    The unique key makes `physnet tips remind` idempotent: one reminder per person, tip and
    due date; a new review date (after a review) is a new period.
    """

    __tablename__ = "tip_reminders"

    id: Mapped[int] = mapped_column(primary_key=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    due_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("tip_id", "user_id", "due_on"),)


def today() -> date:
    return datetime.now(UTC).date()


def is_out_of_date(tip: Tip, on: date | None = None) -> bool:
    """Past its review date: EHR upgrades may have changed the workflow it describes."""
    return (on or today()) > tip.review_at
