"""The change log: which documents changed, in commit order, for every host's index.

An `after_flush` hook on every SQLAlchemy session (registered by create_app) adds one row
per new, changed or deleted message (or tip), on the same connection and in the same
transaction: the row commits or rolls back with the change, so every index can catch up
from the log, whatever crashes when. After the commit, the process's indexer is woken (it
also polls, for changes committed by other processes and other hosts).

Unlike a consume-and-delete outbox, nobody deletes a row when applying it: each host's
indexer follows the log from its own position (`LogCursor`) and reports it in
`change_log_readers`; `prune` deletes what every host has passed, or what is older than the
retention, after which a host that had not applied it is marked "reindex needed".

Bulk statements (`update(Message)`, `delete(Message)`, ON DELETE CASCADE, Core INSERTs)
bypass the session's unit of work: code that changes documents that way calls `queue()`.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from physnet.models import ChangeLog, ChangeLogReader, utcnow

log = logging.getLogger(__name__)
_DIRTY = "physnet_search_dirty"
_wakers: list[Callable[[], None]] = []
# The model classes whose rows are search documents, and their doc_type; search fills it in
# (`watch`, from create_app) so this hook needs no import of the search package.
WATCHED: dict[type, str] = {}
# A missing id below committed ones is a transaction still in flight (or one that rolled
# back: its id is never used). Give its writer this long to have taken its transaction id.
GAP_GRACE_SECONDS = 1.0
# A rebuild starts this far back in the log (changes are applied twice harmlessly), so a
# transaction that commits while the rebuild reads the database is never missed.
REBUILD_OVERLAP = timedelta(seconds=60)
EVENT = "event"  # the doc_type of a broadcast event's row (`physnet.actions.broadcast`)
# Events stay this long (at least) for clients that catch up after a reconnect.
EVENT_KEEP = timedelta(hours=1)


def watch(models: Mapping[Any, str]) -> None:
    """Record changes to rows of these model classes (class -> doc_type)."""
    WATCHED.update(models)


_INSERT_DOCS = insert(ChangeLog)  # built once: every posted message queues one row


def queue(session: Session, doc_type: str, ids: Iterable[int]) -> None:
    """Add change-log rows for these documents to `session`'s transaction."""
    now = utcnow()
    rows = [{"doc_type": doc_type, "doc_id": i, "created_at": now} for i in ids]
    if rows:
        # One row (a posted message) is a plain INSERT, not the executemany path.
        session.connection().execute(_INSERT_DOCS, rows[0] if len(rows) == 1 else rows)
        note_queued(session)


def note_queued(session: Session) -> None:
    """Rows were added to the log in `session`'s transaction by a statement of the caller's
    own (`queue` does this itself): wake the indexers after the commit."""
    session.info[_DIRTY] = True


_INSERT_EVENT = insert(ChangeLog).returning(ChangeLog.id)  # built once: one per event


def log_event(session: Session, event: str, room: str | list[str] | None, payload: str) -> int:
    """Add an event row (payload: JSON text) to `session`'s transaction; return its id."""
    values = {
        "doc_type": EVENT,
        "doc_id": 0,
        "created_at": utcnow(),
        "event": event,
        "room": room if isinstance(room, str) else None,
        "rooms": json.dumps(room) if isinstance(room, list) else None,
        "payload": payload,
    }
    return int(session.connection().execute(_INSERT_EVENT, values).scalar_one())


_INSERT_EVENTS = insert(ChangeLog).returning(ChangeLog.id, sort_by_parameter_order=True)
_INSERT_EVENTS_ANY_ORDER = insert(ChangeLog).returning(ChangeLog.id)


def log_events(
    session: Session, events: Sequence[tuple[str, str | list[str] | None, str]]
) -> list[int]:
    """`log_event` for many (event, room, payload) in multi-row INSERTs; their ids, in the
    same order.

    PostgreSQL: SQLAlchemy matches the RETURNING rows to the parameters (a sequence need
    not hand out ids in VALUES order). SQLite, where SQLAlchemy would fall back to one
    INSERT per row for that: the writer holds the database's only write lock, and new
    rowids are handed out one after the other as the rows are inserted, in VALUES order, so
    the returned ids sorted are the rows' ids in order."""
    now = utcnow()
    rows = [
        {
            "doc_type": EVENT,
            "doc_id": 0,
            "created_at": now,
            "event": event,
            "room": room if isinstance(room, str) else None,
            "rooms": json.dumps(room) if isinstance(room, list) else None,
            "payload": payload,
        }
        for event, room, payload in events
    ]
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        return sorted(int(i) for i in connection.execute(_INSERT_EVENTS_ANY_ORDER, rows).scalars())
    return [int(i) for i in connection.execute(_INSERT_EVENTS, rows).scalars()]


def record_changes(session: Session, flush_context: Any) -> None:
    changed: dict[str, set[int]] = {}
    for obj in session.new:
        doc_type = WATCHED.get(type(obj))
        if doc_type is not None:
            changed.setdefault(doc_type, set()).add(obj.id)
    for obj in session.dirty:
        doc_type = WATCHED.get(type(obj))
        if doc_type is not None and session.is_modified(obj, include_collections=False):
            changed.setdefault(doc_type, set()).add(obj.id)
    for obj in session.deleted:
        doc_type = WATCHED.get(type(obj))
        if doc_type is not None:
            changed.setdefault(doc_type, set()).add(obj.id)
    for doc_type, ids in changed.items():
        queue(session, doc_type, sorted(ids))


def wake_indexers(session: Session) -> None:
    if session.info.pop(_DIRTY, False):
        for wake in list(_wakers):
            wake()


def forget_changes(session: Session) -> None:
    session.info.pop(_DIRTY, None)


def on_commit(wake: Callable[[], None]) -> None:
    """Call `wake()` after every commit that queued log rows (in this process)."""
    _wakers.append(wake)


def forget(wake: Callable[[], None]) -> None:
    if wake in _wakers:
        _wakers.remove(wake)


class LogCursor:
    """A reader's place in the log: every row up to `position` has been applied.

    Ids are handed out when a row is written, not when it commits, so a row may become
    visible after rows with higher ids. Rows above a missing id are applied (and remembered)
    but the position stays below the gap until the gap is known to be permanent: on
    PostgreSQL, once every transaction of this database that was running when the gap was
    seen has ended (its rows, if it committed, are then read before the position moves past
    them); on SQLite at once, since writers take turns and commit in id order.

    Only this database's transactions are waited for: a long transaction elsewhere on the
    server (a report, a backup of another database) cannot have written our log.
    """

    def __init__(self, position: int) -> None:
        self.position = position
        self._applied: set[int] = set()
        # first missing id -> (when seen, the transactions then running, once past the grace)
        self._gaps: dict[int, tuple[float, frozenset[str] | None]] = {}
        self._closable: set[int] = set()
        self._visible: set[int] = set()  # rows the last `pending` read: none of them is a gap
        self._in_order = False  # SQLite: every gap is permanent as soon as it is seen

    def pending(self, session: Session, limit: int) -> Sequence[Row[Any]]:
        """Up to `limit` rows after the position not applied yet, in id order."""
        self._in_order = session.get_bind().dialect.name != "postgresql"
        self._closable = self._closable_gaps(session)
        rows = session.execute(
            select(
                ChangeLog.id,
                ChangeLog.doc_type,
                ChangeLog.doc_id,
                ChangeLog.event,
                ChangeLog.room,
                ChangeLog.rooms,
                ChangeLog.payload,
            )
            .where(ChangeLog.id > self.position)
            .order_by(ChangeLog.id)
            .limit(limit + len(self._applied))
        ).all()
        self._visible = {row.id for row in rows}
        return [row for row in rows if row.id not in self._applied][:limit]

    def applied_ids(self) -> set[int]:
        """The rows above the position applied already (waiting for a gap below them)."""
        return set(self._applied)

    def done(self, ids: Iterable[int]) -> None:
        """Record rows (from the last `pending`) as applied and move the position on."""
        self._applied.update(ids)
        while self._applied:
            following = self.position + 1
            if following in self._applied:
                self._applied.discard(following)
                self.position = following
            elif following in self._visible:
                break  # read but not applied yet (the republisher's grace): not a gap
            elif self._in_order or following in self._closable:
                # the whole gap is permanent: on to the next row read, applied or not
                waiting = {i for i in self._visible if i > following} - self._applied
                self.position = min(self._applied | waiting) - 1
            else:
                self._gaps.setdefault(following, (time.monotonic(), None))
                break
        self._gaps = {k: v for k, v in self._gaps.items() if k > self.position}

    def _closable_gaps(self, session: Session) -> set[int]:
        if not self._gaps:
            return set()
        if self._in_order:
            return set(self._gaps)
        now = time.monotonic()
        if all(w is None and now - seen < GAP_GRACE_SECONDS for seen, w in self._gaps.values()):
            return set()  # every gap is still in its grace: nothing to ask PostgreSQL yet
        running = _running_here(session)
        closable = set()
        for first, (seen, waited) in list(self._gaps.items()):
            if waited is None:
                if time.monotonic() - seen >= GAP_GRACE_SECONDS:
                    self._gaps[first] = (seen, running)  # every writer then running has an xid
            elif not waited & running:
                closable.add(first)
        return closable


def _running_here(session: Session) -> frozenset[str]:
    """The transaction ids now running in this database (other than ours) that wrote
    something. The statistics snapshot is cleared first: a transaction sees the same
    `pg_stat_activity` until it ends otherwise."""
    session.execute(text("SELECT pg_stat_clear_snapshot()"))
    ids = session.scalars(
        text(
            "SELECT backend_xid::text FROM pg_stat_activity"
            " WHERE datname = current_database() AND backend_xid IS NOT NULL"
            " AND pid <> pg_backend_pid()"
        )
    )
    return frozenset(ids)


def report(session: Session, host_id: str, position: int, generation: str | None) -> None:
    """Upsert `host_id`'s reader row (in the caller's transaction)."""
    reader = session.get(ChangeLogReader, host_id)
    if reader is None:
        session.add(ChangeLogReader(host_id=host_id, position=position, generation=generation))
    else:
        reader.position = position
        reader.generation = generation
        reader.seen_at = utcnow()


def reindexed(session: Session, host_id: str, position: int, generation: str | None) -> None:
    """`host_id` rebuilt its index from the database; it follows the log from `position`."""
    report(session, host_id, position, generation)
    session.execute(
        update(ChangeLogReader)
        .where(ChangeLogReader.host_id == host_id)
        .values(reindex_needed=False)
    )


def reindex_needed(session: Session, host_id: str) -> bool:
    reader = session.get(ChangeLogReader, host_id)
    return bool(reader and reader.reindex_needed)


def rebuild_start(session: Session) -> int:
    """The position a rebuild starting now follows the log from (see REBUILD_OVERLAP)."""
    before = utcnow() - REBUILD_OVERLAP
    older = session.scalar(select(func.max(ChangeLog.id)).where(ChangeLog.created_at < before))
    if older is not None:
        return int(older)
    first = session.scalar(select(func.min(ChangeLog.id)))
    return int(first) - 1 if first is not None else 0


def prune(session: Session, retention: timedelta) -> int:
    """Delete the rows every host has applied, and those older than `retention` (marking the
    hosts that had not applied them "reindex needed"); return how many were deleted."""
    floor = session.scalar(
        select(func.min(ChangeLogReader.position)).where(ChangeLogReader.reindex_needed.is_(False))
    )
    expired = session.scalar(
        select(func.max(ChangeLog.id)).where(ChangeLog.created_at < utcnow() - retention)
    )
    if expired is not None:
        lagging = session.scalars(
            select(ChangeLogReader.host_id).where(
                ChangeLogReader.position < expired, ChangeLogReader.reindex_needed.is_(False)
            )
        ).all()
        if lagging:
            log.warning(
                "search hosts %s lagged past the change-log retention: reindex needed",
                ", ".join(lagging),
            )
            session.execute(
                update(ChangeLogReader)
                .where(ChangeLogReader.host_id.in_(lagging))
                .values(reindex_needed=True)
            )
    deleted = 0
    if expired:
        deleted += _deleted(session.execute(delete(ChangeLog).where(ChangeLog.id <= expired)))
    if floor:
        passed = delete(ChangeLog).where(
            ChangeLog.id <= floor,
            (ChangeLog.doc_type != EVENT) | (ChangeLog.created_at < utcnow() - EVENT_KEEP),
        )
        deleted += _deleted(session.execute(passed))
    return deleted


def _deleted(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)
