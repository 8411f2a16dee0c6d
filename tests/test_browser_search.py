"""Search, message links and pins in headless Chromium against a real `physnet run` server
(its own indexer thread and Whoosh index on disk).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from test_browser import API, SCREENSHOTS, message, post, send, sign_in

from physnet.search.store import FileLock

from conftest import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.live]


def search_box(page: Page) -> Any:
    return page.get_by_role("combobox", name="Search messages")


def options(page: Page) -> Any:
    return page.get_by_role("listbox", name="Search results").get_by_role("option")


def wait_indexed(server: Any, who: str, q: str, count: int = 1) -> None:
    """Wait until the server's indexer has caught up with what a test just posted."""
    http = server.session(who)
    for _ in range(100):
        found = http.get(f"{server.url}{API}/search", params={"q": q}).json()
        if found.get("total", 0) >= count:
            return
        time.sleep(0.1)
    raise AssertionError(f"{q!r} was not indexed")


def test_type_ahead_keyboard_and_results_page(
    live_server: Any, new_page: Callable[..., Page]
) -> None:
    live_server.factory.user("alice", display_name="Dr. Alice Moreno")
    live_server.factory.user("bob", display_name="Dr. Bob Chen")
    live_server.factory.channel("ehr-tips", members=("alice", "bob"))
    bob = live_server.session("bob")
    post(bob, live_server, "ehr-tips", "Vancomycin dosing: use the pharmacy to dose order set")
    for i in range(24):
        post(bob, live_server, "ehr-tips", f"Vancomycin trough note {i} for the in-basket pool")
    wait_indexed(live_server, "bob", "vancomycin", 25)
    page = sign_in(new_page(), live_server, "alice")

    # "/" types a slash in the composer, and focuses search anywhere else.
    expect(page.locator("#composer-input")).to_be_focused()
    page.keyboard.press("/")
    expect(page.locator("#composer-input")).to_have_value("/")
    page.locator("#composer-input").fill("")
    page.locator("#message-scroller").focus()
    page.keyboard.press("/")
    expect(search_box(page)).to_be_focused()

    page.keyboard.type("pharmacy dosing")
    first = options(page).first
    expect(first).to_contain_text("Dr. Bob Chen")
    expect(first).to_contain_text("ehr-tips")
    expect(first.locator("mark")).to_have_text(["dosing", "pharmacy", "dose"])
    expect(search_box(page)).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("ArrowDown")
    expect(first).to_have_attribute("aria-selected", "true")
    page.keyboard.press("ArrowDown")
    expect(options(page).last).to_have_attribute("aria-selected", "true")  # "See all"
    expect(options(page).last).to_contain_text("See all 1 result")
    page.keyboard.press("Escape")
    expect(search_box(page)).to_have_attribute("aria-expanded", "false")

    search_box(page).fill("vancomycin")
    expect(options(page)).to_have_count(9)  # 8 results and "See all 25 results"
    search_box(page).press("Enter")
    expect(page).to_have_url(re.compile(r"/search\?q=vancomycin$"))
    results = page.locator(".search-results > li")
    expect(page.locator(".search-count")).to_have_text("25 results")
    expect(results).to_have_count(20)
    expect(results.first.locator("mark").first).to_have_text(
        re.compile("vancomycin", re.IGNORECASE)
    )
    expect(page.locator("#channel-title")).to_have_text("Search: vancomycin")
    expect(page.locator("#composer")).to_be_hidden()
    page.get_by_role("link", name="Next").click()
    expect(page).to_have_url(re.compile(r"/search\?q=vancomycin&page=2$"))
    expect(results).to_have_count(5)
    page.go_back()
    expect(results).to_have_count(20)
    page.reload()  # the results page is a real address
    expect(results).to_have_count(20)
    expect(search_box(page)).to_have_value("vancomycin")


def test_a_result_far_back_opens_scrolled_to_and_highlighted(
    live_server: Any, new_page: Callable[..., Page]
) -> None:
    live_server.factory.user("alice")
    live_server.factory.user("bob")
    live_server.factory.channel("ehr-tips", members=("alice", "bob"))
    bob = live_server.session("bob")
    old = post(bob, live_server, "ehr-tips", "The downtime binder lives in the charge nurse office")
    for i in range(120):
        post(bob, live_server, "ehr-tips", f"Routine update {i}")
    root = post(bob, live_server, "ehr-tips", "Which SmartPhrase for discharge?")
    reply = post(bob, live_server, "ehr-tips", "Try the kardex smartlink", thread_id=root["id"])
    for i in range(60):
        post(bob, live_server, "ehr-tips", f"Later update {i}")
    wait_indexed(live_server, "bob", "kardex")
    wait_indexed(live_server, "bob", "binder")
    page = sign_in(new_page(), live_server, "alice")
    expect(message(page, "The downtime binder")).to_have_count(0)  # far back

    search_box(page).fill("binder")
    hit = options(page).first.get_by_role("link")
    expect(hit).to_have_attribute("href", f"/c/ehr-tips/m/{old['id']}")
    hit.click()
    expect(page).to_have_url(f"{live_server.url}/c/ehr-tips/m/{old['id']}")
    found = page.locator(f'#message-list .msg[data-id="{old["id"]}"]')
    expect(found).to_be_in_viewport()
    expect(found).to_have_class(re.compile("msg--highlight"))
    expect(message(page, "Later update 59")).to_have_count(0)  # the newest are not loaded
    jump = page.get_by_role("button", name="Jump to latest")
    expect(jump).to_be_visible()
    post(bob, live_server, "ehr-tips", "Live while reading old history")
    jump.click()
    expect(message(page, "Live while reading old history")).to_be_in_viewport()
    expect(page).to_have_url(f"{live_server.url}/c/ehr-tips")

    # A reply opens in its thread; the link works in a new tab too.
    other = new_page()
    sign_in(other, live_server, "alice", f"/c/ehr-tips/m/{reply['id']}")
    in_thread = other.locator(f'#thread-list .msg[data-id="{reply["id"]}"]')
    expect(in_thread).to_be_in_viewport()
    expect(in_thread).to_have_class(re.compile("msg--highlight"))
    root_el = other.locator(f'#message-list .msg[data-id="{root["id"]}"]')
    expect(root_el).to_be_in_viewport()
    # Scrolling down from an old page loads the newer messages.
    other.locator("#message-scroller").evaluate("(el) => { el.scrollTop = el.scrollHeight; }")
    expect(message(other, "Later update 0", "#message-list")).to_have_count(1)


def test_help_popover_errors_and_did_you_mean(
    live_server: Any, new_page: Callable[..., Page]
) -> None:
    live_server.factory.user("alice")
    live_server.factory.channel("ehr-tips", members=("alice",))
    post(
        live_server.session("alice"),
        live_server,
        "ehr-tips",
        "Vancomycin trough timing for the nomogram",
    )
    wait_indexed(live_server, "alice", "nomogram")
    page = sign_in(new_page(), live_server, "alice")

    page.get_by_role("button", name="Search help").click()
    help_box = page.get_by_role("dialog", name="Search help")
    expect(help_box).to_be_visible()
    for operator in (
        "in:#channel",
        "from:@username",
        "before:",
        "after:",
        "on:",
        "has:link",
        "has:code",
        "is:tip",
        "is:pinned",
        "is:thread",
        '"exact phrase"',
        "prefix*",
        "-excluded",
    ):
        expect(help_box).to_contain_text(operator)
    page.keyboard.press("Escape")
    expect(help_box).to_be_hidden()

    search_box(page).fill("before:2026-02-30")
    expect(page.locator("#search-status")).to_contain_text("before:")
    search_box(page).press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("This search did not work")
    expect(page.get_by_role("alert")).to_contain_text("2026-02-30")

    search_box(page).fill("nomgram")
    suggestion = page.locator("#search-status").get_by_role("link", name="nomogram")
    expect(suggestion).to_be_visible()
    suggestion.click()
    expect(search_box(page)).to_have_value("nomogram")
    expect(options(page).first.locator("mark")).to_have_text("nomogram")


def test_private_channel_messages_never_show_for_a_non_member(
    live_server: Any, new_page: Callable[..., Page]
) -> None:
    for name in ("alice", "bob"):
        live_server.factory.user(name)
    live_server.factory.channel("ehr-tips", members=("alice", "bob"))
    live_server.factory.channel("council", kind="private", members=("alice",))
    alice = live_server.session("alice")
    post(alice, live_server, "council", "Kinyoun stain order panel draft")
    post(alice, live_server, "ehr-tips", "Kinyoun stain is in the micro order set")
    wait_indexed(live_server, "alice", "kinyoun", 2)
    page = sign_in(new_page(), live_server, "bob")
    search_box(page).fill("kinyoun")
    expect(options(page)).to_have_count(2)  # the public one and "See all 1 result"
    expect(page.locator("#search-dropdown")).not_to_contain_text("panel draft")
    page.goto(f"{live_server.url}/search?q=kinyoun+in:%23council")
    expect(page.locator(".search-count")).to_have_text("No messages match.")
    expect(page.locator("#search-page")).not_to_contain_text("panel draft")


def test_pin_from_the_menu_marker_panel_and_is_pinned(
    live_server: Any, new_page: Callable[..., Page]
) -> None:
    live_server.factory.user("alice")
    live_server.factory.user("bob", display_name="Dr. Bob Chen")
    live_server.factory.channel("ehr-tips", members=("alice", "bob"))
    alice = sign_in(new_page(), live_server, "alice")
    bob = sign_in(new_page(), live_server, "bob")
    sent = send(bob, "Downtime binder is in the charge nurse office")
    sent.hover()
    sent.get_by_role("button", name="Pin message").click()
    expect(sent.locator(".msg-pin")).to_be_visible()
    theirs = message(alice, "Downtime binder")
    expect(theirs.locator(".msg-pin")).to_have_attribute("title", "Pinned by Dr. Bob Chen")
    pins_button = alice.get_by_role("button", name="1 pinned message: show them")
    pins_button.click()
    panel = alice.get_by_role("dialog", name="Pinned messages")
    expect(panel).to_contain_text("Downtime binder is in the charge nurse office")
    expect(panel).to_contain_text("Pinned by Dr. Bob Chen")
    panel.get_by_role("button", name="Close").click()

    wait_indexed(live_server, "alice", "is:pinned binder")
    search_box(alice).fill("is:pinned")
    expect(options(alice).first).to_contain_text("Downtime binder")

    bob.get_by_role("button", name="1 pinned message: show them").click()
    bob.get_by_role("dialog", name="Pinned messages").get_by_role("button", name="Unpin").click()
    expect(bob.get_by_role("dialog", name="Pinned messages")).to_contain_text("Nothing is pinned")
    expect(theirs.locator(".msg-pin")).to_be_hidden()
    expect(alice.get_by_role("button", name="0 pinned messages: show them")).to_be_visible()


def test_search_at_360_px(live_server: Any, new_page: Callable[..., Page]) -> None:
    live_server.factory.user("alice")
    live_server.factory.channel("ehr-tips", members=("alice",))
    post(live_server.session("alice"), live_server, "ehr-tips", "Sepsis bundle timer tips")
    wait_indexed(live_server, "alice", "sepsis")
    page = sign_in(new_page({"width": 360, "height": 740}), live_server, "alice")
    expect(search_box(page)).to_be_visible()
    search_box(page).fill("sepsis")
    expect(options(page).first).to_be_in_viewport(ratio=1)
    page.get_by_role("button", name="Search help").click()
    expect(page.get_by_role("dialog", name="Search help")).to_be_in_viewport()
    page.keyboard.press("Escape")
    search_box(page).press("Enter")
    expect(page.locator(".search-results > li")).to_have_count(1)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_search_screenshot(live_server: Any, new_page: Callable[..., Page]) -> None:
    """The results page with realistic (patient-free) content, for the README."""
    people = {
        "akim": "Dr. Alex Kim",
        "rpatel": "Dr. Rohan Patel",
        "sobrien": "Dr. Siobhan O'Brien",
        "mokafor": "Dr. Miriam Okafor",
    }
    for username, name in people.items():
        live_server.factory.user(username, display_name=name)
    live_server.factory.channel("ehr-tips", members=tuple(people))
    live_server.factory.channel("sepsis-protocol", members=tuple(people))
    http = {u: live_server.session(u) for u in people}
    for who, where, body in [
        (
            "sobrien",
            "sepsis-protocol",
            "The **sepsis order set** now pre-checks the repeat lactate at 3 hours.",
        ),
        (
            "akim",
            "ehr-tips",
            "Open the sepsis order set from the ED navigator, not the search bar.",
        ),
        (
            "rpatel",
            "ehr-tips",
            "Tip: `.SEPSISNOTE` pulls the lactate trend and the fluid volume into the note.",
        ),
        ("mokafor", "sepsis-protocol", "BPA review: the sepsis alert fires twice on transfer."),
        ("sobrien", "sepsis-protocol", "Sepsis huddle moved to 07:30 on weekdays."),
    ]:
        post(http[who], live_server, where, body)
    wait_indexed(live_server, "mokafor", "sepsis", 4)
    page = sign_in(new_page(), live_server, "mokafor", "/search?q=sepsis")
    expect(page.locator(".search-results > li").first).to_be_visible()
    page.mouse.move(0, 0)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "search.png"))


def test_search_is_being_rebuilt_until_a_writer_builds_the_index(
    tmp_path: Path, sqlite_template: Path, new_page: Callable[..., Page]
) -> None:
    # Another process holds the writer's lock and builds nothing (a writer that hangs): the
    # server has no index, so search answers 503 search_rebuilding until it can write.
    held = FileLock(tmp_path / "search_index" / "indexer.lock")
    assert held.acquire()
    server = LiveServer(tmp_path, sqlite_template)
    try:
        server.factory.user("alice")
        server.factory.channel("ehr-tips", members=("alice",))
        post(server.session("alice"), server, "ehr-tips", "Downtime binder checklist")
        page = sign_in(new_page(), server, "alice")
        search_box(page).fill("downtime")
        expect(page.locator("#search-status")).to_have_text(
            "Search is being rebuilt; try again in a minute."
        )
        search_box(page).press("Enter")
        expect(page.get_by_role("alert")).to_contain_text("Search is being rebuilt")
        expect(page.locator("#channel-title")).to_have_text("Search: downtime")
        held.release()
        wait_indexed(server, "alice", "downtime")
        page.reload()
        expect(page.locator(".search-results > li")).to_have_count(1)
    finally:
        held.release()
        server.stop()


def test_a_slow_answer_to_an_older_query_is_dropped(
    live_server: Any, new_page: Callable[..., Page]
) -> None:
    live_server.factory.user("alice")
    live_server.factory.channel("ehr-tips", members=("alice",))
    post(live_server.session("alice"), live_server, "ehr-tips", "Pharmacy to dose protocol")
    wait_indexed(live_server, "alice", "pharmacy")
    page = sign_in(new_page(), live_server, "alice")
    held: list[Any] = []
    page.route("**/api/v1/search?q=pharm", lambda route: held.append(route))  # held back
    search_box(page).fill("pharm")
    deadline = time.monotonic() + 10
    while not held and time.monotonic() < deadline:  # past the debounce, "pharm" is sent
        page.wait_for_timeout(20)  # (lets Playwright run the route handler meanwhile)
    assert len(held) == 1
    search_box(page).fill("pharmacy")
    expect(options(page).first.locator("mark")).to_have_text("Pharmacy")
    with page.expect_response(lambda r: r.url.endswith("q=pharm")):
        held[0].continue_()  # the older query ("pharm": no match) answers last
    page.wait_for_timeout(200)
    expect(options(page).first.locator("mark")).to_have_text("Pharmacy")
    expect(page.locator("#search-status")).not_to_contain_text("No messages match")


def test_asking_a_question_from_the_tips_page(
    live_server: Any, new_page: Callable[..., Page]
) -> None:
    """A plain question: the tip first, the notice when results hold only some of the
    words, and why each result matched (issue 13)."""
    live_server.factory.user("alice")
    live_server.factory.channel("ehr-tips", members=("alice",))
    alice = live_server.session("alice")
    post(alice, live_server, "ehr-tips", "Potassium came back low again on the ward")
    response = alice.post(
        f"{live_server.url}{API}/tips",
        json={
            "title": "Potassium replacement protocol order set",
            "body": "Search *Electrolyte Replacement* in the order set activity.",
            "tags": ["electrolytes"],
            "channel": "ehr-tips",
        },
    )
    assert response.status_code == 201, response.text
    wait_indexed(live_server, "alice", "potassium", 2)
    page = sign_in(new_page(), live_server, "alice")
    page.goto(f"{live_server.url}/tips")
    page.get_by_role("searchbox", name="Ask a question").fill("how do I replete K")
    page.get_by_role("button", name="Ask").click()
    expect(page).to_have_url(re.compile(r"/search\?q=how\+do\+I\+replete\+K$"))
    results = page.locator(".search-results > li")
    expect(results).to_have_count(2)
    expect(results.first).to_contain_text("Potassium replacement protocol order set")
    expect(results.first.locator(".hit-type")).to_have_text("Tip")
    expect(page.locator(".search-any-of")).to_have_text("Showing results for any of: replete, K")
    expect(results.nth(1).locator(".hit-why")).to_have_text(
        "Matched K · K → Potassium (synonym) · not replete"
    )
