"""The insights' precomputed figures (`physnet insights rollup`: search_days, active_weeks,
activity_weeks, first_posts) give the same figures as counting everything live, on SQLite
and PostgreSQL, including after a late answer, a deleted question and late searches."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, func, or_, select

from physnet.actions.insights import do_record_search, do_rollup_insights
from physnet.extensions import db
from physnet.models import (
    ActiveWeek,
    ActivityWeek,
    FirstPost,
    InsightRollup,
    Message,
    Question,
    SearchDay,
    SearchRecord,
)
from physnet.reads.insights import Period, insights

API = "/api/v1"
TODAY = datetime.now(UTC).date()
SINCE = TODAY - timedelta(days=40)


@pytest.fixture
def corpus(app: Any, factory: Any, login: Any) -> dict[str, int]:
    """Questions and replies by three people in two channels, spread over five weeks, and
    searches over the same days: about EHR workflows, never about a patient."""
    factory.user("ana", specialty="Cardiology", facility="Riverside")
    factory.user("ben", specialty="Nephrology", facility="Northgate")
    factory.user("cy", specialty="Cardiology")
    factory.user("boss", role="admin")
    factory.channel("order-sets", members=("ana", "ben", "cy"))
    factory.channel("shortcuts", members=("ana", "ben", "cy"))
    api = {name: login(name) for name in ("ana", "ben", "cy")}
    asked: dict[str, int] = {}
    plan = [  # (key, asker, channel, days ago, replier, hours to the reply, accepted)
        ("heparin", "ana", "order-sets", 33, "ben", 2.0, True),
        ("smartphrase", "ben", "shortcuts", 26, "cy", 30.0, True),
        ("discharge", "cy", "order-sets", 19, "ana", 5.0, False),
        ("pool", "ana", "shortcuts", 12, None, 0, False),
        ("printer", "ben", "order-sets", 5, "ana", 1.5, True),
        ("favorites", "cy", "shortcuts", 3, None, 0, False),
    ]
    for key, asker, channel, days, replier, hours, accepted in plan:
        root = post(api[asker], channel, f"How do I set up the {key} workflow?", question=True)
        asked[key] = root["id"]
        reply = None
        if replier:
            reply = post(api[replier], channel, f"The {key} navigator", thread_id=root["id"])
            if accepted:
                answer = api[asker].post(
                    f"{API}/messages/{root['id']}/answer", json={"message_id": reply["id"]}
                )
                assert answer.status_code == 200, answer.json
        at = datetime.now(UTC) - timedelta(days=days)
        with app.app_context():
            backdate(root["id"], at, None if reply is None else at + timedelta(hours=hours))
    with app.app_context():
        for days in range(0, 40, 3):
            day = TODAY - timedelta(days=days)
            do_record_search("order set heparin", days % 2, day=day)
            do_record_search("zzqx panel", 0, day=day)
        do_record_search("MRN 00123456 John Smith DOB 01/02/1960", 0, day=TODAY - timedelta(days=9))
    return asked


def post(api: Any, channel: str, body: str, **extra: Any) -> dict[str, Any]:
    response = api.post(f"{API}/channels/{channel}/messages", json={"body": body, **extra})
    assert response.status_code == 201, response.json
    return dict(response.json["message"])


def backdate(root_id: int, asked_at: datetime, replied_at: datetime | None) -> None:
    """Move a question and its thread back in time (the reply, and its acceptance, at
    `replied_at`)."""
    for message in db.session.scalars(
        select(Message).where(or_(Message.id == root_id, Message.thread_id == root_id))
    ):
        message.created_at = asked_at if message.id == root_id else replied_at or asked_at
    question = db.session.get(Question, root_id)
    assert question is not None
    question.asked_at = asked_at
    if question.first_reply_at is not None:
        question.first_reply_at = replied_at
    if question.answered_at is not None:
        question.answered_at = replied_at
    db.session.commit()


def served(login: Any) -> dict[str, Any]:
    response = login("boss").get(f"{API}/admin/insights", query_string={"since": SINCE.isoformat()})
    assert response.status_code == 200, response.json
    return dict(response.json)


def live(app: Any) -> dict[str, Any]:
    """The figures with nothing precomputed: every rollup table emptied, in a transaction
    that is rolled back afterwards."""
    with app.app_context():
        for table in (SearchDay, ActiveWeek, ActivityWeek, FirstPost, InsightRollup):
            db.session.execute(delete(table))
        figures = insights(Period(SINCE, TODAY))
        db.session.rollback()
    return figures


def rollup(app: Any) -> tuple[int, int]:
    with app.app_context():
        return do_rollup_insights()


def count(app: Any, table: Any) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(table)) or 0)


def test_rolled_up_figures_equal_the_live_ones(app, corpus, login):
    before = live(app)
    assert served(login) == before  # nothing rolled up yet: the same code, live
    assert before["questions"]["asked"] == 6 and before["questions"]["answered"] == 3
    assert before["searches"]["total"] == 29 and before["searches"]["flagged"] == 1

    read, days = rollup(app)
    assert read > 0 and days > 0
    assert count(app, SearchDay) == days and count(app, ActiveWeek) >= 5
    assert served(login) == before == live(app)
    assert rollup(app)[0] == 0  # idempotent: nothing new to read, the same figures
    assert served(login) == before


def test_late_answer_and_deleted_question_after_the_rollup(app, corpus, login):
    rollup(app)
    before = served(login)
    # A question asked three weeks ago, on days already rolled up, is answered now.
    ana = login("ana")
    discharge = corpus["discharge"]
    with app.app_context():
        reply = db.session.scalar(select(Message.id).where(Message.thread_id == discharge))
    answered = login("cy").post(f"{API}/messages/{discharge}/answer", json={"message_id": reply})
    assert answered.status_code == 200, answered.json
    after_answer = served(login)
    assert after_answer == live(app)
    assert after_answer["questions"]["answered"] == before["questions"]["answered"] + 1
    weekly = {w["week"]: w["answered"] for w in after_answer["questions"]["weekly"]}
    assert weekly[max(weekly)] >= 1  # counted in the week it was accepted: this one

    # A question deleted by its asker stays counted (it was asked); one purged with its
    # thread (retention removes the rows) is no longer, rolled up or not.
    assert ana.delete(f"{API}/messages/{corpus['heparin']}").status_code in (200, 204)
    assert served(login) == live(app)
    assert served(login)["questions"]["asked"] == 6
    with app.app_context():
        db.session.execute(delete(Message).where(Message.thread_id == corpus["printer"]))
        db.session.execute(delete(Question).where(Question.message_id == corpus["printer"]))
        db.session.execute(delete(Message).where(Message.id == corpus["printer"]))
        db.session.commit()
    purged = served(login)
    assert purged["questions"]["asked"] == 5
    assert purged["questions"] == live(app)["questions"]


def test_searches_after_the_rollup_are_counted(app, corpus, login):
    rollup(app)
    before = served(login)["searches"]
    with app.app_context():
        do_record_search("downtime binder", 0)  # today: after the rolled-up days, live
    today = served(login)
    assert today["searches"]["total"] == before["total"] + 1
    assert today == live(app)
    # A search recorded for a day already rolled up (the demo loader does that) is
    # counted once the next rollup has run.
    with app.app_context():
        do_record_search("downtime binder", 0, day=TODAY - timedelta(days=20))
    rollup(app)
    again = served(login)
    assert again["searches"]["total"] == before["total"] + 2
    assert again == live(app)
    tops = {t["query"]: t["count"] for t in again["searches"]["top_zero_result"]}
    assert tops["downtime binder"] == 2 and "00123456" not in str(again)


def test_rollup_cli_reports_both_parts(app, corpus, runner):
    result = runner.invoke(args=["insights", "rollup"])
    assert result.exit_code == 0, result.output
    assert "message ids" in result.output and "days of searches" in result.output
    with app.app_context():
        state = db.session.get(InsightRollup, 1)
        assert state is not None and state.searches_through == TODAY - timedelta(days=2)
        oldest = db.session.scalar(select(func.min(SearchRecord.day)))
        assert isinstance(oldest, date)
        rolled = db.session.scalar(select(func.sum(SearchDay.total)))
        counted = db.session.scalar(
            select(func.count()).where(SearchRecord.day <= state.searches_through)
        )
        assert rolled == counted
