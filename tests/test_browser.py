"""The web UI in headless Chromium against a real `physnet run` server.

Each test asserts what a person sees, through Playwright's auto-waiting `expect`.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Locator, Page, expect

from conftest import PASSWORD  # the browser and new_page fixtures are in conftest.py too

pytestmark = [pytest.mark.browser, pytest.mark.live]

# The README's pictures are retaken only when asked (PHYSNET_SCREENSHOTS=1 make test), so an
# ordinary run leaves the working tree clean; otherwise they go to a scratch folder.
SCREENSHOTS = (
    Path(__file__).resolve().parent.parent / "docs" / "screenshots"
    if os.environ.get("PHYSNET_SCREENSHOTS") == "1"
    else Path(tempfile.gettempdir()) / f"physnet-screenshots-{os.getpid()}"
)
API = "/api/v1"

expect.set_options(timeout=10_000)


# The `browser` and `new_page` fixtures are in conftest.py: one Chromium for every browser
# test module (Playwright's sync API allows one instance per thread).


def sign_in(page: Page, server: Any, username: str, path: str = "/") -> Page:
    page.goto(server.url + path)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    live_ready(page)
    return page


def live_ready(page: Page) -> None:
    """Wait until the socket is connected and the first view (the open channel's history)
    is on screen: the socket may connect before the channel list has loaded."""
    expect(page.locator("#app")).to_have_attribute("data-live", "connected")
    expect(page.locator("#app")).to_have_attribute("data-ready", "true")
    expect(page.locator("#history-status")).not_to_have_text(re.compile("Loading"))


def message(page: Page, text: str, where: str = "#message-list") -> Locator:
    return page.locator(f"{where} .msg", has_text=text)


def sidebar_link(page: Page, channel: str) -> Locator:
    return page.locator(f'#sidebar a[data-channel="{channel}"]')


def post(http: Any, server: Any, channel: str, body: str, **extra: Any) -> dict[str, Any]:
    response = http.post(
        f"{server.url}{API}/channels/{channel}/messages", json={"body": body, **extra}
    )
    assert response.status_code == 201, response.text
    return response.json()["message"]


def send(page: Page, text: str, composer: str = "#composer-input") -> Locator:
    """Type a message into a composer, press Enter, and wait until the server has it."""
    page.locator(composer).fill(text)
    page.locator(composer).press("Enter")
    sent = page.locator(".msg[data-id]", has_text=text.replace("**", "").split("\n")[0])
    expect(sent).to_have_count(1)
    return sent


def test_sign_in_post_and_see_it_once(live_server: Any, new_page: Callable[..., Page]) -> None:
    live_server.factory.user("alice", display_name="Dr. Alice Moreno")
    live_server.factory.channel("ehr-tips", members=("alice",))
    live_server.factory.channel("order-sets", members=("alice",))
    page = new_page()
    page.goto(live_server.url + "/")
    expect(page).to_have_url(re.compile(r"/login"))

    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("did not match an active account")
    expect(page.get_by_label("Username")).to_have_value("alice")

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(live_server.url + "/c/ehr-tips")  # the default channel
    live_ready(page)

    sidebar_link(page, "order-sets").click()
    expect(page).to_have_url(live_server.url + "/c/order-sets")
    expect(page.locator("#channel-title")).to_have_text("Order Sets")
    live_ready(page)
    composer = page.get_by_label("Message #order-sets")
    composer.fill("Use the **sepsis** order set from the ED navigator")
    composer.press("Enter")
    posted = message(page, "Use the sepsis order set")
    expect(posted).to_have_count(1)
    expect(posted.locator(".msg-body strong")).to_have_text("sepsis")
    expect(posted).to_have_attribute("data-id", re.compile(r"^\d+$"))
    expect(posted.locator(".msg-author")).to_have_text("Dr. Alice Moreno")
    # The ack and the broadcast of a later message arrive after those of the first one,
    # so once the second is confirmed, both copies of the first have been merged.
    send(page, "Second note")
    expect(posted).to_have_count(1)
    expect(page.locator("#message-list .msg")).to_have_count(2)

    page.reload()
    live_ready(page)
    expect(message(page, "Use the sepsis order set")).to_have_count(1)
    page.go_back()
    expect(page).to_have_url(live_server.url + "/c/ehr-tips")
    expect(page.locator("#channel-title")).to_have_text("Ehr Tips")


def test_live_edit_delete_and_reactions(live_server: Any, new_page: Callable[..., Page]) -> None:
    live_server.factory.user("alice", display_name="Dr. Alice Moreno")
    live_server.factory.user("bob", display_name="Dr. Bob Chen")
    live_server.factory.channel("ehr-tips", members=("alice", "bob"))
    alice = sign_in(new_page(), live_server, "alice")
    bob = sign_in(new_page(), live_server, "bob")

    sent = send(alice, "Print the **downtime** MAR at the start of the window")
    mine = alice.locator(f'#message-list .msg[data-id="{sent.get_attribute("data-id")}"]')
    theirs = message(bob, "at the start of the window")
    expect(theirs).to_have_count(1)
    expect(theirs.locator("strong")).to_have_text("downtime")
    bob.locator("#composer-input").press_sequentially("Thanks")
    expect(alice.locator("#composer-typing")).to_have_text("Dr. Bob Chen is typing…")
    bob.locator("#composer-input").fill("")

    mine.hover()
    mine.get_by_role("button", name="Edit message").click()
    editor = mine.get_by_role("textbox", name="Edit message")
    editor.fill("Print the downtime MAR one hour before the window")
    editor.press("Enter")
    expect(theirs).to_have_count(0)
    edited = message(bob, "one hour before the window")
    expect(edited).to_contain_text("(edited)")
    edited.get_by_role("button", name="(edited)").click()
    history = bob.get_by_role("dialog", name="Edit history")
    expect(history).to_contain_text("Print the **downtime** MAR at the start of the window")
    history.get_by_role("button", name="Close").click()

    edited.hover()
    edited.locator(".msg-actions").get_by_role("button", name="Add reaction").click()
    bob.get_by_role("menuitem", name="thumbs up").click()
    chip = message(alice, "one hour before").get_by_role("button", name=re.compile("^thumbs up: 1"))
    expect(chip).to_contain_text("👍1")
    expect(chip).to_have_attribute("aria-pressed", "false")  # alice did not react herself
    expect(edited.get_by_role("button", name=re.compile("^thumbs up"))).to_have_attribute(
        "aria-pressed", "true"
    )

    mine.hover()
    mine.get_by_role("button", name="Delete message").click()
    alice.get_by_role("dialog", name="Delete message?").get_by_role("button", name="Delete").click()
    expect(bob.locator("#message-list .msg")).to_have_count(1)
    expect(bob.locator("#message-list .msg")).to_have_text(
        re.compile(r"This message was deleted\.")
    )
    expect(bob.locator("#message-list .reaction")).to_have_count(0)
    expect(alice.locator("#message-list .tombstone")).to_have_text("This message was deleted.")


def test_unread_and_mention_badges(live_server: Any, new_page: Callable[..., Page]) -> None:
    live_server.factory.user("alice")
    live_server.factory.user("bob")
    live_server.factory.channel("ehr-tips", members=("alice", "bob"))
    live_server.factory.channel("order-sets", members=("alice", "bob"))
    bob = sign_in(new_page(), live_server, "bob", "/c/ehr-tips")
    alice = live_server.session("alice")

    post(alice, live_server, "order-sets", "The chest pain order set now includes hs-troponin")
    link = sidebar_link(bob, "order-sets")
    expect(link.locator(".badge--unread")).to_have_text("1")
    expect(link.locator(".badge--mention")).to_have_count(0)
    post(alice, live_server, "order-sets", "@bob could you review the defaults?")
    expect(link.locator(".badge--unread")).to_have_text("2")
    expect(link.locator(".badge--mention")).to_have_text("@1")
    expect(sidebar_link(bob, "ehr-tips").locator(".badge")).to_have_count(0)

    with bob.expect_response(lambda r: r.url.endswith("/channels/order-sets/read")) as read:
        link.click()
    assert read.value.ok
    expect(link.locator(".badge")).to_have_count(0)
    expect(message(bob, "could you review").locator(".mention--me")).to_have_text("@bob")

    # The read marker is on the server: after a reload elsewhere, the badge stays gone.
    sidebar_link(bob, "ehr-tips").click()
    expect(bob).to_have_url(live_server.url + "/c/ehr-tips")
    bob.reload()
    live_ready(bob)
    expect(sidebar_link(bob, "order-sets")).to_be_visible()
    expect(sidebar_link(bob, "order-sets").locator(".badge")).to_have_count(0)


def test_thread_reply_updates_reply_count(live_server: Any, new_page: Callable[..., Page]) -> None:
    live_server.factory.user("alice")
    live_server.factory.user("bob")
    live_server.factory.channel("ehr-tips", members=("alice", "bob"))
    post(
        live_server.session("bob"),
        live_server,
        "ehr-tips",
        "Which SmartPhrase do you use for discharge summaries?",
    )
    alice = sign_in(new_page(), live_server, "alice")
    bob = sign_in(new_page(), live_server, "bob")

    root = message(alice, "Which SmartPhrase")
    root.hover()
    root.get_by_role("button", name="Reply in thread").click()
    panel = alice.get_by_role("complementary", name="Thread")
    expect(panel).to_be_visible()
    expect(message(alice, "Which SmartPhrase", "#thread-list")).to_have_count(1)
    send(alice, "I use .DCSUMMARY and trim the hospital course", "#thread-composer-input")
    expect(message(alice, "I use .DCSUMMARY", "#thread-list")).to_have_count(1)
    expect(message(alice, "I use .DCSUMMARY")).to_have_count(0)  # not in the main list

    replies = message(bob, "Which SmartPhrase").get_by_role("button", name="1 reply")
    expect(replies).to_be_visible()
    expect(message(bob, "I use .DCSUMMARY")).to_have_count(0)
    replies.click()
    expect(message(bob, "I use .DCSUMMARY", "#thread-list")).to_have_count(1)


def test_keyboard_send_newline_and_edit(live_server: Any, new_page: Callable[..., Page]) -> None:
    live_server.factory.user("alice")
    live_server.factory.channel("ehr-tips", members=("alice",))
    page = sign_in(new_page(), live_server, "alice")
    composer = page.locator("#composer-input")
    expect(composer).to_be_focused()

    page.keyboard.type("Downtime checklist:")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("print the MAR")
    expect(composer).to_have_value("Downtime checklist:\nprint the MAR")
    expect(page.locator("#message-list .msg")).to_have_count(0)
    page.keyboard.press("Enter")
    sent = message(page, "Downtime checklist:")
    expect(sent).to_have_count(1)
    expect(sent.locator(".msg-body")).to_have_text("Downtime checklist: print the MAR")
    expect(sent.locator(".msg-body br")).to_have_count(1)  # a line break, not a space
    expect(sent).to_have_attribute("data-id", re.compile(r"^\d+$"))
    expect(composer).to_have_value("")

    page.keyboard.press("ArrowUp")
    editor = page.get_by_role("textbox", name="Edit message")
    expect(editor).to_be_focused()
    expect(editor).to_have_value("Downtime checklist:\nprint the MAR")
    page.keyboard.press("Escape")  # cancel: nothing changes
    expect(editor).to_have_count(0)
    expect(composer).to_be_focused()
    expect(sent).not_to_contain_text("(edited)")

    page.keyboard.press("ArrowUp")
    expect(editor).to_be_focused()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("Downtime checklist: print the MAR and the **active orders**")
    page.keyboard.press("Enter")
    expect(editor).to_have_count(0)
    expect(sent.locator(".msg-body strong")).to_have_text("active orders")
    expect(sent).to_contain_text("(edited)")
    expect(composer).to_be_focused()


def test_no_console_errors_and_no_foreign_requests(
    live_server: Any, new_page: Callable[..., Page]
) -> None:
    live_server.factory.user("alice")
    live_server.factory.user("bob", display_name="Dr. Bob Chen")
    live_server.factory.channel("ehr-tips", members=("alice", "bob"))
    live_server.factory.channel("cardiology", members=("bob",))
    post(live_server.session("bob"), live_server, "ehr-tips", "Welcome to **EHR tips**")
    page = new_page()
    problems: list[str] = []
    hosts: set[str] = set()
    page.on(
        "console",
        lambda m: (
            problems.append(f"console {m.type}: {m.text}")
            if m.type in ("error", "warning")
            else None
        ),
    )
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("request", lambda r: hosts.add(urlsplit(r.url).hostname or r.url))
    page.on("websocket", lambda ws: hosts.add(urlsplit(ws.url).hostname or ws.url))

    sign_in(page, live_server, "alice")
    root = send(page, "A tip with a thread")
    root.hover()
    root.locator(".msg-actions").get_by_role("button", name="Add reaction").click()
    page.get_by_role("menuitem", name="folded hands").click()
    expect(root.locator('.reaction[data-emoji="🙏"]')).to_have_text("🙏1")
    root.hover()
    root.get_by_role("button", name="Reply in thread").click()
    send(page, "A reply", "#thread-composer-input")
    page.get_by_role("button", name="Close thread").click()

    page.get_by_role("button", name="Browse channels").click()
    browse = page.get_by_role("dialog", name="Browse channels")
    browse.get_by_role("button", name="Join Cardiology").click()
    expect(page).to_have_url(live_server.url + "/c/cardiology")
    live_ready(page)
    page.get_by_role("button", name="New message", exact=True).click()
    page.get_by_role("combobox", name="To").fill("Dr. B")
    page.get_by_role("option", name=re.compile("Dr. Bob Chen")).click()
    expect(page.locator("#channel-title")).to_have_text("Dr. Bob Chen")
    live_ready(page)
    send(page, "Direct hello")
    page.get_by_role("button", name=re.compile("2 members")).click()
    expect(page.get_by_role("dialog", name=re.compile("Members"))).to_contain_text("Dr. Bob Chen")
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login$"))

    assert problems == []
    assert hosts == {"127.0.0.1"}


def test_screenshots(live_server: Any, new_page: Callable[..., Page]) -> None:
    """Realistic (patient-free) content for the README's screenshots."""
    people = {
        "mokafor": ("Dr. Miriam Okafor", "Chief Medical Information Officer"),
        "akim": ("Dr. Alex Kim", "Hospital Medicine"),
        "rpatel": ("Dr. Rohan Patel", "Cardiology"),
        "lnguyen": ("Dr. Linh Nguyen", "Emergency Medicine"),
        "falrashid": ("Dr. Farah Al-Rashid", "Family Medicine"),
        "sobrien": ("Dr. Siobhan O'Brien", "Critical Care"),
    }
    for username, (name, title) in people.items():
        live_server.factory.user(username, display_name=name, title=title)
    http = {u: live_server.session(u) for u in people}
    url = live_server.url + API

    def channel(owner: str, name: str, title: str, description: str) -> None:
        response = http[owner].post(
            f"{url}/channels",
            json={"name": name, "title": title, "description": description, "private": False},
        )
        assert response.status_code == 201, response.text
        for user in people:
            if user != owner:
                http[user].post(f"{url}/channels/{name}/join")

    channel(
        "akim",
        "ehr-tips",
        "EHR tips",
        "Shortcuts, SmartPhrases, order sets, In Basket and downtime know-how.",
    )
    channel("rpatel", "cardiology", "Cardiology", "Order sets, consult routing, documentation.")
    channel("sobrien", "sepsis-protocol", "Sepsis protocol", "SEP-1 bundle, BPA and order set.")
    channel("lnguyen", "riverside-general", "Riverside General", "Site news and logistics.")
    http["mokafor"].post(f"{url}/direct", json={"username": "akim"})
    http["mokafor"].post(f"{url}/direct", json={"username": "falrashid"})

    def say(user: str, body: str, where: str = "ehr-tips", **extra: Any) -> int:
        return int(post(http[user], live_server, where, body, **extra)["id"])

    def react(user: str, message_id: int, emoji: str) -> None:
        http[user].post(f"{url}/messages/{message_id}/reactions", json={"emoji": emoji})

    first = say(
        "akim",
        "Heads-up: the updated **sepsis order set** is live in all three EDs. "
        "The repeat lactate is now pre-checked; leave it on unless you document why.",
    )
    react("lnguyen", first, "✅")
    react("sobrien", first, "🙏")
    tip = say(
        "rpatel",
        "Tip: type `.HFDISCHARGE` in the discharge navigator. It pulls in the "
        "heart-failure plan, diuretic dosing table and follow-up instructions in one go.",
    )
    for user, emoji in [("akim", "👍"), ("lnguyen", "👍"), ("falrashid", "👍"), ("mokafor", "🎉")]:
        react(user, tip, emoji)
    say("lnguyen", "Does it pull the latest EF automatically?", thread_id=tip)
    say(
        "rpatel",
        "Yes, the most recent resulted echo. With none in 12 months it leaves a "
        "`***` wildcard so you cannot sign without filling it in.",
        thread_id=tip,
    )
    say("akim", "Adding it to the hospitalist onboarding packet.", thread_id=tip)
    inbasket = say(
        "falrashid",
        "In Basket: sort **Results** by *abnormal first*, then use "
        "Quick Actions → Acknowledge for the normal batch. Saves me ~20 minutes a day.",
    )
    react("mokafor", inbasket, "👀")
    say(
        "sobrien",
        "Downtime drill on Thursday 02:00–04:00:\n"
        "- print the downtime MAR at the **start** of the window\n"
        "- read-only BCA workstations are on every unit\n"
        "- paper order sets are in the red binders",
    )
    say("akim", "@mokafor could we put the downtime checklist in the channel description?")
    say("rpatel", "New chest pain order set goes live Monday.", "cardiology")
    say("rpatel", "Consult routing for after-hours echo is updated.", "cardiology")
    say("sobrien", "@mokafor the BPA firing review is ready.", "sepsis-protocol")

    login = new_page()
    login.goto(live_server.url + "/login")
    login.get_by_label("Username").fill("mokafor")
    expect(login.get_by_role("button", name="Sign in")).to_be_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    login.screenshot(path=str(SCREENSHOTS / "login.png"))

    sign_in(new_page(), live_server, "akim")  # so a DM partner shows as online
    page = sign_in(login, live_server, "mokafor")
    expect(page).to_have_url(live_server.url + "/c/ehr-tips")
    thread = message(page, ".HFDISCHARGE")
    thread.get_by_role("button", name="3 replies").click()
    expect(page.locator("#thread-list .msg")).to_have_count(4)
    expect(sidebar_link(page, "cardiology").locator(".badge--unread")).to_have_text("2")
    expect(sidebar_link(page, "sepsis-protocol").locator(".badge--mention")).to_have_text("@1")
    expect(page.locator("#dm-list .dot--online")).to_have_count(1)
    page.mouse.move(0, 0)
    page.screenshot(path=str(SCREENSHOTS / "channel.png"))


def test_presence_dots_follow_the_people_on_screen_live(
    live_server: Any, new_page: Callable[..., Page]
) -> None:
    """The page hears presence only about the people it shows (a direct-message partner,
    an open member list): their dots still change live."""
    for name in ("mokafor", "akim", "rpatel"):
        live_server.factory.user(name)
    live_server.factory.channel("ehr-tips", members=("mokafor", "akim", "rpatel"))
    live_server.session("mokafor").post(f"{live_server.url}{API}/direct", json={"username": "akim"})
    page = sign_in(new_page(), live_server, "mokafor")
    partner_dot = page.locator("#dm-list .dot")
    expect(partner_dot).to_have_class(re.compile("dot--offline"))

    akim = sign_in(new_page(), live_server, "akim")
    expect(partner_dot).to_have_class(re.compile("dot--online"))

    page.locator("#members-btn").click()
    rows = page.locator("#member-list .person")
    expect(rows).to_have_count(3)
    rpatel_dot = rows.filter(has_text="@rpatel").locator(".dot")
    expect(rpatel_dot).to_have_class(re.compile("dot--offline"))
    rpatel = sign_in(new_page(), live_server, "rpatel")
    expect(rpatel_dot).to_have_class(re.compile("dot--online"))
    rpatel.close()
    expect(rpatel_dot).to_have_class(re.compile("dot--offline"))

    akim.close()
    expect(partner_dot).to_have_class(re.compile("dot--offline"))
    expect(rows.filter(has_text="@akim").locator(".dot")).to_have_class(re.compile("dot--offline"))


# Lets a test cut the live connection and hold it down: while window.__holdSockets is true,
# new sockets go to a closed port, so Socket.IO keeps retrying until the test lets it in.
SOCKET_SWITCH = """
(() => {
  const Native = window.WebSocket;
  const open = [];
  window.__holdSockets = false;
  window.__dropSockets = () => { window.__holdSockets = true; open.forEach((s) => s.close()); };
  window.WebSocket = class extends Native {
    constructor(url, protocols) {
      super(window.__holdSockets ? "ws://127.0.0.1:9/held" : url, protocols);
      open.push(this);
    }
  };
})();
"""


def test_reconnect_catches_up_without_gaps_or_duplicates(
    live_server: Any, new_page: Callable[..., Page]
) -> None:
    live_server.factory.user("alice")
    live_server.factory.user("bob")
    live_server.factory.channel("ehr-tips", members=("alice", "bob"))
    live_server.factory.channel("order-sets", members=("alice", "bob"))
    alice = live_server.session("alice")
    post(alice, live_server, "ehr-tips", "Before the outage")
    page = new_page()
    page.context.add_init_script(SOCKET_SWITCH)
    sign_in(page, live_server, "bob")
    expect(message(page, "Before the outage")).to_have_count(1)

    page.evaluate("window.__dropSockets()")
    expect(page.locator("#app")).to_have_attribute("data-live", "reconnecting")
    expect(page.get_by_role("status").filter(has_text="Reconnecting")).to_be_visible()
    post(alice, live_server, "ehr-tips", "Missed one")
    post(alice, live_server, "ehr-tips", "Missed two")
    post(alice, live_server, "order-sets", "Missed elsewhere")
    # Sending now goes over HTTP; make that fail too, to see the error and the retry.
    page.route("**/api/v1/channels/ehr-tips/messages", lambda route: route.abort())
    page.locator("#composer-input").fill("Sent while offline")
    page.locator("#composer-input").press("Enter")
    failed = message(page, "Sent while offline")
    expect(failed.get_by_role("alert")).to_contain_text("Not sent")
    expect(message(page, "Missed one")).to_have_count(0)

    page.unroute("**/api/v1/channels/ehr-tips/messages")
    page.evaluate("window.__holdSockets = false")
    live_ready(page)
    for text in ("Before the outage", "Missed one", "Missed two"):
        expect(message(page, text)).to_have_count(1)
    expect(sidebar_link(page, "order-sets").locator(".badge--unread")).to_have_text("1")
    failed.get_by_role("button", name="Retry").click()
    expect(failed).to_have_attribute("data-id", re.compile(r"^\d+$"))
    post(alice, live_server, "ehr-tips", "After the outage")
    expect(message(page, "After the outage")).to_have_count(1)
    expect(page.locator("#message-list .msg")).to_have_count(5)
    page.reload()
    live_ready(page)
    expect(page.locator("#message-list .msg")).to_have_count(5)


# --- the PHI guard: marks in the composer, the override dialog, reporting, review -------------


PHI_MRN_TEXT = "Can someone check MRN 48213377? The order set did not fire"


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
    new_page: Callable[..., Page],
) -> None:
    live_server.factory.user("alice")
    live_server.factory.channel("ehr-tips", members=("alice",))
    page = new_page()
    problems = watch_errors(page)
    sign_in(page, live_server, "alice")
    live_ready(page)

    composer = page.get_by_label("Message #ehr-tips")
    composer.fill(PHI_MRN_TEXT)
    mark = page.locator("#composer .phi-mark")
    expect(mark).to_have_text("MRN 48213377")
    expect(page.locator("#composer .phi-note")).to_contain_text("medical record number")

    composer.press("Enter")
    dialog = page.get_by_role("dialog", name="Possible patient information")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Edit message").click()
    expect(composer).to_have_value(PHI_MRN_TEXT)  # back for editing, nothing stored
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
    new_page: Callable[..., Page],
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
