"""Attachments: a file's row (who, where, what it says) and, in PostgreSQL storage, its bytes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from physnet.extensions import db
from physnet.models.types import UTCDateTime, utcnow
from physnet.models.users import User

FILE_KINDS = ("image", "pdf", "text", "document")


class File(db.Model):  # type: ignore[name-defined]
    """An uploaded file. Its bytes live in the file store under `digest` (SHA-256), written
    before this row; `message_id` is set when a message attaches it."""

    __tablename__ = "files"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    uploader_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("messages.id", ondelete="SET NULL"), default=None, index=True
    )
    name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))
    size: Mapped[int]
    digest: Mapped[str] = mapped_column(String(64), index=True)
    thumb_digest: Mapped[str | None] = mapped_column(String(64), default=None, index=True)
    width: Mapped[int | None] = mapped_column(default=None)
    height: Mapped[int | None] = mapped_column(default=None)
    # The words read out of it (OCR, text layer, cells): searched with its message.
    text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    uploader: Mapped[User] = relationship(lazy="joined")

    __table_args__ = (Index("ix_files_channel_id_created_at", "channel_id", "created_at"),)


class FileChunk(db.Model):  # type: ignore[name-defined]
    """One piece of a stored file's bytes (storage = "postgresql"): every host reads them."""

    __tablename__ = "file_chunks"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
