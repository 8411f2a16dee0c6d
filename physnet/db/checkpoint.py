"""Move SQLite's WAL checkpoints off the request path.

By default the connection whose commit crosses the WAL threshold copies the log into the
database and fsyncs it, stalling that one request for tens of milliseconds. A server process
instead turns automatic checkpoints off for its connections and runs a passive checkpoint
from a background thread every second (passive: it never blocks readers or writers).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from flask import Flask
from sqlalchemy import text

from physnet.extensions import db

log = logging.getLogger(__name__)
INTERVAL_S = 1.0
background = threading.Event()  # set: connections leave checkpoints to the thread


def start(app: Flask) -> None:
    """Start the checkpoint thread when the database is SQLite (no-op otherwise)."""
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            return
        engine = db.engine
    background.set()
    engine.dispose()  # reopen with automatic checkpoints off

    def run() -> None:
        while True:
            time.sleep(INTERVAL_S)
            try:
                with engine.connect() as conn:
                    conn.execute(text("PRAGMA wal_checkpoint(PASSIVE)"))
            except Exception:  # a busy or missing file now and then is harmless
                log.debug("WAL checkpoint skipped", exc_info=True)

    threading.Thread(target=run, name="physnet-wal-checkpoint", daemon=True).start()


def sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """Engine `connect` hook: WAL, foreign keys, and no inline checkpoints in a server."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        if background.is_set():
            cursor.execute("PRAGMA wal_autocheckpoint=0")
        cursor.close()
