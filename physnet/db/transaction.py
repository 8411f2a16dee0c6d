"""Side effects (broadcasts, indexing, audit) that run only after the transaction commits."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any

from sqlalchemy.orm import Session

from physnet.extensions import db

log = logging.getLogger(__name__)
_KEY = "physnet_after_commit"
_READY = "physnet_after_commit_ready"
_DEPTH = "physnet_atomic_depth"


def after_commit(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """Run fn(*args, **kwargs) once the current transaction commits; drop it on rollback."""
    db.session().info.setdefault(_KEY, []).append((fn, args, kwargs))


def effects_ready(session: Session) -> None:
    # The commit is still unwinding here (no SQL, no session.remove()): only mark the
    # effects as due; `atomic` runs them once commit() has returned.
    session.info.setdefault(_READY, []).extend(session.info.pop(_KEY, []))


def drop_effects(session: Session) -> None:
    session.info.pop(_KEY, None)
    session.info.pop(_READY, None)


def _run_ready(session: Session) -> None:
    effects = session.info.pop(_READY, [])
    for fn, args, kwargs in effects:
        try:
            fn(*args, **kwargs)
        except Exception:  # a failed broadcast must not undo a committed write
            log.exception("side effect %s failed after commit", getattr(fn, "__name__", fn))


def in_atomic() -> bool:
    """True inside an `atomic` block (its transaction must not be ended early)."""
    return bool(db.session().info.get(_DEPTH, 0))


@contextmanager
def atomic() -> Iterator[None]:
    """Commit at the end of the outermost `atomic` block; roll back on any error.

    Nested blocks join the outer transaction, so an action that calls others (a directory
    sync, the demo loader) commits once, all or nothing.
    """
    session = db.session()
    depth = session.info.get(_DEPTH, 0)
    if depth > 0:
        session.info[_DEPTH] = depth + 1
        try:
            yield
        finally:
            session.info[_DEPTH] = depth
        return
    session.info[_DEPTH] = 1
    try:
        with _writer_lock():
            try:
                yield
                session.commit()
            except BaseException:
                session.rollback()
                raise
    finally:
        session.info[_DEPTH] = 0
    _run_ready(session)


_SQLITE_WRITER = threading.Lock()


def _writer_lock() -> AbstractContextManager[Any]:
    """SQLite has one writer at a time and makes the others wait by sleeping (1, 2, 5, 10 ms
    ...), which turns a busy channel into a queue of naps; threads of this process take
    turns on a lock instead. PostgreSQL locks rows itself."""
    return _SQLITE_WRITER if db.engine.dialect.name == "sqlite" else nullcontext()
