"""Messages, their edit history, reactions and mentions."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from physnet.extensions import db
from physnet.models.channels import Channel
from physnet.models.questions import Question
from physnet.models.types import UTCDateTime, utcnow
from physnet.models.users import User

if TYPE_CHECKING:
    from physnet.models.files import File

MAX_BODY = 10_000


class Message(db.Model):  # type: ignore[name-defined]
    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    thread_id: Mapped[int | None] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), default=None, index=True
    )
    client_msg_id: Mapped[str | None] = mapped_column(String(64), default=None)
    reply_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # Pinned messages stay at hand in the channel (and outlive retention when it says so).
    pinned_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    pinned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    # Reported as containing patient information: hidden from all but moderators until one
    # of them releases or deletes it.
    quarantined_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    channel: Mapped[Channel] = relationship(lazy="joined")
    author: Mapped[User] = relationship(lazy="joined", foreign_keys=[author_id])
    pinned_by: Mapped[User | None] = relationship(lazy="joined", foreign_keys=[pinned_by_id])
    reactions: Mapped[list[Reaction]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="Reaction.created_at"
    )
    # Attachments (models/files.py); their rows are written and removed by actions/files/.
    files: Mapped[list[File]] = relationship(lazy="selectin", order_by="File.id", viewonly=True)
    # Asked as a question (issue 17): its status and accepted answer; None for other messages.
    question: Mapped[Question | None] = relationship(
        lazy="joined", viewonly=True, uselist=False, foreign_keys="Question.message_id"
    )

    __table_args__ = (
        UniqueConstraint("author_id", "client_msg_id"),
        Index("ix_messages_channel_id_id", "channel_id", "id"),
        # The "Mentions & replies" view finds the threads a person wrote in.
        Index("ix_messages_author_id_thread_id", "author_id", "thread_id"),
    )

    def __repr__(self) -> str:
        return f"<Message {self.id} in {self.channel_id}>"


class MessageEdit(db.Model):  # type: ignore[name-defined]
    """The body as it was before one edit."""

    __tablename__ = "message_edits"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), index=True
    )
    editor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    previous_body: Mapped[str] = mapped_column(Text)
    edited_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Reaction(db.Model):  # type: ignore[name-defined]
    __tablename__ = "reactions"

    message_id: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    emoji: Mapped[str] = mapped_column(String(32), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(lazy="joined")


class Mention(db.Model):  # type: ignore[name-defined]
    __tablename__ = "mentions"

    message_id: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    message: Mapped[Message] = relationship(lazy="joined")
