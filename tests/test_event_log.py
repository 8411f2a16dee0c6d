"""Events come from committed change-log rows: none is lost when a process dies after its
commit and before publishing, and none arrives twice (issue 19)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from fault_support import directory_with_server, physnet_cli

from conftest import Listener, LiveServer

pytestmark = pytest.mark.live
CHANNEL = "order-sets"
ARMED = {"PHYSNET_FAILPOINTS": "event.committed"}  # SIGKILL after the commit, before publish


def _api(server: LiveServer, username: str) -> requests.Session:
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {server.factory.token(username)}"
    return http


def _exactly_once(listeners: list[Listener], event: str, message_id: int) -> None:
    """Every listener gets `event` about the message within 5 s, and no second copy."""
    started = time.monotonic()
    for listener in listeners:
        left = max(0.1, 5 - (time.monotonic() - started))
        got = [e for e in listener.wait_for(event, timeout=left) if e["id"] == message_id]
        assert got, f"a socket got no {event} within 5 s"
    time.sleep(3)  # past the republisher's grace: a second copy would have arrived by now
    for listener in listeners:
        got = [e for e in listener.of(event) if e["id"] == message_id]
        assert len(got) == 1, got
        assert isinstance(got[0]["event_id"], int)


@dataclass
class Servers:
    """B, which lives on, and the A servers `armed` to die after their next commit; with the
    listeners to close, all on one PostgreSQL and Redis."""

    b: LiveServer
    env: dict[str, str]
    folder: Path
    template: Path
    database_url: str
    listeners: list[Listener] = field(default_factory=list)
    dying: list[LiveServer] = field(default_factory=list)

    def armed(self, name: str) -> LiveServer:
        (self.folder / name).mkdir()
        server = LiveServer(
            self.folder / name, self.template, {**self.env, **ARMED}, database_url=self.database_url
        )
        self.dying.append(server)
        return server


@contextmanager
def _servers(
    tmp_path: Path, sqlite_template: Path, fresh_pg_url: str, redis_url: str
) -> Iterator[Servers]:
    env = {"PHYSNET_REDIS_URL": redis_url}
    (tmp_path / "b").mkdir()
    b = LiveServer(tmp_path / "b", sqlite_template, env, database_url=fresh_pg_url)
    servers = Servers(b, env, tmp_path, sqlite_template, fresh_pg_url)
    try:
        yield servers
    finally:
        for listener in servers.listeners:
            listener.close()
        for server in [*servers.dying, b]:
            server.stop()


def test_an_edit_and_a_delete_whose_process_died_before_publishing_reach_every_socket_once(
    tmp_path: Path, sqlite_template: Path, fresh_pg_url: str, redis_url: str
) -> None:
    with _servers(tmp_path, sqlite_template, fresh_pg_url, redis_url) as servers:
        b, listeners = servers.b, servers.listeners
        for name in ("alice", "bob"):
            b.factory.user(name)
        b.factory.channel(CHANNEL, members=("alice", "bob"))
        listeners += [Listener(b.url, token=b.factory.token(n)) for n in ("alice", "bob")]
        posted = _api(b, "bob").post(
            f"{b.url}/api/v1/channels/{CHANNEL}/messages",
            json={"body": "Sepsis order set: lactate at 0 and 3 hours"},
        )
        assert posted.status_code == 201, posted.text
        message_id = posted.json()["message"]["id"]

        for event, change in (
            (
                "message_updated",
                {"method": "PATCH", "json": {"body": "Sepsis order set: lactate at 0 and 2 hours"}},
            ),
            ("message_deleted", {"method": "DELETE"}),
        ):
            a = servers.armed(f"a-{event}")
            with pytest.raises(requests.ConnectionError):  # A dies before it can answer
                _api(a, "bob").request(
                    change["method"],
                    f"{a.url}/api/v1/messages/{message_id}",
                    json=change.get("json"),
                )
            assert a.process.wait(10) == -9
            stored = _api(b, "bob").get(f"{b.url}/api/v1/messages/{message_id}")
            shown = stored.json()["message"]
            committed = (
                shown["deleted"] if event == "message_deleted" else "2 hours" in shown["body"]
            )
            assert committed, "the change was not committed before the kill"
            _exactly_once(listeners, event, message_id)


def test_a_member_added_by_a_process_that_died_before_publishing_still_joins_live(
    tmp_path: Path, sqlite_template: Path, fresh_pg_url: str, redis_url: str
) -> None:
    """Moving the person's open sockets into the channel is logged too (a control row), so
    their tab on another process joins, hears `channel_joined` once, and gets the
    channel's next message."""
    with _servers(tmp_path, sqlite_template, fresh_pg_url, redis_url) as servers:
        b = servers.b
        for name in ("alice", "carol"):
            b.factory.user(name)
        b.factory.channel(CHANNEL, kind="private", members=("alice",))
        carol = Listener(b.url, token=b.factory.token("carol"))
        servers.listeners.append(carol)
        a = servers.armed("a")
        with pytest.raises(requests.ConnectionError):  # A dies before it can answer
            _api(a, "alice").post(
                f"{a.url}/api/v1/channels/{CHANNEL}/members", json={"username": "carol"}
            )
        assert a.process.wait(10) == -9
        joined = carol.wait_for("channel_joined", timeout=5)
        assert [c["name"] for c in joined] == [CHANNEL], "carol's socket heard no channel_joined"
        body = "The order-set review meets on Thursdays"
        posted = _api(b, "alice").post(
            f"{b.url}/api/v1/channels/{CHANNEL}/messages", json={"body": body}
        )
        assert posted.status_code == 201, posted.text
        assert [m["body"] for m in carol.wait_for("message", timeout=5)] == [body]
        time.sleep(3)  # past the republisher's grace: a second copy would have arrived by now
        assert len(carol.of("channel_joined")) == 1


def test_a_sign_out_whose_process_died_before_publishing_still_closes_the_sessions_socket(
    tmp_path: Path, sqlite_template: Path, fresh_pg_url: str, redis_url: str
) -> None:
    """Closing a signed-out session's sockets is a logged control: when the process that
    ended the session dies after its commit, its socket on another process still closes,
    and the person's other session stays connected."""
    with _servers(tmp_path, sqlite_template, fresh_pg_url, redis_url) as servers:
        b = servers.b
        b.factory.user("alice")
        browser = b.session("alice")
        cookie = "; ".join(f"{c.name}={c.value}" for c in browser.cookies)
        tab = Listener(b.url, cookie=cookie)  # this session's socket, on B
        closed = threading.Event()
        tab.client.on("disconnect", lambda *args: closed.set())
        phone = Listener(b.url, token=b.factory.token("alice"))  # another session of hers
        servers.listeners += [tab, phone]
        a = servers.armed("a")
        with pytest.raises(requests.ConnectionError):  # A dies before it can answer
            browser.post(f"{a.url}/logout", allow_redirects=False)
        assert a.process.wait(10) == -9
        signed_out = requests.get(f"{b.url}/api/v1/me", headers={"Cookie": cookie})
        assert signed_out.status_code == 401, "the sign-out was not committed before the kill"
        assert closed.wait(5), "the signed-out session's socket stayed open"
        assert phone.client.connected


def test_a_sync_that_died_before_publishing_still_closes_the_sockets_of_the_deactivated(
    tmp_path: Path, sqlite_template: Path, fresh_pg_url: str, redis_url: str
) -> None:
    listeners: list[Listener] = []
    with directory_with_server(tmp_path, sqlite_template, fresh_pg_url, redis_url) as (
        tree,
        dana,
        server,
        env,
    ):
        try:
            closed: list[threading.Event] = []
            for _ in range(2):  # two tabs
                listener = Listener(server.url, token=server.factory.token("dana"))
                done = threading.Event()
                listener.client.on("disconnect", lambda *args, done=done: done.set())
                listeners.append(listener)
                closed.append(done)
            erin = Listener(server.url, token=server.factory.token("erin"))
            listeners.append(erin)

            tree.modify(dana, employeeType="disabled")
            second = physnet_cli({**env, **ARMED}, "ldap", "sync")
            assert second.returncode == -9, second.stderr  # killed after its commit
            started = time.monotonic()
            for done in closed:
                assert done.wait(max(0.1, 5 - (time.monotonic() - started))), "a socket stayed open"
            assert erin.client.connected  # the others are untouched
        finally:
            for listener in listeners:
                listener.close()


def test_a_sync_that_died_before_publishing_still_brings_a_new_member_in_live(
    tmp_path: Path, sqlite_template: Path, fresh_pg_url: str, redis_url: str
) -> None:
    """The memberships a sync adds in bulk are logged too: the person's open tab joins the
    channel, hears `channel_joined` once and gets the channel's next message, although the
    `physnet ldap sync` that added them was killed between its commit and publishing."""
    with directory_with_server(tmp_path, sqlite_template, fresh_pg_url, redis_url) as (
        tree,
        _dana,
        server,
        env,
    ):
        erin = Listener(server.url, token=server.factory.token("erin"))
        try:
            server.factory.channel("cardiology", kind="private", members=("dana",))
            group = tree.group("cardiology", [f"uid=erin,{tree.people}"])
            config = Path(env["PHYSNET_CONFIG"])
            mapping = f'\n[ldap.channels]\n{json.dumps(group)} = ["cardiology"]\n'
            config.write_text(config.read_text() + mapping)
            second = physnet_cli({**env, **ARMED}, "ldap", "sync")
            assert second.returncode == -9, second.stderr  # killed after its commit
            joined = erin.wait_for("channel_joined", timeout=5)
            assert [c["name"] for c in joined] == ["cardiology"], "erin's tab heard no join"
            body = "Cardiology grand rounds moved to the Thursday slot"
            posted = _api(server, "dana").post(
                f"{server.url}/api/v1/channels/cardiology/messages", json={"body": body}
            )
            assert posted.status_code == 201, posted.text
            assert [m["body"] for m in erin.wait_for("message", timeout=5)] == [body]
            time.sleep(3)  # past the republisher's grace: a second copy would have arrived
            assert len(erin.of("channel_joined")) == 1
        finally:
            erin.close()


def test_catch_up_returns_edits_deletes_and_reactions_since_the_last_event(
    tmp_path: Path, sqlite_template: Path
) -> None:
    (tmp_path / "s").mkdir()
    server = LiveServer(tmp_path / "s", sqlite_template)
    try:
        for name in ("alice", "bob"):
            server.factory.user(name)
        server.factory.channel(CHANNEL, members=("alice", "bob"))
        bob = _api(server, "bob")
        base = f"{server.url}/api/v1"
        ids = [
            bob.post(f"{base}/channels/{CHANNEL}/messages", json={"body": text}).json()["message"][
                "id"
            ]
            for text in ("Insulin sliding scale moved", "Heparin nomogram updated")
        ]
        alice = Listener(server.url, token=server.factory.token("alice"))
        first = alice.call("catch_up", {"channel": CHANNEL, "after": ids[-1]})
        assert first["ok"] and first["messages"] == [] and "events" in first
        since = first["last_event_id"]
        alice.close()
        # While Alice is away: an edit, a reaction and a delete.
        assert bob.patch(
            f"{base}/messages/{ids[0]}", json={"body": "Insulin sliding scale moved to tab 2"}
        ).ok
        assert bob.post(f"{base}/messages/{ids[0]}/reactions", json={"emoji": "👍"}).ok
        assert bob.delete(f"{base}/messages/{ids[1]}").ok
        back = Listener(server.url, token=server.factory.token("alice"))
        try:
            ack = back.call(
                "catch_up", {"channel": CHANNEL, "after": ids[-1], "since_event": since}
            )
        finally:
            back.close()
        kinds = [
            (e["event"], e["data"].get("id", e["data"].get("message_id"))) for e in ack["events"]
        ]
        assert kinds == [
            ("message_updated", ids[0]),
            ("reaction", ids[0]),
            ("message_deleted", ids[1]),
        ]
        assert [e["event_id"] for e in ack["events"]] == sorted(
            e["event_id"] for e in ack["events"]
        )
        assert all(
            e["event_id"] > since and e["data"]["event_id"] == e["event_id"] for e in ack["events"]
        )
        assert ack["events"][0]["data"]["body"] == "Insulin sliding scale moved to tab 2"
    finally:
        server.stop()
