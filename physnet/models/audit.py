"""The audit trail: who did what, appended to and never changed."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from physnet.extensions import db
from physnet.models.types import UTCDateTime, utcnow


class AuditEvent(db.Model):  # type: ignore[name-defined]
    """One event; `hash` chains it to the event before it (see physnet/audit/chain.py).

    Database triggers refuse UPDATE and DELETE on this table (migration 0008).
    """

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The position in the chain: 1, 2, 3, ... with no gap (a gap is a deleted event).
    seq: Mapped[int] = mapped_column(unique=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(128), index=True)  # "user:alice", "ldap-sync"
    action: Mapped[str] = mapped_column(String(64), index=True)  # "user.deactivated", ...
    target: Mapped[str] = mapped_column(String(255), default="", index=True)  # "user:bob"
    detail: Mapped[str] = mapped_column(Text, default="{}")  # a JSON object
    prev_hash: Mapped[str] = mapped_column(String(64), default="")
    hash: Mapped[str] = mapped_column(String(64), default="")

    @property
    def details(self) -> dict[str, Any]:
        value = json.loads(self.detail or "{}")
        return value if isinstance(value, dict) else {}

    def __repr__(self) -> str:
        return f"<AuditEvent {self.seq} {self.action} {self.target}>"


class AuditChainHead(db.Model):  # type: ignore[name-defined]
    """The newest event's position and hash, in one row.

    Appending locks this row first (UPDATE), which serializes appends on PostgreSQL and
    takes SQLite's write lock; it also reveals events cut off the end of the log.
    """

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(primary_key=True)  # always 1
    seq: Mapped[int] = mapped_column(default=0)
    hash: Mapped[str] = mapped_column(String(64), default="")
