"""Tips in headless Chromium against a real `physnet run` server: promote a thread from the
message menu, then endorse, verify and read the tip on its own page, on a desktop and at 360 px.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from test_browser import API, message, post, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.live]
PHONE = {"width": 360, "height": 740}


def _world(server: Any) -> None:
    server.factory.user("alice", display_name="Dr. Alice Moreno")
    server.factory.user("mona", display_name="Dr. Mona Reyes")
    server.factory.channel("ehr-tips", members=("alice",), moderators=("mona",))


def _no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= page.viewport_size["width"], width


def test_promote_a_thread_then_endorse_and_verify_the_tip(
    live_server: Any, new_page: Callable[..., Page]
) -> None:
    _world(live_server)
    mona = live_server.session("mona")
    root = post(mona, live_server, "ehr-tips", "Which order set covers the **sepsis** bundle?")
    post(
        mona,
        live_server,
        "ehr-tips",
        "ED Sepsis: tick the repeat lactate line",
        thread_id=root["id"],
    )
    page = sign_in(new_page(), live_server, "alice")
    question = message(page, "Which order set covers")
    question.hover()
    question.get_by_role("button", name="Promote to tip").click()

    dialog = page.get_by_role("dialog", name="Promote to tip")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Title").fill("Sepsis bundle: repeat lactate")
    dialog.get_by_label("Tags").fill("order_sets")  # underscores are not allowed in a tag
    dialog.get_by_role("button", name="Promote to tip").click()
    expect(dialog.get_by_role("alert")).to_contain_text("is not valid")
    dialog.get_by_label("Tags").fill("order-sets, sepsis")
    dialog.get_by_label("Whole thread").check()
    dialog.get_by_role("button", name="Promote to tip").click()
    expect(dialog).to_be_hidden()
    note = page.locator(".toast", has_text="Tip “Sepsis bundle: repeat lactate” created.")
    expect(note).to_be_visible()
    note.get_by_role("link", name="Open the tip").click()

    expect(page).to_have_url(re.compile(r"/tips/\d+$"))
    tip_url = page.url
    expect(page.get_by_role("heading", level=1)).to_have_text("Sepsis bundle: repeat lactate")
    body = page.locator("#tip-body")
    expect(body).to_contain_text("Dr. Mona Reyes (@mona):")
    expect(body).to_contain_text("ED Sepsis: tick the repeat lactate line")
    expect(page.locator("#tip-tags")).to_have_text(re.compile("order-sets.*sepsis", re.S))
    helpful = page.get_by_role("button", name=re.compile("Helpful"))
    expect(helpful).to_have_attribute("aria-pressed", "false")
    helpful.click()
    expect(helpful).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#tip-count")).to_have_text("1")
    expect(page.get_by_role("button", name="Mark verified")).to_be_hidden()  # not a moderator

    page.get_by_role("link", name="Open the conversation").click()
    expect(page).to_have_url(re.compile(rf"/c/ehr-tips\?thread={root['id']}$"))
    expect(page.locator("#thread-panel")).to_be_visible()
    expect(message(page, "ED Sepsis: tick", "#thread-list")).to_be_visible()

    moderator = sign_in(new_page(), live_server, "mona")
    moderator.goto(tip_url)
    moderator.get_by_role("button", name="Mark verified").click()
    expect(moderator.locator("#tip-verified")).to_contain_text("Verified by Dr. Mona Reyes")
    moderator.goto(f"{live_server.url}/tips?sort=verified")
    expect(moderator.locator(".tip-card")).to_have_count(1)
    expect(moderator.locator(".tip-card")).to_contain_text("1 person found it helpful")


def test_an_out_of_date_tip_at_360_px(live_server: Any, new_page: Callable[..., Page]) -> None:
    _world(live_server)
    alice = live_server.session("alice")
    past = (datetime.now(UTC).date() - timedelta(days=30)).isoformat()
    response = alice.post(
        f"{live_server.url}{API}/tips",
        json={
            "title": "Downtime: print the handoff list from the BCA workstation " * 2,
            "body": "Use **File > Print > Unit census** on the BCA PC by the charge desk.",
            "tags": ["downtime", "cerner-powerchart", "handoff"],
            "channel": "ehr-tips",
            "review_at": past,
        },
    )
    assert response.status_code == 201, response.text
    tip = response.json()["tip"]

    page = sign_in(new_page(PHONE), live_server, "mona")
    page.goto(f"{live_server.url}/tips/{tip['id']}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Downtime: print")
    banner = page.locator("#tip-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("may be out of date")
    _no_sideways_scroll(page)
    page.get_by_role("button", name="Mark verified").click()
    expect(banner).to_be_hidden()

    page.goto(f"{live_server.url}/tips?channel=ehr-tips")
    expect(page.get_by_role("heading", level=1)).to_have_text("Tips in #ehr-tips")
    expect(page.locator(".tip-card")).to_have_count(1)
    expect(page.locator(".tip-card .tip-badge--verified")).to_be_visible()
    _no_sideways_scroll(page)
    page.get_by_role("link", name="cerner-powerchart").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tips tagged cerner-powerchart")
    expect(page.locator(".tip-card")).to_have_count(1)
