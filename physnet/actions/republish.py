"""Events committed by a process that died before publishing them still reach every screen.

Every event is a change-log row committed with its change (`physnet.actions.broadcast`);
the process publishes it after the commit and notes it as published in Redis. One live
server process at a time (a short Redis lease) follows the change log: an event row that
nobody noted as published GRACE_S after it became visible is published again, by this
process. That covers server processes killed between commit and publish (SIGKILL, the OOM
killer, a power cut) and CLI jobs (a directory sync) that die there alike. A screen may
get an event twice (it was published but not yet noted); clients keep one per event id.

Best effort with Redis down: nothing is published or noted then (clients catch up on
reconnect), and the republisher resumes where it stopped. With no Redis there is one
process, and what it did not publish had no other process's screens to reach.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any

from flask import Flask

from physnet.actions.broadcast import mark_published, publish
from physnet.db import change_log
from physnet.db.change_log import LogCursor
from physnet.extensions import db, socketio
from physnet.realtime.cluster_presence import cluster

log = logging.getLogger(__name__)
GRACE_S = 2.0  # an event not noted as published this long after it became visible is lost
EVERY_S = 0.5
LEASE_S = 5.0
BATCH = 1000
_NAME = "republisher"


class Republisher:
    """The republisher of one server process; `step` runs in its background loop."""

    def __init__(self) -> None:
        self._cursor: LogCursor | None = None
        self._seen: dict[int, float] = {}  # event row id -> when it was first seen here

    def step(self) -> int:
        """Republish what is overdue (if this process holds the lease); return how many."""
        if not cluster.take_lease(_NAME, LEASE_S):
            self._cursor = None  # another process follows the log; start afresh if it dies
            self._seen.clear()
            return 0
        if self._cursor is None:
            stored = cluster.get_position(_NAME)
            start = change_log.rebuild_start(db.session()) if stored is None else stored
            self._cursor = LogCursor(start)
        rows = self._cursor.pending(db.session(), BATCH)
        db.session.rollback()
        now = time.monotonic()
        due = [row for row in rows if now - self._seen.setdefault(row.id, now) >= GRACE_S]
        events = [row for row in due if row.doc_type == change_log.EVENT]
        lost = cluster.unpublished([row.id for row in events])
        sent = 0
        for row in events:
            if row.id in lost:
                sent += _republish(row)
        self._cursor.done(row.id for row in due)
        for row in due:
            self._seen.pop(row.id, None)
        cluster.set_position(_NAME, self._cursor.position)
        if sent:
            log.warning("republished %d event(s) a process had committed but not published", sent)
        return sent


def _republish(row: Any) -> int:
    try:
        room = json.loads(row.rooms) if row.rooms else row.room
        publish(row.id, row.event, json.loads(row.payload or "null"), room)
    except Exception:  # a bad row must not stop the others
        log.exception("could not republish event %s", row.id)
        mark_published([row.id])
        return 0
    return 1


_started = False
_start_lock = threading.Lock()


def start(app: Flask) -> None:
    """Run this server process's republisher in the background (once; only with Redis)."""
    global _started
    if not cluster.enabled:
        return
    with _start_lock:
        if _started:
            return
        _started = True
    socketio.start_background_task(_forever, app)


def _forever(app: Flask) -> None:
    republisher = Republisher()
    while True:
        socketio.sleep(EVERY_S)
        with app.app_context():
            try:
                republisher.step()
            except Exception:  # Redis or the database away: try again next time
                log.warning("republisher step failed", exc_info=True)
            finally:
                db.session.remove()
