"""Keep the index in step with the database: drain the outbox, rebuild when needed.

One writer. Every server process runs an indexer thread, but only the one holding
`indexer.lock` (an flock in the index folder) writes; the others wait on the lock and
take over within seconds if that process dies (the kernel drops its lock). The writer is
woken by commits in its own process and polls the outbox every POLL_SECONDS for commits
made in the others.

Crash safety: outbox rows are deleted only after the index has committed their change,
and applying a row twice is harmless (the document is re-read from the database and
replaced), so a crash at any point loses nothing and the next writer catches up.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from flask import Flask
from sqlalchemy import delete, or_, select, update

from physnet.db import search_outbox as outbox
from physnet.db.transaction import atomic
from physnet.extensions import db
from physnet.models import SearchOutbox, utcnow
from physnet.search.codec import CODEC
from physnet.search.rebuild import rebuild
from physnet.search.schema import key_of
from physnet.search.sources import SOURCES
from physnet.search.store import IndexUnavailable

log = logging.getLogger(__name__)
BATCH = 500
POLL_SECONDS = 0.5
GATHER_SECONDS = 0.25  # indexing delay after a wake; new messages stay < 1 s
STANDBY_SECONDS = 2.0


def drain_once(service: Any, ix: Any, name: str) -> int:
    """Apply up to BATCH outbox rows to generation `name`; return how many were applied."""
    store = service.store
    rows = db.session.execute(
        select(SearchOutbox.id, SearchOutbox.doc_type, SearchOutbox.doc_id)
        .where(or_(SearchOutbox.applied_gen.is_(None), SearchOutbox.applied_gen != name))
        .order_by(SearchOutbox.id)
        .limit(BATCH)
    ).all()
    if not rows:
        db.session.rollback()
        return 0
    wanted: dict[str, set[int]] = {}
    for row in rows:
        wanted.setdefault(row.doc_type, set()).add(row.doc_id)
    writer = ix.writer(timeout=10.0, codec=CODEC, compound=False)
    try:
        for doc_type, doc_ids in wanted.items():
            source = SOURCES.get(doc_type)
            if source is None:
                log.error("search outbox: unknown document type %r, skipped", doc_type)
                continue
            for doc_id, document in source.documents(doc_ids).items():
                if document is None:
                    writer.delete_by_term("key", key_of(doc_type, doc_id))
                else:
                    writer.update_document(**document)
        writer.commit()
    except BaseException:
        writer.cancel()
        raise
    row_ids = [row.id for row in rows]
    # While a reindex builds a new generation, keep the rows (marked as applied here): they
    # are applied again to the new generation once it is swapped in. Check the lock first:
    # a reindex swaps before it lets go of it.
    keep = store.rebuild_running() or store.current_name() != name
    db.session.rollback()  # end the reads; the write below queues like any other
    with atomic():
        if keep:
            db.session.execute(
                update(SearchOutbox).where(SearchOutbox.id.in_(row_ids)).values(applied_gen=name)
            )
        else:
            db.session.execute(delete(SearchOutbox).where(SearchOutbox.id.in_(row_ids)))
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
        outbox.on_commit(self.wake)
        self._thread = threading.Thread(target=self._run, name="physnet-indexer", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self._thread = None
        outbox.forget(self.wake)

    def wake(self) -> None:
        self._wake.set()

    def _run(self) -> None:
        store = self.service.store
        backoff = 0.0
        try:
            while not self._stop.is_set():
                if not store.indexer_lock.acquire():
                    self._stop.wait(STANDBY_SECONDS)
                    continue
                self._wake.clear()
                try:
                    self._step_in_app()
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
                    self._stop.wait(GATHER_SECONDS)
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
            except IndexUnavailable as exc:
                self._ix = None
                log.warning("search index %s: %s", exc.state, exc.reason)
                return None
        assert self._name is not None
        return self._ix, self._name

    def step(self) -> None:
        """Rebuild if the index is missing, corrupt or a rebuild was asked for; then drain."""
        store = self.service.store
        requested = store.rebuild_requested()
        current = None if requested else self._writable()
        if current is None:
            if store.rebuild_running():
                return  # another process is rebuilding; search says so meanwhile
            log.warning("rebuilding the search index (%s)", requested or "missing or corrupt")
            rebuild(self.service, progress=self.on_rebuild)
            self._ix = None
            current = self._writable()
            if current is None:
                return
        ix, name = current
        total = 0
        while not self._stop.is_set():
            count = drain_once(self.service, ix, name)
            total += count
            if count < BATCH:
                break
        if total:
            store.update_state(last_indexed_at=utcnow(), last_error=None)

    def _step_in_app(self) -> None:
        """One `step` in an app context of its own, its session closed afterwards."""
        with self.app.app_context():
            try:
                self.step()
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
        """Wait until the outbox is empty (tests and the benchmark)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.app.app_context():
                try:
                    pending = db.session.scalar(
                        select(SearchOutbox.id)
                        .where(
                            or_(
                                SearchOutbox.applied_gen.is_(None),
                                SearchOutbox.applied_gen != self.service.store.current_name(),
                            )
                        )
                        .limit(1)
                    )
                finally:
                    db.session.remove()
            if pending is None and self.service.store.current_name():
                return True
            self.wake()
            time.sleep(0.02)
        return False
