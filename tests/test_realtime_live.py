"""Real Socket.IO clients over real websockets against a real `physnet run` process."""

from __future__ import annotations

import threading
from typing import Any

import pytest
import socketio
from sqlalchemy import func, select

from physnet.extensions import db
from physnet.models import Message

from conftest import Listener

pytestmark = pytest.mark.live


def _cookie_header(http: Any) -> str:
    return "; ".join(f"{c.name}={c.value}" for c in http.cookies)


def test_message_posted_by_one_arrives_live_for_the_other(live_server_any):
    server = live_server_any
    server.factory.user("alice")
    server.factory.user("bob")
    server.factory.user("carol")
    server.factory.channel("ehr-tips", members=("alice", "bob"))
    server.factory.channel("informatics-council", kind="private", members=("alice", "carol"))
    # Bob signs in like a browser and connects with the session cookie; Alice uses a token.
    bob = Listener(server.url, cookie=_cookie_header(server.session("bob")))
    carol = Listener(server.url, token=server.factory.token("carol"))
    alice = Listener(server.url, token=server.factory.token("alice"))
    try:
        ack = alice.call(
            "send_message",
            {
                "channel": "ehr-tips",
                "client_msg_id": "m-1",
                "body": "Order set **favorites** live in 2 clicks",
            },
        )
        assert ack["ok"] is True
        received = bob.wait_for("message")
        # The broadcast is the acknowledged message plus its change-log event id.
        assert isinstance(received[0].get("event_id"), int)
        assert received == [{**ack["message"], "event_id": received[0]["event_id"]}]
        assert "<strong>favorites</strong>" in received[0]["html"]

        secret = alice.call(
            "send_message",
            {
                "channel": "informatics-council",
                "client_msg_id": "m-2",
                "body": "Agenda for the build review",
            },
        )
        assert secret["ok"] is True
        assert carol.wait_for("message")[0]["id"] == secret["message"]["id"]
        # A non-member of the private channel receives nothing from it.
        alice.call(
            "send_message", {"channel": "ehr-tips", "client_msg_id": "m-3", "body": "marker"}
        )
        bob_messages = [m["body"] for m in bob.wait_for("message", 2)]
        assert bob_messages == ["Order set **favorites** live in 2 clicks", "marker"]
    finally:
        for client in (alice, bob, carol):
            client.close()


def test_socket_without_credentials_is_refused(live_server):
    client = socketio.Client(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(live_server.url, transports=["websocket"], wait_timeout=5)
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(
            live_server.url,
            auth={"token": "pn_not-a-real-token"},
            transports=["websocket"],
            wait_timeout=5,
        )


def test_reconnect_and_catch_up_shows_no_gap_and_no_duplicate(live_server_any):
    server = live_server_any
    server.factory.user("alice")
    server.factory.user("bob")
    server.factory.channel("sepsis-protocol", members=("alice", "bob"))
    alice = Listener(server.url, token=server.factory.token("alice"))
    bob_token = server.factory.token("bob")
    bob = Listener(server.url, token=bob_token)
    acked: list[int] = []
    try:

        def send(start: int, stop: int) -> None:
            for i in range(start, stop):
                ack = alice.call(
                    "send_message",
                    {
                        "channel": "sepsis-protocol",
                        "client_msg_id": f"s-{i}",
                        "body": f"Bundle step {i}",
                    },
                )
                assert ack["ok"], ack
                acked.append(ack["message"]["id"])

        send(0, 20)
        seen = [m["id"] for m in bob.wait_for("message", 20)]
        bob.close()  # Bob's network drops ...
        send(20, 45)  # ... while the conversation goes on.
        bob = Listener(server.url, token=bob_token)
        send(45, 50)
        live_after = [m["id"] for m in bob.wait_for("message", 5)]
        caught = bob.call("catch_up", {"channel": "sepsis-protocol", "after": max(seen)})
        assert caught["ok"] is True and caught["has_more"] is False
        merged: dict[int, None] = dict.fromkeys(seen)
        for message_id in [m["id"] for m in caught["messages"]] + live_after:
            merged.setdefault(message_id)
        assert sorted(merged) == acked
        caught_ids = [m["id"] for m in caught["messages"]]
        assert caught_ids == sorted(caught_ids) and caught_ids == acked[20:]
    finally:
        alice.close()
        bob.close()


def test_repeated_client_msg_id_stores_one_message(live_server_any):
    server = live_server_any
    server.factory.user("alice")
    server.factory.channel("ehr-tips", members=("alice",))
    token = server.factory.token("alice")
    first, second = Listener(server.url, token=token), Listener(server.url, token=token)
    payload = {
        "channel": "ehr-tips",
        "client_msg_id": "retry-42",
        "body": "In-basket rule: route HbA1c results to the pool",
    }
    results: list[Any] = []
    try:
        # The same message sent twice at once, as a browser retrying on a flaky network would.
        threads = [
            threading.Thread(target=lambda c=c: results.append(c.call("send_message", payload)))
            for c in (first, second)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(15)
        results.append(first.call("send_message", payload))
        assert [r["ok"] for r in results] == [True, True, True]
        assert len({r["message"]["id"] for r in results}) == 1
        with server.app.app_context():
            stored = db.session.scalar(select(func.count()).select_from(Message))
        assert stored == 1
    finally:
        first.close()
        second.close()


def test_concurrent_posters_lose_nothing(live_server_any):
    """Four people posting at once into one channel: every acknowledged message is stored
    once and delivered once to a reader, and catch-up from 0 returns them in id order."""
    server = live_server_any
    names = ["p1", "p2", "p3", "p4", "reader"]
    for name in names:
        server.factory.user(name)
    server.factory.channel("hospital-medicine", members=tuple(names))
    reader = Listener(server.url, token=server.factory.token("reader"))
    senders = [Listener(server.url, token=server.factory.token(n)) for n in names[:4]]
    acked: list[int] = []
    errors: list[Any] = []

    def post(client: Listener, who: int) -> None:
        for i in range(25):
            ack = client.call(
                "send_message",
                {
                    "channel": "hospital-medicine",
                    "client_msg_id": f"{who}-{i}",
                    "body": f"Discharge checklist item {who}.{i}",
                },
            )
            (acked if ack.get("ok") else errors).append(ack.get("message", {}).get("id", ack))

    try:
        threads = [threading.Thread(target=post, args=(c, n)) for n, c in enumerate(senders)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert errors == []
        assert len(acked) == 100
        delivered = [m["id"] for m in reader.wait_for("message", 100, timeout=20)]
        assert sorted(delivered) == sorted(acked) and len(set(delivered)) == 100
        caught = reader.call("catch_up", {"channel": "hospital-medicine", "after": 0})
        assert [m["id"] for m in caught["messages"]] == sorted(acked)
    finally:
        reader.close()
        for client in senders:
            client.close()
