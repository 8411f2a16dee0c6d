"""Fixtures: an app on SQLite or PostgreSQL, clients that sign in, factories."""

from __future__ import annotations

import os
import random
import shutil
import threading
import time
import uuid
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
import socketio as socketio_client
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

import physnet
from physnet.actions import users as user_actions
from physnet.actions.channels import do_add_member, do_create_channel
from physnet.actions.push import delivery as push_delivery
from physnet.actions.users import do_create_local_user, do_create_token
from physnet.extensions import db, socketio
from physnet.models import Channel, User
from physnet.realtime import rooms
from physnet.search import service as search_service

PASSWORD = "correct-horse-battery"
PG_ADMIN = os.environ.get("PHYSNET_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
BACKENDS = ["sqlite", "postgresql"]


# Every app a test makes, whatever fixture or test made it (test modules import create_app
# from physnet after this conftest, so they get this one).
_made_apps: list[weakref.ref[Flask]] = []
_create_app = physnet.create_app


def create_app(*args: Any, **kwargs: Any) -> Flask:
    made = _create_app(*args, **kwargs)
    _made_apps.append(weakref.ref(made))
    return made


physnet.create_app = create_app  # type: ignore[assignment]


@pytest.fixture(autouse=True)
def apps_end_with_their_test() -> Iterator[None]:
    """After each test (and every other fixture's teardown), the apps made during it stop
    their background threads and close their pooled connections. A thread still running
    after its fixture disposed the engine (the push dispatcher wakes after every message)
    would otherwise open a connection that is never closed, and its garbage collection,
    tests later, fails whichever test is running then with a ResourceWarning."""
    first = len(_made_apps)
    yield
    made = [ref() for ref in _made_apps[first:]]
    del _made_apps[first:]
    for app in made:
        if app is None:
            continue
        _stop_threads(app)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hash at minimal Argon2 cost: a real hash costs ~100 ms and tests make many users.
    (A login still verifies with the parameters stored in the hash, as in production.)"""
    monkeypatch.setattr(
        user_actions, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    )


def _migrate(app: Flask) -> None:
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()
        db.engine.dispose()  # closing the last connection checkpoints SQLite's WAL


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file; each test gets a copy (faster than migrating each time)."""
    folder = tmp_path_factory.mktemp("template")
    path = folder / "template.db"
    _migrate(create_app(_settings(folder, f"sqlite:///{path}")))
    return path


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests marked `runs_long(minutes)` go first, longest first. pytest-xdist's
    loadgroup scheduler hands out the multi-test groups (proxy, install, xss) first, then
    single tests in this order, so each long test starts within the first work units
    instead of at the end of the list (where its module's name put it), where it ran alone
    for minutes."""

    def minutes(item: pytest.Item) -> float:
        marker = item.get_closest_marker("runs_long")
        return float(marker.kwargs.get("minutes", 1)) if marker else 0.0

    items.sort(key=minutes, reverse=True)


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, migrated, dropped at the end."""
    name = f"physnet_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    folder = Path(os.environ.get("TMPDIR", "/tmp"))
    app = create_app(_settings(folder, url))
    _migrate(app)
    yield url
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _settings(folder: Path, url: str, **extra: Any) -> dict[str, Any]:
    return {
        "database_url": url,
        "secret_key": "tests-only-secret-key-0123456789abcdef0123456789",
        "search_index": str(folder / "search_index"),
        "ratelimits": False,
        **extra,
    }


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _truncate_all(app: Flask) -> None:
    with app.app_context():
        names = ", ".join(t.name for t in db.metadata.sorted_tables)
        # The audit log refuses TRUNCATE; between tests (as superuser) triggers are off.
        db.session.execute(text("SET LOCAL session_replication_role = replica"))
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        db.session.commit()
        db.engine.dispose()


def _stop_threads(app: Flask) -> None:
    """End the app's background threads before its database goes: the push dispatcher and
    the search indexer (which polls the change log) would otherwise open a connection to a
    disposed engine or a removed file."""
    push_delivery.stop(app)
    search_service(app).indexer.stop()


@pytest.fixture
def app(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Flask]:
    """The app on `backend`, with an empty, migrated database."""
    if backend == "sqlite":
        path = tmp_path / "physnet.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("pg_url")
    os.environ["PHYSNET_INSTANCE"] = str(tmp_path / "instance")
    application = create_app(_settings(tmp_path, url))
    application.config["TESTING"] = True
    yield application
    _stop_threads(application)
    rooms.connections.__init__()  # type: ignore[misc]
    if backend == "postgresql":
        _truncate_all(application)
    else:
        with application.app_context():
            db.engine.dispose()


def _sqlite_app(tmp_path: Path, template: Path, **settings: Any) -> Iterator[Flask]:
    path = tmp_path / "physnet.db"
    shutil.copy(template, path)
    os.environ["PHYSNET_INSTANCE"] = str(tmp_path / "instance")
    application = create_app(_settings(tmp_path, f"sqlite:///{path}", **settings))
    application.config["TESTING"] = True
    yield application
    _stop_threads(application)
    rooms.connections.__init__()  # type: ignore[misc]
    with application.app_context():
        db.engine.dispose()


@pytest.fixture
def sqlite_app(tmp_path: Path, sqlite_template: Path) -> Iterator[Flask]:
    """The app on SQLite only, for tests whose subject is not the database."""
    yield from _sqlite_app(tmp_path, sqlite_template)


@pytest.fixture
def limited_app(tmp_path: Path, sqlite_template: Path) -> Iterator[Flask]:
    """The app on SQLite with rate limits on, as in production."""
    yield from _sqlite_app(tmp_path, sqlite_template, ratelimits=True)


@pytest.fixture(scope="session")
def ldap_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A real slapd (python-ldap's slapdtest) for this worker, shared by every test."""
    from ldap_fixtures import start_server

    server = start_server(str(tmp_path_factory.mktemp("slapd")))
    yield server
    server.stop()


@pytest.fixture
def directory(ldap_server: Any) -> Iterator[Any]:
    """This test's own subtree: people and groups no other test sees."""
    from ldap_fixtures import Directory

    tree = Directory(ldap_server, PASSWORD)
    yield tree
    tree.close()


class Factory:
    """Make users, channels and tokens directly through the actions."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def user(self, username: str, role: str = "member", **profile: Any) -> User:
        with self.app.app_context():
            user = do_create_local_user(
                username,
                PASSWORD,
                role=role,
                display_name=profile.pop("display_name", username.title()),
                **profile,
            )
            db.session.expunge(user)
            return user

    def channel(
        self,
        name: str,
        kind: str = "public",
        members: tuple[str, ...] = (),
        moderators: tuple[str, ...] = (),
    ) -> Channel:
        with self.app.app_context():
            channel = do_create_channel(None, name, name.replace("-", " ").title(), "", kind)
            for username, role in [(m, "member") for m in members] + [
                (m, "moderator") for m in moderators
            ]:
                user = db.session.scalar(db.select(User).where(User.username == username))
                assert user is not None, username
                do_add_member(channel, user, role=role)
            db.session.expunge(channel)
            return channel

    def token(self, username: str) -> str:
        with self.app.app_context():
            user = db.session.scalar(db.select(User).where(User.username == username))
            assert user is not None
            return do_create_token(user, "test")[1]


@pytest.fixture
def factory(app: Flask) -> Factory:
    return Factory(app)


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    page = client.get(path).get_data(as_text=True)
    marker = 'name="csrf-token" content="'
    start = page.index(marker) + len(marker)
    return page[start : page.index('"', start)]


class ApiClient:
    """A signed-in browser session speaking JSON, sending the CSRF header like the UI."""

    def __init__(self, client: FlaskClient, username: str) -> None:
        self.client = client
        self.username = username
        token = csrf_token(client)
        response = client.post(
            "/login", data={"username": username, "password": PASSWORD, "csrf_token": token}
        )
        assert response.status_code == 302, response.get_data(as_text=True)
        self.csrf = csrf_token(client, "/")

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = kwargs.pop("headers", {})
        headers.setdefault("X-CSRFToken", self.csrf)
        return self.client.open(path, method=method, headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, json: Any = None, **kwargs: Any) -> Any:
        return self.request("POST", path, json=json, **kwargs)

    def patch(self, path: str, json: Any = None, **kwargs: Any) -> Any:
        return self.request("PATCH", path, json=json, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Any:
        return self.request("DELETE", path, **kwargs)

    def put(self, path: str, json: Any = None, **kwargs: Any) -> Any:
        return self.request("PUT", path, json=json, **kwargs)

    def socket(self, auth: dict[str, Any] | None = None) -> Any:
        """A Flask-SocketIO test client sharing this session's cookie.

        Logged events carry an `event_id` (a change-log row id, issue 19): `get_received`
        checks it is a positive whole number and moves it out of the payload into
        `.event_ids` (name, id), so payload assertions compare what the event is about.
        """
        sock = socketio.test_client(
            self.client.application, flask_test_client=self.client, auth=auth
        )
        sock.event_ids = []
        received = sock.get_received

        def get_received(namespace: str | None = None) -> list[dict[str, Any]]:
            events: list[dict[str, Any]] = received(namespace)
            for event in events:
                args = event.get("args")  # unwrapped for the event named "message"
                for arg in [args] if isinstance(args, dict) else args or []:
                    if isinstance(arg, dict) and "event_id" in arg:
                        event_id = arg.pop("event_id")
                        assert isinstance(event_id, int) and event_id > 0, event_id
                        sock.event_ids.append((event["name"], event_id))
            return events

        sock.get_received = get_received
        return sock


@pytest.fixture
def login(app: Flask) -> Any:
    """login("alice") -> an ApiClient signed in as alice (a new browser each call)."""

    def _login(username: str) -> ApiClient:
        return ApiClient(app.test_client(), username)

    return _login


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> Any:
    return app.test_cli_runner()


@pytest.fixture
def redis_url() -> str:
    """The shared Redis on a database number of its own (its pub/sub channel is named after
    it). Under pytest-xdist each worker draws from its own numbers, so two tests running at
    once never hear each other's events."""
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))
    numbers = [n for n in range(1, 16) if n % workers == worker % workers] or [1 + worker % 15]
    url = f"redis://127.0.0.1:6379/{random.choice(numbers)}"
    # Start clean: an earlier test's stopped servers leave presence and in-flight keys that
    # this test's servers would otherwise reap and announce.
    import redis

    with redis.Redis.from_url(url) as client:
        client.flushdb()
    return url


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveServer:
    """A real `physnet run` process on a free port, with its own database (SQLite by default,
    or the migrated `database_url` given)."""

    def __init__(
        self,
        folder: Path,
        template: Path,
        extra_env: dict[str, str] | None = None,
        database_url: str | None = None,
    ):
        import subprocess
        import sys
        import time

        import requests

        self.folder = folder
        if database_url is None:
            self.db_path = folder / "live.db"
            shutil.copy(template, self.db_path)
            database_url = f"sqlite:///{self.db_path}"
        self.database_url = database_url
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "PHYSNET_INSTANCE": str(folder / "instance"),
            "PHYSNET_DATABASE_URL": database_url,
            "PHYSNET_SECRET_KEY": "live-tests-only-secret-key-0123456789abcdef0123456789",
            "PHYSNET_RATELIMITS": "off",
            "PHYSNET_SEARCH_INDEX": str(folder / "search_index"),
            **(extra_env or {}),
        }
        self.log = (folder / "server.log").open("w")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "physnet",
                "run",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
            ],
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            cwd=folder,
        )
        self.app = create_app(_settings(folder, database_url))
        self.factory = Factory(self.app)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                if requests.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except requests.ConnectionError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(
            "physnet run did not answer /healthz:\n" + (folder / "server.log").read_text()
        )

    def session(self, username: str) -> Any:
        """A requests.Session signed in as `username`, with its CSRF token at .csrf."""
        import re

        import requests

        http = requests.Session()
        page = http.get(self.url + "/login").text
        token = re.search(r'name="csrf-token" content="([^"]+)"', page)
        assert token
        response = http.post(
            self.url + "/login",
            allow_redirects=False,
            data={"username": username, "password": PASSWORD, "csrf_token": token.group(1)},
        )
        assert response.status_code == 302, response.text
        page = http.get(self.url + "/").text
        token = re.search(r'name="csrf-token" content="([^"]+)"', page)
        assert token
        http.headers["X-CSRFToken"] = token.group(1)
        return http

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except Exception:
            self.process.kill()
        self.log.close()
        _stop_threads(self.app)  # the factory's posts may have started them
        with self.app.app_context():
            db.engine.dispose()


@pytest.fixture
def live_server(tmp_path: Path, sqlite_template: Path) -> Iterator[LiveServer]:
    server = LiveServer(tmp_path, sqlite_template)
    yield server
    server.stop()


@pytest.fixture
def fresh_pg_url(tmp_path: Path) -> Iterator[str]:
    """A new, migrated PostgreSQL database of its own, dropped afterwards."""
    name = f"physnet_live_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    _migrate(create_app(_settings(tmp_path, url)))
    yield url
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=BACKENDS)
def live_server_any(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> Iterator[LiveServer]:
    """A live server on SQLite, then on PostgreSQL."""
    url = request.getfixturevalue("fresh_pg_url") if request.param == "postgresql" else None
    server = LiveServer(tmp_path, sqlite_template, database_url=url)
    yield server
    server.stop()


class Listener:
    """A python-socketio client over websocket that records what it receives."""

    def __init__(
        self,
        url: str,
        *,
        token: str | None = None,
        cookie: str | None = None,
        auth: dict[str, Any] | None = None,
    ):
        self.events: list[tuple[str, Any]] = []
        self.lock = threading.Condition()
        self.client = socketio_client.Client(reconnection=False)
        for name in (
            "message",
            "message_updated",
            "message_deleted",
            "reaction",
            "typing",
            "presence",
            "mention",
            "channel_joined",
        ):
            self.client.on(name, self._recorder(name))
        headers = {"Cookie": cookie} if cookie else None
        self.client.connect(
            url,
            auth={**(auth or {}), "token": token} if token else auth,
            headers=headers,
            transports=["websocket"],
            wait_timeout=10,
        )

    def _recorder(self, name: str) -> Any:
        def record(data: Any) -> None:
            with self.lock:
                self.events.append((name, data))
                self.lock.notify_all()

        return record

    def of(self, name: str) -> list[Any]:
        with self.lock:
            return [data for event, data in self.events if event == name]

    def wait_for(self, name: str, count: int = 1, timeout: float = 10) -> list[Any]:
        deadline = time.monotonic() + timeout
        with self.lock:
            while len([1 for e, _ in self.events if e == name]) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self.lock.wait(left)
        return self.of(name)

    def call(self, event: str, data: Any) -> Any:
        return self.client.call(event, data, timeout=10)

    def close(self) -> None:
        # websocket-client waits up to 3 s for the closing handshake under Werkzeug; nothing
        # here depends on it, so let it finish in the background.
        threading.Thread(target=self.client.disconnect, daemon=True).start()


# --- headless Chromium (Playwright), shared by every browser test module -------------------

CHROMIUM = os.environ.get("PHYSNET_CHROMIUM", "/usr/bin/chromium")
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Chromium for the session. It lives here, not in a test module: Playwright's
    sync API allows one instance per thread, so two modules may not each start their own."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser: Any) -> Iterator[Callable[..., Any]]:
    """new_page(viewport=...) -> a page in its own browser context (its own cookies)."""
    contexts = []

    def make(viewport: dict[str, int] = DESKTOP) -> Any:
        context = browser.new_context(viewport=viewport)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
