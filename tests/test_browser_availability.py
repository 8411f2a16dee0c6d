"""Availability beside people (issue 16): "busy" / "off duty until 07:00" next to a direct
message partner in the sidebar and next to each person in the people directory, kept live
by the `availability` event, in Chromium."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from test_browser import sign_in
from test_browser_people import colleagues

pytestmark = [pytest.mark.browser, pytest.mark.live]
API = "/api/v1"


def set_availability(server: Any, username: str, **body: Any) -> None:
    response = server.session(username).put(f"{server.url}{API}/me/availability", json=body)
    assert response.status_code == 200, response.text


def test_availability_shows_beside_people_and_follows_changes_live(
    live_server: Any, new_page: Callable[..., Page]
) -> None:
    colleagues(live_server)
    direct = live_server.session("mokafor").post(
        f"{live_server.url}{API}/direct", json={"username": "alice"}
    )
    assert direct.status_code in (200, 201), direct.text
    until = (datetime.now(UTC) + timedelta(hours=3)).replace(second=0, microsecond=0)
    set_availability(live_server, "mokafor", status="off_duty", until=until.isoformat())
    label = f"off duty until {until:%H:%M}"  # mokafor's time zone is UTC

    page = sign_in(new_page(), live_server, "alice")
    partner = page.locator("#sidebar li[data-channel^='dm-']")
    expect(partner).to_contain_text("Dr. Miriam Okafor")
    expect(partner.locator(".nav-availability")).to_have_text(label)

    page.get_by_role("link", name="People").click()
    expect(page.locator("#people-summary")).to_have_text("4 people")
    item = {
        name: page.locator("#people-results .directory-item", has_text=name)
        for name in ("Dr. Miriam Okafor", "Chidi Okeke", "Rohan Patel")
    }
    expect(item["Dr. Miriam Okafor"].locator(".person-availability")).to_have_text(label)
    expect(item["Chidi Okeke"].locator(".person-availability")).to_have_text("")
    expect(item["Chidi Okeke"].locator(".person-availability")).to_be_hidden()

    # changes arrive without a reload: someone becomes busy, someone available again
    set_availability(live_server, "okeke", status="busy")
    expect(item["Chidi Okeke"].locator(".person-availability")).to_have_text("busy")
    set_availability(live_server, "mokafor", status="available")
    expect(item["Dr. Miriam Okafor"].locator(".person-availability")).to_have_text("")
    expect(partner.locator(".nav-availability")).to_have_count(0)
    expect(item["Rohan Patel"].locator(".person-availability")).to_have_text("")
