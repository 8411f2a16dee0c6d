"""Legal holds and the settings an admin changes at run time."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from physnet.extensions import db
from physnet.models.channels import Channel
from physnet.models.types import UTCDateTime, utcnow
from physnet.models.users import User


class LegalHold(db.Model):  # type: ignore[name-defined]
    """A litigation hold on a channel's or a person's messages: retention keeps them.

    Exactly one of channel and user is set. A released hold stays as the record of when it
    applied (released_at); only holds with no release keep anything.
    """

    __tablename__ = "legal_holds"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int | None] = mapped_column(
        ForeignKey("channels.id", ondelete="CASCADE"), default=None
    )
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), default=None
    )
    reason: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    released_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )

    channel: Mapped[Channel | None] = relationship(lazy="joined")
    user: Mapped[User | None] = relationship(lazy="joined", foreign_keys=[user_id])
    created_by: Mapped[User | None] = relationship(lazy="joined", foreign_keys=[created_by_id])
    released_by: Mapped[User | None] = relationship(lazy="joined", foreign_keys=[released_by_id])

    __table_args__ = (
        CheckConstraint(
            "(channel_id IS NULL) <> (user_id IS NULL)", name="ck_legal_holds_one_subject"
        ),
        Index("ix_legal_holds_released_at", "released_at"),
    )


class RuntimeSetting(db.Model):  # type: ignore[name-defined]
    """A setting safe to change while running; its value is JSON. Absent: the file's value."""

    __tablename__ = "runtime_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(128), default="")
