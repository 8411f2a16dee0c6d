"""Where file bytes live, content-addressed by SHA-256: a folder, or the database.

`put` returns only once the bytes are durable (fsync'd and renamed into place; committed
in their own transaction), so a row naming them is written after them, never before. A
crash in between leaves bytes no row names; `orphans` finds them for `physnet files
collect`.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Protocol

from flask import current_app
from sqlalchemy import delete, select

from physnet.db.blocking import off_hub
from physnet.extensions import db
from physnet.models import File, FileChunk
from physnet.models.types import UTCDateTime, utcnow

CHUNK = 1024 * 1024  # PostgreSQL: rows of 1 MB, so no single value nears bytea's limits


def digest_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class FileStore(Protocol):
    def put(self, data: bytes) -> str: ...
    def get(self, digest: str) -> bytes | None: ...
    def remove(self, digest: str) -> None: ...
    def stored(self) -> Iterator[tuple[str, datetime]]: ...


class FolderStore:
    """<instance>/files/ab/abcdef…: one host, or a shared mount."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, digest: str) -> Path:
        return self.root / digest[:2] / digest

    def put(self, data: bytes) -> str:
        # fsync waits on the disk for as long as it likes: beside the gevent hub, not on it.
        return off_hub(self._put, data)

    def _put(self, data: bytes) -> str:
        digest = digest_of(data)
        path = self._path(digest)
        if path.exists():
            return digest
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        folder = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)  # the rename itself survives a power cut
        finally:
            os.close(folder)
        return digest

    def get(self, digest: str) -> bytes | None:
        try:
            return self._path(digest).read_bytes()
        except FileNotFoundError:
            return None

    def remove(self, digest: str) -> None:
        self._path(digest).unlink(missing_ok=True)

    def stored(self) -> Iterator[tuple[str, datetime]]:
        if not self.root.exists():
            return
        for path in self.root.glob("??/*"):
            if len(path.name) == 64:  # not an .incoming- file still being written
                stamp = datetime.fromtimestamp(path.stat().st_mtime).astimezone()
                yield path.name, stamp


class DatabaseStore:
    """Chunks in the `file_chunks` table: every host that reaches the database reads them."""

    def put(self, data: bytes) -> str:
        digest = digest_of(data)
        # Its own connection and transaction: committed before the caller writes its row.
        with db.engine.begin() as conn:
            if (
                conn.scalar(select(FileChunk.seq).where(FileChunk.digest == digest).limit(1))
                is None
            ):
                now = UTCDateTime().process_bind_param(utcnow(), conn.dialect)
                rows = [
                    {
                        "digest": digest,
                        "seq": i,
                        "data": data[start : start + CHUNK],
                        "created_at": now,
                    }
                    for i, start in enumerate(range(0, max(len(data), 1), CHUNK))
                ]
                conn.execute(FileChunk.__table__.insert(), rows)
        return digest

    def get(self, digest: str) -> bytes | None:
        chunks = db.session.scalars(
            select(FileChunk.data).where(FileChunk.digest == digest).order_by(FileChunk.seq)
        ).all()
        return b"".join(chunks) if chunks else None

    def remove(self, digest: str) -> None:
        db.session.execute(delete(FileChunk).where(FileChunk.digest == digest))

    def stored(self) -> Iterator[tuple[str, datetime]]:
        rows = db.session.execute(
            select(FileChunk.digest, FileChunk.created_at).where(FileChunk.seq == 0)
        ).all()
        yield from ((row.digest, row.created_at) for row in rows)


def file_store() -> FileStore:
    """The store the [files] settings name."""
    settings = current_app.config["PHYSNET"]
    if settings.files.storage == "postgresql":
        return DatabaseStore()
    folder = settings.files.folder
    return FolderStore(Path(folder) if folder else settings.instance_path / "files")


def referenced(digest: str) -> bool:
    """Whether a file row still names these bytes (as the file or its thumbnail)."""
    return (
        db.session.scalar(
            select(File.id).where((File.digest == digest) | (File.thumb_digest == digest)).limit(1)
        )
        is not None
    )
