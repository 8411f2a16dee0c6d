"""The change log every host's index follows: order, gaps, positions and pruning."""

from __future__ import annotations

import socket
import time
from datetime import timedelta

import psycopg
import pytest
from flask import Flask
from sqlalchemy import Connection, func, insert, select, update

from physnet.config import ConfigError, load_settings
from physnet.db import change_log
from physnet.db.change_log import LogCursor
from physnet.db.transaction import atomic
from physnet.extensions import db
from physnet.models import ChangeLog, ChangeLogReader, utcnow
from physnet.search import service

from conftest import PG_ADMIN, Factory


def _write(doc_id: int) -> int:
    with atomic():
        change_log.queue(db.session(), "message", [doc_id])
    return int(db.session.scalar(select(func.max(ChangeLog.id))) or 0)


def _follow(cursor: LogCursor, seconds: float = 10.0) -> list[int]:
    """Poll like the indexer until the position stops moving; the ids handed out."""
    seen: list[int] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        rows = cursor.pending(db.session(), 100)
        db.session.rollback()
        seen += [row.id for row in rows]
        cursor.done(row.id for row in rows)
        if not cursor.applied_ids():
            break
        time.sleep(0.1)
    return seen


def _a_slow_row_below_a_quick_one() -> tuple[int, LogCursor, Connection, int]:
    """A slow transaction takes the next id and has not committed; a quick one commits after
    it, and a cursor from before both has applied the quick row. Returns the start
    position, the cursor, the slow connection (its transaction still open) and the quick
    row's id (the slow one's is one less)."""
    start = _write(1)
    cursor = LogCursor(start)
    slow = db.engine.connect()
    slow.begin()
    slow.execute(insert(ChangeLog), [{"doc_type": "message", "doc_id": 2, "created_at": utcnow()}])
    quick = _write(3)
    rows = cursor.pending(db.session(), 100)
    cursor.done(row.id for row in rows)
    db.session.rollback()
    assert [row.doc_id for row in rows] == [3]
    return start, cursor, slow, quick


def test_a_row_committed_late_below_a_newer_one_is_not_skipped(app: Flask) -> None:
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite writers take turns: ids always commit in order")
        start, cursor, slow, quick = _a_slow_row_below_a_quick_one()
        assert cursor.position == start  # held below the gap, which may still fill
        time.sleep(1.5)  # past the grace: the gap is now watched by transaction ids
        for _ in range(3):
            rows = cursor.pending(db.session(), 100)
            cursor.done(row.id for row in rows)
            db.session.rollback()
            assert rows == [] and cursor.position == start
        slow.commit()
        slow.close()
        late = _follow(cursor)
        assert late == [quick - 1]  # the slow row, applied once, before the position moved
        assert cursor.position == quick


def test_a_late_row_read_but_not_yet_applied_is_never_skipped(app: Flask) -> None:
    """The republisher reads a row and applies it only after its grace: a row that committed
    late, below one already applied, must wait for its turn, not be jumped over as a gap."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite writers take turns: ids always commit in order")
        start, cursor, slow, quick = _a_slow_row_below_a_quick_one()
        time.sleep(1.5)  # past the grace: the gap now waits for the slow transaction
        cursor.pending(db.session(), 100)
        db.session.rollback()
        slow.commit()
        slow.close()
        rows = cursor.pending(db.session(), 100)  # the slow row is visible now...
        db.session.rollback()
        assert [row.id for row in rows] == [quick - 1]
        cursor.done([])  # ...but not applied yet (say it is still in its grace)
        assert cursor.position == start
        cursor.done([quick - 1])
        assert cursor.position == quick


def _a_rolled_back_id_is_passed() -> None:
    """An id taken by a transaction that rolled back, then a row after it: a cursor from
    before both follows past the gap (once nothing can fill it) to the row."""
    start = _write(1)
    cursor = LogCursor(start)
    with pytest.raises(RuntimeError), atomic():
        change_log.queue(db.session(), "message", [2])
        raise RuntimeError("rolled back")
    after = _write(3)
    assert _follow(cursor) == [after]
    assert cursor.position == after


def test_a_rolled_back_id_is_passed_once_nothing_can_fill_it(app: Flask) -> None:
    with app.app_context():
        _a_rolled_back_id_is_passed()


def test_a_long_transaction_in_another_database_does_not_hold_the_position(app: Flask) -> None:
    """Gaps wait for this database's writers only: a report or a backup running for hours
    in another database on the same server cannot have written our log."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite has no other databases' transactions")
        with psycopg.connect(PG_ADMIN) as elsewhere:
            elsewhere.execute("SELECT pg_current_xact_id()")  # open, with a transaction id
            _a_rolled_back_id_is_passed()
            elsewhere.rollback()


def test_events_logged_together_get_ids_in_the_order_given(app: Flask) -> None:
    """`log_events` (a sync's memberships: thousands at once) hands back each row's id in
    the order the events were given, across more rows than one INSERT takes."""
    given = [(f"event{i % 7}", f"user:{i}", f'{{"n":{i}}}') for i in range(2500)]
    with app.app_context(), atomic():
        ids = change_log.log_events(db.session(), given)
        rows = db.session.execute(
            select(ChangeLog.id, ChangeLog.event, ChangeLog.room, ChangeLog.payload).where(
                ChangeLog.id.in_(ids)
            )
        ).all()
    by_id = {row.id: (row.event, row.room, row.payload) for row in rows}
    assert len(set(ids)) == len(given) and ids == sorted(ids)
    assert [by_id[i] for i in ids] == given


def test_prune_keeps_what_any_host_still_needs(app: Flask) -> None:
    with app.app_context():
        ids = [_write(n) for n in range(1, 6)]
        with atomic():
            change_log.report(db.session(), "host-a", ids[4], "gen-a")
            change_log.report(db.session(), "host-b", ids[1], "gen-b")
        with atomic():
            deleted = change_log.prune(db.session(), timedelta(days=7))
        assert deleted == 2
        assert db.session.scalars(select(ChangeLog.id).order_by(ChangeLog.id)).all() == ids[2:]


def test_a_host_behind_the_retention_is_marked_and_rebuilds(app: Flask) -> None:
    Factory(app).user("alice")
    svc = service(app)
    svc.indexer.catch_up()  # builds this host's index and registers it
    with app.app_context():
        old = [_write(n) for n in range(1, 4)]
        with atomic():
            db.session.execute(
                update(ChangeLog)
                .where(ChangeLog.id.in_(old))
                .values(created_at=utcnow() - timedelta(days=30))
            )
            change_log.report(db.session(), "host-gone", 0, "gen-x")
            change_log.report(db.session(), svc.host_id, old[-1], svc.store.current_name())
        with atomic():
            assert change_log.prune(db.session(), timedelta(days=7)) == 3
        readers = {r.host_id: r for r in db.session.scalars(select(ChangeLogReader))}
        assert readers["host-gone"].reindex_needed
        assert not readers[svc.host_id].reindex_needed
        # This host lagged too (say it was off for a month): it rebuilds, then follows again.
        with atomic():
            db.session.execute(
                update(ChangeLogReader)
                .where(ChangeLogReader.host_id == svc.host_id)
                .values(reindex_needed=True)
            )
        db.session.remove()
    before = svc.store.current_name()
    svc.indexer.catch_up()
    with app.app_context():
        mine = db.session.get(ChangeLogReader, svc.host_id)
        assert mine is not None and not mine.reindex_needed
        assert svc.store.current_name() != before
        assert mine.generation == svc.store.current_name()
        db.session.remove()


def test_the_host_id_defaults_to_the_hostname_and_is_configurable(tmp_path) -> None:
    key = {"secret_key": "tests-only-secret-key-0123456789abcdef0123456789"}
    assert load_settings(key, environ={}).search_host_id == socket.gethostname()
    chosen = load_settings(key, environ={"PHYSNET_SEARCH_HOST_ID": "physnet-b"})
    assert chosen.search_host_id == "physnet-b"
    path = tmp_path / "physnet.toml"
    path.write_text('[search]\nhost_id = "physnet-a"\nlog_retention_days = 3\n')
    from_file = load_settings(key, environ={"PHYSNET_CONFIG": str(path)})
    assert (from_file.search_host_id, from_file.search_log_retention_days) == ("physnet-a", 3)
    path.write_text('[search]\nhost = "physnet-a"\n')
    with pytest.raises(ConfigError, match=r"'host' in \[search\]"):
        load_settings(key, environ={"PHYSNET_CONFIG": str(path)})
