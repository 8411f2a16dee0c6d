"""Report abuse: reports have their own rate limit, and a channel can make a report from a
reader who never posted there wait for a moderator instead of hiding the message at once."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from physnet.extensions import db
from physnet.models import AuditEvent

from conftest import ApiClient, Factory

API = "/api/v1"


@pytest.fixture
def ward(factory: Any, login: Any) -> Any:
    for name in ("alice", "bob", "newcomer", "mod"):
        factory.user(name)
    factory.user("root", role="admin")
    factory.channel("ehr", members=("alice", "bob", "newcomer"), moderators=("mod",))
    return login


def post(api: Any, body: str) -> int:
    response = api.post(f"{API}/channels/ehr/messages", json={"body": body})
    assert response.status_code == 201, response.get_data(as_text=True)
    return int(response.json["message"]["id"])


def history(api: Any) -> list[int]:
    return [m["id"] for m in api.get(f"{API}/channels/ehr/messages").json["messages"]]


def report(api: Any, mid: int) -> Any:
    return api.post(f"{API}/messages/{mid}/report", json={"kind": "other", "reason": "spam"})


def test_reports_hide_at_once_by_default(ward: Any) -> None:
    alice, newcomer = ward("alice"), ward("newcomer")
    mid = post(alice, "Where is the vancomycin dosing order set?")
    response = report(newcomer, mid)
    assert response.status_code == 201
    assert response.json["report"]["message_hidden"] is True
    assert mid not in history(alice)


def test_a_newcomers_report_is_queued_when_the_channel_says_so(app: Flask, ward: Any) -> None:
    alice, bob, newcomer, mod = ward("alice"), ward("bob"), ward("newcomer"), ward("mod")
    setting = {"queue_newcomer_reports": True}
    refused = alice.patch(f"{API}/channels/ehr", json=setting)
    assert refused.status_code == 403 and refused.json["error"]["code"] == "not_moderator"
    bad = mod.patch(f"{API}/channels/ehr", json={"queue_newcomer_reports": "yes"})
    assert bad.status_code == 422
    changed = mod.patch(f"{API}/channels/ehr", json=setting)
    assert changed.status_code == 200 and changed.json["queue_newcomer_reports"] is True

    mid = post(alice, "Where is the vancomycin dosing order set?")
    sock = alice.socket()
    sock.get_received()
    response = report(newcomer, mid)  # never posted in #ehr: recorded, queued, still shown
    assert response.status_code == 201
    assert response.json["report"]["message_hidden"] is False
    assert mid in history(alice) and mid in history(bob)
    assert [e["name"] for e in sock.get_received()] == []
    [queued] = mod.get(f"{API}/moderation/reports").json["reports"]
    assert (queued["message"]["id"], queued["message_hidden"]) == (mid, False)
    with app.app_context():
        [row] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "message.report"))
        assert json.loads(row.detail)["hidden"] is False

    # Someone who posts in the channel is no newcomer: their report hides it at once.
    post(bob, "Under Orders > Order sets > Vancomycin.")
    assert report(bob, mid).json["report"]["message_hidden"] is True
    assert mid not in history(alice)
    deleted = [e for e in sock.get_received() if e["name"] == "message_deleted"]
    assert [e["args"][0]["id"] for e in deleted] == [mid]

    # A moderator releases it; off again, a newcomer's report hides at once.
    [first, _] = mod.get(f"{API}/moderation/reports").json["reports"]
    assert mod.post(f"{API}/moderation/reports/{first['id']}/release").status_code == 200
    assert mid in history(alice)
    assert (
        mod.patch(f"{API}/channels/ehr", json={"queue_newcomer_reports": False}).status_code == 200
    )
    assert report(newcomer, mid).json["report"]["message_hidden"] is True


def test_releasing_a_queued_report_sends_nothing_to_the_screens(ward: Any) -> None:
    alice, newcomer, mod = ward("alice"), ward("newcomer"), ward("mod")
    assert (
        mod.patch(f"{API}/channels/ehr", json={"queue_newcomer_reports": True}).status_code == 200
    )
    mid = post(alice, "Where is the vancomycin dosing order set?")
    report(newcomer, mid)
    sock = alice.socket()
    sock.get_received()
    [queued] = mod.get(f"{API}/moderation/reports").json["reports"]
    assert mod.post(f"{API}/moderation/reports/{queued['id']}/release").status_code == 200
    assert sock.get_received() == []  # it never left, so nothing comes back
    assert history(alice).count(mid) == 1


def test_reports_have_their_own_rate_limit(limited_app: Flask) -> None:
    factory = Factory(limited_app)
    for name in ("alice", "bob"):
        factory.user(name)
    factory.channel("ehr", members=("alice", "bob"))
    alice = ApiClient(limited_app.test_client(), "alice")
    bob = ApiClient(limited_app.test_client(), "bob")
    ids = [post(alice, f"Order set question number {n}") for n in range(11)]
    for mid in ids[:10]:
        assert report(bob, mid).status_code == 201
    refused = report(bob, ids[10])
    assert refused.status_code == 429
    assert refused.json["error"]["code"] == "rate_limited"
    assert int(refused.headers["Retry-After"]) >= 1
    assert ids[10] in history(alice)  # the refused report hid nothing


def test_a_moderators_report_still_hides_at_once(ward: Any) -> None:
    alice, mod, root = ward("alice"), ward("mod"), ward("root")
    assert (
        mod.patch(f"{API}/channels/ehr", json={"queue_newcomer_reports": True}).status_code == 200
    )
    first = post(alice, "Where is the vancomycin dosing order set?")
    second = post(alice, "And the heparin one?")
    assert report(mod, first).json["report"]["message_hidden"] is True  # never posted, moderates
    assert report(root, second).json["report"]["message_hidden"] is True  # an admin
    assert first not in history(alice) and second not in history(alice)
