"""Pieces the tip actions share: race-free inserts and the after-commit broadcast."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite

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


def broadcast_tip(event: str, tip_id: int) -> None:
    """Send the committed tip to its channel's room (run after commit, so the endorsement
    count includes every endorsement committed so far, not just this transaction's view)."""
    tip = db.session.get(Tip, tip_id, populate_existing=True)
    if tip is None or tip.deleted_at is not None:
        return
    payload = tip_json(tip, endorsement_counts([tip.id]).get(tip.id, 0))
    rooms.emit(event, payload, rooms.channel_room(tip.channel_id))
