"""The shipped deploy/nginx.conf in front of two gunicorn processes, on a non-443 port.

An administrator's copy changes only ports, certificates and upstream servers
(proxy_support.py checks that); through it a person signs in with the HTML form, opens a
websocket with the browser's cookie and Origin, and sees a message posted through the other
process arrive. Sticky routing: one route cookie, one process; and both processes in use.
"""

from __future__ import annotations

import logging
import re
import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
import socketio as socketio_client
from fault_support import GunicornServer, physnet_env, wait_until
from proxy_support import ADJUSTABLE, SHIPPED, Nginx, changed_lines

from physnet import create_app
from physnet.extensions import db

from conftest import PASSWORD, Factory, LiveServer, _settings, free_port

pytestmark = [pytest.mark.live, pytest.mark.xdist_group("proxy")]

CHANNEL = "order-sets"


@dataclass
class Site:
    nginx: Nginx
    servers: list[GunicornServer]
    access_logs: list[Path]
    factory: Factory

    @property
    def url(self) -> str:
        return self.nginx.url

    def session(self) -> requests.Session:
        http = requests.Session()
        http.trust_env = False  # REQUESTS_CA_BUNDLE would win over `verify`
        http.verify = str(self.nginx.cert)
        return http

    def upstream_of(self, http: requests.Session) -> int:
        """Which server process this session's route cookie lands on (its access log)."""
        probe = uuid.uuid4().hex
        assert http.get(f"{self.url}/healthz?probe={probe}").status_code == 200

        def found() -> int | None:
            hits = [
                i for i, p in enumerate(self.access_logs) if p.exists() and probe in p.read_text()
            ]
            return hits[0] + 1 if len(hits) == 1 else None

        return wait_until(found, 10, "the probe in an access log") - 1


@pytest.fixture
def site(tmp_path: Path, fresh_pg_url: str, redis_url: str) -> Iterator[Site]:
    https_port = free_port()
    public_url = f"https://127.0.0.1:{https_port}"
    # As deploy/physnet.env.example: behind one proxy, secure cookies, the public address.
    env = physnet_env(
        tmp_path,
        fresh_pg_url,
        PHYSNET_REDIS_URL=redis_url,
        PHYSNET_PROXY_HOPS="1",
        PHYSNET_SECURE_COOKIES="on",
        PHYSNET_PUBLIC_URL=public_url,
        PHYSNET_SECRET_KEY=secrets.token_hex(32),
    )
    logs = [tmp_path / "a-access.log", tmp_path / "b-access.log"]
    servers: list[GunicornServer] = []
    nginx = None
    app = create_app(_settings(tmp_path, fresh_pg_url))
    try:
        for name, log in zip("ab", logs, strict=True):
            servers.append(
                GunicornServer(name, tmp_path, {**env, "PHYSNET_ACCESS_LOG": str(log)}).start()
            )
        nginx = Nginx(
            tmp_path / "nginx", [s.port for s in servers], https_port, free_port()
        ).start()
        yield Site(nginx, servers, logs, Factory(app))
    finally:
        if nginx is not None:
            nginx.stop()
        for server in servers:
            server.stop()
        with app.app_context():
            db.engine.dispose()


def sign_in(site: Site, http: requests.Session, username: str) -> str:
    """Sign in through the HTML form as a browser does; returns the page's CSRF token."""
    page = http.get(site.url + "/login")
    assert page.status_code == 200
    token = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
    assert token, page.text[:500]
    answer = http.post(
        site.url + "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token.group(1)},
        headers={"Referer": site.url + "/login", "Origin": site.url},
        allow_redirects=False,
    )
    said = " ".join(re.sub(r"<[^>]+>", " ", answer.text).split())
    assert answer.status_code == 302, f"sign-in through nginx refused: {said[-300:]}"
    home = http.get(site.url + "/")
    assert home.status_code == 200
    token = re.search(r'name="csrf-token" content="([^"]+)"', home.text)
    assert token
    return token.group(1)


def open_socket(site: Site, http: requests.Session) -> tuple[Any, list[Any]]:
    """A websocket through nginx with the session's cookies and the browser's Origin."""
    received: list[Any] = []
    client = socketio_client.Client(
        reconnection=False, http_session=http, websocket_extra_options={"origin": site.url}
    )
    client.on("message", received.append)
    client.connect(site.url, transports=["websocket"], wait_timeout=10)
    return client, received


def test_the_test_copy_of_nginx_conf_changes_only_ports_certificates_and_upstreams(
    tmp_path: Path,
) -> None:
    nginx = Nginx(tmp_path, [8101, 8102], 9443, 9080)
    changed = changed_lines(SHIPPED.read_text(), nginx.config)
    assert changed, "the copy must at least move the ports"
    assert [line for line in changed if not ADJUSTABLE.match(line)] == []
    assert "include snippets/physnet-proxy-headers.conf;" in nginx.config


def test_sign_in_websocket_and_delivery_across_processes_through_the_shipped_nginx(
    site: Site,
) -> None:
    for name in ("alice", "bob"):
        site.factory.user(name)
    site.factory.channel(CHANNEL, members=("alice", "bob"))

    alice = site.session()
    sign_in(site, alice, "alice")
    assert {c.name for c in alice.cookies} >= {"physnet_session", "physnet_route"}
    alice_upstream = site.upstream_of(alice)

    client, received = open_socket(site, alice)
    try:
        # bob comes in on the other process: a route cookie nginx hashes there.
        bob = site.session()
        for _ in range(200):
            bob.cookies.set("physnet_route", uuid.uuid4().hex, domain="127.0.0.1")
            if site.upstream_of(bob) != alice_upstream:
                break
        else:
            raise AssertionError("no route cookie reached the other process")
        csrf = sign_in(site, bob, "bob")
        assert site.upstream_of(bob) != alice_upstream
        body = "The downtime order set is printed at the start of each shift"
        posted = bob.post(
            f"{site.url}/api/v1/channels/{CHANNEL}/messages",
            json={"body": body, "client_msg_id": "proxy-1"},
            headers={"X-CSRFToken": csrf, "Origin": site.url, "Referer": site.url + "/"},
        )
        assert posted.status_code == 201, posted.text
        wait_until(lambda: received, 10, "the message on alice's socket")
        assert received[0]["id"] == posted.json()["message"]["id"]
        assert received[0]["body"] == body
    finally:
        client.disconnect()


def test_the_socket_location_gets_the_browsers_host_and_scheme(site: Site) -> None:
    # What the app saw of a request to the socket's location (nginx drops server-level
    # proxy headers in a location that sets its own).
    check = site.session().get(site.url + "/socket.io/origin-check", params={"origin": site.url})
    seen = check.json()["seen"]
    assert (seen["host"], seen["scheme"]) == (f"127.0.0.1:{site.nginx.port}", "https")
    assert check.json()["accepted"] is True


def test_a_route_cookie_sticks_to_one_process_and_both_processes_serve(site: Site) -> None:
    seen: set[int] = set()
    for _ in range(20):
        http = site.session()
        http.cookies.set("physnet_route", uuid.uuid4().hex, domain="127.0.0.1")
        first = site.upstream_of(http)
        assert {site.upstream_of(http) for _ in range(3)} == {first}
        seen.add(first)
    assert seen == {0, 1}

    # A browser without a route cookie is given one, and keeps landing where it first did.
    fresh = site.session()
    answer = fresh.get(site.url + "/login")
    cookie = answer.headers["Set-Cookie"]
    assert "physnet_route=" in cookie and "Secure" in cookie and "HttpOnly" in cookie
    first = site.upstream_of(fresh)
    assert {site.upstream_of(fresh) for _ in range(3)} == {first}


def test_a_socket_from_another_origin_is_refused_through_nginx(site: Site) -> None:
    site.factory.user("alice")
    alice = site.session()
    sign_in(site, alice, "alice")
    client = socketio_client.Client(
        reconnection=False,
        http_session=alice,
        websocket_extra_options={"origin": "https://evil.example"},
    )
    with pytest.raises(socketio_client.exceptions.ConnectionError):
        client.connect(site.url, transports=["websocket"], wait_timeout=10)
    check = alice.get(
        site.url + "/socket.io/origin-check", params={"origin": "https://evil.example"}
    ).json()
    assert check["accepted"] is False
    assert check["accepted_origins"] == [site.url]


# --- misconfiguration explains itself --------------------------------------------------------


@pytest.mark.browser
def test_the_browser_says_the_origin_rule_refused_it_and_the_log_says_why(
    tmp_path: Path, sqlite_template: Path, new_page: Any
) -> None:
    """public_url names another address than the one the page is served from (a proxy that
    rewrites Host, or a forgotten public_url): the banner explains instead of retrying."""
    from playwright.sync_api import expect

    public = "https://physnet.example-health.org"
    server = LiveServer(tmp_path, sqlite_template, {"PHYSNET_PUBLIC_URL": public})
    try:
        server.factory.user("alice")
        page = new_page()
        sockets: list[Any] = []
        page.on("websocket", lambda ws: sockets.append(ws.url))
        page.goto(server.url + "/")
        page.get_by_label("Username").fill("alice")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()

        app = page.locator("#app")
        expect(app).to_have_attribute("data-live", "origin-refused", timeout=20_000)
        banner = page.locator("#conn-banner")
        expect(banner).to_be_visible()
        expect(banner).to_contain_text("refused the live connection: its origin rule")
        expect(banner).to_contain_text(f"({server.url})")
        expect(banner).to_contain_text(f"it expects {public}")
        expect(banner).to_contain_text("public_url")
        expect(banner).to_contain_text("X-Forwarded-Proto")
        expect(banner).not_to_contain_text("Reconnecting")

        # It stopped retrying: no new websocket for longer than Socket.IO's longest backoff.
        tried = len(sockets)
        page.wait_for_timeout(6_000)
        assert len(sockets) == tried
        expect(app).to_have_attribute("data-live", "origin-refused")
        expect(banner).to_contain_text("origin rule")

        log = (tmp_path / "server.log").read_text()
        assert (
            f"socket refused by the origin rule: Origin '{server.url}', expected '{public}'" in log
        )
        assert "public_url https://physnet.example-health.org" in log
    finally:
        server.stop()


def test_a_refusal_is_logged_once_a_minute_per_origin_not_per_attempt(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from physnet.realtime.origins import OriginRule

    # Alembic's fileConfig (migrations run earlier in this process) disables existing loggers.
    monkeypatch.setattr(logging.getLogger("physnet.realtime.origins"), "disabled", False)
    rule = OriginRule(None)
    environ = {"HTTP_HOST": "physnet.example-health.org:8443", "wsgi.url_scheme": "https"}
    with caplog.at_level("WARNING", logger="physnet.realtime.origins"):
        assert rule("https://physnet.example-health.org:8443", environ) is True
        for _ in range(5):
            assert rule("https://physnet.example-health.org", environ) is False
        assert rule("https://evil.example", environ) is False
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 2
    assert (
        "Origin 'https://physnet.example-health.org', "
        "expected 'https://physnet.example-health.org:8443'"
    ) in lines[0]
    assert "Host $http_host" in lines[0]
