"""The installable app in headless Chromium: manifest, service worker, offline shell,
sign-out that clears the caches, and every physician page at phone size (360 x 740)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from test_browser import live_ready, post, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.live]
PHONE = {"width": 360, "height": 740}


def worker_ready(page: Page) -> None:
    """Wait until the service worker is active and controls this page."""
    page.evaluate("navigator.serviceWorker.ready")
    if not page.evaluate("!!navigator.serviceWorker.controller"):
        page.reload()
        live_ready(page)
    assert page.evaluate("!!navigator.serviceWorker.controller")


def test_installable_offline_shell_and_sign_out_clears_caches(
    live_server: Any, new_page: Callable[..., Page]
) -> None:
    live_server.factory.user("akim", display_name="Dr. Alex Kim")
    live_server.factory.channel("ehr-tips", members=("akim",))
    page = new_page()
    sign_in(page, live_server, "akim", "/c/ehr-tips")
    worker_ready(page)

    cdp = page.context.new_cdp_session(page)
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["errors"] == [], manifest["errors"]
    assert manifest["url"].endswith("/manifest.webmanifest")
    installability = cdp.send("Page.getInstallabilityErrors")
    # Playwright's contexts are incognito, which alone keeps Chromium from offering install.
    errors = [e["errorId"] for e in installability["installabilityErrors"]]
    assert [e for e in errors if e != "in-incognito"] == []

    cached = page.evaluate(
        """async () => {
          const names = await caches.keys();
          const urls = [];
          for (const name of names) {
            for (const request of await (await caches.open(name)).keys()) urls.push(request.url);
          }
          return urls;
        }"""
    )
    paths = {re.sub(r"^https?://[^/]+", "", url) for url in cached}
    assert "/offline" in paths and "/static/js/app.js" in paths
    # Only the shell: no page with someone's data, no API answer.
    assert not any(p.startswith(("/api/", "/c/", "/people")) or p == "/" for p in paths)

    page.context.set_offline(True)
    page.goto(live_server.url + "/c/ehr-tips")
    expect(page.get_by_role("heading", name="You are offline")).to_be_visible()
    page.context.set_offline(False)

    page.goto(live_server.url + "/c/ehr-tips")  # back online, still signed in
    live_ready(page)
    assert page.evaluate("caches.keys().then(k => k.length)") > 0
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    assert page.evaluate("caches.keys().then(k => k.length)") == 0


SMALL_TARGETS = """() => {
  const small = [];
  const targets = 'button, select, input:not([type=hidden]), textarea, .nav-item, [role=button]';
  for (const el of document.querySelectorAll(targets)) {
    // A checkbox inside its label is tapped through the label: the label is the target.
    const box = el.matches('input[type=checkbox], input[type=radio]') && el.closest('label');
    const r = (box || el).getBoundingClientRect();
    if (!r.width || !r.height || getComputedStyle(el).visibility === 'hidden') continue;
    if (el.closest('[hidden], dialog:not([open])')) continue;
    if (r.bottom < 0 || r.top > innerHeight || r.right < 0 || r.left > innerWidth) continue;
    const size = `${Math.round(r.width)}x${Math.round(r.height)}`;
    if (r.width < 44 || r.height < 44) small.push(`${el.tagName}#${el.id}.${el.className} ${size}`);
  }
  return small;
}"""


def phone_check(page: Page) -> None:
    """Nothing wider than the screen, every visible tap target at least 44 x 44 px."""
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    small = page.evaluate(SMALL_TARGETS)
    assert small == [], f"{page.url}: {small}"


def test_every_physician_page_works_at_phone_size(
    live_server: Any, new_page: Callable[..., Page]
) -> None:
    live_server.factory.user("akim", display_name="Dr. Alex Kim")
    live_server.factory.user("rpatel", display_name="Dr. Rohan Patel")
    live_server.factory.channel("ehr-tips", members=("akim", "rpatel"))
    root = post(live_server.session("rpatel"), live_server, "ehr-tips", "Star the order set")
    post(
        live_server.session("rpatel"), live_server, "ehr-tips", "Then pin it", thread_id=root["id"]
    )
    page = new_page(viewport=PHONE)
    sign_in(page, live_server, "akim", "/c/ehr-tips")
    phone_check(page)
    composer = page.locator("#composer-input")
    expect(composer).to_be_in_viewport()

    page.get_by_role("button", name=re.compile("1 reply")).click()
    expect(page.locator("#thread-composer-input")).to_be_in_viewport()
    phone_check(page)

    for path in ("/search?q=order", "/tips", "/people", "/people/rpatel"):
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        phone_check(page)
