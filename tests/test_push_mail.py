"""The e-mail fallback against a real local SMTP server (aiosmtpd): content-free, only for
people with no push device, only while still unread, at most once per mention."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from typing import Any

import pytest
from mail_support import Inbox, smtp_inbox

from physnet.actions.push import mail
from physnet.config.push import MailSettings
from physnet.extensions import db

API = "/api/v1"
SECRET = "Use the downtime order set from the red binder"


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    with smtp_inbox() as received:
        yield received


def enable_mail(app: Any, inbox: Inbox, delay_minutes: float = 0) -> None:
    """Point the app at the SMTP server (the push dispatcher reads this at its next tick)."""
    app.config["PHYSNET"] = dataclasses.replace(
        app.config["PHYSNET"],
        mail=MailSettings(
            host="127.0.0.1",
            port=inbox.port,
            sender="physnet@example-health.org",
            delay_minutes=delay_minutes,
            public_url="https://physnet.example-health.org",
        ),
    )


def mailed(app: Any, inbox: Inbox, count: int) -> list[Any]:
    """Run the fallback (the dispatcher may run it too) until `count` mails arrived."""
    deadline = time.monotonic() + 10
    with app.app_context():
        while len(inbox.messages) < count and time.monotonic() < deadline:
            mail.send_due()
            time.sleep(0.05)
        mail.send_due()
    return inbox.messages


@pytest.fixture
def ward(factory: Any) -> None:
    factory.user("akim", display_name="Dr. Alex Kim", email="akim@example-health.org")
    factory.user("rpatel", display_name="Dr. Rohan Patel", email="rpatel@example-health.org")
    factory.channel("ehr-tips", members=("akim", "rpatel"))


def mention(api: Any, who: str, text: str = SECRET) -> dict[str, Any]:
    body = {"body": f"@{who} {text}", "client_msg_id": str(time.time())}
    response = api.post(f"{API}/channels/ehr-tips/messages", json=body)
    assert response.status_code == 201, response.json
    return response.json["message"]


def test_unread_mentions_are_mailed_once_without_content(app, ward, login, inbox):
    patel = login("rpatel")
    mention(patel, "akim")
    mention(patel, "akim", "and the second rule")
    enable_mail(app, inbox)
    [(to, message)] = mailed(app, inbox, 1)  # and no second one for the same mentions
    assert to == ["akim@example-health.org"]
    assert message["Subject"] == "2 new mentions in #ehr-tips"
    text = message.get_payload()
    assert "https://physnet.example-health.org/" in text
    for word in ("downtime", "binder", "second rule", "Patel"):
        assert word not in text and word not in message["Subject"]


def test_read_mentions_and_people_with_a_push_device_get_no_mail(app, ward, login, inbox):
    kim, patel = login("akim"), login("rpatel")
    message = mention(patel, "akim")
    assert kim.post(f"{API}/mentions/read", json={"up_to_id": message["id"]}).status_code == 200
    enable_mail(app, inbox)
    with app.app_context():
        assert mail.send_due() == 0
    # rpatel has a push device: pushes are for him, not mail.
    from physnet.actions.push.subscriptions import do_subscribe
    from physnet.models import User

    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.username == "rpatel"))
        do_subscribe(user, "http://127.0.0.1:9/push/x", "B" + "A" * 86, "A" * 22)
    mention(kim, "rpatel")
    with app.app_context():
        assert mail.send_due() == 0
    assert inbox.messages == []


def test_the_delay_waits_for_the_mention_to_age(app, ward, login, inbox):
    enable_mail(app, inbox, delay_minutes=30)
    mention(login("rpatel"), "akim")
    with app.app_context():
        assert mail.send_due() == 0
    assert inbox.messages == []
