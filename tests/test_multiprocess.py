"""Two server processes on one PostgreSQL database with Redis between them."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from physnet import create_app
from physnet.actions.users import do_end_sessions
from physnet.extensions import db
from physnet.models import User

from conftest import Listener, LiveServer, _settings

pytestmark = pytest.mark.live


@pytest.fixture
def two_servers(tmp_path: Path, sqlite_template: Path, fresh_pg_url: str, redis_url: str):
    env = {"PHYSNET_REDIS_URL": redis_url}
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a = LiveServer(tmp_path / "a", sqlite_template, env, database_url=fresh_pg_url)
    b = LiveServer(tmp_path / "b", sqlite_template, env, database_url=fresh_pg_url)
    yield a, b, redis_url
    a.stop()
    b.stop()


def test_membership_and_messages_cross_processes(two_servers):
    a, b, _ = two_servers
    a.factory.user("alice")
    a.factory.user("bob")
    alice = Listener(a.url, token=a.factory.token("alice"))  # Alice's socket is on process A
    bob = requests.Session()
    bob.headers["Authorization"] = f"Bearer {a.factory.token('bob')}"
    try:
        # Bob, served by process B, creates a private channel and adds Alice.
        created = bob.post(
            b.url + "/api/v1/channels", json={"name": "downtime-drill", "private": True}
        )
        assert created.status_code == 201
        added = bob.post(
            b.url + "/api/v1/channels/downtime-drill/members", json={"username": "alice"}
        )
        assert added.status_code == 201
        assert alice.wait_for("channel_joined")[0]["name"] == "downtime-drill"
        posted = bob.post(
            b.url + "/api/v1/channels/downtime-drill/messages",
            json={"body": "Downtime drill at 02:00: print the BCA reports"},
        )
        assert posted.status_code == 201
        received = alice.wait_for("message")
        assert [m["id"] for m in received] == [posted.json()["message"]["id"]]
    finally:
        alice.close()


def test_signing_out_everywhere_closes_sockets_in_other_processes(two_servers, tmp_path):
    a, _, redis_url = two_servers
    a.factory.user("alice")
    token = a.factory.token("alice")
    alice = Listener(a.url, token=token)
    closed = threading.Event()
    alice.client.on("disconnect", lambda *args: closed.set())
    # A third process (think of a CLI job) ends Alice's sessions through Redis.
    job = create_app(_settings(tmp_path, a.database_url, redis_url=redis_url))
    with job.app_context():
        user = db.session.scalar(select(User).where(User.username == "alice"))
        do_end_sessions(user)
        db.engine.dispose()
    assert closed.wait(10), "the socket on process A stayed open"


def test_signing_out_on_one_process_ends_that_session_on_the_others(two_servers):
    a, b, _ = two_servers
    a.factory.user("alice")
    browser = b.session("alice")  # signed in through process B
    cookie = "; ".join(f"{c.name}={c.value}" for c in browser.cookies)
    alice = Listener(a.url, cookie=cookie)  # its socket landed on process A
    closed = threading.Event()
    alice.client.on("disconnect", lambda *args: closed.set())
    assert requests.get(a.url + "/api/v1/me", headers={"Cookie": cookie}).status_code == 200

    assert browser.post(b.url + "/logout", allow_redirects=False).status_code == 302

    assert closed.wait(10), "the session's socket on process A stayed open"
    # The same cookie, replayed against the other process, is refused there too.
    assert requests.get(a.url + "/api/v1/me", headers={"Cookie": cookie}).status_code == 401
