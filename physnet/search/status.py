"""What `physnet search status` shows: documents, lag, writer, last error, every host."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from physnet.extensions import db
from physnet.models import ChangeLog, ChangeLogReader, utcnow
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
    position = store.read_position(info["generation"]) if info["generation"] else 0
    info["host_id"] = service.host_id
    info["position"] = position
    info.update(_lag(position))
    info["database_documents"] = sum(source.count() for source in SOURCES.values())
    info["hosts"] = [
        {
            "host_id": reader.host_id,
            "position": reader.position,
            "generation": reader.generation,
            "seen_at": _aware(reader.seen_at),
            "reindex_needed": reader.reindex_needed,
            **_lag(reader.position),
        }
        for reader in db.session.scalars(select(ChangeLogReader).order_by(ChangeLogReader.host_id))
    ]
    info["log_rows"] = db.session.scalar(select(func.count(ChangeLog.id)))
    db.session.rollback()
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


def _lag(position: int) -> dict[str, Any]:
    """How far behind the log a reader at `position` is: changes and seconds."""
    count, oldest = db.session.execute(
        select(func.count(ChangeLog.id), func.min(ChangeLog.created_at)).where(
            ChangeLog.id > position
        )
    ).one()
    first = _aware(oldest)
    return {
        "pending_changes": count,
        "oldest_pending_at": first,
        "lag_seconds": round((utcnow() - first).total_seconds(), 3) if first else 0.0,
    }


def _aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes from aggregates; they are UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)
