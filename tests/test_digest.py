"""The weekly digest (issue 17 item 4): new tips and open questions a person could answer,
in the app or by mail through a real local SMTP server (aiosmtpd), once a week; tip titles,
channel names and links only, never a question's text; nothing a person may not read;
nothing for deactivated accounts or for a week with nothing new. SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from mail_support import Inbox, smtp_inbox
from sqlalchemy import func, select

from physnet.actions.digest.send import week_of
from physnet.config.push import MailSettings
from physnet.extensions import db
from physnet.models import Digest, DigestChoice, Tip, User, utcnow

from conftest import free_port

API = "/api/v1"
PUBLIC_URL = "https://physnet.example-health.org"
# Question text is a message, not a reviewed tip: it must never reach a digest.
QUESTION = "How do I build an in-basket pool for the cardiology clinic refills?"
PRIVATE_QUESTION = "Which council order set replaces the retired heparin panel?"


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    with smtp_inbox() as received:
        yield received


def mail_to(app: Any, port: int) -> None:
    app.config["PHYSNET"] = dataclasses.replace(
        app.config["PHYSNET"],
        site_name="Example Health PhysNet",
        mail=MailSettings(
            host="127.0.0.1",
            port=port,
            sender="physnet@example-health.org",
            public_url=PUBLIC_URL,
        ),
    )


@pytest.fixture
def world(factory: Any) -> None:
    # reader: Cardiology, Internal Medicine, expertise in-basket; member of #town only.
    factory.user(
        "reader",
        specialty="Cardiology",
        department="Internal Medicine",
        expertise="In-Basket",
        email="reader@example-health.org",
    )
    factory.user("cardio", specialty="Cardiology", department="Surgery")
    factory.user("derm", specialty="Dermatology", department="Dermatology")
    factory.user("medic", specialty="Nephrology", department="Internal Medicine")
    factory.user("gone", specialty="Cardiology", email="gone@example-health.org")
    factory.channel("town", members=("reader", "cardio", "derm", "gone"))
    factory.channel("lab", members=("cardio", "derm", "medic"))
    factory.channel("council", kind="private", members=("cardio", "derm", "gone"))


def tip(api: Any, channel: str, title: str, tags: tuple[str, ...] = ()) -> int:
    body = {"channel": channel, "title": title, "body": "Steps in the EHR.", "tags": list(tags)}
    response = api.post(f"{API}/tips", json=body)
    assert response.status_code == 201, response.json
    return int(response.json["tip"]["id"])


def ask(api: Any, channel: str, body: str) -> int:
    response = api.post(f"{API}/channels/{channel}/messages", json={"body": body, "question": True})
    assert response.status_code == 201, response.json
    return int(response.json["message"]["id"])


def send(runner: Any, *args: str, code: int = 0) -> str:
    result = runner.invoke(args=["digest", "send", *args])
    assert result.exit_code == code, result.output
    return str(result.output)


def later(minutes: float = 1) -> str:
    """A run's --now, `minutes` after a start just ahead of the clock; the runs of one test
    (up to 15 minutes apart) fall in one week, and a week later in the next one."""
    start = utcnow() + timedelta(minutes=1)
    if week_of(start + timedelta(minutes=15)) != week_of(start):
        start = datetime.combine(week_of(start + timedelta(minutes=15)), time(0, 1), UTC)
    return (start + timedelta(minutes=minutes)).isoformat()


def digest_rows(app: Any) -> list[tuple[str, str, str]]:
    with app.app_context():
        return [
            (username, d.delivery, d.status)
            for d, username in db.session.execute(
                select(Digest, User.username)
                .join(User, User.id == Digest.user_id)
                .order_by(User.username)
            )
        ]


def move_tip(app: Any, tip_id: int, days: float) -> None:
    """As if the tip were written `days` from now (the runs below act a week ahead)."""
    with app.app_context():
        found = db.session.get(Tip, tip_id)
        assert found is not None
        found.created_at = utcnow() + timedelta(days=days)
        db.session.commit()


def deactivate(app: Any, username: str) -> None:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        assert user is not None
        user.active = False
        db.session.commit()


def test_what_goes_in_and_what_never_does(app, world, login, runner):
    cardio, derm, medic, reader = login("cardio"), login("derm"), login("medic"), login("reader")
    in_town = tip(derm, "town", "Sign a batch of refill requests at once")  # reader's channel
    by_specialty = tip(cardio, "lab", "Cardiology order panel favourites")  # owner's specialty
    tagged = tip(derm, "lab", "Anticoagulation clinic smart phrases", ("cardiology",))  # tag
    by_department = tip(medic, "lab", "Internal medicine discharge shortcut")  # department
    unrelated = tip(derm, "lab", "Dermatology photo upload from the phone")
    private = tip(cardio, "council", "Council draft of the new CDS rule")
    own = tip(reader, "town", "My own tip")
    question = ask(cardio, "town", QUESTION)  # the asker's specialty is the reader's
    by_expertise = ask(derm, "lab", "Who knows the In-Basket quick actions for pools?")
    not_matching = ask(derm, "lab", "How do I crop a dermatology photo?")
    hidden = ask(cardio, "council", PRIVATE_QUESTION)
    deactivate(app, "gone")

    output = send(runner, "--now", later())
    assert "had nothing new" in output

    response = reader.get(f"{API}/me/digest")
    assert response.status_code == 200, response.json
    assert response.json["digest"]["mode"] == "app"
    latest = response.json["latest"]
    assert latest["delivery"] == "app" and latest["unread"] is True
    assert {t["id"] for t in latest["tips"]} == {in_town, by_specialty, tagged, by_department}
    assert {t["title"] for t in latest["tips"]} >= {"Cardiology order panel favourites"}
    assert {t["channel"] for t in latest["tips"]} == {"town", "lab"}
    assert all(t["url"] == f"/tips/{t['id']}" for t in latest["tips"])
    assert {q["id"] for q in latest["questions"]} == {question, by_expertise}
    assert all(
        set(q) == {"id", "channel", "status", "asked_at", "url"} for q in latest["questions"]
    )
    text = json.dumps(response.json)
    for never in (
        QUESTION,
        "In-Basket quick actions",
        PRIVATE_QUESTION,
        "Council draft",
        "My own tip",
    ):
        assert never not in text
    assert not {unrelated, private, own} & {t["id"] for t in latest["tips"]}
    assert not {not_matching, hidden} & {q["id"] for q in latest["questions"]}

    # Deactivated accounts get nothing; the authors got their own digests (others' tips).
    rows = digest_rows(app)
    assert "gone" not in {name for name, _, _ in rows}
    assert ("reader", "app", "sent") in rows

    # The line in Mentions & replies, counts only; opening the settings page reads it.
    line = reader.get(f"{API}/mentions").json["digest"]
    assert line == {
        **line,
        "tips": 4,
        "questions": 2,
        "unread": True,
        "url": "/settings/notifications",
    }
    page = reader.client.get("/settings/notifications")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Cardiology order panel favourites" in html and f'href="/c/town/m/{question}"' in html
    assert QUESTION not in html and "Council draft" not in html
    assert reader.get(f"{API}/mentions").json["digest"]["unread"] is False

    # Running it again the same week sends nobody a second digest.
    before = len(rows)
    output = send(runner, "--now", later(2))
    assert f"{before} already had this week's" in output
    assert len(digest_rows(app)) == before


def test_a_tip_deleted_or_a_channel_left_drops_out_of_the_page(app, world, login, runner):
    derm, reader = login("derm"), login("reader")
    kept = tip(derm, "town", "Refill protocol shortcut")
    removed = tip(derm, "town", "Old order set link")
    send(runner, "--now", later())
    assert derm.delete(f"{API}/tips/{removed}").status_code in (200, 204)
    assert [t["id"] for t in reader.get(f"{API}/me/digest").json["latest"]["tips"]] == [kept]


def test_nothing_new_sends_nothing_and_next_week_lists_only_what_is_new(app, world, login, runner):
    derm = login("derm")
    output = send(runner, "--now", later())
    assert "sent 0 in the app and 0 by e-mail" in output
    assert digest_rows(app) == []
    first = tip(derm, "town", "Co-sign queue filter")
    send(runner, "--now", later(2))
    assert ("reader", "app", "sent") in digest_rows(app)
    # A week on, with nothing new since: nothing; then a new tip: only that one.
    send(runner, "--now", later(7 * 24 * 60 + 3))
    assert len([r for r in digest_rows(app) if r[0] == "reader"]) == 1
    second = tip(derm, "town", "Note template for telehealth visits")
    move_tip(app, second, 7)
    send(runner, "--now", later(7 * 24 * 60 + 4))
    reader = login("reader")
    latest = reader.get(f"{API}/me/digest").json["latest"]
    assert [t["id"] for t in latest["tips"]] == [second] and first != second
    # The job deletes digests more than 12 weeks old.
    send(runner, "--now", later(14 * 7 * 24 * 60))
    assert digest_rows(app) == []


def test_the_choice_over_the_api_and_the_page(app, world, login, runner):
    reader, derm = login("reader"), login("derm")
    assert reader.get(f"{API}/me/digest").json["digest"] == {
        "mode": "app",
        "default": "app",
        "modes": ["off", "app", "email"],
        "has_email": True,
        "mail_enabled": False,
    }
    bad = reader.put(f"{API}/me/digest", json={"mode": "weekly"})
    assert bad.status_code == 422 and bad.json["error"]["code"] == "invalid_digest_mode"
    bad = reader.put(f"{API}/me/digest", json={"mode": 3})
    assert bad.status_code == 400 and bad.json["error"]["code"] == "invalid_type"
    bad = reader.put(f"{API}/me/digest", json=["off"])
    assert bad.status_code == 400 and bad.json["error"]["code"] == "invalid_json"
    no_address = derm.put(f"{API}/me/digest", json={"mode": "email"})
    assert no_address.status_code == 422
    assert no_address.json["error"]["code"] == "no_email_address"
    assert reader.put(f"{API}/me/digest", json={"mode": "off"}).json["digest"]["mode"] == "off"

    # Off: nothing, even with something new.
    tip(derm, "town", "Batch-sign lab results")
    send(runner, "--now", later())
    assert "reader" not in {name for name, _, _ in digest_rows(app)}

    # The settings page's form (CSRF-protected) sets it too.
    page = reader.client.get("/settings/notifications").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    forged = reader.client.post("/settings/notifications", data={"mode": "app"})
    assert forged.status_code == 400
    saved = reader.client.post(
        "/settings/notifications", data={"mode": "app", "csrf_token": token.group(1)}
    )
    assert saved.status_code == 302
    assert reader.get(f"{API}/me/digest").json["digest"]["mode"] == "app"
    wrong = reader.client.post(
        "/settings/notifications", data={"mode": "daily", "csrf_token": token.group(1)}
    )
    assert wrong.status_code == 422 and "is &#34;off&#34;" in wrong.get_data(as_text=True)


def test_by_mail_once_with_an_unsubscribe_link(app, world, login, runner, inbox, client):
    mail_to(app, inbox.port)
    reader, cardio = login("reader"), login("cardio")
    assert reader.put(f"{API}/me/digest", json={"mode": "email"}).status_code == 200
    tip_id = tip(cardio, "town", "Cardiology <b>order</b> panel favourites")
    question = ask(cardio, "town", QUESTION)

    output = send(runner, "--now", later())
    assert "1 by e-mail" in output
    assert len(inbox.messages) == 1
    [(to, mail)] = inbox.messages
    assert to == ["reader@example-health.org"]
    assert "Example Health PhysNet" in mail["Subject"] and "Example Health PhysNet" in mail["From"]
    plain = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    for part in (plain, html):
        assert f"{PUBLIC_URL}/tips/{tip_id}" in part
        assert f"{PUBLIC_URL}/c/town/m/{question}" in part
        assert "#town" in part and "Example Health PhysNet" in part
        assert QUESTION not in part and "cardiology clinic refills" not in part
        assert f"{PUBLIC_URL}/settings/notifications" in part
    assert "Cardiology <b>order</b> panel favourites" in plain
    assert "Cardiology &lt;b&gt;order&lt;/b&gt; panel favourites" in html  # escaped in HTML
    link = re.search(rf"{re.escape(PUBLIC_URL)}(/digest/unsubscribe/[\w.-]+)", plain)
    assert link is not None
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mail["List-Unsubscribe"] == f"<{PUBLIC_URL}{link.group(1)}>"

    # Twice in a week: no second mail.
    send(runner, "--now", later(2))
    assert len(inbox.messages) == 1

    # The link: opening it changes nothing (mail scanners open links); one click turns it
    # off, with no sign-in and no cookie (as a mail client's one-click unsubscribe posts).
    path = link.group(1)
    page = client.get(path)
    assert page.status_code == 200 and "Turn off the weekly digest" in page.get_data(as_text=True)
    assert reader.get(f"{API}/me/digest").json["digest"]["mode"] == "email"
    one_click = app.test_client().post(path, data={"List-Unsubscribe": "One-Click"})
    assert one_click.status_code == 200
    assert "is off" in one_click.get_data(as_text=True)
    assert reader.get(f"{API}/me/digest").json["digest"]["mode"] == "off"
    assert app.test_client().post(path).status_code == 200  # again: still off, no error

    # A forged or altered link turns nothing off.
    assert client.get(path[:-3] + "xyz").status_code == 404
    assert app.test_client().post("/digest/unsubscribe/not-a-token").status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(DigestChoice)) == 1


def test_a_failed_mail_is_reported_retried_then_shown_in_the_app(app, world, login, runner, inbox):
    mail_to(app, free_port())  # nothing listens there
    reader, cardio = login("reader"), login("cardio")
    reader.put(f"{API}/me/digest", json={"mode": "email"})
    tip(cardio, "town", "Refill pool routing")

    output = send(runner, "--now", later(), code=1)
    assert "1 digest mail(s) failed" in output
    assert ("reader", "email", "failed") in digest_rows(app)

    mail_to(app, inbox.port)  # the relay is back: the next run retries it
    send(runner, "--now", later(2))
    assert len(inbox.messages) == 1
    assert ("reader", "email", "sent") in digest_rows(app)

    # A relay down for good: after 3 attempts the digest is shown in the app instead.
    mail_to(app, free_port())
    next_week = 7 * 24 * 60
    move_tip(app, tip(cardio, "town", "Order set for the new week"), 7)
    send(runner, "--now", later(next_week + 1), code=1)
    send(runner, "--now", later(next_week + 2), code=1)
    output = send(runner, "--now", later(next_week + 3))
    assert "shown in the app instead" in output
    latest = reader.get(f"{API}/me/digest").json["latest"]
    assert (
        latest["delivery"] == "app" and latest["tips"][0]["title"] == "Order set for the new week"
    )


def test_dry_run_and_bad_input(app, world, login, runner):
    deactivate(app, "gone")
    tip(login("derm"), "town", "Shortcut for the problem list")
    output = send(runner, "--dry-run", "--now", later())
    assert "reader: 1 tip(s), 0 question(s), in the app" in output
    assert "would send 2 in the app" in output  # reader, cardio; not the deactivated
    assert digest_rows(app) == []
    result = runner.invoke(args=["digest", "send", "--now", "next monday"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "Error: --now must be an ISO date or time such as 2026-12-07T07:00, not 'next monday'."
    ]
    result = runner.invoke(args=["digest", "send", "--frequency", "daily"])
    assert result.exit_code == 2


def test_settings_digest_default_and_site_name(tmp_path):
    from physnet.config import ConfigError, load_settings

    environ = {"PHYSNET_INSTANCE": str(tmp_path)}
    with pytest.raises(ConfigError, match=r"\[digest\] default must be app or off"):
        load_settings({"digest": {"default": "email"}}, environ=environ)
    with pytest.raises(ConfigError, match=r"Unknown setting 'weekday' in \[digest\]"):
        load_settings({"digest": {"weekday": "monday"}}, environ=environ)
    with pytest.raises(ConfigError, match="site_name"):
        load_settings({"site_name": "  "}, environ=environ)
    settings = load_settings(
        environ={**environ, "PHYSNET_DIGEST_DEFAULT": "off", "PHYSNET_SITE_NAME": "Example  Health"}
    )
    assert settings.digest_default == "off" and settings.site_name == "Example Health"


def test_a_site_default_of_off_sends_only_to_who_chose(app, world, login, runner):
    app.config["PHYSNET"] = dataclasses.replace(app.config["PHYSNET"], digest_default="off")
    reader, derm = login("reader"), login("derm")
    assert reader.get(f"{API}/me/digest").json["digest"]["mode"] == "off"
    assert reader.put(f"{API}/me/digest", json={"mode": "app"}).status_code == 200
    tip(derm, "town", "Telehealth visit note template")
    send(runner, "--now", later())
    assert [name for name, _, _ in digest_rows(app)] == ["reader"]
    read = reader.post(f"{API}/me/digest/read")
    assert read.status_code == 200 and read.json["latest"]["unread"] is False
    signed_out = app.test_client()
    assert signed_out.get(f"{API}/me/digest").status_code == 401
    assert signed_out.get("/settings/notifications").status_code == 302
