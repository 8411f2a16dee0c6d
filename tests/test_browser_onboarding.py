"""The first-week checklist in headless Chromium against a real server: the app links to
it, reading a tip from it ticks the tip, and it can be dismissed and found again."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from test_browser import live_ready, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.live]
API = "/api/v1"


@pytest.fixture
def plan(live_server: Any) -> dict[str, Any]:
    live_server.factory.user("newdoc", display_name="Dr. New", specialty="Cardiology")
    live_server.factory.user("writer", display_name="Dr. Writer")
    live_server.factory.user("root", role="admin")
    live_server.factory.channel("ehr-tips", members=("newdoc", "writer"))
    writer = live_server.session("writer")
    tips = []
    for title in ("Build order set favorites", "Silence duplicate in-basket results"):
        made = writer.post(
            f"{live_server.url}{API}/tips",
            json={
                "title": title,
                "body": "Preferences, then drag to reorder.",
                "channel": "ehr-tips",
            },
        )
        assert made.status_code == 201, made.text
        tips.append(made.json()["tip"]["id"])
    saved = live_server.session("root").put(
        f"{live_server.url}{API}/admin/onboarding",
        json={"plans": [{"specialty": "Cardiology", "channels": ["ehr-tips"], "tips": tips}]},
    )
    assert saved.status_code == 200, saved.text
    return {"server": live_server, "tips": tips}


def test_walk_the_checklist_by_reading_a_tip(plan, new_page: Callable[..., Page]):
    server = plan["server"]
    page = sign_in(new_page(), server, "newdoc")
    link = page.locator("#welcome-link")
    expect(link).to_contain_text("Getting started")
    expect(link).to_contain_text("1/3")  # already in #ehr-tips; no tip read, no question
    link.click()
    expect(page.get_by_role("heading", name="Getting started")).to_be_visible()
    tips_step = page.locator('[data-step="tips"]')
    expect(tips_step).to_contain_text("Read these 2 tips")
    expect(tips_step).to_contain_text("0/2")

    first = plan["tips"][0]
    with page.expect_response(lambda r: r.url.endswith(f"{API}/tips/{first}")) as shown:
        tips_step.get_by_role("link", name="Build order set favorites").click()
    assert shown.value.ok
    expect(page.get_by_role("heading", name="Build order set favorites")).to_be_visible()

    page.goto(server.url + "/welcome")
    expect(tips_step).to_contain_text("1/2")
    expect(page.locator(f'[data-tip="{first}"]')).to_contain_text("read")
    expect(page.locator("#welcome-progress")).to_contain_text("1 of 3")

    # Dismissed: the app stops linking it; the user menu still finds it, and it comes back.
    page.get_by_role("button", name="Dismiss").click()
    expect(page.get_by_role("button", name="Show this in the app again")).to_be_visible()
    page.goto(server.url + "/")
    live_ready(page)
    expect(page.locator("#welcome-link")).to_have_count(0)
    page.get_by_role("link", name="Getting started").click()
    page.get_by_role("button", name="Show this in the app again").click()
    page.goto(server.url + "/")
    live_ready(page)
    expect(page.locator("#welcome-link")).to_contain_text("1/3")
