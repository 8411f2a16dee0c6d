"""The lockout guard against a real slapd: PhysNet stops binding one failure short of the
directory's lockout threshold, says why, and lets the owner in once the window passes."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import ldap
import pytest
from flask import Flask
from ldap_fixtures import Directory

from physnet import create_app
from physnet.config import ConfigError
from physnet.directory.settings import parse_directory_settings
from physnet.extensions import db
from physnet.realtime import rooms

from conftest import PASSWORD, _settings, csrf_token

WINDOW_MINUTES = 0.05  # 3 seconds


@pytest.fixture
def directory(directory: Directory) -> Directory:
    """The shared slapd's subtree for this test, with alice in it."""
    directory.person("alice", "Alice Adams")
    return directory


@pytest.fixture
def binds(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every connection PhysNet opens to the directory: a sign-in opens one to search with
    the service account and one to bind as the person."""
    opened: list[str] = []
    real = ldap.initialize
    monkeypatch.setattr(ldap, "initialize", lambda *a, **k: opened.append(a[0]) or real(*a, **k))
    return opened


def make_app(tmp_path: Path, database: Path, directory: Directory, **extra: Any) -> Flask:
    conf = directory.settings(lockout={"threshold": 3, "window_minutes": WINDOW_MINUTES})
    app = create_app(_settings(tmp_path, f"sqlite:///{database}", ldap=conf, **extra))
    app.config["TESTING"] = True
    return app


@pytest.fixture
def database(tmp_path: Path, sqlite_template: Path) -> Path:
    path = tmp_path / "physnet.db"
    path.write_bytes(sqlite_template.read_bytes())
    return path


def sign_in(app: Flask, username: str, password: str) -> Any:
    client = app.test_client()
    token = csrf_token(client)
    return client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}
    )


def close(*apps: Flask) -> None:
    rooms.connections.__init__()  # type: ignore[misc]
    for app in apps:
        with app.app_context():
            db.engine.dispose()


def test_no_bind_once_one_more_failure_could_lock_the_account(
    tmp_path: Path, database: Path, directory: Directory, binds: list[str]
) -> None:
    # Rate limits off, as in load tests: the guard protects the directory all the same.
    app = make_app(tmp_path, database, directory)
    try:
        for n in range(2):  # threshold 3: two failed binds are all PhysNet ever sends
            assert sign_in(app, "alice", f"not-her-password-{n}").status_code == 401
        sent = len(binds)
        assert sent
        refused = sign_in(app, "alice", PASSWORD)  # even the right password is not tried
        assert refused.status_code == 429
        assert len(binds) == sent  # not even a connection
        page = refused.get_data(as_text=True)
        assert "could make the hospital directory lock it" in page
        assert 1 <= int(refused.headers["Retry-After"]) <= 4
        # An unknown name is answered alike: the refusal tells nobody who exists.
        for n in range(2):
            assert sign_in(app, "nobody", f"guess-{n}").status_code == 401
        assert sign_in(app, "nobody", "guess").status_code == 429
        # Once the window has passed since the last failure, the owner signs in.
        time.sleep(int(refused.headers["Retry-After"]) + 0.2)
        assert sign_in(app, "alice", PASSWORD).status_code == 302
        # A success clears the count, as it does in the directory.
        assert sign_in(app, "alice", "typo").status_code == 401
        assert sign_in(app, "alice", "typo-again").status_code == 401
        assert sign_in(app, "alice", "typo-thrice").status_code == 429
    finally:
        close(app)


def test_every_process_shares_the_count_through_redis(
    tmp_path: Path, database: Path, directory: Directory, binds: list[str], redis_url: str
) -> None:
    first = make_app(tmp_path, database, directory, redis_url=redis_url)
    second = make_app(tmp_path, database, directory, redis_url=redis_url)
    try:
        assert sign_in(first, "alice", "not-her-password").status_code == 401
        assert sign_in(second, "alice", "not-her-password-2").status_code == 401
        sent = len(binds)
        assert sign_in(first, "alice", PASSWORD).status_code == 429
        assert sign_in(second, "alice", PASSWORD).status_code == 429
        assert len(binds) == sent
    finally:
        close(first, second)


def test_lockout_settings_are_checked(directory: Directory) -> None:
    settings = parse_directory_settings(directory.settings())
    assert settings is not None
    assert (settings.lockout_threshold, settings.lockout_window_s) == (5, 900)
    for bad in ({"threshold": 1}, {"threshold": -2}, {"threshold": "5"}, {"window_minutes": 0}):
        with pytest.raises(ConfigError, match=r"ldap\.lockout"):
            parse_directory_settings(directory.settings(lockout=bad))
    off = parse_directory_settings(directory.settings(lockout={"threshold": 0}))
    assert off is not None and off.lockout_threshold == 0


def test_the_lockout_window_is_documented() -> None:
    docs = (Path(__file__).parent.parent / "docs" / "directory.md").read_text()
    assert "[ldap.lockout]" in docs and "threshold = 5" in docs
