"""Record changed documents in the outbox, in the transaction that changes them.

An `after_flush` hook on every SQLAlchemy session (registered by create_app) adds one
outbox row per new, changed or deleted message, on the same connection and in the same
transaction: the row commits or
rolls back with the message, so the index can always catch up from the outbox, whatever
crashes when. After the commit, the process's indexer is woken (it also polls, for
changes committed by other processes).

Bulk statements (`update(Message)`, `delete(Message)`, ON DELETE CASCADE) bypass the
session's unit of work: code that changes messages that way calls `queue()` itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from physnet.models import SearchOutbox, utcnow

_DIRTY = "physnet_search_dirty"
_wakers: list[Callable[[], None]] = []
# The model classes whose rows are search documents, and their doc_type; search fills it in
# (`watch`, from create_app) so this hook needs no import of the search package.
WATCHED: dict[type, str] = {}


def watch(models: Mapping[Any, str]) -> None:
    """Record changes to rows of these model classes (class -> doc_type)."""
    WATCHED.update(models)


def queue(session: Session, doc_type: str, ids: Iterable[int]) -> None:
    """Add outbox rows for these documents to `session`'s transaction."""
    now = utcnow()
    rows = [{"doc_type": doc_type, "doc_id": i, "created_at": now} for i in ids]
    if rows:
        session.connection().execute(insert(SearchOutbox), rows)
        session.info[_DIRTY] = True


def record_changes(session: Session, flush_context: Any) -> None:
    changed: dict[str, set[int]] = {}
    for obj in session.new:
        doc_type = WATCHED.get(type(obj))
        if doc_type is not None:
            changed.setdefault(doc_type, set()).add(obj.id)
    for obj in session.dirty:
        doc_type = WATCHED.get(type(obj))
        if doc_type is not None and session.is_modified(obj, include_collections=False):
            changed.setdefault(doc_type, set()).add(obj.id)
    for obj in session.deleted:
        doc_type = WATCHED.get(type(obj))
        if doc_type is not None:
            changed.setdefault(doc_type, set()).add(obj.id)
    for doc_type, ids in changed.items():
        queue(session, doc_type, sorted(ids))


def wake_indexers(session: Session) -> None:
    if session.info.pop(_DIRTY, False):
        for wake in list(_wakers):
            wake()


def forget_changes(session: Session) -> None:
    session.info.pop(_DIRTY, None)


def on_commit(wake: Callable[[], None]) -> None:
    """Call `wake()` after every commit that queued outbox rows (in this process)."""
    _wakers.append(wake)


def forget(wake: Callable[[], None]) -> None:
    if wake in _wakers:
        _wakers.remove(wake)
