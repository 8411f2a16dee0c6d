"""How far each person has read their "Mentions & replies" view."""

from __future__ import annotations

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from physnet.extensions import db


class RepliesReadMarker(db.Model):  # type: ignore[name-defined]
    """Replies up to this message id count as read (mentions keep their own read_at)."""

    __tablename__ = "replies_read_markers"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    last_read_id: Mapped[int] = mapped_column(default=0)
