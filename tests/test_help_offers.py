"""The "Can you help?" offers (issue 17): open questions with no reply after [questions]
help_after_hours are offered, once, to readers whose expertise or specialty matches, in
their Mentions & replies and as a content-free push; `physnet questions offer-help` runs it.
SQLite and PostgreSQL."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from physnet.actions.push import delivery
from physnet.extensions import db
from physnet.models import HelpOffer, PushOutbox, PushSubscription, Question, User, utcnow

API = "/api/v1"
BODY = "How do I build an in-basket pool for the anticoagulation clinic?"


@pytest.fixture
def people(factory: Any) -> None:
    factory.user("asker", specialty="Cardiology")
    factory.user("expert", specialty="Family Medicine", expertise="In-Basket, Order sets")
    factory.user("cardio", specialty="Cardiology")  # the asker's specialty
    factory.user("hema", specialty="Anticoagulation Clinic")  # named in the text
    factory.user("other", specialty="Dermatology", expertise="Shortcuts")  # no match
    factory.user("gone", specialty="Cardiology")
    factory.channel("town", members=("asker", "expert", "cardio", "other"))
    factory.channel("council", kind="private", members=("asker", "cardio"))


def ask(api: Any, channel: str, body: str = BODY) -> int:
    response = api.post(f"{API}/channels/{channel}/messages", json={"body": body, "question": True})
    assert response.status_code == 201, response.json
    return int(response.json["message"]["id"])


def age(app: Any, message_id: int, hours: float) -> None:
    with app.app_context():
        db.session.execute(
            update(Question)
            .where(Question.message_id == message_id)
            .values(asked_at=utcnow() - timedelta(hours=hours))
        )
        db.session.commit()


def offered(app: Any, message_id: int) -> set[str]:
    with app.app_context():
        return set(
            db.session.scalars(
                select(User.username)
                .join(HelpOffer, HelpOffer.user_id == User.id)
                .where(HelpOffer.message_id == message_id)
            )
        )


def offer_help(runner: Any) -> str:
    result = runner.invoke(args=["questions", "offer-help"])
    assert result.exit_code == 0, result.output
    return str(result.output)


def help_items(api: Any) -> list[dict[str, Any]]:
    response = api.get(f"{API}/mentions")
    assert response.status_code == 200, response.json
    return [item for item in response.json["items"] if item["kind"] == "help"]


def test_offered_once_to_matching_readers_not_the_asker(app, people, login, runner):
    asker = login("asker")
    public = ask(asker, "town")
    private = ask(asker, "council")
    with app.app_context():
        gone = db.session.scalar(select(User).where(User.username == "gone"))
        assert gone is not None
        gone.active = False
        db.session.commit()

    # Too young: nothing yet.
    assert "offered help to 0 person" in offer_help(runner)
    assert offered(app, public) == set()

    age(app, public, 25)
    age(app, private, 25)
    output = offer_help(runner)
    assert "Looked at 2 unanswered question(s)" in output
    # Expertise "In-Basket" and the specialty named in the text match in the open channel,
    # as does the asker's specialty; "other" matches nothing; "gone" is deactivated.
    assert offered(app, public) == {"expert", "cardio", "hema"}
    # The private channel: only its members who match (never someone who cannot read it).
    assert offered(app, private) == {"cardio"}

    # Idempotent: a second run offers nothing new.
    assert "offered help to 0 person" in offer_help(runner)
    with app.app_context():
        assert len(db.session.scalars(select(HelpOffer)).all()) == 4

    # It shows in Mentions & replies, unread, until the view is marked read.
    expert = login("expert")
    [item] = help_items(expert)
    assert item["message"]["id"] == public and item["unread"] is True
    assert item["message"]["question"]["status"] == "open"
    assert item["channel"]["name"] == "town"
    read = expert.post(f"{API}/mentions/read", json={"up_to_id": public})
    assert read.status_code == 200
    assert help_items(expert)[0]["unread"] is False
    assert help_items(login("other")) == []
    assert help_items(asker) == []
    assert {i["message"]["id"] for i in help_items(login("cardio"))} == {public, private}


def test_a_replied_or_answered_question_is_not_offered(app, people, login, runner):
    asker, cardio = login("asker"), login("cardio")
    replied = ask(asker, "town")
    cardio.post(
        f"{API}/channels/town/messages", json={"body": "Try the pool editor", "thread_id": replied}
    )
    own_reply = ask(asker, "town", "Where are the in-basket pool settings?")
    asker.post(
        f"{API}/channels/town/messages", json={"body": "Still looking", "thread_id": own_reply}
    )
    age(app, replied, 30)
    age(app, own_reply, 30)
    offer_help(runner)
    assert offered(app, replied) == set()
    # The asker's own reply is not an answer from someone else: still offered (no
    # anticoagulation in this text, so not to "hema").
    assert offered(app, own_reply) == {"expert", "cardio", "gone"}


def test_help_after_hours_and_push_is_content_free(app, people, login, runner):
    app.config["PHYSNET"] = replace(app.config["PHYSNET"], questions_help_after_hours=2)
    # Keep the queued pushes in the outbox to read them: a stopped dispatcher ignores the
    # kicks (one created later by the first post would send, and drop, the push).
    delivery.dispatcher(app).stop()
    with app.app_context():
        expert = db.session.scalar(select(User).where(User.username == "expert"))
        assert expert is not None
        db.session.add(
            PushSubscription(
                user_id=expert.id,
                endpoint="https://push.example.org/send/abc",
                endpoint_hash="0" * 64,
                p256dh="k" * 87,
                auth="a" * 22,
            )
        )
        db.session.commit()
    question = ask(login("asker"), "town")
    age(app, question, 1.5)
    offer_help(runner)
    assert offered(app, question) == set()
    age(app, question, 3)
    offer_help(runner)
    assert "expert" in offered(app, question)
    with app.app_context():
        [row] = db.session.scalars(select(PushOutbox)).all()
        payload = json.loads(row.payload)
    assert payload["kind"] == "help" and payload["channel"] == "town"
    assert payload["url"] == f"/c/town/m/{question}"
    assert "in-basket" not in row.payload.lower() and "anticoagulation" not in row.payload.lower()
    assert "Can you help?" in payload["text"]
    with app.app_context():  # the app badge the push carries counts the unread offer
        expert_id = db.session.scalar(select(User.id).where(User.username == "expert"))
        assert delivery._badges({expert_id}) == {expert_id: 1}


def test_help_after_hours_must_be_positive(tmp_path):
    from physnet.config import ConfigError, load_settings

    with pytest.raises(ConfigError, match="help_after_hours"):
        load_settings(
            {"questions": {"help_after_hours": 0}}, environ={"PHYSNET_INSTANCE": str(tmp_path)}
        )
    settings = load_settings(
        {"questions": {"help_after_hours": 6}}, environ={"PHYSNET_INSTANCE": str(tmp_path)}
    )
    assert settings.questions_help_after_hours == 6


def test_unread_offers_count_in_the_badge_until_read(app, people, login, runner):
    asker, expert = login("asker"), login("expert")
    public = ask(asker, "town")
    assert expert.get(f"{API}/mentions").json["unread_mentions"] == 0
    age(app, public, 25)
    offer_help(runner)
    assert expert.get(f"{API}/mentions").json["unread_mentions"] == 1
    # Mentioned in the offered question too: still one unread item, not two.
    mentioning = ask(asker, "town", "@expert how do I build an in-basket pool?")
    age(app, mentioning, 25)
    offer_help(runner)
    assert offered(app, mentioning) >= {"expert"}
    assert expert.get(f"{API}/mentions").json["unread_mentions"] == 2
    read = expert.post(f"{API}/mentions/read", json={"up_to_id": mentioning})
    assert read.status_code == 200 and read.json["unread_mentions"] == 0
    assert expert.get(f"{API}/mentions").json["unread_mentions"] == 0
    assert asker.get(f"{API}/mentions").json["unread_mentions"] == 0
