"""Reports of messages that someone flagged, and what a moderator decided."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from physnet.extensions import db
from physnet.models.messages import Message
from physnet.models.types import UTCDateTime, utcnow
from physnet.models.users import User

REPORT_KINDS = ("phi", "other")
REPORT_STATUSES = ("open", "released", "deleted")


class MessageReport(db.Model):  # type: ignore[name-defined]
    __tablename__ = "message_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), index=True
    )
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(16), default="phi")
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)

    message: Mapped[Message] = relationship(lazy="joined")
    reporter: Mapped[User] = relationship(lazy="joined", foreign_keys=[reporter_id])
