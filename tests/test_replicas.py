"""Two hosts on one PostgreSQL and Redis, each with its own search index folder (issue 19).

Each host's server follows the shared change log from its own position: what is posted or
edited on one host is found on the other, and a host that was stopped catches up.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests
from fault_support import physnet_cli, physnet_env, wait_until
from sqlalchemy import func, select
from whoosh.query import Term

from physnet.extensions import db
from physnet.models import ChangeLog
from physnet.search.schema import key_of
from physnet.search.store import IndexStore

from conftest import Listener, LiveServer

pytestmark = pytest.mark.live
CHANNEL = "order-sets"


def _host(folder: Path, template: Path, pg_url: str, redis_url: str, host_id: str) -> LiveServer:
    folder.mkdir(exist_ok=True)
    env = {"PHYSNET_REDIS_URL": redis_url, "PHYSNET_SEARCH_HOST_ID": host_id}
    return LiveServer(folder, template, env, database_url=pg_url)


@pytest.fixture
def hosts(tmp_path: Path, sqlite_template: Path, fresh_pg_url: str, redis_url: str) -> Any:
    started = [
        _host(tmp_path / name, sqlite_template, fresh_pg_url, redis_url, f"host-{name}")
        for name in ("a", "b")
    ]
    started[0].factory.user("alice")
    started[0].factory.channel(CHANNEL, members=("alice",))
    yield started
    for server in started:
        server.stop()


def _api(server: LiveServer) -> requests.Session:
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {server.factory.token('alice')}"
    return api


def _post(server: LiveServer, body: str) -> int:
    answer = _api(server).post(
        f"{server.url}/api/v1/channels/{CHANNEL}/messages", json={"body": body}
    )
    assert answer.status_code == 201, answer.text
    return int(answer.json()["message"]["id"])


def _found(server: LiveServer, words: str) -> set[int]:
    answer = _api(server).get(f"{server.url}/api/v1/search", params={"q": words})
    if answer.status_code == 503:  # the host's first build is still running
        return set()
    assert answer.status_code == 200, answer.text
    return {hit["id"] for hit in answer.json()["results"] if hit["type"] == "message"}


def _in_index(server: LiveServer, message_id: int) -> bool:
    """Whether the host's own index folder holds the message (read straight from disk: the
    search API also drops deleted messages by asking the database)."""
    store = IndexStore(server.folder / "search_index")
    if store.current_name() is None:
        return False
    _, ix = store.open()
    with ix.searcher() as searcher:
        return bool(searcher.search(Term("key", key_of("message", message_id)), limit=1))


def _status(server: LiveServer, host_id: str) -> dict[str, Any]:
    env = physnet_env(server.folder, server.database_url, PHYSNET_SEARCH_HOST_ID=host_id)
    result = physnet_cli(env, "search", "status", "--json")
    assert result.returncode == 0, result.stderr
    info: dict[str, Any] = json.loads(result.stdout)
    return info


def test_each_host_finds_what_was_posted_or_edited_on_the_other(hosts: list[LiveServer]) -> None:
    a, b = hosts
    on_a = _post(a, "Insulin drip order set: the nomogram moved to the second tab")
    on_b = _post(b, "Heparin protocol shortcut: type .hep in the order entry box")
    for server in (a, b):
        wait_until(lambda s=server: on_a in _found(s, "nomogram"), 20, "nomogram on both hosts")
        wait_until(lambda s=server: on_b in _found(s, "heparin"), 20, "heparin on both hosts")

    edited = _api(b).patch(
        f"{b.url}/api/v1/messages/{on_a}",
        json={"body": "Insulin drip order set: the titration table moved to the second tab"},
    )
    assert edited.status_code == 200, edited.text
    wait_until(lambda: on_a in _found(a, "titration"), 10, "host A to find the edit made on B")
    assert on_a not in _found(a, "nomogram")

    info = _status(a, "host-a")
    hosts_seen = {host["host_id"]: host for host in info["hosts"]}
    assert set(hosts_seen) == {"host-a", "host-b"}
    assert info["host_id"] == "host-a"
    wait_until(
        lambda: all(h["pending_changes"] == 0 for h in _status(a, "host-a")["hosts"]),
        10,
        "both hosts to report no lag",
    )


def test_a_stopped_host_catches_up_on_new_and_deleted_messages(
    hosts: list[LiveServer], tmp_path: Path, sqlite_template: Path, redis_url: str
) -> None:
    a, b = hosts
    early = _post(a, "Sepsis bundle order set: lactate reflex is now automatic")
    wait_until(lambda: _in_index(b, early), 20, "host B to index the first message")
    b.stop()

    later = _post(a, "Downtime procedure: print the medication administration record at 23:00")
    gone = _api(a).delete(f"{a.url}/api/v1/messages/{early}")
    assert gone.status_code == 200, gone.text
    wait_until(lambda: _in_index(a, later) and not _in_index(a, early), 20, "host A to index")
    # Host A has applied everything, but pruning keeps what stopped host B has not.
    with a.app.app_context():
        from physnet.search import service

        service(a.app).indexer.prune()
        rows = db.session.scalar(select(func.count(ChangeLog.id)))
        db.session.remove()
    assert rows and rows >= 2
    assert _status(a, "host-a")["hosts"][1]["pending_changes"] >= 2  # host-b, sorted

    assert _in_index(b, early) and not _in_index(b, later)  # its folder, as it was left
    b2 = _host(tmp_path / "b", sqlite_template, a.database_url, redis_url, "host-b")
    hosts.append(b2)
    wait_until(
        lambda: _in_index(b2, later) and not _in_index(b2, early),
        20,
        "the restarted host B to catch up on the new and the deleted message",
    )
    assert later in _found(b2, "downtime")


def test_a_socket_on_one_host_gets_an_edit_made_on_the_other(hosts: list[LiveServer]) -> None:
    a, b = hosts
    message_id = _post(a, "Discharge order set: the follow-up field is required now")
    listener = Listener(b.url, token=b.factory.token("alice"))
    try:
        edited = _api(a).patch(
            f"{a.url}/api/v1/messages/{message_id}",
            json={"body": "Discharge order set: the follow-up field is optional again"},
        )
        assert edited.status_code == 200, edited.text
        updates = listener.wait_for("message_updated")
        assert [u["id"] for u in updates] == [message_id]
        assert "optional again" in updates[0]["body"]
    finally:
        listener.close()
