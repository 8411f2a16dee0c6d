"""The search outbox: what the index has yet to learn, committed with the change itself."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from physnet.extensions import db
from physnet.models.types import UTCDateTime, utcnow


class SearchOutbox(db.Model):  # type: ignore[name-defined]
    """One changed document (a message; later a tip) to (re)index or remove.

    Rows are written by a session hook in the same transaction as the change, so they
    commit or roll back with it; the indexer deletes them once the index has the change.
    """

    __tablename__ = "search_outbox"
    # Ids are never reused (SQLite AUTOINCREMENT): a reindex deletes ranges of them.
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    doc_type: Mapped[str] = mapped_column(String(16))  # "message" (later "tip")
    doc_id: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set instead of deleting the row while a reindex builds a new index: the row is then
    # applied again to the new index once it is swapped in.
    applied_gen: Mapped[str | None] = mapped_column(String(64), default=None)

    def __repr__(self) -> str:
        return f"<SearchOutbox {self.doc_type}:{self.doc_id}>"
