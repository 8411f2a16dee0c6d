"""Questions in headless Chromium against a real `physnet run` server: ask with the composer
toggle, accept a reply as the answer, promote the question to a tip; and the insights page's
charts at desktop and phone sizes (screenshots into docs/screenshots/)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from test_browser import API, SCREENSHOTS, message, post, send, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.live]
PHONE = {"width": 360, "height": 740}


def _world(server: Any) -> None:
    server.factory.user("alice", display_name="Dr. Alice Moreno", specialty="Cardiology")
    server.factory.user("bob", display_name="Dr. Bob Okoye", specialty="Nephrology")
    server.factory.user("lead", display_name="Dr. Lee Admin", role="admin")
    server.factory.channel("ehr-tips", members=("alice", "bob"))


def test_ask_answer_and_promote(live_server: Any, new_page: Callable[..., Page]) -> None:
    _world(live_server)
    page = sign_in(new_page(), live_server, "alice", "/c/ehr-tips")
    page.get_by_label("Ask as a question").check()
    asked = send(page, "How do I add the heparin order set to favorites?")
    badge = asked.locator(".msg-question")
    expect(badge).to_have_text("Open question")
    expect(page.get_by_label("Ask as a question")).not_to_be_checked()
    root_id = int(asked.get_attribute("data-id") or 0)

    bob = live_server.session("bob")
    post(bob, live_server, "ehr-tips", "Star it in the order set search", thread_id=root_id)
    asked.get_by_role("button", name="1 reply").click()
    reply = message(page, "Star it in the order set search", "#thread-list")
    reply.hover()
    reply.get_by_role("button", name="Accept as the answer").click()
    expect(reply.locator(".msg-question")).to_have_text("Accepted answer")
    root_badge = message(page, "How do I add the heparin", "#message-list").locator(".msg-question")
    expect(root_badge).to_have_text("Answered")
    # Everyone else sees it answered too (the broadcast), and it left the open list.
    listed = bob.get(f"{live_server.url}{API}/questions").json()["questions"]
    assert listed == []

    root = message(page, "How do I add the heparin", "#message-list")
    root.hover()
    root.get_by_role("button", name="Promote question and answer to tip").click()
    expect(page.locator(".toast", has_text="Tip created")).to_be_visible()
    tips = bob.get(f"{live_server.url}{API}/tips").json()["tips"]
    assert [t["title"] for t in tips] == ["How do I add the heparin order set to favorites?"]
    assert tips[0]["body"] == "Star it in the order set search"


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_insights_page_renders_charts(
    live_server: Any, new_page: Callable[..., Page], size: str
) -> None:
    _world(live_server)
    alice, bob = live_server.session("alice"), live_server.session("bob")
    for n in range(3):
        asked = post(
            alice, live_server, "ehr-tips", f"Question {n} about in-basket pools?", question=True
        )
        reply = post(bob, live_server, "ehr-tips", f"Answer {n}", thread_id=asked["id"])
        if n:
            alice.post(
                f"{live_server.url}{API}/messages/{asked['id']}/answer",
                json={"message_id": reply["id"]},
            )
    page = new_page(viewport=PHONE) if size == "phone" else new_page()
    sign_in(page, live_server, "lead")
    page.goto(live_server.url + "/admin/insights")
    expect(page.get_by_role("heading", name="Insights", level=1)).to_be_visible()
    charts = page.locator("svg.chart")
    expect(charts).to_have_count(4)
    expect(page.locator('[data-figure="asked"]')).to_have_text("3")
    expect(page.locator('[data-figure="answered"]')).to_have_text("2")
    for i in range(4):  # every chart fits the screen: no sideways scrolling
        box = charts.nth(i).bounding_box()
        assert box is not None and box["width"] <= page.viewport_size["width"]
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= page.viewport_size["width"], width
    page.screenshot(path=str(SCREENSHOTS / f"insights-{size}.png"), full_page=size == "phone")
