"""Signing in and out: passwords, rate limits, session lifetimes, redirects, sign-out."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select, update

from physnet import create_app
from physnet.actions.users import do_end_sessions
from physnet.extensions import db
from physnet.models import User
from physnet.ratelimit.signin import FREE_FAILURES
from physnet.realtime import rooms
from physnet.sockets import events
from physnet.web import session as auth

from conftest import PASSWORD, Factory, _settings, csrf_token

API = "/api/v1"
MINUTE, HOUR = 60, 3600


class Clock:
    """Stands in for the `time` module where sessions are timed; advance() moves it on."""

    def __init__(self) -> None:
        self.offset = 0.0

    def time(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(auth, "time", fake)
    monkeypatch.setattr(events, "time", fake)
    return fake


def sign_in(client: Any, username: str, password: str = PASSWORD, **form: str) -> Any:
    data = {"username": username, "password": password, "csrf_token": csrf_token(client), **form}
    return client.post("/login", data=data)


def me(client: Any) -> Any:
    return client.get(f"{API}/me")


def assert_signed_out(client: Any) -> None:
    response = me(client)
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorized"


def test_sign_in_then_sign_out(factory, client):
    factory.user("alice")
    assert_signed_out(client)

    response = sign_in(client, "alice")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert me(client).json["user"]["username"] == "alice"

    token = csrf_token(client, "/")
    response = client.post("/logout", headers={"X-CSRFToken": token})
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/login"
    assert_signed_out(client)


def test_usernames_are_matched_case_insensitively_and_trimmed(factory, client):
    factory.user("alice")
    assert sign_in(client, "  Alice ").status_code == 302
    assert me(client).json["user"]["username"] == "alice"


@pytest.mark.parametrize(
    ("username", "password"),
    [
        ("alice", "wrong-password-here"),
        ("nobody", PASSWORD),
        ("alice", ""),
        ("", PASSWORD),
    ],
)
def test_failed_sign_in_is_401_with_a_message_and_no_session(factory, client, username, password):
    factory.user("alice")
    response = sign_in(client, username, password)
    assert response.status_code == 401
    assert "did not match an active account" in response.get_data(as_text=True)
    assert_signed_out(client)


def test_sign_in_form_without_csrf_token_is_refused(factory, client):
    factory.user("alice")
    response = client.post("/login", data={"username": "alice", "password": PASSWORD})
    assert response.status_code == 400
    assert_signed_out(client)


def test_sign_out_needs_the_csrf_token(factory, client):
    factory.user("alice")
    sign_in(client, "alice")
    assert client.post("/logout").status_code == 400
    assert me(client).status_code == 200


def test_deactivated_users_cannot_sign_in_and_their_sessions_end(app, factory, client):
    factory.user("alice")
    already = app.test_client()
    sign_in(already, "alice")
    assert me(already).status_code == 200
    with app.app_context():
        db.session.execute(update(User).where(User.username == "alice").values(active=False))
        db.session.commit()

    response = sign_in(client, "alice")
    assert response.status_code == 401
    assert "did not match an active account" in response.get_data(as_text=True)
    assert_signed_out(client)
    assert_signed_out(already)


# --- rate limit ----------------------------------------------------------------------------


@pytest.fixture
def limited_app(tmp_path: Path, sqlite_template: Path) -> Iterator[Any]:
    """The app on SQLite with rate limits on, as in production."""
    path = tmp_path / "limited.db"
    shutil.copy(sqlite_template, path)
    application = create_app(_settings(tmp_path, f"sqlite:///{path}", ratelimits=True))
    application.config["TESTING"] = True
    yield application
    rooms.connections.__init__()  # type: ignore[misc]
    with application.app_context():
        db.engine.dispose()


def test_sign_in_attempts_are_rate_limited(limited_app):
    Factory(limited_app).user("alice")
    client = limited_app.test_client()
    # (tests/test_signin_throttle.py has the limits one by one.)
    for _ in range(FREE_FAILURES + 1):
        assert sign_in(client, "alice", "wrong-password-here").status_code == 401

    response = sign_in(client, "alice")  # even the right password waits now
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert "Try again in" in response.get_data(as_text=True)
    assert_signed_out(client)


# --- session lifetimes ---------------------------------------------------------------------


def test_idle_session_expires_after_30_minutes(factory, client, clock):
    factory.user("alice")
    sign_in(client, "alice")
    clock.advance(29 * MINUTE)
    assert me(client).status_code == 200
    clock.advance(29 * MINUTE)  # activity above kept the session alive
    assert me(client).status_code == 200
    clock.advance(31 * MINUTE)
    assert_signed_out(client)
    clock.advance(-31 * MINUTE)  # the session is gone, not just out of date
    assert_signed_out(client)


def test_an_idle_expired_session_cannot_open_a_socket(factory, login, clock):
    factory.user("alice")
    alice = login("alice")
    clock.advance(31 * MINUTE)
    assert not alice.socket().is_connected()


def test_session_ends_at_its_absolute_lifetime_despite_activity(factory, login, clock):
    factory.channel("town")
    factory.user("alice")
    alice = login("alice")
    alice.post(f"{API}/channels/town/join")
    sock = alice.socket()
    elapsed = 0
    while elapsed + 25 * MINUTE < 12 * HOUR:
        clock.advance(25 * MINUTE)
        elapsed += 25 * MINUTE
        assert alice.get(f"{API}/me").status_code == 200, elapsed
    assert sock.emit("typing", {"channel": "town"}, callback=True) == {"ok": True}

    clock.advance(12 * HOUR - elapsed + MINUTE)
    assert_signed_out(alice.client)
    ack = sock.emit("typing", {"channel": "town"}, callback=True)
    assert ack["ok"] is False
    assert ack["error"]["code"] == "session_ended"


# --- redirects after sign-in ---------------------------------------------------------------


def _stays_on_site(location: str) -> bool:
    # Browsers read a backslash as a slash, so "/\\evil" would be "//evil".
    normalized = location.replace("\\", "/")
    parts = urlsplit(normalized)
    return (
        not parts.scheme
        and not parts.netloc
        and normalized.startswith("/")
        and not normalized.startswith("//")
    )


OFF_SITE = [
    "https://evil.example/phish",
    "//evil.example/phish",
    "/\\evil.example",
    "\\\\evil.example",
    "https:evil.example",
    "javascript:alert(1)",
    "/\t/evil.example",
    " //evil.example",
    "evil.example",
]


@pytest.mark.parametrize("target", OFF_SITE)
def test_next_never_leaves_the_site(factory, client, target):
    factory.user("alice")
    response = sign_in(client, "alice", next=target)
    assert response.status_code == 302
    assert _stays_on_site(response.headers["Location"]), response.headers["Location"]
    # Already signed in, GET /login?next=... redirects too.
    again = client.get("/login", query_string={"next": target})
    assert again.status_code == 302
    assert _stays_on_site(again.headers["Location"]), again.headers["Location"]


def test_next_on_the_site_is_followed(factory, client):
    factory.user("alice")
    response = sign_in(client, "alice", next="/c/town?from=mail")
    assert response.headers["Location"] == "/c/town?from=mail"


def test_pages_send_signed_out_people_to_sign_in_and_back(factory, client):
    factory.user("alice")
    response = client.get("/c/town")
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/login"
    assert parse_qs(location.query) == {"next": ["/c/town"]}


# --- sign out everywhere -------------------------------------------------------------------


def _end_sessions(app: Any, username: str) -> None:
    with app.app_context():
        do_end_sessions(db.session.scalar(select(User).where(User.username == username)))


def test_ending_sessions_signs_out_every_cookie_of_that_person_only(app, factory, login):
    factory.user("alice")
    factory.user("bob")
    laptop, phone, bob = login("alice"), login("alice"), login("bob")

    _end_sessions(app, "alice")

    assert_signed_out(laptop.client)
    assert_signed_out(phone.client)
    assert not laptop.socket().is_connected()
    assert me(bob.client).status_code == 200
    # Signing in again works: the person was signed out, not locked out.
    assert login("alice").get(f"{API}/me").status_code == 200


def test_ending_sessions_closes_a_socket(app, factory, login):
    factory.user("alice")
    alice_socket = login("alice").socket()
    _end_sessions(app, "alice")
    assert not alice_socket.is_connected()


def test_ending_sessions_closes_every_socket_and_stops_delivery(app, factory, login):
    factory.user("alice")
    factory.user("bob")
    factory.channel("town", members=("alice", "bob"))
    alice = login("alice")
    tabs = [alice.socket(), alice.socket()]
    bob_socket = login("bob").socket()
    for tab in tabs:
        tab.get_received()

    _end_sessions(app, "alice")
    for tab in tabs:
        tab.queue.clear()
    login("bob").post(f"{API}/channels/town/messages", json={"body": "after sign-out"})

    assert [tab.is_connected() for tab in tabs] == [False, False]
    assert [tab.queue for tab in tabs] == [[], []]
    assert bob_socket.is_connected()
