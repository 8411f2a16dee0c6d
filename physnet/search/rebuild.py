"""Rebuild the index from the database into a new generation, then swap it in.

Searches keep using the current generation meanwhile, and the live indexer keeps adding
to it. The new generation follows the change log from a little before the rebuild began
(`change_log.rebuild_start`): the indexer applies, once it is swapped in, everything
committed while the rebuild read the database. Meanwhile this host reports that start as
its position, so no other host's pruning deletes the rows it will need.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from collections.abc import Callable
from typing import Any

from physnet.db import change_log
from physnet.db.transaction import atomic
from physnet.extensions import db
from physnet.models import ChangeLogReader, utcnow
from physnet.search.bulk import BulkMpWriter, BulkWriter
from physnet.search.codec import CODEC
from physnet.search.sources import SOURCES

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]
# One segment per SEGMENT_DOCS messages and writing process: searches read 10 segments at
# a million messages. The writers keep a segment's postings in memory (bulk.py).
SEGMENT_DOCS = 100_000
PARALLEL_ABOVE = 50_000


class RebuildBusy(Exception):
    """Another reindex is running."""


def _writer(ix: Any, procs: int) -> Any:
    if procs > 1:
        return BulkMpWriter(ix, procs=procs, codec=CODEC, compound=False)
    return BulkWriter(ix, codec=CODEC, compound=False)


def rebuild(service: Any, progress: Progress | None = None, parallel: bool = False) -> int:
    """Build a fresh index of every document and make it current; return its size.

    With `parallel` (the reindex command), a large index is written by several processes
    (Whoosh's multiprocessing writer); a server process never forks while it rebuilds.
    Raises RebuildBusy when another reindex holds the rebuild lock.
    """
    store = service.store
    with store.rebuilding() as mine:
        if not mine:
            raise RebuildBusy("A reindex is already running.")
        started = time.monotonic()
        position = change_log.rebuild_start(db.session())
        db.session.rollback()
        with atomic():  # keep the rows after `position` from being pruned meanwhile
            reader = db.session.get(ChangeLogReader, service.host_id)
            held = min(position, reader.position) if reader else position
            change_log.report(db.session(), service.host_id, held, store.current_name())
        store.update_state(rebuild_position=position)
        total = sum(source.count() for source in SOURCES.values())
        db.session.rollback()
        procs = min(4, os.cpu_count() or 1) if parallel and total > PARALLEL_ABOVE else 1
        began = utcnow()
        store.update_state(rebuild={"started_at": began, "done": 0, "total": total})
        name, ix = store.create_generation()
        done = 0
        last_report = 0.0
        try:
            writer, in_writer = None, 0
            try:
                for source in SOURCES.values():
                    for batch in source.batches():
                        db.session.rollback()  # no long read transaction while indexing
                        writer = writer or _writer(ix, procs)
                        for document in batch:
                            writer.add_document(**document)
                        done += len(batch)
                        in_writer += len(batch)
                        if in_writer >= SEGMENT_DOCS * procs:
                            # One segment per SEGMENT_DOCS: bounded memory, and no merge
                            # rewriting what is already written.
                            writer.commit(merge=False)
                            writer, in_writer = None, 0
                        if progress:
                            progress(done, total)
                        if time.monotonic() - last_report > 2:
                            last_report = time.monotonic()
                            store.update_state(
                                rebuild={"started_at": began, "done": done, "total": total}
                            )
                if writer is not None:
                    writer.commit(merge=False)
                    writer = None
            except BaseException:
                if writer is not None:
                    writer.cancel()
                raise
            store.open(name)  # read it back before anyone searches it
        except BaseException:
            shutil.rmtree(store.root / name, ignore_errors=True)
            store.update_state(rebuild=None, rebuild_position=None)
            raise
        store.write_position(name, position)
        store.swap(name)
        with atomic():
            change_log.reindexed(db.session(), service.host_id, position, name)
        store.clear_rebuild_request()
        seconds = time.monotonic() - started
        store.update_state(
            rebuild=None,
            rebuild_position=None,
            last_indexed_at=utcnow(),
            last_rebuild={"at": utcnow(), "documents": done, "seconds": round(seconds, 1)},
        )
        log.info("search index rebuilt: %d documents in %.1f s", done, seconds)
    if service.indexer.running:
        service.indexer.wake()
    return done
