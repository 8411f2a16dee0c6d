"""The PHI guard in the browser: marks in the composer, the override dialog, reporting, review."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from test_browser import browser, live_ready, message, new_page, sign_in  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.live]

MRN_TEXT = "Can someone check MRN 48213377? The order set did not fire"


def watch_errors(page: Page) -> list[str]:
    problems: list[str] = []
    page.on(
        "console",
        lambda m: problems.append(f"{m.type}: {m.text}") if m.type in ("error",) else None,
    )
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    return problems


def test_composer_marks_phi_and_asks_for_a_reason(
    live_server: Any,
    new_page: Callable[..., Page],  # noqa: F811 (the fixture imported above)
) -> None:
    live_server.factory.user("alice")
    live_server.factory.channel("ehr-tips", members=("alice",))
    page = new_page()
    problems = watch_errors(page)
    sign_in(page, live_server, "alice")
    live_ready(page)

    composer = page.get_by_label("Message #ehr-tips")
    composer.fill(MRN_TEXT)
    mark = page.locator("#composer .phi-mark")
    expect(mark).to_have_text("MRN 48213377")
    expect(page.locator("#composer .phi-note")).to_contain_text("medical record number")

    composer.press("Enter")
    dialog = page.get_by_role("dialog", name="Possible patient information")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Edit message").click()
    expect(composer).to_have_value(MRN_TEXT)  # back for editing, nothing stored
    expect(message(page, "order set did not fire")).to_have_count(0)

    composer.press("Enter")
    dialog.get_by_label("Why is this not patient information?").fill("test MRN from TST")
    dialog.get_by_role("button", name="Send anyway").click()
    sent = message(page, "order set did not fire")
    expect(sent).to_have_count(1)
    expect(sent).to_have_attribute("data-id", re.compile(r"^\d+$"))
    composer.fill("K 3.2 triggers the replacement protocol")
    page.wait_for_timeout(800)
    expect(mark).to_have_count(0)
    assert problems == []


def test_report_hides_the_message_and_a_moderator_releases_it(
    live_server: Any,
    new_page: Callable[..., Page],  # noqa: F811 (the fixture imported above)
) -> None:
    factory = live_server.factory
    for name in ("alice", "bob", "mod"):
        factory.user(name)
    factory.channel("ehr-tips", members=("alice", "bob"), moderators=("mod",))
    http = live_server.session("alice")
    response = http.post(
        f"{live_server.url}/api/v1/channels/ehr-tips/messages",
        json={"body": "Vanc trough tip for the ward"},
    )
    assert response.status_code == 201

    author = new_page()
    sign_in(author, live_server, "alice")
    live_ready(author)
    reporter = new_page()
    problems = watch_errors(reporter)
    sign_in(reporter, live_server, "bob")
    live_ready(reporter)

    flagged = message(reporter, "Vanc trough tip")
    message_id = flagged.get_attribute("data-id")
    flagged.hover()
    flagged.get_by_role("button", name="Report patient information").click()
    dialog = reporter.get_by_role("dialog", name="Report patient information")
    dialog.get_by_role("button", name="Report and hide").click()
    expect(reporter.locator(f'.msg[data-id="{message_id}"] .tombstone')).to_be_visible()
    expect(message(author, "Vanc trough tip")).to_have_count(0)
    expect(author.locator("#toasts")).to_contain_text("was reported as containing patient")

    moderator = new_page()
    sign_in(moderator, live_server, "mod")
    moderator.goto(live_server.url + "/moderation")
    item = moderator.locator(".moderation-item")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("Vanc trough tip")
    expect(item).to_contain_text("reported by Bob")
    item.get_by_role("button", name="Release").click()
    expect(item).to_contain_text("Released")
    reporter.reload()
    live_ready(reporter)
    expect(message(reporter, "Vanc trough tip")).to_have_count(1)
    assert problems == []
