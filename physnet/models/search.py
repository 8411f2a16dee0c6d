"""The change log: documents to (re)index and events to broadcast, in commit order; and
where each host's search index has got to."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from physnet.extensions import db
from physnet.models.types import UTCDateTime, utcnow

# SQLite gives AUTOINCREMENT only to INTEGER PRIMARY KEY.
LogId = BigInteger().with_variant(Integer(), "sqlite")


class ChangeLog(db.Model):  # type: ignore[name-defined]
    """One changed document (a message, a tip) to (re)index or remove, or one event to
    broadcast (doc_type "event"), in commit order.

    Rows are written in the same transaction as the change, so they commit or roll back
    with it. Each host's indexer reads them in id order from its own position; rows are
    pruned once every host has passed them (`physnet.db.change_log`). An event's id is its
    `event_id`: publishers after commit and the republisher (`physnet.actions.broadcast`)
    send it, clients keep one copy per id, and `catch_up` replays it.
    """

    __tablename__ = "change_log"
    # Ids are never reused (SQLite AUTOINCREMENT; a PostgreSQL sequence): positions are ids.
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(LogId, primary_key=True, autoincrement=True)
    doc_type: Mapped[str] = mapped_column(String(16))  # "message", "tip"
    doc_id: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # Events only: the Socket.IO event, its room ("channel:3", "user:7") or rooms (a JSON
    # list: one notification to many people), neither for a control message such as closing
    # a person's sockets; and its JSON payload.
    event: Mapped[str | None] = mapped_column(String(40), default=None)
    room: Mapped[str | None] = mapped_column(String(80), default=None, index=True)
    rooms: Mapped[str | None] = mapped_column(Text, default=None)
    payload: Mapped[str | None] = mapped_column(Text, default=None)

    def __repr__(self) -> str:
        return f"<ChangeLog {self.id} {self.doc_type}:{self.doc_id}>"


class ChangeLogReader(db.Model):  # type: ignore[name-defined]
    """One host's search index: the last change-log id it has applied (all before it too)."""

    __tablename__ = "change_log_readers"

    host_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    position: Mapped[int] = mapped_column(LogId, default=0)
    generation: Mapped[str | None] = mapped_column(String(64), default=None)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when rows this host had not applied were pruned (it lagged past the retention):
    # its indexer rebuilds from the database, then clears it.
    reindex_needed: Mapped[bool] = mapped_column(default=False)

    def __repr__(self) -> str:
        return f"<ChangeLogReader {self.host_id} at {self.position}>"
