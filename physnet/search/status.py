"""What `physnet search status` shows: documents, lag, writer, last error."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, or_, select

from physnet.extensions import db
from physnet.models import SearchOutbox, utcnow
from physnet.search.sources import SOURCES
from physnet.search.store import FileLock, IndexUnavailable


def index_status(service: Any) -> dict[str, Any]:
    """A JSON-able summary of the index and the indexer (read-only)."""
    store = service.store
    info: dict[str, Any] = {"folder": str(store.root)}
    try:
        name, ix = store.open()
        info.update(state="ok", generation=name, documents=ix.doc_count())
    except IndexUnavailable as exc:
        info.update(state=exc.state, reason=exc.reason, generation=None, documents=0)
    current = info["generation"]
    count, oldest, newest = db.session.execute(
        select(
            func.count(SearchOutbox.id),
            func.min(SearchOutbox.created_at),
            func.max(SearchOutbox.created_at),
        ).where(
            or_(SearchOutbox.applied_gen.is_(None), SearchOutbox.applied_gen != (current or ""))
        )
    ).one()
    info["database_documents"] = sum(source.count() for source in SOURCES.values())
    db.session.rollback()
    info["pending_changes"] = count
    info["oldest_pending_at"] = _aware(oldest)
    info["newest_pending_at"] = _aware(newest)
    first = _aware(oldest)
    info["lag_seconds"] = round((utcnow() - first).total_seconds(), 3) if first else 0.0
    lock = store.indexer_lock if store.indexer_lock.held else FileLock(store.indexer_lock.path)
    running = lock.held or lock.is_locked_elsewhere()
    info["writer_pid"] = lock.holder_pid() if running else None
    state = store.read_state()
    info["rebuilding"] = store.rebuild_running()
    info["rebuild"] = state.get("rebuild")
    info["last_rebuild"] = state.get("last_rebuild")
    info["last_indexed_at"] = state.get("last_indexed_at")
    info["last_error"] = state.get("last_error")
    info["last_error_at"] = state.get("last_error_at")
    info["rebuild_requested"] = store.rebuild_requested()
    return info


def _aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes from aggregates; they are UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)
