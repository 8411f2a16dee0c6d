"""What makes people findable: tag rows, name tokens and uploaded photos.

`user_tags` and `user_name_tokens` are an index of the users table (see
physnet/people/index.py): rewritten in the same flush as the user row they describe, so
the people directory can filter and facet with plain indexed lookups.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from physnet.extensions import db
from physnet.models.types import UTCDateTime, utcnow

TAG_KINDS = ("expertise", "ehr")


class UserTag(db.Model):  # type: ignore[name-defined]
    """One tag on a profile: an area of expertise or an EHR system the person knows."""

    __tablename__ = "user_tags"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)  # see TAG_KINDS
    tag_key: Mapped[str] = mapped_column(String(50), primary_key=True)  # casefolded
    tag: Mapped[str] = mapped_column(String(50))  # as the person wrote it

    # "Who knows X": the filter walks this index and never touches other people's rows.
    __table_args__ = (Index("ix_user_tags_kind_key_user", "kind", "tag_key", "user_id"),)


class UserNameToken(db.Model):  # type: ignore[name-defined]
    """One word of a person's name or username, folded to [a-z0-9], for prefix search."""

    __tablename__ = "user_name_tokens"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    token: Mapped[str] = mapped_column(String(64), primary_key=True)

    # PostgreSQL only uses an index for LIKE 'abc%' under the C collation or with
    # text_pattern_ops; SQLite searches the primary key by range instead (people/query.py).
    __table_args__ = (
        Index(
            "ix_user_name_tokens_pattern",
            "token",
            "user_id",
            postgresql_ops={"token": "text_pattern_ops"},
        ),
    )


class UserPhoto(db.Model):  # type: ignore[name-defined]
    """A photo a person uploaded (people whose directory entry has none)."""

    __tablename__ = "user_photos"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    content_type: Mapped[str] = mapped_column(String(32))  # image/jpeg or image/png
    data: Mapped[bytes] = mapped_column(LargeBinary)
    width: Mapped[int]
    height: Mapped[int]
    digest: Mapped[str] = mapped_column(String(64))  # sha256 of data, the ETag
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
