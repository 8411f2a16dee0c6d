"""Files leave with their message: deleted, expired by retention, or never attached."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from sqlalchemy import select

from physnet.actions.audit import record_audit
from physnet.db.transaction import after_commit, atomic
from physnet.extensions import db
from physnet.files.store import file_store, referenced
from physnet.models import File, utcnow

UNATTACHED_HOURS = 24  # an upload no message took within this is collected
ORPHAN_GRACE_HOURS = 1  # bytes younger than this may belong to an upload in progress


def remove_files(files: Iterable[File], actor: str, why: str) -> int:
    """Delete file rows (inside the caller's transaction), audit each, and remove their bytes
    from the store once that transaction commits and no other row names them."""
    count = 0
    digests: set[str] = set()
    for found in list(files):
        record_audit(actor, "file.removed", f"file:{found.id}", why=why, sha256=found.digest)
        digests.add(found.digest)
        if found.thumb_digest:
            digests.add(found.thumb_digest)
        db.session.delete(found)
        count += 1
    if digests:
        db.session.flush()
        after_commit(release, sorted(digests))
    return count


def remove_message_files(message_ids: list[int], actor: str, why: str) -> int:
    """remove_files for every file attached to these messages."""
    if not message_ids:
        return 0
    files = db.session.scalars(select(File).where(File.message_id.in_(message_ids))).all()
    return remove_files(files, actor, why)


def release(digests: list[str]) -> None:
    """Remove stored bytes no file row names any more (after the rows' deletion commits)."""
    store = file_store()
    with atomic():
        for digest in digests:
            if not referenced(digest):
                store.remove(digest)


def do_collect(actor: str = "system") -> dict[str, int]:
    """Collect uploads never attached (after UNATTACHED_HOURS) and stored bytes that no row
    names (after ORPHAN_GRACE_HOURS: a crash between the bytes and their row)."""
    cutoff = utcnow() - timedelta(hours=UNATTACHED_HOURS)
    with atomic():
        stale = db.session.scalars(
            select(File).where(File.message_id.is_(None), File.created_at < cutoff)
        ).all()
        unattached = remove_files(stale, actor, "never attached")
    store = file_store()
    grace = utcnow() - timedelta(hours=ORPHAN_GRACE_HOURS)
    orphans = 0
    with atomic():
        for digest, stored_at in list(store.stored()):
            if stored_at < grace and not referenced(digest):
                store.remove(digest)
                orphans += 1
        if orphans:
            record_audit(actor, "file.orphans_collected", "files", count=orphans)
    return {"unattached": unattached, "orphans": orphans}
