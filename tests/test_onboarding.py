"""The first week that teaches (issue 17): onboarding plans ([onboarding] or an admin's
audited edit), a new physician's checklist with progress from what they did, dismissing
and restoring it, and reading-list tips due for review flagged to their owners. Through
the API (and the pages' forms), on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from physnet.config.onboarding import OnboardingSettings
from physnet.extensions import db
from physnet.models import AuditEvent, User

API = "/api/v1"
LONG_AGO = (datetime.now(UTC).date() - timedelta(days=400)).isoformat()


@pytest.fixture
def world(app: Any, factory: Any, login: Any) -> dict[str, Any]:
    factory.user("newdoc", specialty="Cardiology", department="Heart Center")
    factory.user("peds", specialty="Pediatrics")
    factory.user("superu", display_name="Dr. Super User", specialty="Cardiology")
    factory.user("writer")
    factory.user("root", role="admin")
    factory.channel("ehr-tips", members=("writer", "superu"))
    factory.channel("cardiology", members=("superu",))
    factory.channel("council", kind="private", members=("writer",))
    return {name: login(name) for name in ("newdoc", "peds", "superu", "writer", "root")}


def make_tip(api: Any, title: str, channel: str = "ehr-tips", **fields: Any) -> int:
    body = {"title": title, "body": "Use the order set favorites.", "channel": channel}
    response = api.post(f"{API}/tips", json={**body, **fields})
    assert response.status_code == 201, response.json
    return int(response.json["tip"]["id"])


def checklist(api: Any) -> dict[str, Any]:
    response = api.get(f"{API}/me/onboarding")
    assert response.status_code == 200, response.json
    return dict(response.json["onboarding"])


def step(found: dict[str, Any], key: str) -> dict[str, Any]:
    [match] = [s for s in found["steps"] if s["key"] == key]
    return dict(match)


def put_plans(api: Any, plans: Any) -> Any:
    return api.put(f"{API}/admin/onboarding", json={"plans": plans})


def test_checklist_progress_follows_what_the_person_did(app, world):
    writer, root, newdoc = world["writer"], world["root"], world["newdoc"]
    first = make_tip(writer, "Build your order set favorites")
    second = make_tip(writer, "Silence duplicate in-basket results")
    saved = put_plans(
        root,
        [
            {
                "department": "Heart Center",
                "channels": ["cardiology", "ehr-tips"],
                "tips": [second, first],
                "people": ["superu"],
            },
            {"channels": ["ehr-tips"], "tips": [first]},
        ],
    )
    assert saved.status_code == 200, saved.json
    assert saved.json["source"] == "admin" and len(saved.json["plans"]) == 2

    found = checklist(newdoc)
    assert found["plan"]["department"] == "Heart Center"
    assert [s["key"] for s in found["steps"]] == ["channels", "tips", "question", "people"]
    assert (found["done"], found["total"], found["complete"]) == (0, 4, False)
    tips = step(found, "tips")
    assert tips["label"] == "Read these 2 tips" and tips["progress"] == [0, 2]
    assert [t["id"] for t in tips["items"]] == [second, first]  # the plan's order

    # Reading a tip ticks it; reading one off the list changes nothing.
    assert newdoc.get(f"{API}/tips/{second}").status_code == 200
    assert step(checklist(newdoc), "tips")["progress"] == [1, 2]
    # Joining a channel, asking a question, opening the super-user's profile.
    assert newdoc.post(f"{API}/channels/cardiology/join").status_code in (200, 201)
    assert step(checklist(newdoc), "channels")["progress"] == [1, 2]
    asked = newdoc.post(
        f"{API}/channels/cardiology/messages",
        json={"body": "Where do I find the heparin order set?", "question": True},
    )
    assert asked.status_code == 201
    assert step(checklist(newdoc), "question")["done"] is True
    assert step(checklist(newdoc), "people")["done"] is False
    assert newdoc.get(f"{API}/users/superu").status_code == 200
    assert step(checklist(newdoc), "people")["done"] is True
    newdoc.get(f"{API}/tips/{first}")
    newdoc.post(f"{API}/channels/ehr-tips/join")
    found = checklist(newdoc)
    assert (found["done"], found["total"], found["complete"]) == (4, 4, True)

    # Someone else's progress is their own; "peds" matches no department: the plan for all.
    other = checklist(world["peds"])
    assert other["plan"] == {"department": "", "specialty": ""}
    assert step(other, "tips")["progress"] == [0, 1]


def test_a_tip_the_person_cannot_read_is_left_out(app, world):
    hidden = make_tip(world["writer"], "Council only", channel="council")
    shown = make_tip(world["writer"], "For everyone")
    assert put_plans(world["root"], [{"tips": [hidden, shown]}]).status_code == 200
    items = step(checklist(world["newdoc"]), "tips")["items"]
    assert [t["id"] for t in items] == [shown]


def test_specialty_plan_and_the_configuration_file(app, world):
    settings = app.config["PHYSNET"]
    app.config["PHYSNET"] = replace(
        settings,
        onboarding=OnboardingSettings(
            plans=(
                {"department": "", "specialty": "cardiology", "channels": ["cardiology"]}
                | {"tips": [], "people": ["superu"]},
                {"department": "", "specialty": "", "channels": ["ehr-tips"]}
                | {"tips": [], "people": []},
            )
        ),
    )
    listed = world["root"].get(f"{API}/admin/onboarding")
    assert listed.status_code == 200 and listed.json["source"] == "file"
    found = checklist(world["newdoc"])  # no department plan: the specialty's (case ignored)
    assert found["plan"]["specialty"] == "cardiology"
    assert [c["name"] for c in step(found, "channels")["items"]] == ["cardiology"]
    assert [c["name"] for c in step(checklist(world["peds"]), "channels")["items"]] == ["ehr-tips"]
    # An admin's edit overrides the file; null goes back to it. Both audited.
    assert (
        put_plans(world["root"], [{"specialty": "Cardiology", "channels": []}]).json["source"]
        == "admin"
    )
    back = put_plans(world["root"], None)
    assert back.status_code == 200 and back.json["source"] == "file"
    with app.app_context():
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.action == "onboarding.updated")
        ).all()
    assert len(actions) == 2


def test_dismiss_and_restore(app, world):
    newdoc = world["newdoc"]
    assert put_plans(world["root"], [{"channels": ["ehr-tips"]}]).status_code == 200
    assert checklist(newdoc)["dismissed"] is False
    dismissed = newdoc.post(f"{API}/me/onboarding/dismiss")
    assert dismissed.status_code == 200 and dismissed.json["onboarding"]["dismissed"] is True
    assert checklist(newdoc)["dismissed"] is True
    restored = newdoc.post(f"{API}/me/onboarding/restore")
    assert restored.json["onboarding"]["dismissed"] is False


def test_only_admins_edit_and_bad_plans_are_422(app, world):
    writer, root = world["writer"], world["root"]
    assert writer.get(f"{API}/admin/onboarding").status_code == 403
    assert put_plans(writer, []).status_code == 403
    for plans, code in (
        ("everything", "invalid_onboarding"),
        ([{"tips": ["one"]}], "invalid_onboarding"),
        ([{"department": "A", "specialty": "B"}], "invalid_onboarding"),
        ([{"colour": "red"}], "invalid_onboarding"),
        ([{"tips": [99999]}], "unknown_tip"),
        ([{"channels": ["no-such-channel"]}], "unknown_channel"),
        ([{"people": ["nobody"]}], "unknown_user"),
    ):
        response = put_plans(root, plans)
        assert response.status_code == 422, (plans, response.json)
        assert response.json["error"]["code"] == code
    missing = root.put(f"{API}/admin/onboarding", json={})
    assert missing.status_code == 400 and missing.json["error"]["code"] == "missing_field"
    assert root.get(f"{API}/admin/onboarding").json["source"] == "file"


def test_reading_list_tips_due_for_review_are_flagged(app, world, runner):
    writer = world["writer"]
    listed = make_tip(writer, "Downtime binder location", review_at=LONG_AGO)
    other = make_tip(writer, "Old shortcut", review_at=LONG_AGO)
    assert put_plans(world["root"], [{"tips": [listed]}]).status_code == 200
    item = step(checklist(world["newdoc"]), "tips")["items"][0]
    assert item["due_for_review"] is True
    result = runner.invoke(args=["tips", "remind"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        events = {
            e.target: e.details
            for e in db.session.scalars(
                select(AuditEvent).where(AuditEvent.action == "tip.review_reminded")
            )
        }
    assert events[f"tip:{listed}"]["reading_list"] is True
    assert events[f"tip:{other}"]["reading_list"] is False
    admin_page = world["root"].get("/admin/onboarding")
    assert admin_page.status_code == 200
    assert "Downtime binder location" in admin_page.get_data(as_text=True)


def test_welcome_page_and_the_app_link(app, world):
    newdoc = world["newdoc"]
    assert put_plans(world["root"], [{"channels": ["ehr-tips"]}]).status_code == 200
    page = newdoc.get("/welcome").get_data(as_text=True)
    assert "Getting started" in page and "Ask your first question" in page
    shell = newdoc.get("/").get_data(as_text=True)
    assert 'id="welcome-link"' in shell and 'id="welcome-menu"' in shell
    newdoc.post(f"{API}/me/onboarding/dismiss")
    shell = newdoc.get("/").get_data(as_text=True)
    assert 'id="welcome-link"' not in shell and 'id="welcome-menu"' in shell
    # An account older than [onboarding] new_days gets no link either.
    newdoc.post(f"{API}/me/onboarding/restore")
    with app.app_context():
        db.session.execute(
            update(User)
            .where(User.username == "newdoc")
            .values(created_at=datetime.now(UTC) - timedelta(days=90))
        )
        db.session.commit()
    assert 'id="welcome-link"' not in newdoc.get("/").get_data(as_text=True)
    assert world["writer"].get("/admin/onboarding").status_code == 404
