"""Questions and answers, the open-questions list, search records and the insights (issue
17), through the API on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from physnet.actions.insights import do_rollup_activity, normalized_query
from physnet.extensions import db
from physnet.models import ActivityWeek, AuditEvent, FirstPost, Question, SearchRecord
from physnet.search import service

API = "/api/v1"


@pytest.fixture
def people(factory: Any) -> None:
    factory.user("alice", specialty="Cardiology", facility="Riverside")
    factory.user("bob", specialty="Nephrology", facility="Northgate")
    factory.user("carol", specialty="Pediatrics")
    factory.user("mod", role="moderator")
    factory.user("boss", role="admin")
    factory.user("ana", role="analyst")
    factory.channel("town", members=("alice", "bob", "carol"))
    factory.channel("council", kind="private", members=("alice", "bob"))


def post(api: Any, channel: str, body: str, **extra: Any) -> dict[str, Any]:
    response = api.post(f"{API}/channels/{channel}/messages", json={"body": body, **extra})
    assert response.status_code == 201, response.json
    return dict(response.json["message"])


def open_ids(api: Any, **params: str) -> list[int]:
    response = api.get(f"{API}/questions", query_string=params)
    assert response.status_code == 200, response.json
    return [q["id"] for q in response.json["questions"]]


@pytest.fixture
def search_app(app: Any) -> Any:
    yield app
    service(app).close()


def wait_indexed(app: Any) -> None:
    service(app).indexer.catch_up()


def test_question_lifecycle_visibility_and_insights(app, people, login):
    alice, bob, carol = login("alice"), login("bob"), login("carol")
    asked = post(
        alice, "council", "How do I rebuild the heparin order set favorites?", question=True
    )
    assert asked["question"]["status"] == "open" and asked["question"]["answer_id"] is None
    public = post(bob, "town", "Where is the downtime binder for 4 West?", question=True)
    plain = post(bob, "town", "FYI the in-basket pool moved")
    assert plain["question"] is None

    # Listed for readers only: carol is not in the private channel.
    assert open_ids(alice) == [public["id"], asked["id"]]
    assert open_ids(carol) == [public["id"]]
    assert open_ids(alice, channel="town") == [public["id"]]
    assert open_ids(alice, specialty="Cardiology") == [asked["id"]]
    assert carol.get(f"{API}/questions?channel=council").status_code == 404

    reply = post(
        bob,
        "council",
        "Favorites: Preferences > Order sets, drag to reorder",
        thread_id=asked["id"],
    )
    own = post(alice, "council", "Thanks, trying it", thread_id=asked["id"])

    # Only the asker (or a moderator) chooses; a stranger cannot even see it.
    denied = bob.post(f"{API}/messages/{asked['id']}/answer", json={"message_id": reply["id"]})
    assert denied.status_code == 403 and denied.json["error"]["code"] == "not_the_asker"
    hidden = carol.post(f"{API}/messages/{asked['id']}/answer", json={"message_id": reply["id"]})
    assert hidden.status_code == 404
    wrong = alice.post(f"{API}/messages/{asked['id']}/answer", json={"message_id": plain["id"]})
    assert wrong.status_code == 422 and wrong.json["error"]["code"] == "not_a_reply"
    not_q = bob.post(f"{API}/messages/{plain['id']}/answer", json={"message_id": reply["id"]})
    assert not_q.status_code == 422 and not_q.json["error"]["code"] == "not_a_question"

    sock = alice.socket()
    sock.get_received()
    done = alice.post(f"{API}/messages/{asked['id']}/answer", json={"message_id": reply["id"]})
    assert done.status_code == 200, done.json
    assert done.json["message"]["question"]["status"] == "answered"
    assert done.json["message"]["question"]["answer_id"] == reply["id"]
    updates = [e["args"][0] for e in sock.get_received() if e["name"] == "message_updated"]
    assert [u["question"]["status"] for u in updates if u["id"] == asked["id"]] == ["answered"]
    assert open_ids(alice) == [public["id"]]
    assert open_ids(alice, status="answered") == [asked["id"]]
    assert own["id"] != reply["id"]

    with app.app_context():
        question = db.session.get(Question, asked["id"])
        assert question is not None and question.first_reply_at is not None
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.action.like("question.%"))
        ).all()
        assert actions == ["question.answered"]

    # Reopen, then answer again.
    reopened = alice.delete(f"{API}/messages/{asked['id']}/answer")
    assert reopened.json["message"]["question"]["status"] == "open"
    alice.post(f"{API}/messages/{asked['id']}/answer", json={"message_id": reply["id"]})

    # The insights count it and give a time to first answer.
    figures = login("boss").get(f"{API}/admin/insights").json
    assert figures["questions"]["asked"] == 2
    assert figures["questions"]["answered"] == 1
    assert figures["questions"]["median_hours_to_first_answer"] is not None
    assert figures["questions"]["answered_within_24h_share"] == 0.5
    by_channel = {g["name"]: g for g in figures["questions"]["by_channel"]}
    assert by_channel["council"]["answered"] == 1 and by_channel["town"]["answered"] == 0
    assert {g["name"] for g in figures["questions"]["by_specialty"]} == {"Cardiology", "Nephrology"}
    assert figures["questions"]["open_now"] == 1


def test_question_must_be_top_level_and_a_boolean(app, people, login):
    alice = login("alice")
    root = post(alice, "town", "Root")
    reply = alice.post(
        f"{API}/channels/town/messages",
        json={"body": "A reply", "thread_id": root["id"], "question": True},
    )
    assert reply.status_code == 422 and reply.json["error"]["code"] == "invalid_question"
    bad = alice.post(f"{API}/channels/town/messages", json={"body": "x", "question": "yes"})
    assert bad.status_code == 400


def test_moderator_may_accept_and_promote_to_tip(app, people, login):
    alice, bob, mod = login("alice"), login("bob"), login("mod")
    asked = post(
        alice,
        "town",
        "How do I add a SmartPhrase to my favorites?\n\nDetails below.",
        question=True,
    )
    reply = post(bob, "town", "Open SmartPhrase Manager and click the star.", thread_id=asked["id"])
    early = mod.post(f"{API}/messages/{asked['id']}/promote-question", json={})
    assert early.status_code == 409 and early.json["error"]["code"] == "not_answered"
    accepted = mod.post(f"{API}/messages/{asked['id']}/answer", json={"message_id": reply["id"]})
    assert accepted.status_code == 200
    promoted = alice.post(
        f"{API}/messages/{asked['id']}/promote-question", json={"tags": ["smartphrase"]}
    )
    assert promoted.status_code == 201, promoted.json
    tip = promoted.json["tip"]
    assert tip["title"] == "How do I add a SmartPhrase to my favorites?"
    assert tip["body"] == "Open SmartPhrase Manager and click the star."
    assert tip["source_message_id"] == asked["id"]


def test_search_operators_find_open_and_answered(search_app, people, login):
    app = search_app
    alice, bob = login("alice"), login("bob")
    first = post(alice, "town", "Question about the sepsis order set timing", question=True)
    second = post(alice, "town", "Question about the sepsis navigator layout", question=True)
    post(alice, "town", "Statement about the sepsis order set")
    reply = post(bob, "town", "Use the navigator", thread_id=second["id"])
    alice.post(f"{API}/messages/{second['id']}/answer", json={"message_id": reply["id"]})
    wait_indexed(app)

    def ids(q: str) -> set[int]:
        response = alice.get(f"{API}/search", query_string={"q": q})
        assert response.status_code == 200, response.json
        return {r["id"] for r in response.json["results"]}

    assert ids("sepsis is:question") == {first["id"], second["id"]}
    assert ids("sepsis is:open") == {first["id"]}
    assert ids("sepsis is:answered") == {second["id"]}
    found = alice.get(f"{API}/search", query_string={"q": "sepsis"}).json["results"]
    status = {r["id"]: r.get("question") for r in found}
    assert status[first["id"]] == "open" and status[second["id"]] == "answered"
    assert list(status.values()).count(None) == 1  # the statement


def test_searches_recorded_normalized_and_phi_never_kept(search_app, people, login):
    app = search_app
    alice, admin = login("alice"), login("boss")
    wait_indexed(app)
    for q in ("Downtime  BINDER in:town", "downtime binder", "zzqx order panel"):
        assert alice.get(f"{API}/search", query_string={"q": q}).status_code == 200
    phi_query = "MRN 00123456 John Smith DOB 01/02/1960"
    assert alice.get(f"{API}/search", query_string={"q": phi_query}).status_code == 200
    with app.app_context():
        kept = db.session.scalars(select(SearchRecord.query)).all()
        assert None in kept  # the flagged one was counted ...
        assert not any(q and ("00123456" in q or "smith" in q) for q in kept)  # ... not kept
    figures = admin.get(f"{API}/admin/insights").json["searches"]
    assert figures["total"] == 4 and figures["flagged"] == 1
    assert figures["zero_result"] == 4
    tops = {t["query"]: t["count"] for t in figures["top_zero_result"]}
    assert tops == {"downtime binder": 2, "zzqx order panel": 1}
    assert "00123456" not in str(figures)


def test_normalized_query_drops_operators_and_punctuation():
    assert (
        normalized_query('"Order  SET" in:ehr-tips -is:tip from:bob Heparin?')
        == "order set heparin"
    )
    assert normalized_query("in:town") == ""


def test_insights_only_for_admins_and_analysts(search_app, people, login):
    for name in ("alice", "mod"):
        response = login(name).get(f"{API}/admin/insights")
        assert response.status_code == 403 and response.json["error"]["code"] == "insights_only"
    alice = login("alice")
    wait_indexed(search_app)
    assert alice.get(f"{API}/search", query_string={"q": "zzqx panel"}).status_code == 200
    analyst = login("ana").get(f"{API}/admin/insights").json
    assert analyst["content"] is False
    assert "top_zero_result" not in analyst["searches"]
    assert analyst["searches"]["zero_result"] == 1
    bad = login("boss").get(f"{API}/admin/insights?since=2026-13-01")
    assert bad.status_code == 400 and bad.json["error"]["field"] == "since"
    reversed_ = login("boss").get(f"{API}/admin/insights?since=2026-02-01&until=2026-01-01")
    assert reversed_.status_code == 400


def test_rollup_and_live_activity_agree(app, people, login):
    alice, bob = login("alice"), login("bob")
    post(alice, "town", "one")
    post(bob, "town", "two")
    admin = login("boss")
    before = admin.get(f"{API}/admin/insights").json["people"]
    with app.app_context():
        assert do_rollup_activity() >= 2
        assert db.session.scalar(select(db.func.count()).select_from(ActivityWeek)) == 2
        assert db.session.scalar(select(db.func.count()).select_from(FirstPost)) == 2
        assert do_rollup_activity() == 0  # nothing new
    post(alice, "town", "three")  # after the watermark: counted live, not twice
    after = admin.get(f"{API}/admin/insights").json["people"]
    assert before["weekly_active"] == after["weekly_active"]
    assert after["weekly_active"][-1]["active"] == 2
    cohort = after["learning_period"][-1]
    assert cohort["accounts"] == 6 and cohort["median_days_to_first_message"] == 0


def test_time_to_answer_measured_from_the_asking(app, people, login):
    alice, bob = login("alice"), login("bob")
    asked = post(alice, "town", "Which printer prints wristbands on 5 East?", question=True)
    reply = post(bob, "town", "The Zebra by the nurses' station", thread_id=asked["id"])
    alice.post(f"{API}/messages/{asked['id']}/answer", json={"message_id": reply["id"]})
    with app.app_context():
        start = datetime.now(UTC) - timedelta(hours=30)
        db.session.execute(
            update(Question)
            .where(Question.message_id == asked["id"])
            .values(asked_at=start, first_reply_at=start + timedelta(hours=3))
        )
        db.session.commit()
    figures = (
        login("boss")
        .get(
            f"{API}/admin/insights",
            query_string={"since": (date.today() - timedelta(days=7)).isoformat()},
        )
        .json["questions"]
    )
    assert figures["median_hours_to_first_answer"] == 3.0
    assert 29.9 <= figures["median_hours_to_accepted_answer"] <= 30.5
    assert figures["answered_within_24h_share"] == 0.0


def test_insights_page_charts_csv_and_cli(app, people, login, runner):
    alice, bob = login("alice"), login("bob")
    asked = post(alice, "town", "=cmd question about order sets?", question=True)
    reply = post(bob, "town", "Answer", thread_id=asked["id"])
    alice.post(f"{API}/messages/{asked['id']}/answer", json={"message_id": reply["id"]})
    result = runner.invoke(args=["insights", "rollup"])
    assert result.exit_code == 0 and "Rolled up" in result.output
    admin = login("boss")
    page = admin.get("/admin/insights").get_data(as_text=True)
    assert page.count('<svg class="chart"') == 4
    assert "Weekly active physicians" in page and "Median time to first answer" in page
    assert login("alice").get("/admin/insights").status_code == 403
    analyst = login("ana").get("/admin/insights")
    assert analyst.status_code == 200 and "counts only" in analyst.get_data(as_text=True)
    # inside the admin console: its shell, Insights current; analysts see only their page
    assert 'class="sidebar"' in page and "Administration" in page
    assert 'href="/admin/insights" aria-current="page"' in page
    assert ">Insights</span></a>" in page and ">Accounts</span>" in page
    shown = analyst.get_data(as_text=True)
    assert ">Insights</span></a>" in shown
    for hidden in (">Accounts</span>", ">Moderation</span>", ">Audit log</span>"):
        assert hidden not in shown
    assert ">Insights</span>" in login("ana").get("/").get_data(as_text=True)  # app sidebar
    assert ">Insights</span>" not in alice.get("/").get_data(as_text=True)
    download = admin.get("/admin/insights.csv?table=by_channel")
    assert download.status_code == 200 and download.mimetype == "text/csv"
    lines = download.get_data(as_text=True).splitlines()
    assert lines[0].startswith("name,asked,answered") and lines[1].startswith("town,1,1")
    assert admin.get("/admin/insights.csv?table=nope").status_code == 404
    assert admin.get("/admin/insights?since=bad").status_code == 400


def test_demo_has_a_season_of_questions(app, runner, login, factory):
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0 and "new questions" in result.output, result.output
    factory.user("boss", role="admin")
    figures = login("boss").get(f"{API}/admin/insights").json
    weeks = [w for w in figures["questions"]["weekly"] if w["asked"]]
    assert len(weeks) >= 12  # a curve, not a point
    assert weeks[-1]["asked"] > weeks[0]["asked"]  # adoption grows
    assert 0 < figures["questions"]["answered"] < figures["questions"]["asked"]
    assert figures["questions"]["median_hours_to_first_answer"] is not None
    assert figures["searches"]["top_zero_result"]
    assert sum(w["active"] for w in figures["people"]["weekly_active"]) > 0
