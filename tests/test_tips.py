"""Knowledge tips through the API, on SQLite and PostgreSQL: create, promote, edit, endorse,
verify, delete, listings, review reminders, live events and search.

The world: #ehr-tips is public (alice and bob are members, mona moderates it); #council is
private (alice only); carol belongs nowhere; root is a global admin who is a member of nothing.
"""

from __future__ import annotations

import json
import re
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from physnet.extensions import db
from physnet.models import AuditEvent, Tip, TipEdit, TipEndorsement, TipReminder
from physnet.search import service

API = "/api/v1"
TODAY = datetime.now(UTC).date()
LONG_AGO = (TODAY - timedelta(days=400)).isoformat()


@pytest.fixture
def world(app: Any, factory: Any, login: Any) -> dict[str, Any]:
    for name in ("alice", "bob", "carol", "mona"):
        factory.user(name, display_name=f"Dr. {name.title()}")
    factory.user("root", role="admin")
    factory.channel("ehr-tips", members=("alice", "bob"), moderators=("mona",))
    factory.channel("council", kind="private", members=("alice",))
    return {name: login(name) for name in ("alice", "bob", "carol", "mona", "root")}


def make_tip(api: Any, channel: str = "ehr-tips", **fields: Any) -> dict[str, Any]:
    body = {
        "title": "Silence duplicate In Basket results",
        "body": "Use **Quick Actions** > *Done* on the results folder.",
        "tags": ["epic-in-basket", "Results"],
        "channel": channel,
        **fields,
    }
    response = api.post(f"{API}/tips", json=body)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.json["tip"]


def post_message(api: Any, channel: str, body: str, thread_id: int | None = None) -> int:
    data: dict[str, Any] = {"body": body}
    if thread_id:
        data["thread_id"] = thread_id
    response = api.post(f"{API}/channels/{channel}/messages", json=data)
    assert response.status_code == 201, response.get_data(as_text=True)
    return int(response.json["message"]["id"])


def assert_error(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.json["error"]["code"] == code
    assert response.json["error"]["message"].strip().endswith(".")


def count(app: Any, model: Any) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model)) or 0


# Creating and reading -------------------------------------------------------------------------


def test_create_then_read_the_tip_json(app: Any, world: dict[str, Any]) -> None:
    tip = make_tip(world["alice"])
    assert tip["title"] == "Silence duplicate In Basket results"
    assert tip["tags"] == ["epic-in-basket", "results"]  # normalized, stored sorted
    assert "<strong>Quick Actions</strong>" in tip["html"]
    assert tip["channel"] == "ehr-tips"
    assert tip["owner"] == {"username": "alice", "display_name": "Dr. Alice"}
    assert tip["endorsements"] == 0 and tip["endorsed_by_me"] is False
    assert tip["verified"] is None
    assert tip["review_at"] == (TODAY + timedelta(days=365)).isoformat()
    assert tip["out_of_date"] is False
    assert tip["source_message_id"] is None and tip["thread_id"] is None
    assert tip["created_at"].endswith("Z") and tip["updated_at"].endswith("Z")
    assert tip["permissions"] == {"edit": True, "verify": False}

    seen = world["bob"].get(f"{API}/tips/{tip['id']}").json["tip"]
    assert seen["permissions"] == {"edit": False, "verify": False}
    assert seen["title"] == tip["title"]
    by_mod = world["mona"].get(f"{API}/tips/{tip['id']}").json["tip"]
    assert by_mod["permissions"] == {"edit": True, "verify": True}


def test_raw_html_in_a_tip_is_shown_as_text(world: dict[str, Any]) -> None:
    tip = make_tip(world["alice"], body="<script>alert(1)</script> and [x](javascript:alert(1))")
    assert "<script>" not in tip["html"]
    assert 'href="javascript' not in tip["html"]


@pytest.mark.parametrize(
    ("fields", "status", "code"),
    [
        ({"title": ""}, 422, "empty_title"),
        ({"title": "   "}, 422, "empty_title"),
        ({"title": "x" * 201}, 422, "title_too_long"),
        ({"body": " \n"}, 422, "empty_body"),
        ({"body": "x" * 10_001}, 422, "body_too_long"),
        ({"tags": [f"tag-{i}" for i in range(21)]}, 422, "too_many_tags"),
        ({"tags": ["Epic In Basket"]}, 422, "invalid_tag"),
        ({"tags": ["order_sets"]}, 422, "invalid_tag"),
        ({"tags": ["-leading"]}, 422, "invalid_tag"),
        ({"tags": ["double--hyphen"]}, 422, "invalid_tag"),
        ({"tags": [""]}, 422, "invalid_tag"),
        ({"tags": ["x" * 51]}, 422, "invalid_tag"),
        ({"tags": "epic"}, 400, "invalid_type"),
        ({"tags": [1, 2]}, 400, "invalid_type"),
        ({"title": 5}, 400, "invalid_type"),
        ({"body": None}, 400, "invalid_type"),
        ({"review_at": "next year"}, 422, "invalid_review_at"),
        ({"review_at": "2027-02-30"}, 422, "invalid_review_at"),
        ({"channel": "no-such-channel"}, 404, "unknown_channel"),
        ({"channel": ["ehr-tips"]}, 400, "invalid_type"),
    ],
)
def test_bad_input_is_refused_with_a_code_and_a_sentence(
    app: Any, world: dict[str, Any], fields: dict[str, Any], status: int, code: str
) -> None:
    body = {"title": "T", "body": "B", "tags": [], "channel": "ehr-tips", **fields}
    assert_error(world["alice"].post(f"{API}/tips", json=body), status, code)
    assert count(app, Tip) == 0


def test_tips_are_added_by_members_of_the_channel(app: Any, world: dict[str, Any]) -> None:
    body = {"title": "T", "body": "B", "channel": "ehr-tips"}
    assert_error(world["carol"].post(f"{API}/tips", json=body), 403, "not_a_member")
    hidden = world["bob"].post(f"{API}/tips", json={**body, "channel": "council"})
    assert_error(hidden, 404, "unknown_channel")
    assert count(app, Tip) == 0


def test_twenty_tags_are_fine_and_repeats_count_once(world: dict[str, Any]) -> None:
    tags = [f"tag-{i}" for i in range(20)] + ["tag-0", "#TAG-1"]
    assert len(make_tip(world["alice"], tags=tags)["tags"]) == 20


def test_a_private_channel_tip_is_hidden_exactly_like_a_missing_one(
    app: Any, world: dict[str, Any]
) -> None:
    secret = make_tip(world["alice"], channel="council", title="Council-only build plan")
    for who in ("bob", "carol", "root"):
        api = world[who]
        for method, suffix in (
            ("GET", ""),
            ("PATCH", ""),
            ("DELETE", ""),
            ("GET", "/history"),
            ("POST", "/endorse"),
            ("DELETE", "/endorse"),
            ("POST", "/verify"),
        ):
            hidden = api.request(method, f"{API}/tips/{secret['id']}{suffix}", json={"title": "x"})
            missing = api.request(method, f"{API}/tips/987654{suffix}", json={"title": "x"})
            assert hidden.status_code == missing.status_code == 404
            assert hidden.json["error"]["code"] == missing.json["error"]["code"] == "unknown_tip"
            assert hidden.json["error"]["message"].replace(str(secret["id"]), "N") == (
                missing.json["error"]["message"].replace("987654", "N")
            )
        listed = api.get(f"{API}/tips").json
        assert listed["tips"] == [] and listed["total"] == 0
        assert_error(
            api.get(f"{API}/tips", query_string={"channel": "council"}), 404, "unknown_channel"
        )
    assert world["alice"].get(f"{API}/tips").json["total"] == 1
    with app.app_context():
        assert db.session.get(Tip, secret["id"]).title == "Council-only build plan"


# Editing, history, deleting -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status", "code"),
    [
        ("alice", 200, None),  # the owner
        ("mona", 200, None),  # the channel's moderator
        ("root", 200, None),  # staff
        ("bob", 403, "not_tip_owner"),  # another member
        ("carol", 403, "not_tip_owner"),  # a reader of the public channel
    ],
)
def test_who_may_edit_and_delete(world: dict[str, Any], who: str, status: int, code: str) -> None:
    tip = make_tip(world["alice"])
    edited = world[who].patch(f"{API}/tips/{tip['id']}", json={"title": "New title"})
    deleted = world[who].delete(f"{API}/tips/{tip['id']}")
    if code:
        assert_error(edited, status, code)
        assert_error(deleted, status, code)
        assert world["alice"].get(f"{API}/tips/{tip['id']}").json["tip"]["title"] == tip["title"]
    else:
        assert edited.status_code == 200 and edited.json["tip"]["title"] == "New title"
        assert deleted.status_code == 200
        assert_error(world["alice"].get(f"{API}/tips/{tip['id']}"), 404, "unknown_tip")


def test_edits_keep_the_history_and_validate_like_create(app: Any, world: dict[str, Any]) -> None:
    tip = make_tip(world["alice"])
    url = f"{API}/tips/{tip['id']}"
    first = world["alice"].patch(url, json={"body": "Second version", "tags": ["order-sets"]})
    assert first.status_code == 200
    assert first.json["tip"]["tags"] == ["order-sets"]
    assert first.json["tip"]["html"] == "<p>Second version</p>"
    second = world["mona"].patch(url, json={"title": "Third title", "review_at": "2030-01-31"})
    assert second.json["tip"]["review_at"] == "2030-01-31"
    assert world["alice"].patch(url, json={"title": "Third title"}).status_code == 200  # no-op

    history = world["bob"].get(f"{url}/history").json["edits"]
    assert [(e["title"], e["body"], e["tags"], e["editor"]["username"]) for e in history] == [
        (tip["title"], tip["body"], ["epic-in-basket", "results"], "alice"),
        ("Silence duplicate In Basket results", "Second version", ["order-sets"], "mona"),
    ]
    assert_error(world["alice"].patch(url, json={"title": ""}), 422, "empty_title")
    assert_error(world["alice"].patch(url, json={"tags": ["a b"]}), 422, "invalid_tag")
    assert_error(world["alice"].patch(url, json=[1]), 400, "invalid_json")
    assert count(app, TipEdit) == 2


def test_every_change_is_audited(app: Any, world: dict[str, Any]) -> None:
    tip = make_tip(world["alice"])
    url = f"{API}/tips/{tip['id']}"
    world["alice"].patch(url, json={"title": "Renamed"})
    world["bob"].post(f"{url}/endorse")
    world["bob"].delete(f"{url}/endorse")
    world["mona"].post(f"{url}/verify")
    world["mona"].delete(f"{url}/verify")
    world["alice"].delete(url)
    with app.app_context():
        events = db.session.execute(
            select(AuditEvent.actor, AuditEvent.action, AuditEvent.target).order_by(AuditEvent.id)
        ).all()
    target = f"tip:{tip['id']}"
    assert [tuple(e) for e in events if e.target == target] == [
        ("user:alice", "tip.created", target),
        ("user:alice", "tip.edited", target),
        ("user:bob", "tip.endorsed", target),
        ("user:bob", "tip.unendorsed", target),
        ("user:mona", "tip.verified", target),
        ("user:mona", "tip.unverified", target),
        ("user:alice", "tip.deleted", target),
    ]


# Endorsing and verifying ----------------------------------------------------------------------


def test_endorsing_twice_counts_once_and_unendorsing_is_idempotent(
    app: Any, world: dict[str, Any]
) -> None:
    tip = make_tip(world["alice"])
    url = f"{API}/tips/{tip['id']}/endorse"
    for _ in range(2):
        response = world["bob"].post(url)
        assert response.status_code == 200
        assert response.json["tip"]["endorsements"] == 1
        assert response.json["tip"]["endorsed_by_me"] is True
    assert world["carol"].post(url).json["tip"]["endorsements"] == 2  # any reader may
    assert world["alice"].get(f"{API}/tips/{tip['id']}").json["tip"]["endorsed_by_me"] is False
    for _ in range(2):
        response = world["bob"].delete(url)
        assert response.json["tip"]["endorsements"] == 1
        assert response.json["tip"]["endorsed_by_me"] is False
    assert count(app, TipEndorsement) == 1


def _at_once(calls: list[Any]) -> list[Any]:
    """Run the calls in threads released together; return their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = calls[index]()
        except Exception as exc:  # reported by the assertion below
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def test_two_people_endorsing_at_once_both_count(
    app: Any, world: dict[str, Any], login: Any
) -> None:
    tip = make_tip(world["alice"])
    url = f"{API}/tips/{tip['id']}/endorse"
    bob, carol = login("bob"), login("carol")
    for _ in range(3):
        results = _at_once([lambda: bob.post(url), lambda: carol.post(url)])
        assert [r.status_code for r in results] == [200, 200], results
        bob.delete(url), carol.delete(url)
    results = _at_once([lambda: bob.post(url), lambda: carol.post(url)])
    assert world["alice"].get(f"{API}/tips/{tip['id']}").json["tip"]["endorsements"] == 2
    assert count(app, TipEndorsement) == 2


def test_one_person_endorsing_twice_at_once_stores_one_row(
    app: Any, world: dict[str, Any], login: Any
) -> None:
    tip = make_tip(world["alice"])
    url = f"{API}/tips/{tip['id']}/endorse"
    tabs = [login("bob") for _ in range(4)]  # four browser tabs of one person
    results = _at_once([lambda tab=tab: tab.post(url) for tab in tabs])
    assert [r.status_code for r in results] == [200] * 4, results
    assert {r.json["tip"]["endorsements"] for r in results} == {1}
    assert count(app, TipEndorsement) == 1
    with app.app_context():
        endorsed = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "tip.endorsed")
        ).all()
    assert len(endorsed) == 1


@pytest.mark.parametrize(
    ("who", "status", "code"),
    [
        ("mona", 200, None),
        ("root", 200, None),
        ("alice", 403, "not_a_moderator"),  # the owner is not a moderator
        ("bob", 403, "not_a_moderator"),
    ],
)
def test_only_moderators_and_staff_verify(
    world: dict[str, Any], who: str, status: int, code: str
) -> None:
    tip = make_tip(world["alice"], review_at=LONG_AGO)
    assert tip["out_of_date"] is True
    response = world[who].post(f"{API}/tips/{tip['id']}/verify")
    if code:
        assert_error(response, status, code)
        assert_error(world[who].delete(f"{API}/tips/{tip['id']}/verify"), status, code)
        return
    verified = response.json["tip"]
    assert verified["verified"]["by"]["username"] == who
    assert verified["verified"]["at"].endswith("Z")
    # Verifying is a review: the tip is current again for a year.
    assert verified["review_at"] == (TODAY + timedelta(days=365)).isoformat()
    assert verified["out_of_date"] is False
    cleared = world[who].delete(f"{API}/tips/{tip['id']}/verify").json["tip"]
    assert cleared["verified"] is None


# Promoting a message or a thread --------------------------------------------------------------


def test_promote_a_message_defaults_the_body_to_its_text_and_author(world: dict[str, Any]) -> None:
    root = post_message(world["bob"], "ehr-tips", "Use the **sepsis** order set from the ED")
    reply = post_message(world["alice"], "ehr-tips", "And sign the lactate order first", root)
    response = world["alice"].post(
        f"{API}/messages/{reply}/promote", json={"title": "Lactate first", "tags": ["order-sets"]}
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    tip = response.json["tip"]
    assert tip["body"] == "**Dr. Alice** (@alice):\n\nAnd sign the lactate order first"
    assert tip["source_message_id"] == reply and tip["thread_id"] == root
    assert tip["owner"]["username"] == "alice"

    whole = (
        world["bob"]
        .post(
            f"{API}/messages/{reply}/promote",
            json={"title": "Sepsis thread", "tags": [], "thread": True, "review_at": "2027-01-15"},
        )
        .json["tip"]
    )
    assert whole["body"] == (
        "**Dr. Bob** (@bob):\n\nUse the **sepsis** order set from the ED\n\n"
        "**Dr. Alice** (@alice):\n\nAnd sign the lactate order first"
    )
    assert whole["review_at"] == "2027-01-15" and whole["thread_id"] == root
    given = (
        world["bob"]
        .post(f"{API}/messages/{root}/promote", json={"title": "Mine", "body": "My own summary"})
        .json["tip"]
    )
    assert given["body"] == "My own summary"


def test_a_long_thread_is_cut_to_fit(world: dict[str, Any]) -> None:
    root = post_message(world["bob"], "ehr-tips", "Root " + "a" * 4000)
    for _ in range(3):
        post_message(world["alice"], "ehr-tips", "Reply " + "b" * 4000, root)
    tip = (
        world["bob"]
        .post(f"{API}/messages/{root}/promote", json={"title": "Long", "thread": True})
        .json["tip"]
    )
    assert len(tip["body"]) <= 10_000
    assert tip["body"].endswith("*(2 more message(s) in the conversation.)*")


def test_promote_is_refused_for_a_channel_the_promoter_cannot_read(
    app: Any, world: dict[str, Any]
) -> None:
    secret = post_message(world["alice"], "council", "Council-only draft")
    for who in ("bob", "root"):
        hidden = world[who].post(f"{API}/messages/{secret}/promote", json={"title": "Steal"})
        missing = world[who].post(f"{API}/messages/987654/promote", json={"title": "Steal"})
        assert_error(hidden, 404, "unknown_message")
        assert hidden.json["error"]["message"].replace(str(secret), "N") == (
            missing.json["error"]["message"].replace("987654", "N")
        )
        assert "Council" not in hidden.get_data(as_text=True)
    public = post_message(world["bob"], "ehr-tips", "Public advice")
    assert_error(
        world["carol"].post(f"{API}/messages/{public}/promote", json={"title": "T"}),
        403,
        "not_a_member",
    )
    world["bob"].delete(f"{API}/messages/{public}")
    assert_error(
        world["bob"].post(f"{API}/messages/{public}/promote", json={"title": "T"}),
        422,
        "message_deleted",
    )
    assert_error(
        world["bob"].post(f"{API}/messages/{public}/promote", json={"title": "T", "thread": 1}),
        400,
        "invalid_type",
    )
    assert count(app, Tip) == 0


# Listings -------------------------------------------------------------------------------------


def test_listings_by_channel_tag_owner_helpful_and_verified(world: dict[str, Any]) -> None:
    alice, bob, mona = world["alice"], world["bob"], world["mona"]
    first = make_tip(alice, title="First", tags=["epic-in-basket"])
    second = make_tip(bob, title="Second", tags=["order-sets", "epic-in-basket"])
    third = make_tip(alice, title="Third", tags=["cerner-powerchart"], channel="council")
    bob.post(f"{API}/tips/{first['id']}/endorse")
    mona.post(f"{API}/tips/{first['id']}/endorse")
    alice.post(f"{API}/tips/{second['id']}/endorse")
    mona.post(f"{API}/tips/{second['id']}/verify")

    def titles(api: Any, **params: Any) -> list[str]:
        response = api.get(f"{API}/tips", query_string=params)
        assert response.status_code == 200, response.get_data(as_text=True)
        if "page" not in params:
            assert response.json["total"] == len(response.json["tips"])
        assert response.json["page"] == int(params.get("page", 1))
        return [t["title"] for t in response.json["tips"]]

    assert titles(alice) == ["Third", "Second", "First"]
    assert titles(bob) == ["Second", "First"]
    assert titles(alice, channel="council") == ["Third"]
    assert titles(alice, tag="epic-in-basket") == ["Second", "First"]
    assert titles(alice, tag="EPIC-IN-BASKET") == ["Second", "First"]
    assert titles(alice, owner="alice") == ["Third", "First"]
    assert titles(bob, owner="alice") == ["First"]
    assert titles(alice, sort="helpful") == ["First", "Second", "Third"]
    assert titles(alice, sort="verified") == ["Second"]
    assert titles(alice, page=2) == []
    assert third["id"] > second["id"] > first["id"]
    listed = alice.get(f"{API}/tips", query_string={"sort": "helpful"}).json["tips"]
    assert [(t["endorsements"], t["endorsed_by_me"]) for t in listed] == [
        (2, False),
        (1, True),
        (0, False),
    ]
    for params, status, code in (
        ({"sort": "best"}, 400, "invalid_parameter"),
        ({"review": "soon"}, 400, "invalid_parameter"),
        ({"page": "-1"}, 400, "invalid_parameter"),
        ({"page": "99999999"}, 400, "invalid_parameter"),
        ({"tag": "bad tag"}, 422, "invalid_tag"),
        ({"owner": "nobody"}, 404, "unknown_user"),
        ({"owner": "NOT A NAME"}, 404, "unknown_user"),
        ({"channel": "no-such"}, 404, "unknown_channel"),
    ):
        assert_error(alice.get(f"{API}/tips", query_string=params), status, code)


def test_listing_a_page_takes_the_same_queries_for_two_tips_as_for_twenty(
    app: Any, world: dict[str, Any]
) -> None:
    from sqlalchemy import event

    def queries_for_listing() -> int:
        seen: list[str] = []
        with app.app_context():
            engine = db.engine
        listener = lambda *args: seen.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            assert world["alice"].get(f"{API}/tips").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(seen)

    for i in range(2):
        make_tip(world["bob"], title=f"Tip {i}", tags=[f"t{i}"])
    few = queries_for_listing()
    for i in range(2, 20):
        make_tip(world["bob"], title=f"Tip {i}", tags=[f"t{i}", "shared"])
    assert queries_for_listing() == few


# Review reminders -----------------------------------------------------------------------------


def test_review_reminders_reach_owner_and_moderators_once(
    app: Any, world: dict[str, Any], runner: Any
) -> None:
    alice, bob, mona = world["alice"], world["bob"], world["mona"]
    due = make_tip(alice, title="Old downtime procedure", review_at=LONG_AGO)
    make_tip(alice, title="Current tip")
    assert due["out_of_date"] is True
    sockets = {name: world[name].socket() for name in ("alice", "bob", "mona", "carol")}
    for sock in sockets.values():
        sock.get_received()

    result = runner.invoke(args=["tips", "remind"])
    assert result.exit_code == 0, result.output
    assert "sent 2 new reminder(s) about 1 tip(s)" in result.output
    for name in ("alice", "mona"):
        events = [e for e in sockets[name].get_received() if e["name"] == "tip_review"]
        assert len(events) == 1, name
        payload = events[0]["args"][0]
        assert payload["tip_id"] == due["id"]
        assert "Old downtime procedure" in payload["text"] and "#ehr-tips" in payload["text"]
        assert due["body"] not in json.dumps(payload)
    for name in ("bob", "carol"):
        assert not [e for e in sockets[name].get_received() if e["name"] == "tip_review"]

    again = runner.invoke(args=["tips", "remind"])
    assert again.exit_code == 0 and "sent 0 new reminder(s)" in again.output
    assert not [e for e in sockets["alice"].get_received() if e["name"] == "tip_review"]
    assert count(app, TipReminder) == 2

    def due_titles(api: Any) -> list[str]:
        return [t["title"] for t in api.get(f"{API}/tips?review=due").json["tips"]]

    assert due_titles(alice) == due_titles(mona) == ["Old downtime procedure"]
    assert due_titles(bob) == []
    # A review (verifying) starts a new period: the reminder is done with.
    mona.post(f"{API}/tips/{due['id']}/verify")
    assert due_titles(alice) == due_titles(mona) == []
    later = (TODAY + timedelta(days=800)).isoformat()
    result = runner.invoke(args=["tips", "remind", "--date", later])
    assert "sent 4 new reminder(s) about 2 tip(s)" in result.output


def test_remind_with_a_bad_date_exits_non_zero(runner: Any) -> None:
    result = runner.invoke(args=["tips", "remind", "--date", "tomorrow"])
    assert result.exit_code != 0
    assert "--date must be YYYY-MM-DD" in result.output


# Live events ----------------------------------------------------------------------------------


def test_tip_events_reach_the_channel_room_and_no_outsider(world: dict[str, Any]) -> None:
    bob_socket = world["bob"].socket()
    carol_socket = world["carol"].socket()  # not a member: not in the room
    alice_socket = world["alice"].socket()
    for sock in (bob_socket, carol_socket, alice_socket):
        sock.get_received()
    tip = make_tip(world["alice"])
    world["bob"].post(f"{API}/tips/{tip['id']}/endorse")
    world["alice"].patch(f"{API}/tips/{tip['id']}", json={"title": "Renamed"})
    secret = make_tip(world["alice"], channel="council", title="Council secret tip")
    world["alice"].delete(f"{API}/tips/{tip['id']}")

    received = [(e["name"], e["args"][0]) for e in bob_socket.get_received()]
    names = [name for name, _ in received]
    assert names == ["tip", "tip_updated", "tip_updated", "tip_deleted"]
    assert received[0][1]["title"] == tip["title"] and received[0][1]["endorsed_by_me"] is None
    assert received[1][1]["endorsements"] == 1
    assert received[2][1]["title"] == "Renamed"
    assert received[3][1] == {"id": tip["id"], "channel": "ehr-tips"}
    assert "Council secret tip" not in json.dumps(received)
    assert [e["name"] for e in carol_socket.get_received()] == []
    alice_names = [e["name"] for e in alice_socket.get_received()]
    assert alice_names.count("tip") == 2  # both channels
    assert secret["id"]


def test_tip_events_are_logged_so_a_returning_socket_catches_up_on_them(
    world: dict[str, Any],
) -> None:
    """`tip` and `tip_updated` come from committed change-log rows (issue 19): they carry an
    event id, and a socket that was away gets them from catch_up, as they were sent."""
    alice, bob = world["alice"], world["bob"]
    away = bob.socket()
    since = away.emit("catch_up", {"channel": "ehr-tips", "after": 0}, callback=True)
    assert since["ok"]
    away.disconnect()
    listening = alice.socket()
    listening.get_received()
    tip = make_tip(alice)
    assert bob.post(f"{API}/tips/{tip['id']}/endorse").status_code == 200
    live = listening.get_received()
    assert [e["name"] for e in live] == ["tip", "tip_updated"]
    assert [name for name, _ in listening.event_ids] == ["tip", "tip_updated"]

    back = bob.socket()
    ack = back.emit(
        "catch_up",
        {"channel": "ehr-tips", "after": 0, "since_event": since["last_event_id"]},
        callback=True,
    )
    replayed = [(e["event"], e["data"]) for e in ack["events"] if e["event"].startswith("tip")]
    assert [name for name, _ in replayed] == ["tip", "tip_updated"]
    assert [e["event_id"] for e in ack["events"] if e["event"].startswith("tip")] == [
        event_id for _, event_id in listening.event_ids
    ]
    assert replayed[0][1]["title"] == tip["title"] and replayed[0][1]["endorsements"] == 0
    assert replayed[1][1]["endorsements"] == 1


def test_endorsements_and_a_verify_at_the_same_moment_are_logged_in_order(
    app: Any, factory: Any, login: Any, world: dict[str, Any]
) -> None:
    """Each change's event reads the tip with every change committed before it: taken in
    event-id order (the log's, and catch_up's, order) the counts go 1, 2, ... N, and once
    the moderator's verify is in, no later event drops the mark (PostgreSQL runs these
    requests at once; each loaded the tip before the others committed)."""
    names = [f"doc{i}" for i in range(6)]
    for name in names:
        factory.user(name)  # ehr-tips is public: anyone who reads it may endorse
    tip = make_tip(world["alice"])
    listening = world["alice"].socket()
    listening.get_received()
    listening.event_ids.clear()
    calls = [(login(name), "endorse") for name in names] + [(world["mona"], "verify")]
    start = threading.Barrier(len(calls))
    codes: list[int] = []

    def change(client: Any, action: str) -> None:
        start.wait()
        codes.append(client.post(f"{API}/tips/{tip['id']}/{action}").status_code)

    threads = [threading.Thread(target=change, args=call) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert codes == [200] * len(calls)
    events = [e["args"][0] for e in listening.get_received()]
    assert len(events) == len(calls)
    in_order = [payload for _, payload in sorted(zip(listening.event_ids, events, strict=True))]
    counts = [payload["endorsements"] for payload in in_order]
    assert counts == sorted(counts) and sorted(set(counts) - {0}) == list(range(1, 7))
    verified = [payload["verified"] is not None for payload in in_order]
    assert verified == sorted(verified) and verified[-1]  # never unset once set


# Search ---------------------------------------------------------------------------------------


def test_tips_are_found_with_is_tip_through_the_real_index(app: Any, world: dict[str, Any]) -> None:
    try:
        tip = make_tip(
            world["alice"], title="Vancomycin pharmacy-to-dose order", body="Pick the protocol."
        )
        make_tip(world["alice"], channel="council", title="Vancomycin council secret")
        post_message(world["bob"], "ehr-tips", "vancomycin chatter about the order")
        service(app).indexer.catch_up()

        def search(api: Any, q: str) -> list[dict[str, Any]]:
            response = api.get(f"{API}/search", query_string={"q": q})
            assert response.status_code == 200, response.get_data(as_text=True)
            return list(response.json["results"])

        found = search(world["bob"], "is:tip vancomycin")
        assert [(r["type"], r["id"], r["title"]) for r in found] == [
            ("tip", tip["id"], "Vancomycin pharmacy-to-dose order")
        ]
        assert found[0]["channel"] == "ehr-tips"
        assert found[0]["author"]["username"] == "alice"
        assert "<mark>" in search(world["bob"], "is:tip protocol")[0]["snippet_html"]
        both = search(world["bob"], "vancomycin")
        assert [r["type"] for r in both] == ["tip", "message"]  # a tip ranks above chatter
        assert len(search(world["alice"], "is:tip vancomycin")) == 2
        assert [r["id"] for r in search(world["bob"], "is:tip from:@alice")] == [tip["id"]]

        world["alice"].patch(f"{API}/tips/{tip['id']}", json={"title": "Heparin nomogram"})
        service(app).indexer.catch_up()
        assert search(world["bob"], "is:tip vancomycin") == []
        assert [r["title"] for r in search(world["bob"], "is:tip heparin")] == ["Heparin nomogram"]
        world["alice"].delete(f"{API}/tips/{tip['id']}")
        service(app).indexer.catch_up()
        assert search(world["bob"], "is:tip heparin") == []
    finally:
        service(app).close()


# Garbage in -----------------------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=8,
)
TIP_FIELDS = st.fixed_dictionaries(
    {},
    optional={
        key: JSON_VALUES | st.text(max_size=300)
        for key in ("title", "body", "tags", "channel", "review_at", "thread")
    },
)


@settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    fields=TIP_FIELDS,
    query=st.dictionaries(
        st.sampled_from(["channel", "tag", "owner", "sort", "review", "page"]),
        st.text(max_size=20),
        max_size=4,
    ),
)
def test_garbage_never_gets_a_500(world: dict[str, Any], fields: Any, query: Any) -> None:
    alice = world["alice"]
    tip_id = make_tip(alice)["id"]
    message_id = post_message(alice, "ehr-tips", "A message to promote")
    for response in (
        alice.post(f"{API}/tips", json=fields),
        alice.patch(f"{API}/tips/{tip_id}", json=fields),
        alice.post(f"{API}/messages/{message_id}/promote", json=fields),
        alice.get(f"{API}/tips", query_string=query),
    ):
        assert response.status_code < 500, response.get_data(as_text=True)
        if response.status_code >= 400:
            error = response.json["error"]
            assert re.fullmatch(r"[a-z][a-z0-9_]*", error["code"]) and error["message"].strip()


def test_the_phi_guard_checks_tips_on_create_promote_and_edit(
    app: Any, world: dict[str, Any]
) -> None:
    alice = world["alice"]
    flagged = {
        "title": "Chart check",
        "body": "Look up MRN 4455123 before you sign the order set.",
        "tags": ["order-sets"],
        "channel": "ehr-tips",
    }
    refused = alice.post(f"{API}/tips", json=flagged)
    assert refused.status_code == 422
    error = refused.json["error"]
    assert error["code"] == "possible_phi" and error["findings"][0]["kind"] == "mrn"
    assert error["findings"][0]["field"] == "body"

    reason = "not a patient: a test record in the training environment"
    tip = make_tip(alice, **{**flagged, "phi_override_reason": reason})
    with app.app_context():
        overrides = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "phi.override")
        ).all()
    assert [e.target for e in overrides] == [f"tip:{tip['id']}"]
    assert "4455123" not in overrides[0].detail and reason in overrides[0].detail

    clean = make_tip(alice)
    edited = alice.patch(f"{API}/tips/{clean['id']}", json={"body": "Pt MRN 9911223 here"})
    assert edited.status_code == 422 and edited.json["error"]["code"] == "possible_phi"
    assert alice.get(f"{API}/tips/{clean['id']}").json["tip"]["body"] == clean["body"]
    retagged = alice.patch(f"{API}/tips/{clean['id']}", json={"tags": ["documentation"]})
    assert retagged.status_code == 200  # unchanged text is not scanned again

    message_id = post_message(alice, "ehr-tips", "Use the .SEPSISBUNDLE SmartPhrase")
    promoted = alice.post(
        f"{API}/messages/{message_id}/promote",
        json={"title": "Sepsis bundle", "body": "See MRN 4455123 for an example."},
    )
    assert promoted.status_code == 422 and promoted.json["error"]["code"] == "possible_phi"
