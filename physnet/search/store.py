"""The index folder: generations swapped atomically, the writer's locks, a state file.

    search_index/
      CURRENT          the name of the generation searches use ("gen-...")
      gen-.../         one complete Whoosh index (+ physnet-index.json: schema version,
                       position.json: the last change-log id it has applied)
      indexer.lock     flock held by the one process that writes the current generation
      rebuild.lock     flock held while a reindex builds a new generation
      state.json       the indexer's last error, last indexing time, reindex progress

A reindex builds a new generation beside the current one and then replaces CURRENT
(write a temporary file, rename it over): a search opens either the old or the new index,
never half of one. The previous generation is kept one swap longer for searches still
reading it.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import json
import os
import shutil
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.index import FileIndex
from whoosh.query import Term

from physnet.search.schema import SCHEMA_VERSION, make_schema

META = "physnet-index.json"
POSITION = "position.json"


class IndexUnavailable(Exception):
    """There is no usable index: missing, corrupt, or of another schema version."""

    def __init__(self, state: str, reason: str) -> None:
        super().__init__(reason)
        self.state = state  # "missing" | "corrupt"
        self.reason = reason


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    with contextlib.suppress(OSError):
        fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class FileLock:
    """An exclusive flock on a file; the kernel releases it if the process dies."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> bool:
        """Take the lock without waiting; True when taken (or already held by us)."""
        if self._fd is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def is_locked_elsewhere(self) -> bool:
        """True when another holder (another process, or another lock object) has it."""
        if self._fd is not None:
            return False
        if not self.path.exists():
            return False
        if self.acquire():
            self.release()
            return False
        return True

    def holder_pid(self) -> int | None:
        try:
            return int(self.path.read_text().strip() or 0) or None
        except (OSError, ValueError):
            return None


class IndexStore:
    """The index folder of one PhysNet instance."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.indexer_lock = FileLock(root / "indexer.lock")
        self.state_path = root / "state.json"

    # Generations ------------------------------------------------------------------

    def current_name(self) -> str | None:
        try:
            name = (self.root / "CURRENT").read_text(encoding="utf-8").strip()
        except OSError:
            return None
        return name or None

    def current_stamp(self) -> tuple[int, int] | None:
        """Changes whenever CURRENT is replaced (cheap: one stat)."""
        try:
            st = (self.root / "CURRENT").stat()
        except OSError:
            return None
        return (st.st_ino, st.st_mtime_ns)

    def create_generation(self) -> tuple[str, FileIndex]:
        self.root.mkdir(parents=True, exist_ok=True)
        name = f"gen-{time.time_ns()}"
        path = self.root / name
        path.mkdir()
        ix = whoosh_index.create_in(str(path), make_schema())
        meta = {"schema_version": SCHEMA_VERSION, "created": time.time()}
        _write_atomically(path / META, json.dumps(meta))
        return name, ix

    def swap(self, name: str) -> None:
        """Make generation `name` current (atomic); drop all but it and the previous one."""
        previous = self.current_name()
        _write_atomically(self.root / "CURRENT", name + "\n")
        self.remove_stale(keep={name, previous})

    def remove_stale(self, keep: set[str | None]) -> None:
        for path in self.root.glob("gen-*"):
            if path.name not in keep:
                shutil.rmtree(path, ignore_errors=True)

    def open(self, name: str | None = None) -> tuple[str, FileIndex]:
        """Open (and check) generation `name`, by default the current one.

        Raises IndexUnavailable("missing" | "corrupt", reason).
        """
        name = name or self.current_name()
        if name is None or not (self.root / name).is_dir():
            raise IndexUnavailable("missing", f"no search index in {self.root}")
        path = self.root / name
        error = None
        # Whoosh leaves the files of an unreadable index open; let them close quietly.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            try:
                ix = self._open_checked(path, name)
            except IndexUnavailable:
                raise
            except Exception as exc:  # any failure to read it back means it is not usable
                error = f"index {name} is unreadable: {exc!r}"
            if error:
                gc.collect()
        if error:
            raise IndexUnavailable("corrupt", error)
        return name, ix

    @staticmethod
    def _open_checked(path: Path, name: str) -> FileIndex:
        meta = json.loads((path / META).read_text(encoding="utf-8"))
        if meta.get("schema_version") != SCHEMA_VERSION:
            raise IndexUnavailable(
                "corrupt", f"index {name} has schema {meta.get('schema_version')}"
            )
        ix = whoosh_index.open_dir(str(path))
        with ix.searcher() as searcher:
            if searcher.doc_count_all() == 0:
                return ix  # nothing indexed yet (an empty database) is a valid index
            for leaf, _ in searcher.leaf_searchers():
                leaf.reader().column_reader("chan", translate=False)
            for hit in searcher.search(Term("tags", "type:message"), limit=1):
                hit.fields()
        return ix

    # Where each generation has got to in the change log ------------------------------

    def read_position(self, name: str) -> int:
        """The last change-log id generation `name` has applied (0: from the start)."""
        try:
            value = json.loads((self.root / name / POSITION).read_text(encoding="utf-8"))
            return int(value["position"])
        except (OSError, ValueError, KeyError, TypeError):
            return 0

    def write_position(self, name: str, position: int) -> None:
        """Written after the index commit it follows: a crash in between re-applies rows."""
        _write_atomically(self.root / name / POSITION, json.dumps({"position": position}))

    # State --------------------------------------------------------------------------

    def read_state(self) -> dict[str, Any]:
        try:
            value = json.loads(self.state_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return value if isinstance(value, dict) else {}

    def update_state(self, **changes: Any) -> None:
        state = self.read_state()
        state.update(changes)
        self.root.mkdir(parents=True, exist_ok=True)
        _write_atomically(self.state_path, json.dumps(state, indent=1, default=str))

    # Rebuild requests from processes that found the index broken --------------------

    def request_rebuild(self, reason: str) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        _write_atomically(self.root / "REBUILD", reason + "\n")

    def rebuild_requested(self) -> str | None:
        try:
            return (self.root / "REBUILD").read_text(encoding="utf-8").strip() or "requested"
        except OSError:
            return None

    def clear_rebuild_request(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            (self.root / "REBUILD").unlink()

    @contextlib.contextmanager
    def rebuilding(self) -> Iterator[bool]:
        """Hold rebuild.lock for the block; yields False when another reindex holds it."""
        lock = FileLock(self.root / "rebuild.lock")
        if not lock.acquire():
            yield False
            return
        try:
            yield True
        finally:
            lock.release()

    def rebuild_running(self) -> bool:
        return FileLock(self.root / "rebuild.lock").is_locked_elsewhere()
