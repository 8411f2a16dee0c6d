"""Pieces the tip actions share: race-free inserts and the logged `tip` / `tip_updated` events."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.dialects import postgresql, sqlite

from physnet.actions.broadcast import queue_event
from physnet.extensions import db
from physnet.models import Tip
from physnet.reads.json import tip_json
from physnet.reads.tips import endorsement_counts
from physnet.realtime import rooms


def insert_ignoring_duplicates(table: Table, rows: list[dict[str, Any]]) -> int:
    """INSERT ... ON CONFLICT DO NOTHING; returns how many rows were new.

    Two transactions inserting the same key at once both succeed: PostgreSQL makes the
    second wait for the first and then skip; SQLite has one writer at a time anyway.
    """
    if not rows:
        return 0
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    # RETURNING lists the rows really inserted (rowcount is -1 here with psycopg).
    first = next(iter(table.primary_key.columns))
    inserted = db.session.execute(
        dialect.insert(table).values(rows).on_conflict_do_nothing().returning(first)
    ).all()
    return len(inserted)


def queue_tip_event(event: str, tip: Tip) -> None:
    """Log `event` ("tip" or "tip_updated") with the tip as this transaction leaves it, to
    be published once it commits (and republished if this process dies first).

    The tip's row is locked first, so the
    transactions that change one tip, endorsements included, take turns: each counts the
    endorsements of those that committed before it, and their events are logged in the
    order they commit. Without the lock, two people endorsing at once would each announce
    a count of one. SQLite ignores the lock: it has one writer at a time."""
    db.session.flush()
    # FOR NO KEY UPDATE: an endorsement's foreign key holds a KEY SHARE lock on the row,
    # which a plain FOR UPDATE would wait for (two endorsements would deadlock).
    db.session.execute(select(Tip.id).where(Tip.id == tip.id).with_for_update(key_share=True))
    if tip.deleted_at is not None:
        return
    payload = tip_json(tip, endorsement_counts([tip.id]).get(tip.id, 0))
    queue_event(event, payload, rooms.channel_room(tip.channel_id))
