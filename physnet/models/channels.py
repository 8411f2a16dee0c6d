"""Channels and who belongs to them."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from physnet.extensions import db
from physnet.models.types import UTCDateTime, utcnow
from physnet.models.users import User

KINDS = ("public", "private", "announcement", "direct")
CHANNEL_NAME_PATTERN = r"[a-z0-9][a-z0-9-]{1,79}"
# Use fullmatch: "$" would also accept a trailing newline.
CHANNEL_NAME_RE = re.compile(CHANNEL_NAME_PATTERN)


class Channel(db.Model):  # type: ignore[name-defined]
    __tablename__ = "channels"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(16), default="public")
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # Written first by every post: the row lock orders a channel's message ids by commit.
    last_message_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # What the PHI guard does here: "block" or "confirm"; None follows [phi] default_policy.
    phi_policy: Mapped[str | None] = mapped_column(String(16), default=None)
    # Days messages are kept here: None follows [retention] days, 0 keeps them forever.
    retention_days: Mapped[int | None] = mapped_column(default=None)
    # On: a report from a reader who never posted here is queued for the moderators and
    # does not hide the message at once (None or off: every report hides it at once).
    queue_newcomer_reports: Mapped[bool | None] = mapped_column(default=None)

    @property
    def is_private(self) -> bool:
        return self.kind in ("private", "direct")

    def __repr__(self) -> str:
        return f"<Channel #{self.name}>"


class Membership(db.Model):  # type: ignore[name-defined]
    __tablename__ = "memberships"

    channel_id: Mapped[int] = mapped_column(
        ForeignKey("channels.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[str] = mapped_column(String(16), default="member")  # member | moderator
    last_read_id: Mapped[int] = mapped_column(default=0)
    # "directory" memberships are driven by group sync; "manual" ones by people.
    source: Mapped[str] = mapped_column(String(16), default="manual")
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # all | mentions | none; NULL follows the channel kind's default (NOTIFY_DEFAULTS).
    notify: Mapped[str | None] = mapped_column(String(16), default=None)

    channel: Mapped[Channel] = relationship(lazy="joined")
    user: Mapped[User] = relationship(lazy="joined")

    # Finds who wants every message of a big channel without reading all its memberships.
    __table_args__ = (Index("ix_memberships_channel_id_notify", "channel_id", "notify"),)

    @property
    def notification_level(self) -> str:
        return self.notify or default_notification_level(self.channel.kind)


NOTIFY_LEVELS = ("all", "mentions", "none")


def default_notification_level(kind: str) -> str:
    """Direct messages notify for every message; channels only for mentions and replies."""
    return "all" if kind == "direct" else "mentions"
