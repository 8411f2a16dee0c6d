"""The admin console in headless Chromium against a real `physnet run` server, at 1280 px
and 390 px: deactivating a local account closes its open socket in another browser,
archiving a channel turns an open composer read-only, a sync preview against a real slapd,
and every console page in the app shell with no sideways scrolling on a phone.
Screenshots go to docs/screenshots/admin-*.png when PHYSNET_SCREENSHOTS=1."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from test_browser import SCREENSHOTS, sign_in

from conftest import PASSWORD, LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.live]
PHONE = {"width": 390, "height": 844}
CONSOLE = {
    "/admin/people": "Accounts",
    "/admin/channels": "Channels",
    "/admin/sync": "Directory",
    "/admin/records": "Records & legal holds",
    "/admin/audit": "Audit log",
    "/admin/sessions": "End sessions",
    "/moderation": "Reported messages",
    "/admin/insights": "Insights",
    "/admin/settings": "Settings",
}


def admin_sign_in(page: Page, server: Any, username: str, path: str) -> Page:
    # Console pages answer 404 to the signed-out, like a missing page: sign in first.
    page.goto(server.url + "/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile(r"/login"))
    page.goto(server.url + path)
    expect(page.locator("#app.admin-app")).to_be_visible()
    return page


def shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"admin-{name}.png"))


def no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= page.viewport_size["width"], width


def _world(server: Any) -> None:
    server.factory.user("root", role="admin", display_name="IT Service Desk")
    server.factory.user("alice", display_name="Dr. Alice Moreno")
    server.factory.user("bob", display_name="Dr. Bob Chen")
    server.factory.channel("ehr-tips", members=("alice", "bob"))
    server.factory.channel("sepsis-protocol", members=("bob",))


def test_deactivating_an_account_closes_its_socket_in_another_browser(
    live_server: Any, new_page: Callable[..., Page]
) -> None:
    _world(live_server)
    alice = sign_in(new_page(), live_server, "alice")
    admin = admin_sign_in(new_page(), live_server, "root", "/admin/people")
    expect(admin.locator(".channel-title")).to_have_text("Accounts")
    shot(admin, "people")
    row = admin.locator('tr[data-username="alice"]')
    admin.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Deactivate").click()
    expect(admin.get_by_role("status").first).to_contain_text("alice is deactivated")
    expect(row.locator(".pill")).to_have_text("deactivated")
    # Alice's open tab loses its connection at once and cannot get it back.
    expect(alice.locator("#app")).not_to_have_attribute("data-live", "connected")
    alice.reload()
    expect(alice.get_by_label("Username")).to_be_visible()  # back at the sign-in page


def test_archiving_a_channel_disables_an_open_composer(
    live_server: Any, new_page: Callable[..., Page]
) -> None:
    _world(live_server)
    bob = sign_in(new_page(), live_server, "bob", "/c/sepsis-protocol")
    expect(bob.locator("#composer")).to_be_visible()
    admin = admin_sign_in(new_page(), live_server, "root", "/admin/channels")
    row = admin.locator('tr[data-channel="sepsis-protocol"]')
    admin.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Archive").click()
    expect(row.locator(".pill")).to_have_text("archived")
    shot(admin, "channels")
    expect(bob.locator("#composer")).to_be_hidden()
    expect(bob.locator("#readonly-bar")).to_contain_text("is archived")
    admin.locator('tr[data-channel="sepsis-protocol"]').get_by_role(
        "button", name="Unarchive"
    ).click()
    expect(bob.locator("#composer")).to_be_visible()


def test_announcement_switch_and_moderators_from_the_console(
    live_server: Any, new_page: Callable[..., Page]
) -> None:
    _world(live_server)
    bob = sign_in(new_page(), live_server, "bob", "/c/sepsis-protocol")
    expect(bob.locator("#composer")).to_be_visible()
    admin = admin_sign_in(new_page(), live_server, "root", "/admin/channels")
    row = admin.locator('tr[data-channel="sepsis-protocol"]')
    row.get_by_role("button", name="Make announcement").click()
    expect(admin.locator(".admin-flash--info")).to_contain_text("an announcement channel")
    expect(bob.locator("#composer")).to_be_hidden()  # live, through channel_updated
    # Made its moderator, Bob's open tab gets the composer back without a reload; un-made,
    # it loses it again.
    row = admin.locator('tr[data-channel="sepsis-protocol"]')
    row.get_by_label("Username of a new moderator of #sepsis-protocol").fill("bob")
    row.get_by_role("button", name="Add").click()
    expect(admin.locator(".admin-flash--info")).to_have_text("bob moderates #sepsis-protocol.")
    expect(bob.locator("#composer")).to_be_visible()
    admin.locator('tr[data-channel="sepsis-protocol"]').get_by_role(
        "button", name="Remove bob as moderator of #sepsis-protocol"
    ).click()
    expect(bob.locator("#composer")).to_be_hidden()
    row = admin.locator('tr[data-channel="sepsis-protocol"]')
    row.get_by_label("Username of a new moderator of #sepsis-protocol").fill("alice")
    row.get_by_role("button", name="Add").click()
    expect(admin.locator(".admin-flash--info")).to_have_text("alice moderates #sepsis-protocol.")
    row = admin.locator('tr[data-channel="sepsis-protocol"]')
    expect(
        row.get_by_role("button", name="Remove alice as moderator of #sepsis-protocol")
    ).to_be_visible()
    alice = sign_in(new_page(), live_server, "alice", "/c/sepsis-protocol")
    expect(alice.locator("#composer")).to_be_visible()  # she joined as its moderator
    row.get_by_role("button", name="Open posting to all").click()
    expect(bob.locator("#composer")).to_be_visible()


def test_every_console_page_fits_a_phone(live_server: Any, new_page: Callable[..., Page]) -> None:
    _world(live_server)
    page = admin_sign_in(new_page(PHONE), live_server, "root", "/admin/people")
    for path, title in CONSOLE.items():
        page.goto(live_server.url + path)
        expect(page.locator(".channel-title")).to_have_text(title)
        expect(page.locator("#sidebar")).not_to_be_in_viewport()
        no_sideways_scroll(page)
        if path == "/admin/people":
            shot(page, "people-phone")
    page.get_by_role("button", name="Open navigation").click()
    nav = page.get_by_role("navigation", name="Administration")
    expect(nav).to_be_in_viewport()
    shot(page, "nav-phone")
    nav.get_by_role("link", name="Accounts").click()
    expect(page).to_have_url(re.compile(r"/admin/people$"))


@pytest.fixture
def ldap_live_server(
    tmp_path: Path, sqlite_template: Path, directory: Any
) -> Iterator[tuple[LiveServer, Any]]:
    """A live server whose [ldap] table points at the test slapd's subtree."""
    conf = directory.settings()
    lines = ["[ldap]"]
    for key, value in conf.items():
        if isinstance(value, str):
            lines.append(f'{key} = "{value}"')
        elif not isinstance(value, dict):
            lines.append(f"{key} = {value}")
    lines += [f'[ldap.groups]\nbase = "{conf["groups"]["base"]}"\nmember_attr = "member"']
    lines += ["[ldap.sync]\nmax_deactivate_fraction = 0.5"]
    (tmp_path / "physnet.toml").write_text("\n".join(lines) + "\n")
    server = LiveServer(
        tmp_path, sqlite_template, extra_env={"PHYSNET_CONFIG": str(tmp_path / "physnet.toml")}
    )
    try:
        yield server, directory
    finally:
        server.stop()


def test_previewing_a_sync_shows_the_diff_and_changes_nothing(
    ldap_live_server: tuple[LiveServer, Any], new_page: Callable[..., Page]
) -> None:
    server, tree = ldap_live_server
    server.factory.user("root", role="admin", display_name="IT Service Desk")
    tree.person("nwest", "Dr. Nora West", title="Hospitalist")
    for viewport, name in (({"width": 1280, "height": 800}, "directory"), (PHONE, None)):
        page = admin_sign_in(new_page(viewport), server, "root", "/admin/sync")
        page.get_by_role("button", name="Check connection").click()
        expect(page.locator(".check-lines")).to_contain_text("ok")
        page.get_by_role("button", name="Preview sync").click()
        expect(page.locator("#preview-summary")).to_contain_text("1 created")
        expect(page.locator("#preview-lines")).to_contain_text("+ create nwest (Dr. Nora West)")
        if name:
            shot(page, name)
        else:
            no_sideways_scroll(page)
    people = server.session("root").get(server.url + "/api/v1/users/nwest")
    assert people.status_code == 404  # a preview provisions nobody
