"""Web Push as a browser's push service sees it: VAPID, aes128gcm, no message text,
availability, expired subscriptions, retries, and no request forgery through an endpoint."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import push_service
import pytest
from sqlalchemy import func, select

from physnet.actions.push import delivery
from physnet.actions.push.endpoints import EndpointRefused, check_endpoint, resolve
from physnet.extensions import db
from physnet.models import AuditEvent, PushOutbox, PushSubscription, UserAvailability

API = "/api/v1"
SECRET = "Star the sepsis order set under Favorites then pick the adult panel"


@pytest.fixture(autouse=True)
def loopback_push_hosts(monkeypatch: pytest.MonkeyPatch) -> None:
    """The stand-in push service listens on loopback: allow it (as tests only should)."""
    monkeypatch.setenv("PHYSNET_PUSH_ENDPOINT_HOSTS", "127.0.0.1")


@pytest.fixture
def service() -> Iterator[push_service.PushService]:
    svc = push_service.start()
    yield svc
    svc.stop()


@pytest.fixture
def ward(factory: Any) -> None:
    for name in ("akim", "rpatel", "lnguyen"):
        factory.user(name, display_name=f"Dr. {name[1:].title()}")
    factory.channel("ehr-tips", members=("akim", "rpatel", "lnguyen"))


def subscribe(api: Any, service: push_service.PushService) -> tuple[push_service.Subscription, int]:
    service.expect_key(api.get(f"{API}/push/key").json["public_key"])
    sub = service.subscribe()
    response = api.post(f"{API}/me/push-subscriptions", json=sub.as_json())
    assert response.status_code == 201, response.json
    return sub, response.json["subscription"]["id"]


def mention(api: Any, who: str, text: str = SECRET) -> dict[str, Any]:
    response = api.post(
        f"{API}/channels/ehr-tips/messages",
        json={"body": f"@{who} {text}", "client_msg_id": str(time.time())},
    )
    assert response.status_code == 201, response.json
    return response.json["message"]


def test_manifest_and_service_worker_are_served(client: Any) -> None:
    manifest = client.get("/manifest.webmanifest")
    assert manifest.status_code == 200
    assert manifest.mimetype == "application/manifest+json"
    data = json.loads(manifest.get_data())
    assert data["display"] == "standalone" and data["start_url"] == "/"
    sizes = {icon["sizes"] for icon in data["icons"]}
    assert {"192x192", "512x512"} <= sizes
    assert any("maskable" in icon.get("purpose", "") for icon in data["icons"])
    for icon in data["icons"]:
        response = client.get(icon["src"])
        assert response.status_code == 200 and response.mimetype == "image/png"
        response.close()
    sw = client.get("/sw.js")
    assert sw.status_code == 200 and sw.mimetype == "text/javascript"
    assert sw.headers["Service-Worker-Allowed"] == "/"
    assert "no-cache" in sw.headers["Cache-Control"]
    assert client.get("/offline").status_code == 200


def test_a_mention_arrives_signed_encrypted_and_without_the_message_text(ward, login, service):
    kim = login("akim")
    _sub, _ = subscribe(kim, service)
    message = mention(login("rpatel"), "akim")
    [push] = service.wait_for(1)
    assert service.rejected == []
    assert push.claims["aud"] == service.origin
    assert push.headers["content-encoding"] == "aes128gcm"
    assert push.payload["kind"] == "mention"
    assert push.payload["channel"] == "ehr-tips"
    assert push.payload["author"]["username"] == "rpatel"
    assert push.payload["url"] == f"/c/ehr-tips/m/{message['id']}"
    assert push.payload["badge"] == 1
    plaintext = push.plaintext.decode()
    for word in SECRET.split():
        if len(word) > 3:
            assert word.lower() not in plaintext.lower()
    assert push.headers["topic"].startswith("c") and len(push.headers["topic"]) <= 32
    with kim.client.application.app_context():  # recorded once the answer is back
        deadline = time.monotonic() + 30
        while True:
            events = db.session.scalars(
                select(AuditEvent).where(AuditEvent.action == "push.sent")
            ).all()
            if events or time.monotonic() > deadline:
                break
            db.session.remove()
            time.sleep(0.05)
        assert len(events) == 1 and "sepsis" not in events[0].detail.lower()


def test_off_duty_means_no_push_then_one_summary(ward, login, service):
    kim, nguyen = login("akim"), login("lnguyen")
    kim_sub, _ = subscribe(kim, service)
    nguyen_sub, _ = subscribe(nguyen, service)
    until = (datetime.now(UTC) + timedelta(hours=3)).isoformat()
    answer = kim.put(f"{API}/me/availability", json={"status": "off_duty", "until": until})
    assert answer.status_code == 200 and answer.json["label"].startswith("off duty until ")
    patel = login("rpatel")
    mention(patel, "akim")
    mention(patel, "akim", "Second look at the in-basket rule")
    mention(patel, "lnguyen")  # delivered: proves the queue ran past the held ones
    service.wait_for(1, token=nguyen_sub.token)
    assert service.wait_for(1, timeout=1, token=kim_sub.token) == []
    with kim.client.application.app_context():
        held = db.session.scalar(select(UserAvailability.held))
        assert held == 2
    assert kim.put(f"{API}/me/availability", json={"status": "available"}).status_code == 200
    [summary] = service.wait_for(1, token=kim_sub.token)
    assert summary.payload["kind"] == "summary" and summary.payload["count"] == 2


def test_a_mention_of_someone_off_duty_tells_the_sender_once(ward, login):
    kim = login("akim")
    kim.put(f"{API}/me/availability", json={"status": "off_duty"})
    patel = login("rpatel")
    socket = patel.socket()
    mention(patel, "akim")
    mention(patel, "akim", "and the discharge checklist")
    received: list[dict[str, Any]] = []
    with kim.client.application.app_context():
        # Both mentions were handled once neither waits in the outbox's intake any more.
        assert eventually(
            lambda: not delivery.dispatcher().intake and _held_notices(socket, received)
        )
        time.sleep(0.5)
    _held_notices(socket, received)
    notices = [e for e in received if e["name"] == "availability_notice"]
    assert len(notices) == 1
    assert notices[0]["args"][0]["text"] == "Dr. Kim is off duty."


def _held_notices(socket: Any, into: list[dict[str, Any]]) -> bool:
    into.extend(socket.get_received())
    return any(e["name"] == "availability_notice" for e in into)


def eventually(check: Any, timeout: float = 30.0) -> bool:
    """Poll `check` (a fresh database session each time) until true or out of time."""
    deadline = time.monotonic() + timeout
    while True:
        if check():
            return True
        db.session.remove()
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)


def test_quiet_hours_hold_pushes_in_the_users_time_zone(ward, login, service):
    kim = login("akim")
    _sub, _ = subscribe(kim, service)
    now = datetime.now(UTC).astimezone(__import__("zoneinfo").ZoneInfo("Asia/Tokyo"))
    start, end = (
        (now - timedelta(hours=1)).strftime("%H:%M"),
        (now + timedelta(hours=1)).strftime("%H:%M"),
    )
    answer = kim.put(
        f"{API}/me/availability",
        json={
            "status": "available",
            "quiet_hours": {"start": start, "end": end, "time_zone": "Asia/Tokyo"},
        },
    )
    assert answer.status_code == 200, answer.json
    mention(login("rpatel"), "akim")
    with kim.client.application.app_context():
        assert eventually(lambda: db.session.scalar(select(UserAvailability.held)) == 1)
        assert db.session.scalar(select(func.count()).select_from(PushOutbox)) == 0


def test_a_410_from_the_push_service_drops_the_subscription(ward, login, service):
    kim = login("akim")
    sub, _sub_id = subscribe(kim, service)
    service.answer(sub, 410)
    mention(login("rpatel"), "akim")
    deadline = time.monotonic() + 30
    while (
        kim.get(f"{API}/me/push-subscriptions").json["subscriptions"]
        and time.monotonic() < deadline
    ):
        time.sleep(0.05)
    assert kim.get(f"{API}/me/push-subscriptions").json["subscriptions"] == []


def test_a_429_is_retried_with_backoff(ward, login, service, app):
    kim = login("akim")
    sub, _ = subscribe(kim, service)
    service.answer(sub, 429)
    mention(login("rpatel"), "akim")
    deadline = time.monotonic() + 30
    with app.app_context():
        while time.monotonic() < deadline:
            row = db.session.scalar(select(PushOutbox))
            if row is not None and row.attempts == 1:
                break
            db.session.remove()
            time.sleep(0.05)
        assert row is not None and row.attempts == 1
        assert row.next_attempt_at > datetime.now(UTC) + timedelta(seconds=2)
        row.next_attempt_at = datetime.now(UTC)  # time passes
        db.session.commit()
    delivery.dispatcher(app).kick()
    [push] = service.wait_for(1)
    assert push.payload["kind"] == "mention"


def test_an_endpoint_on_a_host_not_allowed_is_refused(ward, login, service):
    kim = login("akim")
    good = service.subscribe().as_json()
    for endpoint in (
        "https://push.attacker.example/x",
        "http://169.254.169.254/latest/meta-data",
        "https://127.0.0.1.attacker.example/x",
        "ftp://127.0.0.1/x",
    ):
        response = kim.post(f"{API}/me/push-subscriptions", json={**good, "endpoint": endpoint})
        assert response.status_code == 422, endpoint
        assert response.json["error"]["code"] == "push_endpoint_not_allowed"
    assert kim.get(f"{API}/me/push-subscriptions").json["subscriptions"] == []


def test_endpoint_rules_https_only_and_public_addresses_after_resolution() -> None:
    with pytest.raises(EndpointRefused):
        check_endpoint("http://push.example.org/x", ("push.example.org",))  # https only
    assert check_endpoint("https://a.notify.windows.com/w", (".notify.windows.com",))
    with pytest.raises(EndpointRefused):
        check_endpoint("https://notify.windows.com.evil.example/w", (".notify.windows.com",))
    # Allowed by name, but a private or link-local address: refused when sending.
    for address in ("10.1.2.3", "192.168.0.10", "169.254.169.254", "100.64.0.1", "::ffff:10.0.0.1"):
        with pytest.raises(EndpointRefused):
            host = f"[{address}]" if ":" in address else address
            resolve(f"https://{host}/push", (address,))


def test_bad_keys_are_refused_and_i_can_remove_my_device(ward, login, service):
    kim = login("akim")
    good = service.subscribe().as_json()
    bad = {**good, "keys": {"p256dh": "AAAA", "auth": good["keys"]["auth"]}}
    assert kim.post(f"{API}/me/push-subscriptions", json=bad).status_code == 422
    _, sub_id = subscribe(kim, service)
    assert login("rpatel").delete(f"{API}/me/push-subscriptions/{sub_id}").status_code == 404
    assert kim.delete(f"{API}/me/push-subscriptions/{sub_id}").status_code == 204
    assert kim.get(f"{API}/me/push-subscriptions").json["subscriptions"] == []


def test_availability_input_is_checked(ward, login):
    kim = login("akim")
    for body, code in (
        ({"status": "away"}, "invalid_status"),
        ({"status": "busy", "until": "2030-01-01T07:00:00Z"}, "invalid_until"),
        ({"status": "off_duty", "until": "tomorrow"}, "invalid_time"),
        (
            {"status": "available", "quiet_hours": {"start": "25:00", "end": "07:00"}},
            "invalid_quiet_hours",
        ),
        (
            {
                "status": "available",
                "quiet_hours": {"start": "22:00", "end": "07:00", "time_zone": "Mars/Base"},
            },
            "invalid_time_zone",
        ),
    ):
        response = kim.put(f"{API}/me/availability", json=body)
        assert 400 <= response.status_code < 500, body
        assert response.json["error"]["code"] == code, response.json


def test_pushes_to_one_conversation_collapse_while_waiting(ward, login, service, app):
    kim = login("akim")
    subscribe(kim, service)
    with app.app_context():
        sub = db.session.scalar(select(PushSubscription))
        from physnet.actions.push.queue import enqueue
        from physnet.db.transaction import atomic

        later = datetime.now(UTC) + timedelta(hours=1)
        with atomic():
            for n in range(3):
                enqueue([sub.id], {"kind": "message", "n": n}, "c1", later)
        rows = db.session.scalars(select(PushOutbox)).all()
        assert len(rows) == 1 and json.loads(rows[0].payload)["n"] == 2


def test_a_profile_shows_off_duty_until_in_the_persons_time_zone(ward, login):
    kim = login("akim")
    kim.put(
        f"{API}/me/availability",
        json={
            "status": "available",
            "quiet_hours": {"start": "22:00", "end": "06:00", "time_zone": "America/Chicago"},
        },
    )
    assert login("rpatel").get(f"{API}/users/akim").json["user"]["availability"] == ""
    until = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=2)
    kim.put(f"{API}/me/availability", json={"status": "off_duty", "until": until.isoformat()})
    local = until.astimezone(__import__("zoneinfo").ZoneInfo("America/Chicago"))
    profile = login("rpatel").get(f"{API}/users/akim").json["user"]
    assert profile["availability"] == f"off duty until {local:%H:%M}"
