"""Reading the audit log: filters, pages, and streamed CSV or JSON exports."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, func, select

from physnet.audit.chain import canonical_time
from physnet.errors import BadRequest
from physnet.extensions import db
from physnet.models import AuditEvent

COLUMNS = ("id", "seq", "at", "actor", "action", "target", "detail", "prev_hash", "hash")
FORMATS = ("csv", "json")
BATCH = 1000


def parse_day(value: str | None, name: str, *, end: bool = False) -> datetime | None:
    """A YYYY-MM-DD date (or a full ISO time) as a UTC datetime; `end` takes the day's end."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            at = datetime.combine(day, time.min, tzinfo=UTC)
            return at + timedelta(days=1) if end else at
        at = datetime.fromisoformat(text)
    except ValueError:
        raise BadRequest(
            f"{name} must be a date like 2026-01-31, not {text[:40]!r}.",
            code="invalid_parameter",
            field=name,
        ) from None
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


@dataclass(frozen=True)
class AuditFilter:
    """Which events: exact actor, action (a trailing "." or "*" matches a prefix), target,
    and a time range [since, until)."""

    actor: str = ""
    action: str = ""
    target: str = ""
    since: datetime | None = None
    until: datetime | None = None

    @classmethod
    def from_args(cls, args: Any) -> AuditFilter:
        def text(name: str) -> str:
            value = args.get(name, "") or ""
            return value.replace("\x00", "").strip()[:255]

        return cls(
            actor=text("actor"),
            action=text("action"),
            target=text("target"),
            since=parse_day(args.get("since"), "since"),
            until=parse_day(args.get("until"), "until", end=True),
        )

    def apply(self, query: Select[Any]) -> Select[Any]:
        if self.actor:
            query = query.where(AuditEvent.actor == self.actor)
        if self.action.endswith((".", "*")):
            prefix = self.action.rstrip("*")
            escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            query = query.where(AuditEvent.action.like(escaped + "%", escape="\\"))
        elif self.action:
            query = query.where(AuditEvent.action == self.action)
        if self.target:
            query = query.where(AuditEvent.target == self.target)
        if self.since is not None:
            query = query.where(AuditEvent.at >= self.since)
        if self.until is not None:
            query = query.where(AuditEvent.at < self.until)
        return query

    def describe(self) -> dict[str, str]:
        """The filter as plain values, for the export's own audit event."""
        return {
            k: (canonical_time(v) if isinstance(v, datetime) else v)
            for k, v in asdict(self).items()
            if v
        }


def page(where: AuditFilter, number: int, size: int) -> tuple[list[AuditEvent], int]:
    """One page of matching events, newest first, and the number of matches."""
    query = where.apply(select(AuditEvent))
    total = db.session.scalar(where.apply(select(func.count(AuditEvent.id)))) or 0
    rows = db.session.scalars(
        query.order_by(AuditEvent.seq.desc()).offset((number - 1) * size).limit(size)
    ).all()
    return list(rows), total


def event_row(event: AuditEvent) -> dict[str, Any]:
    return {
        "id": event.id,
        "seq": event.seq,
        "at": canonical_time(event.at),
        "actor": event.actor,
        "action": event.action,
        "target": event.target,
        "detail": event.detail,
        "prev_hash": event.prev_hash,
        "hash": event.hash,
    }


def matching(where: AuditFilter) -> Iterator[dict[str, Any]]:
    """Every matching event, oldest first, read in batches so memory stays flat."""
    after = 0
    while True:
        batch = db.session.scalars(
            where.apply(select(AuditEvent))
            .where(AuditEvent.seq > after)
            .order_by(AuditEvent.seq)
            .limit(BATCH)
        ).all()
        if not batch:
            return
        rows = [event_row(e) for e in batch]
        after = batch[-1].seq
        for event in batch:
            db.session.expunge(event)
        yield from rows


def as_csv(rows: Iterator[dict[str, Any]]) -> Iterator[str]:
    """CSV text in chunks: a header, then one line per event."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for i, row in enumerate(rows, 1):
        writer.writerow({k: _csv_safe(v) for k, v in row.items()})
        if i % 200 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _csv_safe(value: Any) -> Any:
    # A cell starting with = + - @ runs as a formula in spreadsheet programs.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def as_json(rows: Iterator[dict[str, Any]]) -> Iterator[str]:
    """A JSON array in chunks, one event object per line."""
    yield "["
    first = True
    for row in rows:
        yield ("\n" if first else ",\n") + json.dumps(row, ensure_ascii=False)
        first = False
    yield "\n]\n"
