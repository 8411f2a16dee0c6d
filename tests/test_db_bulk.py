"""Bulk inserts (physnet/db/bulk.py): the same stored rows as SQLAlchemy's own insert,
in the caller's transaction, whether run directly or on the background writer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from physnet.db.bulk import insert_rows, inserts_in_background
from physnet.extensions import db
from physnet.models import User
from physnet.people.normalize import _any_name_tokens, name_tokens

COMPARED = [c for c in User.__table__.columns if c.key not in ("id", "username", "directory_id")]


def _rows(prefix: str, count: int) -> list[dict[str, Any]]:
    start = datetime(2026, 3, 1, 8, 30, tzinfo=UTC)
    return [
        {
            "username": f"{prefix}{i:05d}",
            "directory_id": f"{prefix}-{i}",
            "display_name": f"Doctor {i}",
            "source": "directory",
            "role": "member",
            # a repeated time, distinct times, one in another zone, and None
            "created_at": start if i % 3 == 0 else start + timedelta(seconds=i),
            "deactivated_at": (
                None
                if i % 2
                else (start + timedelta(days=i)).astimezone(timezone(timedelta(hours=-5)))
            ),
            "photo": None if i % 4 else bytes([i % 256, 0, 255]),
        }
        for i in range(count)
    ]


def _stored(prefix: str) -> list[tuple[Any, ...]]:
    query = select(*COMPARED).where(User.username.startswith(prefix)).order_by(User.username)
    return [tuple(row) for row in db.session.execute(query)]


@pytest.mark.parametrize("background", [False, True])
def test_insert_rows_stores_what_sqlalchemy_stores(app: Flask, background: bool) -> None:
    """Every column, given or left to its default, holds what SQLAlchemy's insert would
    have stored; 2,500 rows cross the batch and multi-row statement sizes."""
    with app.app_context():
        connection = db.session.connection()
        connection.execute(insert(User), _rows("alch", 2500))
        if background:
            with inserts_in_background(connection):
                insert_rows(connection, User.__table__, _rows("bulk", 2500))
        else:
            insert_rows(connection, User.__table__, _rows("bulk", 2500))
        db.session.commit()
        theirs, ours = _stored("alch"), _stored("bulk")
        assert len(ours) == 2500 and ours == theirs
        made = db.session.scalar(select(User).where(User.username == "bulk00004"))
        assert made is not None
        assert made.created_at == datetime(2026, 3, 1, 8, 30, 4, tzinfo=UTC)
        assert made.photo == bytes([4, 0, 255]) and made.active and made.role == "member"


def test_background_inserts_are_read_back_and_a_failure_undoes_them(app: Flask) -> None:
    """A read inside the block sees every row queued before it, and a commit commits them
    all; a failing insert raises SQLAlchemy's IntegrityError in the caller and, rolled
    back, leaves nothing."""
    with app.app_context():
        connection = db.session.connection()
        with inserts_in_background(connection):
            insert_rows(connection, User.__table__, _rows("seen", 3000))
            count = connection.execute(
                select(func.count()).where(User.username.startswith("seen"))
            ).scalar()
            assert count == 3000
        db.session.commit()
        connection = db.session.connection()
        with inserts_in_background(connection):  # a commit inside waits for them too
            insert_rows(connection, User.__table__, _rows("kept", 2000))
            db.session.commit()
        db.session.remove()
        kept = select(func.count()).where(User.username.startswith("kept"))
        assert db.session.scalar(kept) == 2000
        with pytest.raises(IntegrityError):
            connection = db.session.connection()
            with inserts_in_background(connection):
                insert_rows(connection, User.__table__, _rows("undo", 1500))
                insert_rows(connection, User.__table__, _rows("seen", 1))  # taken username
                insert_rows(connection, User.__table__, _rows("late", 10))
        db.session.rollback()
        undone = select(func.count()).where(
            User.username.startswith("undo") | User.username.startswith("late")
        )
        assert db.session.scalar(undone) == 0
        assert (
            db.session.scalar(select(func.count()).where(User.username.startswith("seen"))) == 3000
        )


@pytest.mark.parametrize(
    ("display_name", "username"),
    [
        ("Doctor 000123", "doc000123"),
        ("Dr. Miriam Okafor, MD", "mokafor"),
        ("Okafor, Miriam", "m.okafor"),
        ("Sean O'Brien-Kim", "obrien_kim"),
        ("Prof  Al-Rashid   Hadi , PhD, FACP", "al-rashid"),
        ("", "x9"),
        ("dr", "dr"),
        ("A.B. C-D, e-f", "a'b"),
        ("Tab\tSeparated\nName", "tab.sep"),
    ],
)
def test_ascii_names_give_the_tokens_of_the_general_fold(display_name: str, username: str) -> None:
    assert name_tokens(display_name, username) == _any_name_tokens(display_name, username)
