"""Inserting many rows at once with less per-row work than SQLAlchemy's executemany.

On SQLite, SQLAlchemy builds each row's parameters through its compiled statement
(several microseconds a row); a sync inserts a few hundred thousand rows (accounts' name
tokens, audit events). Here the INSERT is written once, with the row's columns first and
the left-out columns with a scalar default after them, and each row becomes one tuple:
its values taken in that order, the few columns whose type converts values (times,
binary) passed through the type's own bind processor, and the defaults converted once.
What is stored is exactly what SQLAlchemy would store. Other databases, and rows that
leave out a column with a Python-side default that is not a plain value, go through
SQLAlchemy as usual.
"""

from __future__ import annotations

import queue
import sqlite3
import threading
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from operator import itemgetter
from typing import Any

from sqlalchemy import Table, event, insert
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.schema import ScalarElementColumnDefault

from physnet.db.blocking import _gevent_active

BATCH = 1000
_WRITER = "physnet_bulk_writer"  # Connection.info: the _Writer of inserts_in_background
_MAX_VARIABLES = 999  # SQLite's limit on ? in one statement before 3.32, if it cannot say


class _Writer:
    """A second thread running statements in order through one DB-API connection.

    sqlite3 lets go of the GIL while SQLite steps a statement, so while it inserts a
    thousand rows here, the caller's thread builds the next thousand. Each job is one
    statement (a multi-row INSERT: one step each, not one GIL hand-over per row). After a
    failure the jobs left are skipped and the error is raised in the caller's thread.
    """

    def __init__(self, dbapi_connection: Any, owner: Connection) -> None:
        self._dbapi = dbapi_connection
        self.owner = owner  # the only Connection whose inserts come here
        try:  # this SQLite's own limit on ? in one statement (32,766 since 3.32)
            limit = dbapi_connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        except (AttributeError, sqlite3.Error):
            limit = _MAX_VARIABLES
        self.max_variables = max(1, int(limit))
        self._jobs: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._failed: tuple[str, BaseException] | None = None
        self._skip = False
        self._thread = threading.Thread(target=self._run, name="physnet-bulk-insert", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        cursor = None
        try:
            cursor = self._dbapi.cursor()
        except BaseException as exc:  # every job is then skipped and this raised
            self._failed = ("(opening a cursor)", exc)
        try:
            while (job := self._jobs.get()) is not None:
                if isinstance(job, threading.Event):
                    job.set()  # always: a waiting caller must never hang
                elif self._failed is None and not self._skip and cursor is not None:
                    try:
                        cursor.execute(*job)
                    except BaseException as exc:  # raised again in the caller's thread
                        # the statement's head only: the rows would make a huge message
                        self._failed = (job[0].split(" VALUES ", 1)[0], exc)
        finally:
            if cursor is not None:
                cursor.close()

    def put(self, statement: str, params: Sequence[Any]) -> None:
        self._raise()
        self._jobs.put((statement, params))

    def wait(self, *, quietly: bool = False) -> None:
        """Return once every job put so far has run; raise the first failure."""
        done = threading.Event()
        self._jobs.put(done)
        done.wait()
        if not quietly:
            self._raise()

    def stop(self, *, skip: bool) -> None:
        self._skip = skip
        self._jobs.put(None)
        self._thread.join()

    def _raise(self) -> None:
        if self._failed is not None:
            statement, exc = self._failed
            raise DBAPIError.instance(statement, None, exc, sqlite3.Error)


@contextmanager
def inserts_in_background(connection: Connection) -> Iterator[None]:
    """While open, `insert_rows` on this (SQLite) connection hands its INSERTs to a second
    thread that runs them in order through the same connection and transaction, and
    returns at once. Any other statement on the connection, and a commit or rollback,
    first waits for them, so reads see every row. On leaving, every insert has run (or
    the first failure is raised); on an error, those not run yet are dropped, to be rolled
    back by the caller. Elsewhere (other databases, already open, or a process gevent
    runs, whose threads are greenlets on one OS thread) it changes nothing."""
    if connection.dialect.name != "sqlite" or _WRITER in connection.info or _gevent_active():
        yield
        return
    writer = _Writer(connection.connection.dbapi_connection, connection)

    def wait_first(*args: Any) -> None:
        writer.wait()

    def settle_first(*args: Any) -> None:  # a rollback undoes them anyway: no error here
        writer.wait(quietly=True)

    hooks = {"before_cursor_execute": wait_first, "commit": wait_first, "rollback": settle_first}
    info = connection.info  # kept: a commit inside may close the connection
    info[_WRITER] = writer
    for name, hook in hooks.items():
        event.listen(connection, name, hook)
    finished = False
    try:
        yield
        writer.wait()
        finished = True
    finally:
        for name, hook in hooks.items():
            event.remove(connection, name, hook)
        del info[_WRITER]
        writer.stop(skip=not finished)


def _converted(process: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`process`, remembered per value: a batch often repeats one time or flag."""
    seen: dict[Hashable, Any] = {}

    def convert(value: Any) -> Any:
        if value is None:
            return None
        try:
            return seen[value]
        except KeyError:
            seen[value] = done = process(value)
            return done
        except TypeError:  # not hashable
            return process(value)

    return convert


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
    dialect = connection.dialect
    if dialect.name != "sqlite" or other or any(len(r) != len(keys) for r in rows):
        for start in range(0, len(rows), BATCH):
            connection.execute(insert(table), rows[start : start + BATCH])
        return

    def processor(key: str) -> Callable[[Any], Any] | None:
        return table.c[key].type.dialect_impl(dialect).bind_processor(dialect)

    quote = dialect.identifier_preparer.quote
    columns = [*keys, *defaults]
    statement = (
        f"INSERT INTO {dialect.identifier_preparer.format_table(table)} "
        f"({', '.join(quote(table.c[k].name) for k in columns)}) "
        f"VALUES ({', '.join('?' * len(columns))})"
    )
    tail = tuple(
        value if (p := processor(k)) is None or value is None else p(value)
        for k, value in defaults.items()
    )
    get = itemgetter(*keys)
    values: Callable[[dict[str, Any]], tuple[Any, ...]] = (
        get if len(keys) > 1 else lambda row: (get(row),)
    )
    converts = [(i, _converted(p)) for i, k in enumerate(keys) if (p := processor(k)) is not None]
    if not converts:
        params: list[Any] = [values(row) + tail for row in rows]
    else:
        params = []
        for row in rows:
            one = list(values(row))
            for i, convert in converts:
                one[i] = convert(one[i])
            params.append((*one, *tail))
    writer: _Writer | None = connection.info.get(_WRITER)
    if writer is not None and writer.owner is not connection:
        # a commit inside the block gave the DB-API connection back to the pool, and another
        # Connection (another thread, another transaction) has it now: not for this writer
        writer = None
    if writer is None:
        connection.exec_driver_sql(statement, params)
        return
    # multi-row INSERTs, as many rows each as SQLite takes: each is one step, and one
    # hand-over of the GIL between the threads
    size = max(1, writer.max_variables // len(columns))
    one_row = f"({', '.join('?' * len(columns))})"
    head = statement[: statement.rindex(" VALUES ")]
    for start in range(0, len(params), size):
        chunk = params[start : start + size]
        many = f"{head} VALUES {', '.join([one_row] * len(chunk))}"
        writer.put(many, [value for row in chunk for value in row])
