"""Helpers shared by the benchmarks under bench/.

- `ServerProcess`: a server subprocess on 127.0.0.1 that is ready once a health URL answers,
  with its CPU time, thread count and memory read from /proc, always stopped on exit.
- `PhysNetInstance`: a throwaway embedded-default PhysNet (instance folder + SQLite database
  in a temp dir, migrated with `physnet db upgrade`), a `physnet run` process on it, and a
  second app on the same database file to create users, channels and tokens through
  `physnet.actions` (the same way tests/conftest.py LiveServer does).
- `percentile`, `latency_summary`, `format_table`: the figures.

Only 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import contextlib
import math
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _put_project_on_path() -> None:
    """`python bench/x.py` puts bench/ first, not the project: add the project, but after
    any PYTHONPATH entries, so `PYTHONPATH=/tmp/base python bench/x.py` measures the code
    in /tmp/base (a base run to compare with), not this checkout's."""
    if str(ROOT) in sys.path:
        return
    given = {os.path.abspath(p) for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p}
    last = max((i for i, p in enumerate(sys.path) if p and os.path.abspath(p) in given), default=-1)
    sys.path.insert(last + 1, str(ROOT))


_put_project_on_path()

HOST = "127.0.0.1"
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
BENCH_PASSWORD = "bench-password-not-secret"  # never used to sign in
# The specialties the generated people are spread over (digest, insights).
SPECIALTIES = [
    "Cardiology",
    "Hospital Medicine",
    "Emergency Medicine",
    "Pediatrics",
    "Nephrology",
    "Critical Care",
    "Family Medicine",
    "Infectious Disease",
]
_CLK_TCK = os.sysconf("SC_CLK_TCK")
# Settings a benchmark must not inherit from the caller's shell: it measures the embedded
# default (one process, SQLite, no Redis, no directory).
_SCRUB_ENV = (
    "PHYSNET_CONFIG",
    "PHYSNET_REDIS_URL",
    "PHYSNET_LDAP_URI",
    "PHYSNET_LDAP_BIND_DN",
    "PHYSNET_LDAP_BIND_PASSWORD",
    "PHYSNET_DATABASE_URL",
    "PHYSNET_INSTANCE",
    "PHYSNET_SEARCH_INDEX",
    "PHYSNET_SECRET_KEY",
)


# ---------------------------------------------------------------------------- numbers


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0..100) by linear interpolation; NaN for no values."""
    if not values:
        return math.nan
    data = sorted(values)
    if len(data) == 1:
        return float(data[0])
    rank = (len(data) - 1) * p / 100.0
    low = math.floor(rank)
    high = min(low + 1, len(data) - 1)
    return float(data[low] + (data[high] - data[low]) * (rank - low))


def latency_summary(seconds: Sequence[float]) -> dict[str, float]:
    """p50/p95/p99/max in milliseconds of a list of durations in seconds."""
    data = sorted(seconds)
    return {
        "p50": percentile(data, 50) * 1000,
        "p95": percentile(data, 95) * 1000,
        "p99": percentile(data, 99) * 1000,
        "max": (data[-1] * 1000) if data else math.nan,
    }


def fmt(value: Any, digits: int = 1) -> str:
    """A table cell: floats rounded, NaN as '-', thousands separated."""
    if isinstance(value, float):
        if math.isnan(value):
            return "-"
        return f"{value:,.{digits}f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def format_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    markdown: bool = False,
    digits: int | Sequence[int] = 1,
) -> str:
    """A plain-text (or Markdown) table; numbers right-aligned, floats rounded to `digits`
    decimals (one value, or one per column)."""
    places = [digits] * len(headers) if isinstance(digits, int) else list(digits)
    cells = [[fmt(c, places[i]) for i, c in enumerate(row)] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    numeric = [
        bool(rows) and all(isinstance(row[i], int | float) for row in rows)
        for i in range(len(headers))
    ]

    def line(values: Sequence[str]) -> str:
        parts = [
            v.rjust(w) if num else v.ljust(w)
            for v, w, num in zip(values, widths, numeric, strict=True)
        ]
        return ("| " + " | ".join(parts) + " |") if markdown else "  ".join(parts)

    out = [line(list(headers))]
    if markdown:
        out.append(
            "|"
            + "|".join(
                ("-" * (w + 1) + ":") if num else ("-" * (w + 2))
                for w, num in zip(widths, numeric, strict=True)
            )
            + "|"
        )
    else:
        out.append("  ".join("-" * w for w in widths))
    out.extend(line(r) for r in cells)
    return "\n".join(out)


def source_version() -> str:
    """`git describe` of the code measured, e.g. "d4462ab-dirty" (uncommitted changes)."""
    try:
        result = subprocess.run(
            ["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return result.stdout.strip() or "unknown"


def machine_note() -> str:
    """One line about where the figures come from."""
    import platform

    return (
        f"{os.cpu_count()} CPU cores, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}"
    )


# ---------------------------------------------------------------------------- processes


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


PG_ADMIN = os.environ.get("PHYSNET_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


@contextlib.contextmanager
def postgres_database(prefix: str) -> Iterator[str]:
    """A fresh PostgreSQL database on PG_ADMIN's server for one run; its URL. Dropped after
    (with whatever connections are still open to it)."""
    import uuid

    import psycopg

    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _children(pid: int) -> list[int]:
    """The live child processes of `pid` (Linux: /proc/PID/task/*/children)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        with contextlib.suppress(OSError):
            found += [int(c) for c in task.read_text().split()]
    return found


class ServerProcess:
    """A server subprocess, ready once GET `health_path` answers 200."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        *,
        port: int,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
        log_path: Path,
        health_path: str = "/healthz",
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.port = port
        self.url = f"http://{HOST}:{port}"
        self.env = env
        self.cwd = cwd
        self.log_path = log_path
        self.health_path = health_path
        self.process: subprocess.Popen[bytes] | None = None

    def spawn(self) -> ServerProcess:
        """Start the process without waiting for it to answer (a worker with no HTTP port,
        such as `physnet search serve`)."""
        log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            self.argv,
            env=self.env,
            cwd=self.cwd,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        log.close()
        return self

    def start(self, timeout: float = 60.0) -> ServerProcess:
        """Start the process and wait until its health path answers 200."""
        self.spawn()
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited with {self.process.returncode}:\n" + self.log_tail()
                )
            try:
                with urllib.request.urlopen(self.url + self.health_path, timeout=2) as r:
                    if r.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(
            f"{self.name} did not answer {self.health_path} in {timeout:.0f} s:\n{self.log_tail()}"
        )

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def worker_pid(self) -> int:
        """The process doing the work: a gunicorn master's worker, else the process."""
        children = _children(self.pid)
        return children[0] if children else self.pid

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def cpu_seconds(self) -> float:
        """User + system CPU time so far (all threads) of the process and of its live
        children (a gunicorn master's worker does the work)."""
        try:
            pids = [self.pid, *_children(self.pid)]
        except AssertionError:
            return math.nan
        total = 0.0
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                if pid == self.pid:
                    return math.nan
                continue  # a child that just ended
            total += (int(fields[11]) + int(fields[12])) / _CLK_TCK
        return total

    def _status(self, key: str) -> int:
        """`key` of /proc/PID/status, summed over the process and its live children."""
        try:
            pids = [self.pid, *_children(self.pid)]
        except AssertionError:
            return -1
        found = [self._status_of(pid, key) for pid in pids]
        return sum(v for v in found if v >= 0) if found[0] >= 0 else -1

    @staticmethod
    def _status_of(pid: int, key: str) -> int:
        try:
            for row in Path(f"/proc/{pid}/status").read_text().splitlines():
                if row.startswith(key + ":"):
                    return int(row.split()[1])
        except OSError:
            pass
        return -1

    def threads(self) -> int:
        return self._status("Threads")

    def rss_mb(self) -> float:
        kb = self._status("VmRSS")
        return kb / 1024 if kb >= 0 else math.nan

    def wait_idle(self, below: float = 0.05, window: float = 0.5, timeout: float = 30.0) -> float:
        """Wait until the process uses less than `below` of a core over `window` s (e.g. a
        server still working through a disconnect storm); return the seconds waited."""
        start = time.monotonic()
        while time.monotonic() - start < timeout and self.alive():
            before = self.cpu_seconds()
            time.sleep(window)
            if (self.cpu_seconds() - before) / window < below:
                break
        return time.monotonic() - start

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextlib.contextmanager
def temp_folder(prefix: str = "physnet-bench-") -> Iterator[Path]:
    """A temp dir removed afterwards (kept when PHYSNET_BENCH_KEEP=1, for the logs)."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield path
    finally:
        if os.environ.get("PHYSNET_BENCH_KEEP") == "1":
            print(f"(kept {path})", file=sys.stderr)
        else:
            shutil.rmtree(path, ignore_errors=True)


# ---------------------------------------------------------------------------- PhysNet


class PhysNetInstance:
    """An embedded-default PhysNet in `folder`: its env, database, server and an app."""

    def __init__(self, folder: Path, extra_env: dict[str, str] | None = None) -> None:
        self.folder = folder
        self.db_path = folder / "physnet.db"
        self.env = {k: v for k, v in os.environ.items() if k not in _SCRUB_ENV}
        self.env.update(
            {
                "PHYSNET_INSTANCE": str(folder / "instance"),
                "PHYSNET_DATABASE_URL": f"sqlite:///{self.db_path}",
                "PHYSNET_SECRET_KEY": "bench-only-secret-key-0123456789abcdef0123456789",
                "PHYSNET_SEARCH_INDEX": str(folder / "search_index"),
                "PHYSNET_RATELIMITS": "off",
                "PYTHONUNBUFFERED": "1",
                **(extra_env or {}),
            }
        )
        # The SQLite file above, or the database `extra_env` names (PostgreSQL).
        self.database_url = self.env["PHYSNET_DATABASE_URL"]
        self.server: ServerProcess | None = None
        self.indexer: ServerProcess | None = None
        self._app: Any = None

    def physnet(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run a `physnet` CLI command against this instance."""
        result = subprocess.run(
            [sys.executable, "-m", "physnet", *args],
            env=self.env,
            cwd=self.folder,
            capture_output=True,
            text=True,
        )
        if check and result.returncode != 0:
            raise RuntimeError(
                f"physnet {' '.join(args)} failed ({result.returncode}):\n"
                f"{result.stdout}{result.stderr}"
            )
        return result

    def migrate(self) -> PhysNetInstance:
        self.physnet("db", "upgrade")
        return self

    def start_indexer(self) -> ServerProcess:
        """`physnet search serve`: the search index's writer as a process of its own, as
        deploy/Procfile runs it; start the server with PHYSNET_SEARCH_INDEXER=off beside it.
        Returns once it says it is indexing."""
        self.indexer = ServerProcess(
            "indexer",
            [sys.executable, "-m", "physnet", "search", "serve"],
            port=0,
            env=self.env,
            cwd=self.folder,
            log_path=self.folder / "indexer.log",
        )
        self.indexer.spawn()
        deadline = time.monotonic() + 60.0
        while b"Indexing into" not in self.indexer.log_path.read_bytes():
            if self.indexer.process is not None and self.indexer.process.poll() is not None:
                raise RuntimeError(
                    "physnet search serve exited:\n" + self.indexer.log_path.read_text()
                )
            if time.monotonic() > deadline:
                raise RuntimeError("physnet search serve did not start within 60 s")
            time.sleep(0.1)
        return self.indexer

    def start(
        self,
        timeout: float = 60.0,
        prelude: str = "",
        env: dict[str, str] | None = None,
        gunicorn: bool = False,
    ) -> ServerProcess:
        """`physnet run` on a free port, ready once /healthz answers.

        `prelude`: Python run in the server process first (experiments only, e.g. to switch
        a component off and measure what it costs). `env`: more environment variables.
        `gunicorn`: production's server instead, gunicorn with deploy/gunicorn.conf.py (one
        gevent worker)."""
        port = free_port()
        argv = [sys.executable, "-m", "physnet", "run", "--host", HOST, "--port", str(port)]
        if prelude:
            code = (
                f"{prelude}\nimport runpy, sys\nsys.argv = ['physnet', *{argv[3:]!r}]\n"
                "runpy.run_module('physnet', run_name='__main__', alter_sys=True)"
            )
            argv = [sys.executable, "-c", code]
        extra = {**(env or {})}
        if gunicorn:
            argv = [GUNICORN, "-c", str(ROOT / "deploy" / "gunicorn.conf.py"), "physnet.wsgi:app"]
            extra["PHYSNET_BIND"] = f"{HOST}:{port}"
        self.server = ServerProcess(
            "physnet",
            argv,
            port=port,
            env={**self.env, **extra},
            cwd=self.folder,
            log_path=self.folder / "physnet.log",
        )
        return self.server.start(timeout)

    @property
    def app(self) -> Any:
        """A second app on the same database file, for creating data through the actions."""
        if self._app is None:
            os.environ["PHYSNET_INSTANCE"] = str(self.folder / "instance")
            from physnet import create_app

            self._app = create_app(
                {
                    "database_url": self.database_url,
                    "secret_key": "bench-only-secret-key-0123456789abcdef0123456789",
                    "search_index": str(self.folder / "search_index"),
                    "ratelimits": False,
                    "redis_url": None,
                }
            )
        return self._app

    def create_users(self, prefix: str, count: int, **profile: Any) -> list[tuple[str, str]]:
        """Create `count` local users named prefix0001.. with one API token each, in one
        transaction; return [(username, token)].

        The accounts never sign in with their password, so the Argon2 hasher is swapped
        for a minimal-cost one while they are made (the default costs ~0.1 s per user)."""
        from argon2 import PasswordHasher

        from physnet.actions import users as user_actions
        from physnet.db.transaction import atomic
        from physnet.extensions import db

        made: list[tuple[str, str]] = []
        saved = user_actions._hasher
        user_actions._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
        try:
            with self.app.app_context():
                with atomic():
                    for i in range(1, count + 1):
                        name = f"{prefix}{i:04d}"
                        user = user_actions.do_create_local_user(
                            name, BENCH_PASSWORD, display_name=f"Bench {prefix} {i}", **profile
                        )
                        _, token = user_actions.do_create_token(user, "bench")
                        made.append((name, token))
                db.session.remove()
        finally:
            user_actions._hasher = saved
        return made

    def create_channel(self, name: str, members: Sequence[str], kind: str = "public") -> None:
        """A channel with these members, in one transaction."""
        from sqlalchemy import select

        from physnet.actions.channels import do_add_member, do_create_channel
        from physnet.db.transaction import atomic
        from physnet.extensions import db
        from physnet.models import User

        with self.app.app_context():
            with atomic():
                channel = do_create_channel(
                    None, name, name.replace("-", " ").title(), "Benchmark channel", kind
                )
                wanted = set(members)
                for user in db.session.scalars(select(User).where(User.username.in_(wanted))):
                    do_add_member(channel, user)
            db.session.remove()

    def close(self) -> None:
        for process in (self.server, self.indexer):
            if process is not None:
                process.stop()
        if self._app is not None:
            from physnet.extensions import db

            with self._app.app_context():
                db.engine.dispose()


def start_baseline(folder: Path, *extra_args: str, gunicorn: bool = False) -> ServerProcess:
    """bench/baseline_server.py on a free port (extra_args: e.g. "--nagle"); `gunicorn`:
    served as PhysNet is in production, one gevent worker of gunicorn."""
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    argv = [
        sys.executable,
        str(ROOT / "bench" / "baseline_server.py"),
        "--host",
        HOST,
        "--port",
        str(port),
        *extra_args,
    ]
    if gunicorn:
        argv = [
            GUNICORN,
            "--worker-class",
            "gevent",
            "--workers",
            "1",
            "--worker-connections",
            "10000",
            "--bind",
            f"{HOST}:{port}",
            "--chdir",
            str(ROOT / "bench"),
            "baseline_server:wsgi()",
        ]
    server = ServerProcess(
        "baseline",
        argv,
        port=port,
        env=env,
        cwd=folder,
        log_path=folder / "baseline.log",
    )
    return server.start()
