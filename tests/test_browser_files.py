"""Attachments in headless Chromium against a real server: paste a screenshot, see its
thumbnail in the message, open it; a screenshot showing a patient is refused with the
guard's explanation."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import pytest
from files_support import CLEAN_LINES, PHI_LINES, screenshot
from playwright.sync_api import Page, expect
from test_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.live]

PASTE = """(b64) => {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const data = new DataTransfer();
  data.items.add(new File([bytes], "image.png", { type: "image/png" }));
  const input = document.querySelector("#composer-input");
  input.focus();
  const event = { clipboardData: data, bubbles: true, cancelable: true };
  input.dispatchEvent(new ClipboardEvent("paste", event));
}"""


def paste(page: Page, data: bytes) -> None:
    page.evaluate(PASTE, base64.b64encode(data).decode())


def test_paste_a_screenshot_see_its_thumbnail_and_open_it(
    live_server: Any, new_page: Callable[..., Page]
) -> None:
    live_server.factory.user("alice")
    live_server.factory.channel("ehr-tips", members=("alice",))
    page = sign_in(new_page(), live_server, "alice", "/c/ehr-tips")

    paste(page, screenshot(CLEAN_LINES))
    ready = page.locator("#composer .attach-item--ready")
    expect(ready).to_contain_text("Ready to send", timeout=30_000)
    expect(ready.locator("img.attach-thumb")).to_be_visible()
    page.locator("#composer-input").fill("Where the favorites star is")
    page.locator("#composer-input").press("Enter")

    sent = page.locator(".msg[data-id]", has_text="Where the favorites star is")
    thumb = sent.locator(".msg-file--thumb img")
    expect(thumb).to_be_visible()
    expect(page.locator("#composer .attach-item")).to_have_count(0)
    assert thumb.evaluate("img => img.naturalWidth") > 0  # the thumbnail really loaded

    with page.context.expect_page() as opened:
        sent.locator(".msg-file--thumb").click()
    picture = opened.value
    picture.wait_for_load_state()
    assert "/api/v1/files/" in picture.url
    assert picture.evaluate("document.images.length && document.images[0].naturalWidth") == 900


def test_a_screenshot_showing_a_patient_is_refused_with_the_guards_explanation(
    live_server: Any, new_page: Callable[..., Page]
) -> None:
    live_server.factory.user("alice")
    live_server.factory.channel("ehr-tips", members=("alice",))
    page = sign_in(new_page(), live_server, "alice", "/c/ehr-tips")

    paste(page, screenshot(PHI_LINES))
    refused = page.locator("#composer .attach-item--refused")
    expect(refused).to_be_visible(timeout=30_000)
    expect(refused.get_by_role("alert")).to_contain_text(
        "looks like it contains patient information"
    )
    expect(refused).to_contain_text("medical record number")
    expect(refused.get_by_role("button", name="Share anyway…")).to_be_visible()
    # Sending now carries no file: the refused one stays in the tray, unattached.
    page.locator("#composer-input").fill("Build question about the banner bar")
    page.locator("#composer-input").press("Enter")
    sent = page.locator(".msg[data-id]", has_text="Build question about the banner bar")
    expect(sent).to_have_count(1)
    expect(sent.locator(".msg-file")).to_have_count(0)
    refused.get_by_role("button", name="Remove image.png").click()
    expect(page.locator("#composer .attach-tray")).to_be_hidden()
