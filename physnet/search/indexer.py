"""Keep this host's index in step with the database: follow the change log, rebuild when needed.

Every host keeps its own index folder and follows the shared change log
(`physnet.db.change_log`) from its own position, stored in the index generation
(`position.json`) and reported in `change_log_readers` under the host id (`[search]
host_id`), so the log is pruned only once every host has passed a row.

One writer per host. Every server process runs an indexer thread, but only the one holding
`indexer.lock` (an flock in the index folder) writes; the others wait on the lock and
take over within seconds if that process dies (the kernel drops its lock). The writer is
woken by commits in its own process and polls the log every POLL_SECONDS for commits
made in the others, on this host or another.

Crash safety: the position moves only after the index has committed the change, and
applying a row twice is harmless (the document is re-read from the database and
replaced), so a crash at any point loses nothing and the next writer catches up.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import Flask
from sqlalchemy import select

from physnet.db import change_log
from physnet.db.change_log import LogCursor
from physnet.db.transaction import atomic
from physnet.extensions import db
from physnet.models import ChangeLog, utcnow
from physnet.search.codec import CODEC
from physnet.search.rebuild import rebuild
from physnet.search.schema import key_of
from physnet.search.sources import SOURCES
from physnet.search.store import IndexUnavailable

log = logging.getLogger(__name__)
BATCH = 500
POLL_SECONDS = 0.5
GATHER_SECONDS = 0.25  # indexing delay after a wake; new messages stay < 1 s
# While posts keep coming (the last pass applied at least BUSY_ROWS log rows: a message is
# two, its document and its event), wait this long instead: a Whoosh commit and its segment
# merge cost the same for 5 messages or 50, and they hold the GIL the senders need.
BUSY_GATHER_SECONDS = 0.5
BUSY_ROWS = 10
# While busy, a commit also skips merging small segments (the other half of its cost), but
# never more than this many times in a row; the next quiet commit merges them.
MAX_UNMERGED = 10
STANDBY_SECONDS = 2.0
PRUNE_SECONDS = 60.0


def reported_position(service: Any, position: int) -> int:
    """The position to report for this host: a reindex in progress needs the rows after
    the point it started from, whatever the current generation has applied."""
    started = service.store.read_state().get("rebuild_position")
    if isinstance(started, int):
        return min(position, started)
    return position


def drain_once(
    service: Any,
    ix: Any,
    name: str,
    cursor: LogCursor,
    merge: bool = True,
    stop: threading.Event | None = None,
) -> int:
    """Apply up to BATCH change-log rows to generation `name`; return how many were applied.
    `merge=False`: leave the index's small segments unmerged this time. Once `stop` is set
    the batch in hand is dropped (nothing is committed and the position stays), so a
    stopping indexer exits at once instead of finishing the batch; the next start does it
    again from the log."""
    store = service.store
    before = cursor.position
    rows = cursor.pending(db.session(), BATCH)
    wanted: dict[str, set[int]] = {}
    for row in rows:
        if row.doc_type != change_log.EVENT:  # broadcast events: not the index's business
            wanted.setdefault(row.doc_type, set()).add(row.doc_id)
    if wanted:
        writer = ix.writer(timeout=10.0, codec=CODEC, compound=False)
        try:
            for doc_type, doc_ids in wanted.items():
                source = SOURCES.get(doc_type)
                if source is None:
                    log.error("change log: unknown document type %r, skipped", doc_type)
                    continue
                for doc_id, document in source.documents(doc_ids).items():
                    if stop is not None and stop.is_set():
                        writer.cancel()
                        db.session.rollback()
                        return 0
                    if document is None:
                        writer.delete_by_term("key", key_of(doc_type, doc_id))
                    else:
                        writer.update_document(**document)
            writer.commit(merge=merge)
        except BaseException:
            writer.cancel()
            raise
    cursor.done(row.id for row in rows)
    db.session.rollback()  # end the reads; the report below queues like any other write
    if cursor.position != before:
        store.write_position(name, cursor.position)
    if cursor.position != before and store.current_name() == name:  # not a swapped-out one
        with atomic():
            change_log.report(
                db.session(), service.host_id, reported_position(service, cursor.position), name
            )
    return len(rows)


class Indexer:
    """The background thread of one app; see the module docstring."""

    def __init__(self, app: Flask, service: Any) -> None:
        self.app = app
        self.service = service
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._ix: Any = None
        self._name: str | None = None
        self._stamp: Any = None
        self._cursor: LogCursor | None = None
        self._pruned_at = 0.0
        self.on_rebuild: Callable[[int, int], None] | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def is_writer(self) -> bool:
        return self.service.store.indexer_lock.held

    def start(self) -> None:
        if self.running:
            return
        self._stop.clear()
        change_log.on_commit(self.wake)
        self._thread = threading.Thread(target=self._run, name="physnet-indexer", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self._thread = None
        change_log.forget(self.wake)

    def wake(self) -> None:
        self._wake.set()

    def _run(self) -> None:
        store = self.service.store
        backoff = 0.0
        busy, unmerged = False, 0
        try:
            while not self._stop.is_set():
                if not store.indexer_lock.acquire():
                    self._stop.wait(STANDBY_SECONDS)
                    continue
                self._wake.clear()
                try:
                    merge = not busy or unmerged >= MAX_UNMERGED
                    applied = self._step_in_app(merge)
                    if applied:
                        unmerged = 0 if merge else unmerged + 1
                    busy = applied >= BUSY_ROWS
                    backoff = 0.0
                except Exception as exc:
                    log.exception("search indexer failed")
                    self._ix = None  # re-open (and re-check) the index next time
                    store.update_state(last_error=repr(exc)[:500], last_error_at=utcnow())
                    backoff = min(30.0, backoff * 2 or 1.0)
                    self._stop.wait(backoff)
                    continue
                if self._wake.wait(POLL_SECONDS) and not self._stop.is_set():
                    # Let a burst of posts share one index commit: a Whoosh commit costs
                    # ~7 ms of CPU whether it holds 1 message or 50 (bench/messaging.py).
                    self._stop.wait(BUSY_GATHER_SECONDS if busy else GATHER_SECONDS)
        finally:
            store.indexer_lock.release()

    def _writable(self) -> tuple[Any, str] | None:
        """The current generation, opened and checked when it changed; None when it must be
        rebuilt (and nobody else is rebuilding it)."""
        store = self.service.store
        stamp = store.current_stamp()
        if self._ix is None or stamp != self._stamp:
            try:
                self._name, self._ix = store.open()
                self._stamp = stamp
                self._cursor = LogCursor(store.read_position(self._name))
                self._report()  # registered before anything is pruned past it
            except IndexUnavailable as exc:
                self._ix = None
                log.warning("search index %s: %s", exc.state, exc.reason)
                return None
        assert self._name is not None
        return self._ix, self._name

    def step(self, merge: bool = True) -> int:
        """Rebuild if the index is missing, corrupt or a rebuild was asked for; then drain
        (`merge=False`: without merging small segments). Returns how many log rows were
        applied."""
        store = self.service.store
        if change_log.reindex_needed(db.session(), self.service.host_id):
            store.request_rebuild("this host lagged past the change-log retention")
        db.session.rollback()
        requested = store.rebuild_requested()
        current = None if requested else self._writable()
        if current is None:
            if store.rebuild_running():
                return 0  # another process is rebuilding; search says so meanwhile
            log.warning("rebuilding the search index (%s)", requested or "missing or corrupt")
            rebuild(self.service, progress=self.on_rebuild)
            self._ix = None
            current = self._writable()
            if current is None:
                return 0
        ix, name = current
        assert self._cursor is not None
        total = 0
        while not self._stop.is_set():
            count = drain_once(self.service, ix, name, self._cursor, merge, self._stop)
            total += count
            if count < BATCH:
                break
        if total:
            store.update_state(last_indexed_at=utcnow(), last_error=None)
        if time.monotonic() - self._pruned_at > PRUNE_SECONDS:
            self.prune()
        return total

    def _report(self) -> None:
        """Tell the other hosts where this host's current generation is in the log."""
        if self._cursor is None or self._name != self.service.store.current_name():
            return
        position = reported_position(self.service, self._cursor.position)
        db.session.rollback()
        with atomic():
            change_log.report(db.session(), self.service.host_id, position, self._name)

    def prune(self) -> int:
        """Report this host's position, then delete the log rows every host has applied (or
        that outlived the retention)."""
        self._pruned_at = time.monotonic()
        self._report()
        days = self.app.config["PHYSNET"].search_log_retention_days
        with atomic():
            return change_log.prune(db.session(), timedelta(days=days))

    def _step_in_app(self, merge: bool = True) -> int:
        """One `step` in an app context of its own, its session closed afterwards."""
        with self.app.app_context():
            try:
                return self.step(merge)
            finally:
                db.session.remove()

    def catch_up(self) -> None:
        """Index everything pending, now, in this thread (tests, scripts, benchmarks).

        Raises RuntimeError when another indexer is the writer.
        """
        lock = self.service.store.indexer_lock
        mine = not lock.held
        if not lock.acquire():
            raise RuntimeError("Another process is the search index writer.")
        try:
            self._step_in_app()
        finally:
            if mine and not self.running:
                lock.release()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until this host's index has applied the whole log (tests and benchmarks)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            name = self.service.store.current_name()
            cursor = self._cursor if name is not None and name == self._name else None
            position = (
                cursor.position
                if cursor
                else (self.service.store.read_position(name) if name else 0)
            )
            with self.app.app_context():
                try:
                    ids = db.session.scalars(
                        select(ChangeLog.id).where(ChangeLog.id > position).limit(1000)
                    ).all()
                finally:
                    db.session.remove()
            if name and not (set(ids) - (cursor.applied_ids() if cursor else set())):
                return True
            self.wake()
            time.sleep(0.02)
        return False
