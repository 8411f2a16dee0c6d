"""Mentions & replies and notifications in headless Chromium against a real server."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from test_browser import live_ready, message, post, sidebar_link, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.live]

# Records each desktop notification the page creates (the real API still runs underneath).
RECORD_NOTIFICATIONS = """
window.__shown = [];
const Real = window.Notification;
window.Notification = class extends Real {
  constructor(title, options) {
    super(title, options);
    window.__shown.push({ title, body: options && options.body });
  }
};
"""
HIDE_PAGE = """
Object.defineProperty(document, "hidden", { configurable: true, get: () => true });
Object.defineProperty(document, "visibilityState", { configurable: true, get: () => "hidden" });
"""


@pytest.fixture
def team(live_server: Any) -> Any:
    for name in ("alice", "bob"):
        live_server.factory.user(name, display_name=f"Dr. {name.title()}")
    live_server.factory.channel("ehr-tips", members=("alice", "bob"))
    live_server.factory.channel("order-sets", members=("alice", "bob"))
    return live_server


def test_badge_updates_live_and_the_view_lists_and_clears(team, new_page: Callable[..., Page]):
    bob = sign_in(new_page(), team, "bob", "/c/ehr-tips")
    alice = team.session("alice")
    badge = bob.locator("#mentions-badge")
    expect(badge).to_be_hidden()
    root = post(team.session("bob"), team, "order-sets", "Which order set for chest pain?")
    post(alice, team, "order-sets", "@bob the troponin defaults changed")
    expect(badge).to_have_text("1")
    post(alice, team, "order-sets", "@bob and the **ECG** timing:\n\n- too")
    expect(badge).to_have_text("2")
    post(alice, team, "order-sets", "Use the ED version", thread_id=root["id"])

    with bob.expect_response(lambda r: r.url.endswith("/mentions/read")) as read:
        bob.get_by_role("button", name=re.compile("Mentions & replies")).click()
    assert read.value.ok
    view = bob.get_by_role("dialog", name="Mentions & replies")
    items = view.locator(".mention-item")
    expect(items).to_have_count(3)
    expect(items.nth(0)).to_contain_text("Dr. Alice replied in a thread")
    expect(items.nth(0)).to_contain_text("Use the ED version")
    expect(items.nth(1)).to_contain_text("Dr. Alice mentioned you")
    # The preview is the words, not the Markdown: no asterisks, list items on one line.
    expect(items.nth(1).locator(".mention-text")).to_have_text(
        re.compile(r"^@\S+ and the ECG timing: too$")
    )
    expect(view.locator(".mention-item--unread")).to_have_count(3)  # as they were when opened
    expect(badge).to_be_hidden()
    expect(sidebar_link(bob, "order-sets").locator(".badge--mention")).to_have_count(0)

    items.nth(0).get_by_role("button").click()
    expect(view).to_be_hidden()
    expect(bob).to_have_url(team.url + "/c/order-sets")
    expect(message(bob, "Use the ED version", "#thread-list")).to_have_class(
        re.compile("msg--flash")
    )

    bob.reload()
    live_ready(bob)
    expect(bob.locator("#mentions-badge")).to_be_hidden()


def test_notification_toast_names_channel_and_author_and_opens_the_message(
    team, new_page: Callable[..., Page]
):
    bob = sign_in(new_page(), team, "bob", "/c/ehr-tips")
    alice = team.session("alice")
    post(alice, team, "order-sets", "@bob the Quillfeather panel is live")
    toast = bob.locator(".toast", has_text="Dr. Alice mentioned you in #order-sets")
    expect(toast).to_be_visible()
    expect(toast).not_to_contain_text("Quillfeather")
    toast.get_by_role("button", name="Open").click()
    expect(bob).to_have_url(team.url + "/c/order-sets")
    expect(message(bob, "Quillfeather")).to_have_class(re.compile("msg--flash"))
    # In the open, visible channel a new message needs no toast; elsewhere it gets one
    # (events arrive in order, so once that one shows, the first would have too).
    post(alice, team, "order-sets", "@bob one more")
    expect(message(bob, "one more")).to_have_count(1)
    post(alice, team, "ehr-tips", "@bob over here")
    expect(bob.locator(".toast", has_text="#ehr-tips")).to_have_count(1)
    expect(bob.locator(".toast", has_text="#order-sets")).to_have_count(0)


def test_the_header_control_sets_the_level_and_nothing_silences_toasts(
    team, new_page: Callable[..., Page]
):
    team.factory.channel("cardiology", members=("alice", "bob"))
    bob = sign_in(new_page(), team, "bob", "/c/order-sets")
    level = bob.get_by_label("Notify me about")
    expect(level).to_have_value("mentions")
    with bob.expect_response(lambda r: r.url.endswith("/channels/order-sets/notifications")) as put:
        level.select_option("none")
    assert put.value.ok
    bob.reload()
    live_ready(bob)
    expect(bob.get_by_label("Notify me about")).to_have_value("none")

    sidebar_link(bob, "ehr-tips").click()
    live_ready(bob)
    expect(bob.get_by_label("Notify me about")).to_have_value("mentions")
    alice = team.session("alice")
    post(alice, team, "order-sets", "@bob quiet please")
    expect(bob.locator("#mentions-badge")).to_have_text("1")  # the badge still counts it
    post(alice, team, "cardiology", "@bob but not here")
    expect(bob.locator(".toast", has_text="#cardiology")).to_have_count(1)
    expect(bob.locator(".toast", has_text="#order-sets")).to_have_count(0)


def test_desktop_notification_after_opting_in_while_the_page_is_hidden(
    team, new_page: Callable[..., Page]
):
    page = new_page()
    page.context.grant_permissions(["notifications"], origin=team.url)
    page.add_init_script(RECORD_NOTIFICATIONS)
    bob = sign_in(page, team, "bob", "/c/ehr-tips")
    bob.get_by_role("button", name=re.compile("Mentions & replies")).click()
    view = bob.get_by_role("dialog", name="Mentions & replies")
    view.get_by_role("button", name="Turn on desktop notifications").click()
    expect(view.get_by_role("button", name="Turn off desktop notifications")).to_be_visible()
    view.get_by_role("button", name="Close").click()

    bob.evaluate(HIDE_PAGE)
    post(team.session("alice"), team, "order-sets", "@bob the Marrowlight protocol")
    bob.wait_for_function("window.__shown.length > 0")
    shown = bob.evaluate("window.__shown")
    assert shown == [{"title": "PhysNet", "body": "Dr. Alice mentioned you in #order-sets"}]
    expect(bob.locator(".toast", has_text="mentioned you")).to_have_count(0)
