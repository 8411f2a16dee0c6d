"""Inserting many rows at once with less per-row work than SQLAlchemy's executemany.

On SQLite, SQLAlchemy builds each row's parameters through its compiled statement
(several microseconds a row); a sync inserts a few hundred thousand rows (accounts' name
tokens, audit events). Here the statement is compiled once and each row becomes a tuple,
its values passed through the column types' own bind processors, so what is stored is
exactly what SQLAlchemy would store. Other databases, and rows that leave out a column with
a Python-side default, go through SQLAlchemy as usual.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.engine import Connection
from sqlalchemy.sql.schema import ScalarElementColumnDefault

BATCH = 1000


def insert_rows(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """INSERT every row (dicts with the same keys) in the caller's transaction. A column a
    row leaves out gets its scalar Python-side default, as SQLAlchemy would give it."""
    if not rows:
        return
    keys = list(rows[0])
    missing = [c for c in table.columns if c.key not in rows[0]]
    defaults = {
        c.key: c.default.arg for c in missing if isinstance(c.default, ScalarElementColumnDefault)
    }
    other = any(
        c.key not in defaults and (c.default is not None or c.onupdate is not None) for c in missing
    )
    if connection.dialect.name != "sqlite" or other or any(len(r) != len(keys) for r in rows):
        for start in range(0, len(rows), BATCH):
            connection.execute(insert(table), rows[start : start + BATCH])
        return
    keys += list(defaults)
    compiled = insert(table).compile(dialect=connection.dialect, column_keys=keys)
    order = list(compiled.positiontup or keys)
    dialect = connection.dialect
    processors = [table.c[k].type.dialect_impl(dialect).bind_processor(dialect) for k in order]
    full = [{**row, **defaults} for row in rows] if defaults else rows
    if all(p is None for p in processors):
        params = [tuple(row[k] for k in order) for row in full]
    else:
        pairs = list(zip(order, processors, strict=True))
        params = [
            tuple(row[k] if p is None or row[k] is None else p(row[k]) for k, p in pairs)
            for row in full
        ]
    connection.exec_driver_sql(compiled.string, params)
