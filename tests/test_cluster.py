"""Delivery, presence and CLI jobs across server processes (Redis between them)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
import requests
import socketio as socketio_client
from fault_support import directory_with_server, physnet_cli, wait_until

from conftest import Listener, LiveServer

pytestmark = pytest.mark.live


@pytest.fixture
def two_servers(tmp_path: Path, sqlite_template: Path, fresh_pg_url: str, redis_url: str):
    env = {"PHYSNET_REDIS_URL": redis_url}
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a = LiveServer(tmp_path / "a", sqlite_template, env, database_url=fresh_pg_url)
    b = LiveServer(tmp_path / "b", sqlite_template, env, database_url=fresh_pg_url)
    yield a, b
    a.stop()
    b.stop()


_sessions: list[requests.Session] = []


@pytest.fixture(autouse=True)
def _close_sessions() -> Any:
    yield
    while _sessions:
        _sessions.pop().close()


def _api(server: LiveServer, username: str) -> requests.Session:
    http = requests.Session()
    _sessions.append(http)
    http.headers["Authorization"] = f"Bearer {server.factory.token(username)}"
    return http


def test_typing_edits_deletes_and_presence_cross_processes(two_servers: Any) -> None:
    a, b = two_servers
    for name in ("alice", "bob"):
        a.factory.user(name)
    a.factory.channel("order-sets", members=("alice", "bob"))
    alice = Listener(a.url, token=a.factory.token("alice"))  # on process A
    bob = Listener(b.url, token=b.factory.token("bob"))  # on process B
    try:
        assert bob.call("typing", {"channel": "order-sets"}) == {"ok": True}
        assert alice.wait_for("typing")[0] == {"channel": "order-sets", "username": "bob"}

        http = _api(b, "bob")
        posted = http.post(
            b.url + "/api/v1/channels/order-sets/messages",
            json={"body": "The sepsis order set now defaults to the 30 mL/kg bolus"},
        ).json()["message"]
        assert alice.wait_for("message")[0]["id"] == posted["id"]
        edited = http.patch(
            b.url + f"/api/v1/messages/{posted['id']}", json={"body": "Order set updated"}
        )
        assert edited.status_code == 200
        assert alice.wait_for("message_updated")[0]["body"] == "Order set updated"
        assert http.delete(b.url + f"/api/v1/messages/{posted['id']}").status_code in (200, 204)
        assert alice.wait_for("message_deleted")[0]["id"] == posted["id"]

        # Who is online is the same answer on both processes.
        for server in (a, b):
            online = _api(server, "alice").get(server.url + "/api/v1/presence").json()
            assert online == {"online": ["alice", "bob"]}
    finally:
        alice.close()
        bob.close()


def test_people_of_a_killed_process_go_offline(two_servers: Any) -> None:
    a, b = two_servers
    for name in ("alice", "carol"):
        a.factory.user(name)
    a.factory.user("dave")
    # Sockets hear presence only about the people they name; dave's connects the old way,
    # with the opt-in that the deprecated contract needed.
    alice = Listener(a.url, token=a.factory.token("alice"))
    dave = Listener(a.url, token=a.factory.token("dave"), auth={"presence": "subscribe"})
    carol = Listener(b.url, token=b.factory.token("carol"))
    http = _api(a, "alice")
    try:
        wait_until(
            lambda: (
                http.get(a.url + "/api/v1/presence").json()["online"] == ["alice", "carol", "dave"]
            ),
            10,
            "carol to be online",
        )
        # Asked on process A, the answer covers carol's socket on process B.
        watched = dave.call("presence_subscribe", {"usernames": ["carol", "alice", "zed"]})
        assert watched == {"ok": True, "online": ["alice", "carol"], "availability": {}}
        assert alice.call("presence_subscribe", {"usernames": ["carol"]}) == {
            "ok": True,
            "online": ["carol"],
            "availability": {},
        }
        b.process.kill()  # SIGKILL: no disconnect is ever sent for carol
        b.process.wait(10)
        offline = {"username": "carol", "status": "offline"}
        wait_until(lambda: offline in alice.of("presence"), 30, "carol to go offline")
        wait_until(lambda: offline in dave.of("presence"), 10, "dave to hear it")
        assert http.get(a.url + "/api/v1/presence").json() == {"online": ["alice", "dave"]}
        assert dave.of("presence") == [offline]  # nothing about anyone he did not name
    finally:
        alice.close()
        dave.close()
        carol.client.disconnect()


def test_a_message_whose_process_died_before_announcing_it_still_reaches_others(
    tmp_path: Path, sqlite_template: Path, fresh_pg_url: str, redis_url: str
) -> None:
    """Process A commits a message and is SIGKILLed before its broadcast (a failpoint makes
    that moment certain). A socket on process B gets the message anyway, live, without a
    catch-up: B reaps A in its heartbeat and announces what A still held."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    env = {"PHYSNET_REDIS_URL": redis_url}
    a = LiveServer(
        tmp_path / "a",
        sqlite_template,
        {**env, "PHYSNET_FAILPOINTS": "message.committed"},
        database_url=fresh_pg_url,
    )
    b = LiveServer(tmp_path / "b", sqlite_template, env, database_url=fresh_pg_url)
    alice = None
    try:
        for name in ("alice", "bob"):
            a.factory.user(name)
        a.factory.channel("order-sets", members=("alice", "bob"))
        alice = Listener(b.url, token=b.factory.token("alice"))
        body = "Downtime order set: print the paper MAR at the start of the window"
        with pytest.raises(requests.ConnectionError):  # A dies before it can answer
            _api(a, "bob").post(
                a.url + "/api/v1/channels/order-sets/messages",
                json={"body": body, "client_msg_id": "downtime-1"},
            )
        assert a.process.wait(10) == -9
        stored = _api(b, "alice").get(b.url + "/api/v1/channels/order-sets/messages").json()
        [message] = stored["messages"]  # committed before the kill
        assert message["body"] == body
        assert alice.of("message") == []  # A never published it

        arrived = alice.wait_for("message", timeout=30)  # reap: <= expiry + one heartbeat
        assert [m["id"] for m in arrived] == [message["id"]]
        assert arrived[0]["body"] == body and arrived[0]["author"]["username"] == "bob"
    finally:
        if alice is not None:
            alice.close()
        a.stop()
        b.stop()


def test_sync_in_a_cli_process_disconnects_a_deactivated_user_on_a_server(
    tmp_path: Path, sqlite_template: Path, fresh_pg_url: str, redis_url: str
) -> None:
    with directory_with_server(tmp_path, sqlite_template, fresh_pg_url, redis_url) as (
        tree,
        dana,
        server,
        env,
    ):
        listener = Listener(server.url, token=server.factory.token("dana"))
        closed = threading.Event()
        listener.client.on("disconnect", lambda *args: closed.set())
        try:
            tree.modify(dana, employeeType="disabled")  # IT disables the account
            second = physnet_cli(env, "ldap", "sync")  # a separate process, e.g. the timer
            assert second.returncode == 0, second.stderr
            assert closed.wait(10), "dana's socket on the server stayed open"
            others = _api(server, "erin").get(server.url + "/api/v1/me")
            assert others.status_code == 200  # the others are untouched
        finally:
            listener.close()


def test_a_token_revoked_on_one_process_closes_its_socket_on_the_other(two_servers: Any) -> None:
    a, b = two_servers
    for name in ("alice", "bob"):
        a.factory.user(name)
    a.factory.channel("order-sets", members=("alice", "bob"))
    token = a.factory.token("alice")
    listener = Listener(b.url, token=token)  # alice's script, connected to process B
    closed = threading.Event()
    listener.client.on("disconnect", lambda *args: closed.set())
    try:
        http = requests.Session()
        _sessions.append(http)
        http.headers["Authorization"] = f"Bearer {token}"
        [record] = http.get(a.url + "/api/v1/me/tokens").json()["tokens"]
        assert http.delete(f"{a.url}/api/v1/me/tokens/{record['id']}").status_code == 200
        assert closed.wait(10), "the socket on the other process stayed open"
        with pytest.raises(socketio_client.exceptions.ConnectionError):
            Listener(b.url, token=token)
    finally:
        listener.close()
