"""Real processes for the fault tests: gunicorn servers, a private Redis, a private
PostgreSQL cluster, and a chat client that reconnects to another server like a browser.

The private Redis and PostgreSQL run on their own ports and folders, so stopping them never
touches the shared servers other tests use.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psycopg
import requests
import socketio as socketio_client

from conftest import free_port

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = str(Path(sys.executable).parent / "gunicorn")


def wait_until(predicate: Any, timeout: float, what: str, step: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def physnet_env(folder: Path, database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a PhysNet process (server or CLI) of one test installation."""
    scrub = ("PHYSNET_CONFIG", "PHYSNET_LDAP_URI", "PHYSNET_REDIS_URL")
    env = {k: v for k, v in os.environ.items() if k not in scrub}
    env.update(
        {
            "PYTHONPATH": str(ROOT),
            "PHYSNET_INSTANCE": str(folder / "instance"),
            "PHYSNET_DATABASE_URL": database_url,
            "PHYSNET_SECRET_KEY": "fault-tests-only-secret-key-0123456789abcdef0123456789",
            "PHYSNET_RATELIMITS": "off",
            "PHYSNET_SEARCH_INDEX": str(folder / "search_index"),
            **extra,
        }
    )
    return env


def toml_table(name: str, table: dict[str, Any]) -> str:
    """A TOML table (JSON's strings and numbers are TOML's too), sub-tables after it."""
    import json

    plain = [f"{k} = {json.dumps(v)}" for k, v in table.items() if not isinstance(v, dict)]
    nested = [toml_table(f"{name}.{k}", v) for k, v in table.items() if isinstance(v, dict)]
    return "\n".join([f"[{name}]", *plain, "", *nested])


@contextlib.contextmanager
def directory_with_server(
    tmp_path: Path, sqlite_template: Path, database_url: str, redis_url: str
) -> Any:
    """A real slapd with dana, erin, frank and gita, synced once by a `physnet ldap sync`
    process, and a live server on the same database and Redis. Yields (tree, dana's DN, the
    live server, the environment for more CLI runs); everything stops afterwards."""
    from ldap_fixtures import Directory, start_server

    from conftest import PASSWORD, LiveServer

    (tmp_path / "slapd").mkdir()
    slapd = start_server(str(tmp_path / "slapd"))
    tree = Directory(slapd, PASSWORD)
    (tmp_path / "server").mkdir()
    server = LiveServer(
        tmp_path / "server",
        sqlite_template,
        {"PHYSNET_REDIS_URL": redis_url},
        database_url=database_url,
    )
    try:
        dana = tree.person("dana")
        for uid in ("erin", "frank", "gita"):
            tree.person(uid)
        config = tmp_path / "physnet.toml"
        config.write_text(toml_table("ldap", tree.settings()))
        env = physnet_env(
            tmp_path, database_url, PHYSNET_CONFIG=str(config), PHYSNET_REDIS_URL=redis_url
        )
        first = physnet_cli(env, "ldap", "sync")
        assert first.returncode == 0, first.stderr
        yield tree, dana, server, env
    finally:
        server.stop()
        tree.close()
        slapd.stop()


def physnet_cli(env: dict[str, str], *args: str, timeout: float = 60) -> Any:
    return subprocess.run(
        [sys.executable, "-m", "physnet", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


class GunicornServer:
    """One production-style server process: gunicorn, gevent worker, deploy/gunicorn.conf.py."""

    def __init__(self, name: str, folder: Path, env: dict[str, str]) -> None:
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**env, "PHYSNET_BIND": f"127.0.0.1:{self.port}"}
        self.log_path = folder / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> GunicornServer:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [GUNICORN, "-c", str(ROOT / "deploy" / "gunicorn.conf.py"), "physnet.wsgi:app"],
                env=self.env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            wait_until(self._healthy, 60, f"{self.name} to answer /healthz")
        except AssertionError:
            self.stop()
            raise AssertionError(self.log_path.read_text()[-3000:]) from None
        return self

    def _healthy(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise AssertionError(f"{self.name} exited:\n" + self.log_path.read_text()[-3000:])
        try:
            with requests.get(self.url + "/healthz", timeout=1) as answer:
                return answer.status_code == 200
        except requests.RequestException:
            return False

    def worker_pids(self) -> list[int]:
        assert self.process is not None
        out = subprocess.run(
            ["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True
        ).stdout
        return [int(pid) for pid in out.split()]

    def kill(self) -> None:
        """SIGKILL the master first (so nothing respawns), then its worker: a crash."""
        assert self.process is not None
        workers = self.worker_pids()
        os.kill(self.process.pid, signal.SIGKILL)
        for pid in workers:
            os.kill(pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        workers = self.worker_pids()
        self.process.terminate()
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
        for pid in workers:  # a worker left behind by a killed master
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


class PrivateRedis:
    """redis-server on a port of its own; stop() and start() it at will."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> PrivateRedis:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(self._answers, 10, "the private Redis")
        return self

    def _answers(self) -> bool:
        import redis

        try:
            with redis.Redis(port=self.port, socket_timeout=0.5) as client:
                return bool(client.ping())
        except redis.RedisError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()  # an outage, not a shutdown: it saves nothing either way
            self.process.wait(10)


class PrivatePostgres:
    """A throwaway PostgreSQL cluster (initdb as the postgres user) on its own port."""

    def __init__(self) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
        assert found, "PostgreSQL server binaries are not installed"
        self.bin = Path(found[-1])
        self.folder = Path(tempfile.mkdtemp(prefix="physnet-pg-"))
        shutil.chown(self.folder, "postgres", "postgres")
        self.data = self.folder / "data"
        self.port = free_port()
        self.admin_url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/physnet"

    def _as_postgres(self, *argv: str) -> None:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", *argv],
            check=True,
            capture_output=True,
            timeout=120,
        )

    def init(self) -> PrivatePostgres:
        self._as_postgres(
            str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres"
        )
        self.start()
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute("CREATE DATABASE physnet")
        return self

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._as_postgres(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.folder / "server.log"),
            "-w",
            "start",
        )

    def stop(self) -> None:
        self._as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "stop")

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


class Chatter:
    """A signed-in chat client that, like the browser, moves to another server when its own
    goes away and catches up from the last message it had."""

    def __init__(self, urls: list[str], token: str, channel: str) -> None:
        self.urls = urls
        self.token = token
        self.channel = channel
        self.lock = threading.Lock()
        self.live: list[int] = []  # ids of `message` events, in arrival order
        self.caught_up: list[int] = []  # ids returned by catch_up, in order, every call
        self.reconnects = 0
        self.client: Any = None
        self._old: list[Any] = []  # clients of servers that went away
        self._connect(self.urls[0])

    def _connect(self, url: str) -> None:
        client = socketio_client.Client(reconnection=False)
        client.on("message", self._on_message)
        client.connect(url, auth={"token": self.token}, transports=["websocket"], wait_timeout=10)
        self.client = client
        self.url = url

    def _on_message(self, data: Any) -> None:
        with self.lock:
            self.live.append(int(data["id"]))

    def last_id(self) -> int:
        with self.lock:
            return max(self.live + self.caught_up, default=0)

    def send(self, body: str, client_msg_id: str) -> int:
        """Send until acknowledged (retrying the same client_msg_id); return the id."""
        for _ in range(50):
            try:
                ack = self.client.call(
                    "send_message",
                    {"channel": self.channel, "body": body, "client_msg_id": client_msg_id},
                    timeout=5,
                )
            except (socketio_client.exceptions.SocketIOError, OSError):
                self.reconnect()
                continue
            if ack and ack.get("ok"):
                return int(ack["message"]["id"])
            time.sleep(0.2)  # e.g. database_unavailable: try again
        raise AssertionError(f"{client_msg_id} was never acknowledged")

    def reconnect(self) -> None:
        """Connect to the first server that answers, then catch up from the last id."""
        resume = self.last_id()
        self._old.append(self.client)
        for _ in range(100):
            for url in self.urls:
                try:
                    self._connect(url)
                    self.reconnects += 1
                    self.catch_up(resume)
                    return
                except (socketio_client.exceptions.SocketIOError, OSError):
                    continue
            time.sleep(0.2)
        raise AssertionError("no server accepted the reconnection")

    def catch_up(self, after: int) -> list[int]:
        got: list[int] = []
        while True:
            ack = self.client.call(
                "catch_up", {"channel": self.channel, "after": after}, timeout=10
            )
            assert ack["ok"], ack
            ids = [int(m["id"]) for m in ack["messages"]]
            got += ids
            with self.lock:
                self.caught_up += ids
            if not ack["has_more"] or not ids:
                return got
            after = ids[-1]

    def received(self) -> set[int]:
        with self.lock:
            return set(self.live) | set(self.caught_up)

    def close(self) -> None:
        """Disconnect every client this chatter used, waiting a little for each."""
        for client in [*self._old, self.client]:
            closer = threading.Thread(target=_shut, args=(client,), daemon=True)
            closer.start()
            closer.join(5)


def _shut(client: Any) -> None:
    with contextlib.suppress(Exception):
        client.disconnect()
    ws = getattr(client.eio, "ws", None)  # the websocket of a server that died under it
    if ws is not None:
        with contextlib.suppress(Exception):
            ws.close()
