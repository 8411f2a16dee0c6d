"""The hash chain over audit events: the encoding, appending, and verification.

Each event's hash is SHA-256 over a canonical JSON array of its position, time, actor,
action, target, detail text and the previous event's hash. Changing, inserting or removing
any event breaks every hash after it, so `physnet audit verify` finds the first break.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from physnet.extensions import db
from physnet.models import AuditChainHead, AuditEvent

_HEAD = "physnet_audit_head"  # session.info: [seq, hash, dirty] of this transaction
BATCH = 1000


# json.dumps with these options, built once (dumps builds an encoder on every call)
# (an array of strings and numbers: no cycle to look for)
_CANONICAL = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), check_circular=False
).encode


def canonical_time(at: datetime) -> str:
    if at.tzinfo is not UTC:  # already UTC (utcnow): nothing to convert
        at = at.astimezone(UTC)
    return at.isoformat(timespec="microseconds")


def event_hash(
    seq: int, at: datetime, actor: str, action: str, target: str, detail: str, prev_hash: str
) -> str:
    """SHA-256 (hex) of the event's canonical encoding."""
    return _hash(seq, canonical_time(at), actor, action, target, detail, prev_hash)


def _hash(
    seq: int, time: str, actor: str, action: str, target: str, detail: str, prev_hash: str
) -> str:
    encoded = _CANONICAL([seq, time, actor, action, target, detail, prev_hash])
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


# Built once: constructing statements costs more than running them on SQLite.
# A no-op UPDATE: it takes the row lock on PostgreSQL and the write lock on SQLite before the
# head is read, so two appenders can never read the same head.
# Core statements on the connection: the ORM's update machinery and autoflush are not needed.
_HEAD_TABLE = AuditChainHead.__table__
_LOCK = (
    update(_HEAD_TABLE)
    .where(_HEAD_TABLE.c.id == 1)
    .values(seq=_HEAD_TABLE.c.seq)
    .returning(_HEAD_TABLE.c.seq, _HEAD_TABLE.c.hash)
)
_STORE = (
    update(_HEAD_TABLE)
    .where(_HEAD_TABLE.c.id == 1)
    .values(seq=bindparam("head_seq"), hash=bindparam("head_hash"))
)


def _lock_head(session: Session) -> list[Any]:
    """Lock the chain head for this transaction and return [seq, hash, dirty]."""
    head = session.info.get(_HEAD)
    if head is not None:
        return head
    row = session.connection().execute(_LOCK).first()
    if row is None:  # a fresh or emptied table: start the head from the log itself
        last = session.execute(
            select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
        ).first()
        dialect = session.get_bind().dialect.name
        upsert = pg_insert if dialect == "postgresql" else sqlite_insert
        session.execute(  # a racing appender may create it first: then use theirs
            upsert(AuditChainHead)
            .values(id=1, seq=last.seq if last else 0, hash=last.hash if last else "")
            .on_conflict_do_nothing()
        )
        row = session.connection().execute(_LOCK).first()
        assert row is not None
    head = [row.seq, row.hash, False]
    session.info[_HEAD] = head
    return head


def lock_head(session: Session) -> None:
    """Lock the chain head now, for the rest of this transaction (on SQLite this takes
    the write lock): appends later in the transaction then run no statement for it."""
    _lock_head(session)


def chain(session: Session, entry: AuditEvent) -> None:
    """Give `entry` (time, actor, action, target and detail set) its place and hash."""
    head = _lock_head(session)
    entry.seq = head[0] + 1
    entry.prev_hash = head[1]
    entry.hash = event_hash(
        entry.seq, entry.at, entry.actor, entry.action, entry.target, entry.detail, head[1]
    )
    head[:] = [entry.seq, entry.hash, True]


def chain_rows(session: Session, rows: list[dict[str, Any]]) -> None:
    """Give each row (a dict with at, actor, action, target and detail) its place and
    hash, in list order, after every event already chained in this transaction: the same
    chain as `chain` one event at a time, for rows inserted in bulk."""
    if not rows:
        return
    head = _lock_head(session)
    seq, prev = head[0], head[1]
    at, time = None, ""
    for row in rows:
        seq += 1
        row["seq"], row["prev_hash"] = seq, prev
        if row["at"] is not at:  # rows recorded together share their time: encoded once
            at = row["at"]
            time = canonical_time(at)
        prev = row["hash"] = _hash(
            seq, time, row["actor"], row["action"], row["target"], row["detail"], prev
        )
    head[:] = [seq, prev, True]


def store_head(session: Session) -> None:
    head = session.info.get(_HEAD)
    if head is not None and head[2]:
        session.connection().execute(_STORE, {"head_seq": head[0], "head_hash": head[1]})
        head[2] = False


def forget_head(session: Session, *args: Any) -> None:
    session.info.pop(_HEAD, None)


@dataclass
class Verdict:
    events: int
    broken_id: int | None = None
    problem: str = ""

    @property
    def intact(self) -> bool:
        return not self.problem


def walk() -> Iterator[AuditEvent]:
    """Every event in chain order, read in batches."""
    after = 0
    while True:
        batch = db.session.scalars(
            select(AuditEvent).where(AuditEvent.seq > after).order_by(AuditEvent.seq).limit(BATCH)
        ).all()
        if not batch:
            return
        yield from batch
        after = batch[-1].seq
        db.session.expunge_all()


def verify() -> Verdict:
    """Walk the chain from the first event; report the first one that does not fit."""
    count, prev_hash = 0, ""
    for entry in walk():
        count += 1
        if entry.seq != count:
            missing = f"{count}" if entry.seq == count + 1 else f"{count} to {entry.seq - 1}"
            return Verdict(count - 1, entry.id, f"event #{missing} is missing before it")
        if entry.prev_hash != prev_hash:
            return Verdict(count - 1, entry.id, "its link to the previous event does not match")
        expected = event_hash(
            entry.seq,
            entry.at,
            entry.actor,
            entry.action,
            entry.target,
            entry.detail,
            entry.prev_hash,
        )
        if entry.hash != expected:
            return Verdict(count - 1, entry.id, "its contents do not match its hash")
        prev_hash = entry.hash
    head = db.session.get(AuditChainHead, 1)
    if head is not None and (head.seq, head.hash) != (count, prev_hash):
        return Verdict(
            count,
            None,
            f"the log ends at event #{count} but the chain head records #{head.seq}: "
            "events were removed from the end",
        )
    return Verdict(count)
