"""Pinned messages and history pages around a message, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from physnet.extensions import db
from physnet.models import AuditEvent
from physnet.search import service

API = "/api/v1"


@pytest.fixture
def people(factory: Any) -> None:
    for name in ("alice", "bob", "carol"):
        factory.user(name)
    factory.user("mod", role="moderator")
    factory.channel("town", members=("alice", "bob"))
    factory.channel("council", kind="private", members=("alice",))
    factory.channel("news", kind="announcement", members=("alice", "mod"))


def post(api: Any, channel: str, body: str, **extra: Any) -> dict[str, Any]:
    response = api.post(f"{API}/channels/{channel}/messages", json={"body": body, **extra})
    assert response.status_code == 201, response.json
    return dict(response.json["message"])


def received(sock: Any, name: str) -> list[Any]:
    return [e["args"][0] for e in sock.get_received() if e["name"] == name]


def audit_trail(app: Any) -> list[tuple[str, str, str, dict[str, Any]]]:
    with app.app_context():
        return [
            (e.actor, e.action, e.target, e.details)
            for e in db.session.scalars(
                # Only message events: signing in is audited too.
                select(AuditEvent)
                .where(AuditEvent.action.like("message.%"))
                .order_by(AuditEvent.id)
            )
        ]


# Pin, unpin, list ------------------------------------------------------------------------


def test_pin_and_unpin_broadcast_audit_and_list(app, people, login):
    alice, bob = login("alice"), login("bob")
    first = post(alice, "town", "Downtime binder is on **4 West**")
    second = post(alice, "town", "Sepsis order set moved to the ED navigator")
    assert first["pinned_at"] is None and first["pinned_by"] is None
    bob_socket = bob.socket()
    bob_socket.get_received()

    pinned = bob.post(f"{API}/messages/{first['id']}/pin")
    assert pinned.status_code == 200, pinned.json
    message = pinned.json["message"]
    assert message["pinned_at"].endswith("Z")
    assert message["pinned_by"] == {"username": "bob", "display_name": "Bob"}
    assert received(bob_socket, "message_updated") == [message]
    bob.post(f"{API}/messages/{second['id']}/pin")
    bob_socket.get_received()

    listed = alice.get(f"{API}/channels/town/pins").json["messages"]
    assert [m["id"] for m in listed] == [second["id"], first["id"]]  # newest pin first
    assert alice.get(f"{API}/messages/{first['id']}").json["message"]["pinned_by"]["username"] == (
        "bob"
    )

    # Pinning again changes nothing: no second event, no second audit row.
    again = alice.post(f"{API}/messages/{first['id']}/pin")
    assert again.status_code == 200 and again.json["message"] == message
    assert received(bob_socket, "message_updated") == []

    unpinned = alice.delete(f"{API}/messages/{first['id']}/pin")
    assert unpinned.status_code == 200
    assert unpinned.json["message"]["pinned_at"] is None
    assert unpinned.json["message"]["pinned_by"] is None
    assert received(bob_socket, "message_updated") == [unpinned.json["message"]]
    assert [m["id"] for m in alice.get(f"{API}/channels/town/pins").json["messages"]] == [
        second["id"]
    ]
    assert [(a, act, t) for a, act, t, _ in audit_trail(app)] == [
        ("user:bob", "message.pinned", f"message:{first['id']}"),
        ("user:bob", "message.pinned", f"message:{second['id']}"),
        ("user:alice", "message.unpinned", f"message:{first['id']}"),
    ]
    assert audit_trail(app)[0][3] == {"channel": "town"}


def test_who_may_pin(app, people, login):
    alice, carol, mod = login("alice"), login("carol"), login("mod")
    town = post(alice, "town", "A tip for everyone")
    secret = post(alice, "council", "Council draft")
    news = post(mod, "news", "Go-live is Monday")

    refused = carol.post(f"{API}/messages/{town['id']}/pin")  # reads it, is not a member
    assert refused.status_code == 403 and refused.json["error"]["code"] == "not_a_member"
    hidden = carol.post(f"{API}/messages/{secret['id']}/pin")
    missing = carol.post(f"{API}/messages/987654/pin")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json["error"]["code"] == "unknown_message"
    assert "Council" not in hidden.get_data(as_text=True)
    assert carol.get(f"{API}/channels/council/pins").status_code == 404

    staff_only = alice.post(f"{API}/messages/{news['id']}/pin")  # a member, not staff
    assert staff_only.status_code == 403
    assert staff_only.json["error"]["code"] == "announcement_only"
    assert mod.post(f"{API}/messages/{news['id']}/pin").status_code == 200
    assert alice.delete(f"{API}/messages/{news['id']}/pin").status_code == 403
    assert carol.get(f"{API}/channels/news/pins").json["messages"][0]["id"] == news["id"]
    assert [e[1] for e in audit_trail(app)] == ["message.pinned"]


def test_a_deleted_message_is_unpinned_and_cannot_be_pinned(app, people, login):
    alice = login("alice")
    message = post(alice, "town", "Soon gone")
    alice.post(f"{API}/messages/{message['id']}/pin")
    alice.delete(f"{API}/messages/{message['id']}")
    assert alice.get(f"{API}/channels/town/pins").json["messages"] == []
    refused = alice.post(f"{API}/messages/{message['id']}/pin")
    assert refused.status_code == 422 and refused.json["error"]["code"] == "message_deleted"


@pytest.mark.parametrize("path", ["/messages/0/pin", "/messages/99999999999999999999/pin"])
def test_bad_message_ids_are_404(app, people, login, path):
    for method in ("POST", "DELETE"):
        response = login("alice").request(method, API + path)
        assert response.status_code == 404
        assert response.json["error"]["code"] == "unknown_message"


def test_is_pinned_follows_pin_and_unpin_through_the_index(app, people, login):
    alice, carol = login("alice"), login("carol")
    town = post(alice, "town", "Vancomycin dosing nomogram, pharmacy to dose")
    post(alice, "town", "Vancomycin shortage update")
    secret = post(alice, "council", "Vancomycin council pinned note")
    indexer = service(app).indexer

    def found(api: Any, q: str) -> list[int]:
        indexer.catch_up()
        response = api.get(f"{API}/search", query_string={"q": q})
        assert response.status_code == 200, response.json
        return [r["id"] for r in response.json["results"]]

    try:
        assert found(alice, "is:pinned") == []
        alice.post(f"{API}/messages/{town['id']}/pin")
        alice.post(f"{API}/messages/{secret['id']}/pin")
        assert found(alice, "is:pinned vancomycin in:#town") == [town["id"]]
        assert sorted(found(alice, "is:pinned")) == sorted([town["id"], secret["id"]])
        assert found(carol, "is:pinned") == [town["id"]]  # never the private channel's pin
        alice.delete(f"{API}/messages/{town['id']}/pin")
        assert found(alice, "is:pinned") == [secret["id"]]
        assert found(carol, "is:pinned") == []
        assert len(found(alice, "vancomycin")) == 3  # unpinned, still found
    finally:
        service(app).close()


# History around a message ----------------------------------------------------------------


def test_history_around_a_message(app, people, login):
    alice = login("alice")
    ids = [post(alice, "town", f"Note {i}")["id"] for i in range(30)]
    reply = post(alice, "town", "A reply", thread_id=ids[10])["id"]

    def page(**params: Any) -> Any:
        response = alice.get(f"{API}/channels/town/messages", query_string=params)
        assert response.status_code == 200, response.json
        return response.json

    middle = page(around=ids[15], limit=10)
    assert [m["id"] for m in middle["messages"]] == ids[10:20]
    assert middle["has_more"] is True and middle["has_newer"] is True
    # Near either end, the short side lends its room to the other.
    assert [m["id"] for m in page(around=ids[1], limit=10)["messages"]] == ids[:10]
    newest = page(around=ids[-1], limit=10)
    assert [m["id"] for m in newest["messages"]] == ids[20:]
    assert newest["has_more"] is True and newest["has_newer"] is False
    # A reply is not in the channel's list: around it, the channel's page is where it was
    # posted (here: the newest), and inside its thread, the thread.
    assert [m["id"] for m in page(around=reply, limit=10)["messages"]] == ids[20:]
    thread = page(around=reply, thread_id=ids[10], limit=10)
    assert [m["id"] for m in thread["messages"]] == [ids[10], reply]
    assert thread["has_more"] is False and thread["has_newer"] is False
    # Paging on from there with after/before is unchanged.
    after = page(after=ids[19], limit=5)
    assert [m["id"] for m in after["messages"]] == ids[20:25] and after["has_more"] is True
    assert "has_newer" not in after
    assert [m["id"] for m in page(before=ids[10], limit=3)["messages"]] == ids[7:10]
    assert page(around=0, limit=3)["messages"][0]["id"] == ids[0]


@pytest.mark.parametrize(
    "params",
    [
        {"around": "x"},
        {"around": "-1"},
        {"around": "1", "after": "1"},
        {"around": "1", "before": "9"},
    ],
)
def test_bad_around_is_400(app, people, login, params):
    response = login("alice").get(f"{API}/channels/town/messages", query_string=params)
    assert response.status_code == 400
    assert response.json["error"]["code"] == "invalid_parameter"


def test_around_checks_access_like_history(app, people, login):
    alice, bob = login("alice"), login("bob")
    secret = post(alice, "council", "Council draft")["id"]
    hidden = bob.get(f"{API}/channels/council/messages", query_string={"around": secret})
    assert hidden.status_code == 404 and "Council draft" not in json.dumps(hidden.json)
    # A message id from another channel only positions the page: nothing from there shows.
    town = bob.get(f"{API}/channels/town/messages", query_string={"around": secret}).json
    assert "Council draft" not in json.dumps(town)


def test_message_page_links_open_the_app_or_404(app, people, login):
    alice, carol = login("alice"), login("carol")
    town = post(alice, "town", "Linkable")["id"]
    secret = post(alice, "council", "Not for carol")["id"]
    page = carol.get(f"/c/town/m/{town}")
    assert page.status_code == 200 and '"message": ' in page.get_data(as_text=True)
    moved = carol.get(f"/c/council/m/{town}")
    assert moved.status_code == 302 and moved.headers["Location"].endswith(f"/c/town/m/{town}")
    assert carol.get(f"/c/council/m/{secret}").status_code == 404
    assert carol.get(f"/c/town/m/{secret}").status_code == 404
    assert carol.get("/search?q=anything").status_code == 200
    assert app.test_client().get("/search").status_code == 302  # signed out: to sign-in
