"""The history of directory syncs."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from physnet.extensions import db
from physnet.models.types import UTCDateTime, utcnow

SYNC_STATUSES = ("ok", "refused", "failed")


class DirectorySyncRun(db.Model):  # type: ignore[name-defined]
    __tablename__ = "directory_sync_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(16))  # ok | refused | failed
    forced: Mapped[bool] = mapped_column(default=False)
    trigger: Mapped[str] = mapped_column(String(32), default="cli")
    message: Mapped[str] = mapped_column(Text, default="")  # the one-line reason, or summary
    counts: Mapped[str] = mapped_column(Text, default="{}")  # JSON: created, updated, ...
    errors: Mapped[str] = mapped_column(Text, default="[]")  # JSON: skipped entries, warnings

    @property
    def count_map(self) -> dict[str, int]:
        value = json.loads(self.counts or "{}")
        return value if isinstance(value, dict) else {}

    @property
    def error_list(self) -> list[Any]:
        value = json.loads(self.errors or "[]")
        return value if isinstance(value, list) else []

    def __repr__(self) -> str:
        return f"<DirectorySyncRun {self.id} {self.status}>"
