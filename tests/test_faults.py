"""Faults a production installation survives, each with real processes and real clients.

Select them with `pytest -m fault`; they also run in `make test`. Redis and PostgreSQL are
stopped only in private instances (fault_support.py), never the shared ones.
"""

from __future__ import annotations

import contextlib
import gc
import json
import random
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
import socketio as socketio_client
from fault_support import (
    ROOT,
    Chatter,
    GunicornServer,
    PrivatePostgres,
    PrivateRedis,
    physnet_cli,
    physnet_env,
    toml_table,
    wait_until,
)
from sqlalchemy import func, select

from physnet import create_app
from physnet.extensions import db
from physnet.models import Channel, Message, User

from conftest import PASSWORD, Factory, _migrate, _settings

pytestmark = [
    pytest.mark.fault,
    pytest.mark.live,
    pytest.mark.timeout(300),
    # python-socketio's client leaves the sockets of a server that was SIGKILLed unclosed
    # for the garbage collector; that is the test client's leak, not PhysNet's.
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]
CHANNEL = "downtime-drill"
_sessions: list[requests.Session] = []


@pytest.fixture(autouse=True)
def _close_sessions() -> Any:
    yield
    while _sessions:
        _sessions.pop().close()
    gc.collect()  # collect dead clients' sockets here, where the warning filter above applies


def _session() -> requests.Session:
    http = requests.Session()
    _sessions.append(http)
    return http


def _people(factory: Factory, count: int) -> list[str]:
    names = [f"doc{i:02d}" for i in range(count)]
    for name in names:
        factory.user(name)
    factory.channel(CHANNEL, members=tuple(names))
    return [factory.token(name) for name in names]


def _stored(app: Any) -> dict[str, int]:
    """client_msg_id -> id of every message in the drill channel."""
    with app.app_context():
        rows = db.session.execute(
            select(Message.client_msg_id, Message.id)
            .join(Channel, Channel.id == Message.channel_id)
            .where(Channel.name == CHANNEL)
        ).all()
        db.session.remove()
    return {cmid: mid for cmid, mid in rows}


def _search_status(env: dict[str, str]) -> dict[str, Any]:
    result = physnet_cli(env, "search", "status", "--json")
    assert result.stdout, result.stderr  # JSON even when the index is not ok (exit 1 then)
    return dict(json.loads(result.stdout))


def _index_agrees(env: dict[str, str]) -> dict[str, Any] | None:
    info = _search_status(env)
    agreed = (
        info["pending_changes"] == 0
        and info["lag_seconds"] == 0
        and info["documents"] == info["database_documents"]
    )
    return info if agreed else None


def _assert_caught_up(chatter: Chatter, every_id: list[int]) -> None:
    # catch_up answers are in id order and never repeat an id...
    assert chatter.caught_up == sorted(set(chatter.caught_up))
    # ...and with what arrived live, the client holds every message of the channel.
    wait_until(lambda: chatter.received() >= set(every_id), 20, "every message at a client")
    assert chatter.received() == set(every_id)


def _signed_in(url: str, username: str) -> requests.Session:
    """A browser session signed in through the form."""
    browser = _session()
    page = browser.get(url + "/login").text
    token = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert token
    answer = browser.post(
        url + "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token.group(1)},
        allow_redirects=False,
    )
    assert answer.status_code == 302, answer.text
    return browser


def _stream(chatters: list[Chatter], per_client: int, on_count: dict[int, Any]) -> dict[str, int]:
    """Each chatter sends `per_client` messages; on_count[n]() runs once n are acknowledged."""
    acked: dict[str, int] = {}
    lock = threading.Lock()
    errors: list[BaseException] = []

    def post(i: int, chatter: Chatter) -> None:
        try:
            for n in range(per_client):
                cmid = f"drill-{i:02d}-{n:03d}"
                body = f"Downtime drill ref{i:02d}{n:03d}: print the census from station {i}"
                mid = chatter.send(body, cmid)
                with lock:
                    acked[cmid] = mid
                    hook = on_count.pop(len(acked), None)
                if hook is not None:
                    hook()
        except BaseException as exc:
            errors.append(exc)

    threads = [
        threading.Thread(target=post, args=(i, c), daemon=True) for i, c in enumerate(chatters)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(240)
    assert not errors, errors[0]
    return acked


@dataclass
class Pair:
    """Two gunicorn processes sharing a database and a private Redis a test may stop."""

    redis: PrivateRedis
    env: dict[str, str]
    a: GunicornServer
    b: GunicornServer
    app: Any
    chatters: list[Chatter] = field(default_factory=list)  # closed at teardown


@pytest.fixture
def pair(tmp_path: Path, fresh_pg_url: str) -> Iterator[Pair]:
    redis = PrivateRedis().start()
    env = physnet_env(tmp_path, fresh_pg_url, PHYSNET_REDIS_URL=redis.url)
    a = GunicornServer("a", tmp_path, env).start()
    b = GunicornServer("b", tmp_path, env).start()
    setup = Pair(redis, env, a, b, create_app(_settings(tmp_path, fresh_pg_url)))
    try:
        yield setup
    finally:
        for chatter in setup.chatters:
            chatter.close()
        a.stop()
        b.stop()
        redis.stop()
        with setup.app.app_context():
            db.engine.dispose()


@pytest.mark.runs_long(minutes=1)
def test_sigkill_of_a_server_process_loses_no_acknowledged_message(pair: Pair) -> None:
    a, b, app, env = pair.a, pair.b, pair.app, pair.env
    tokens = _people(Factory(app), 20)
    # The proxy kept all 20 on process A; when it dies they go to B, the survivor.
    chatters = pair.chatters = [Chatter([a.url, b.url], token, CHANNEL) for token in tokens]
    acked = _stream(chatters, 50, {300: a.kill})

    assert len(acked) == 1000
    assert _stored(app) == acked  # every acknowledged message, once, with its id
    every_id = sorted(acked.values())
    for chatter in chatters:
        assert chatter.reconnects >= 1 and chatter.url == b.url
        _assert_caught_up(chatter, every_id)

    # The survivor took over the index (A may have been the writer) and caught up.
    info = wait_until(lambda: _index_agrees(env), 60, "the index to catch up")
    assert info["documents"] >= 1000
    http = _session()
    http.headers["Authorization"] = f"Bearer {tokens[0]}"
    found = http.get(b.url + "/api/v1/search", params={"q": "census"}).json()
    assert found["total"] == 1000
    for cmid in random.sample(sorted(acked), 10):
        ref = "ref" + cmid[6:8] + cmid[9:12]
        hits = http.get(b.url + "/api/v1/search", params={"q": ref}).json()["results"]
        assert [h["id"] for h in hits] == [acked[cmid]]


def test_redis_restart_mid_stream_loses_nothing_and_processes_reconnect(pair: Pair) -> None:
    a, b, app, redis = pair.a, pair.b, pair.app, pair.redis
    tokens = _people(Factory(app), 10)
    chatters = pair.chatters = [
        Chatter([(a.url, b.url)[i % 2]], token, CHANNEL) for i, token in enumerate(tokens)
    ]
    resume: dict[int, int] = {}

    def outage() -> None:
        for i, chatter in enumerate(chatters):
            resume[i] = chatter.last_id()
        redis.stop()
        time.sleep(1.5)
        redis.start()

    acked = _stream(chatters, 20, {80: outage})
    assert len(acked) == 200
    assert _stored(app) == acked  # posted while Redis was down too

    # Both processes are back on the queue: a post through B reaches a socket on A.
    on_a, on_b = chatters[0], chatters[1]

    def crosses() -> bool:
        mid = on_b.send("Redis is back: SmartPhrase sync resumes", f"after-{time.time_ns()}")
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline:
            if mid in on_a.received():
                return True
            time.sleep(0.05)
        return False

    wait_until(crosses, 30, "a message from B to reach a socket on A")
    every_id = sorted(_stored(app).values())
    for i, chatter in enumerate(chatters):
        chatter.catch_up(resume[i])  # what the browser does after the gap
        _assert_caught_up(chatter, every_id)
    # Presence came back in the restarted Redis from the processes' heartbeats.
    http = _session()
    http.headers["Authorization"] = f"Bearer {tokens[0]}"
    wait_until(
        lambda: len(http.get(a.url + "/api/v1/presence").json().get("online", [])) == 10,
        20,
        "presence to be rebuilt in Redis",
    )


def test_postgresql_restart_answers_503_then_recovers_without_a_restart(
    tmp_path: Path,
) -> None:
    pg = PrivatePostgres().init()
    server = None
    app = None
    try:
        app = create_app(_settings(tmp_path, pg.url))
        _migrate(app)
        factory = Factory(app)
        factory.user("akim")
        factory.channel(CHANNEL, members=("akim",))
        token = factory.token("akim")
        with app.app_context():
            db.engine.dispose()
        server = GunicornServer("web", tmp_path, physnet_env(tmp_path, pg.url)).start()
        http = _session()
        http.headers["Authorization"] = f"Bearer {token}"
        chatter = Chatter([server.url], token, CHANNEL)
        browser = _signed_in(server.url, "akim")
        assert browser.get(server.url + "/c/" + CHANNEL).status_code == 200
        assert http.get(server.url + "/api/v1/channels").status_code == 200
        assert http.get(server.url + "/readyz").status_code == 200

        pg.stop()
        down = http.get(server.url + "/api/v1/channels")
        assert down.status_code == 503
        error = down.json()["error"]
        assert error["code"] == "database_unavailable"
        assert error["message"].endswith(".") and " " in error["message"]
        page = browser.get(server.url + "/c/" + CHANNEL)
        assert page.status_code == 503, server.log_path.read_text()[-3000:]
        assert "database is not answering" in page.text
        assert "Traceback" not in page.text
        ready = http.get(server.url + "/readyz")
        assert ready.status_code == 503
        assert ready.json()["checks"]["database"]["status"] == "failing"
        assert ready.json()["error"]["failing"] == ["database"]
        ack = chatter.client.call(
            "send_message",
            {"channel": CHANNEL, "body": "During the outage", "client_msg_id": "outage-1"},
            timeout=15,
        )
        assert ack["ok"] is False and ack["error"]["code"] == "database_unavailable"
        # A new socket is refused with a reason the browser retries on ("session ended"
        # would send it to the sign-in page).
        refusals: list[Any] = []
        newcomer = socketio_client.Client(reconnection=False)
        newcomer.on("connect_error", refusals.append)
        with pytest.raises(socketio_client.exceptions.ConnectionError):
            newcomer.connect(
                server.url, auth={"token": token}, transports=["websocket"], wait_timeout=15
            )
        assert refusals[0]["data"] == {"code": "database_unavailable"}
        assert refusals[0]["message"].startswith("The database is not answering")

        pg.start()  # the same PhysNet process, never restarted
        wait_until(
            lambda: http.get(server.url + "/api/v1/channels").status_code == 200,
            30,
            "the pool to reconnect",
        )
        assert http.get(server.url + "/readyz").status_code == 200
        assert browser.get(server.url + "/c/" + CHANNEL).status_code == 200
        mid = chatter.send("After the outage: order sets are back", "outage-2")
        assert mid > 0
        chatter.close()
    finally:
        if server is not None:
            server.stop()
        if app is not None:
            with app.app_context():
                db.engine.dispose()
        pg.destroy()


@pytest.mark.runs_long(minutes=2)
def test_indexer_killed_mid_commit_catches_up_on_restart(tmp_path: Path, fresh_pg_url: str) -> None:
    from physnet.actions.messages.send import check_send_message

    env = physnet_env(tmp_path, fresh_pg_url)
    app = create_app(_settings(tmp_path, fresh_pg_url))
    factory = Factory(app)
    factory.user("akim")
    factory.channel(CHANNEL, members=("akim",))
    # The index exists and is current before the backlog: the kills below land in the
    # change-log drain (the path every new message takes), not in a first build.
    build = physnet_cli(env, "search", "reindex")
    assert build.returncode == 0, build.stderr
    with app.app_context():
        author = db.session.scalar(select(User).where(User.username == "akim"))
        for n in range(1500):
            check_send_message(author, CHANNEL, f"In-basket rule {n}: route results to pool", None)
        db.session.remove()

    def start_indexer() -> subprocess.Popen[bytes]:
        with (tmp_path / "indexer.log").open("ab") as log:
            return subprocess.Popen(
                [sys.executable, "-m", "physnet", "search", "serve"],
                env=env,
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=log,
            )

    from physnet.search.store import FileLock, IndexStore

    store = IndexStore(tmp_path / "search_index")
    writer_lock = FileLock(store.root / "indexer.lock")  # read, never taken

    def position() -> int:
        name = store.current_name()
        return store.read_position(name) if name else 0

    # Kill it three times while it works through the backlog: once it has taken the writer
    # lock (it drains right after), and once it has committed a batch (mid the next one).
    for after_a_batch in (False, True, False):
        before = position()
        indexer = start_indexer()
        wait_until(
            lambda: writer_lock.holder_pid() == indexer.pid,  # noqa: B023
            60,
            "the indexer to take the writer lock",
            step=0.01,
        )
        if after_a_batch:
            wait_until(
                lambda: position() > before,  # noqa: B023
                60,
                "the indexer to commit a batch",
                step=0.01,
            )
        indexer.send_signal(signal.SIGKILL)
        indexer.wait(10)
    middle = _search_status(env)
    assert middle["pending_changes"] > 0, "the indexer finished before it was killed"

    indexer = start_indexer()
    try:
        info = wait_until(lambda: _index_agrees(env), 90, "the restarted indexer to catch up")
        assert info["documents"] == info["database_documents"] >= 1500
        with app.app_context():
            stored = db.session.scalar(select(func.count(Message.id)))
            db.session.remove()
        assert info["documents"] == stored  # no message indexed twice or lost
        result = physnet_cli(env, "search", "status")
        assert "lag:        0.0 s (0 changes waiting)" in result.stdout
    finally:
        indexer.send_signal(signal.SIGTERM)
        try:
            # `search serve` drops the batch in hand and exits; a rebuild or a commit under
            # way is still finished first
            indexer.wait(60)
        except subprocess.TimeoutExpired:
            indexer.kill()  # never left running into the next test
            indexer.wait(10)
            raise
        with app.app_context():
            db.engine.dispose()


def test_directory_unreachable_during_sync_changes_nothing(
    tmp_path: Path, fresh_pg_url: str
) -> None:
    from ldap_fixtures import Directory, start_server

    (tmp_path / "slapd").mkdir()
    slapd = start_server(str(tmp_path / "slapd"))
    tree = Directory(slapd, PASSWORD)
    conf = tree.settings()
    config = tmp_path / "physnet.toml"
    config.write_text(toml_table("ldap", conf))
    env = physnet_env(tmp_path, fresh_pg_url, PHYSNET_CONFIG=str(config))
    app = create_app(_settings(tmp_path, fresh_pg_url))
    try:
        for uid in ("akim", "rpatel", "lnguyen"):
            tree.person(uid)
        first = physnet_cli(env, "ldap", "sync")
        assert first.returncode == 0, first.stderr

        def snapshot() -> list[tuple[Any, ...]]:
            with app.app_context():
                rows = db.session.execute(
                    select(User.username, User.active, User.display_name).order_by(User.id)
                ).all()
                db.session.remove()
            return [tuple(r) for r in rows]

        before = snapshot()
        assert len(before) == 3
        tree.close()
        slapd.stop()  # the directory goes away mid-operation
        down = physnet_cli(env, "ldap", "sync")
        assert down.returncode != 0
        reason = down.stderr.strip().splitlines()
        assert len(reason) == 1 and reason[0].startswith("Error: "), down.stderr
        assert "Traceback" not in down.stderr
        assert snapshot() == before  # nobody deactivated, nothing changed
    finally:
        with contextlib.suppress(Exception):
            slapd.stop()
        with app.app_context():
            db.engine.dispose()
