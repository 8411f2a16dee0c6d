"""The weekly digest in headless Chromium against a real server: the toast when it arrives
(the CLI job's event reaches the server process through Redis, as in production), its line
in Mentions & replies, and the settings page it opens."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from test_browser import sign_in

from physnet import create_app
from physnet.extensions import db

from conftest import Factory, LiveServer, _settings, _stop_threads

pytestmark = [pytest.mark.browser, pytest.mark.live]

API = "/api/v1"


@pytest.fixture
def live_server(tmp_path: Path, sqlite_template: Path, redis_url: str) -> Iterator[LiveServer]:
    """The server, and the app the job runs in (like `physnet digest send` on the same host),
    sharing the database and Redis."""
    server = LiveServer(tmp_path, sqlite_template, extra_env={"PHYSNET_REDIS_URL": redis_url})
    _stop_threads(server.app)
    with server.app.app_context():
        db.engine.dispose()
    server.app = create_app(_settings(tmp_path, server.database_url, redis_url=redis_url))
    server.factory = Factory(server.app)
    yield server
    server.stop()


def test_digest_toast_line_and_settings_page(live_server: Any, new_page: Callable[..., Page]):
    live_server.factory.user("alice", display_name="Dr. Alice")
    live_server.factory.user("bob", display_name="Dr. Bob")
    live_server.factory.channel("ehr-tips", members=("alice", "bob"))
    bob = sign_in(new_page(), live_server, "bob", "/c/ehr-tips")
    created = live_server.session("alice").post(
        f"{live_server.url}{API}/tips",
        json={"channel": "ehr-tips", "title": "Batch-sign refill requests", "body": "Steps."},
    )
    assert created.status_code == 201, created.text

    result = live_server.app.test_cli_runner().invoke(args=["digest", "send"])
    assert result.exit_code == 0, result.output
    toast = bob.locator(".toast", has_text="Your weekly digest: 1 new tip, 0 open questions")
    expect(toast).to_be_visible(timeout=15_000)

    bob.get_by_role("button", name="Mentions & replies").click()
    line = bob.locator("#mentions-digest")
    expect(line).to_contain_text("1 new tip and 0 open questions you could answer")
    line.get_by_role("link").click()
    expect(bob.get_by_role("heading", name="Your latest digest")).to_be_visible()
    expect(bob.get_by_role("link", name="Batch-sign refill requests")).to_be_visible()
    bob.get_by_label("Off").check()
    bob.get_by_role("button", name="Save").click()
    expect(bob.locator("#digest-saved")).to_have_text("Saved.")
    expect(bob.get_by_label("Off")).to_be_checked()
