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
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(128))  # "user:alice", "ldap-sync", ...
    action: Mapped[str] = mapped_column(String(64), index=True)  # "user.deactivated", ...
    target: Mapped[str] = mapped_column(String(255), default="", index=True)  # "user:bob"
    detail: Mapped[str] = mapped_column(Text, default="{}")  # a JSON object

    @property
    def details(self) -> dict[str, Any]:
        value = json.loads(self.detail or "{}")
        return value if isinstance(value, dict) else {}

    def __repr__(self) -> str:
        return f"<AuditEvent {self.action} {self.target}>"
