"""Pieces the tip actions share: race-free inserts and the logged `tip` / `tip_updated` events."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
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

    Call it after `record_audit`: every change to a tip is audited, and the audit chain's
    head row, locked until the commit, makes such transactions take turns (SQLite has one
    writer anyway). So the tip is read back here (`refresh`: a verify or delete committed
    meanwhile by another request is seen, tags come in their order) and the endorsements
    are counted with every earlier change committed, and the events are logged in the
    order the changes commit. Locking the tip's row here as well would take the two locks
    in the opposite order to an edit, which locks the row first: a deadlock."""
    db.session.flush()
    db.session.refresh(tip)
    if tip.deleted_at is not None:
        return
    payload = tip_json(tip, endorsement_counts([tip.id]).get(tip.id, 0))
    queue_event(event, payload, rooms.channel_room(tip.channel_id))
