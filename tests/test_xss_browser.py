"""The XSS corpus through every place PhysNet shows people's text, in headless Chromium.

The pages are served by a real `physnet run` to a browser told to ignore the
Content-Security-Policy (bypass_csp): the CSP would block inline handlers anyway, and this
test is about the layers under it (Markdown sanitizing, escaping, building the DOM with
text). A hook records any payload that runs (`xss(n)`, alert/confirm/prompt, dialogs);
every surface also checks the DOM it rendered and, where there is one, the server's HTML.

A new place that shows user text is one more Surface in SURFACES.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from test_browser import live_ready
from xss_corpus import DOM_CHECK, DOM_FORBIDDEN, HOOK, PAYLOADS, SAFE_SCHEMES, unsafe_html

from conftest import PASSWORD, LiveServer

# One planted site serves every surface: under pytest-xdist the module stays on one worker.
pytestmark = [pytest.mark.browser, pytest.mark.live, pytest.mark.xdist_group("xss")]


class Site:
    """One live server with the whole corpus planted in every surface."""

    def __init__(self, server: LiveServer) -> None:
        self.server = server
        self.url = server.url
        self.http = {name: server.session(name) for name in ("alice", "bob", "root")}
        self.messages: dict[str, list[int]] = {}

    def api(self, who: str, method: str, path: str, **kwargs: Any) -> Any:
        response = self.http[who].request(method, f"{self.url}/api/v1{path}", **kwargs)
        assert response.status_code < 300, (path, response.status_code, response.text)
        return response.json()

    def post(self, who: str, channel: str, body: str, **extra: Any) -> int:
        data = self.api(who, "POST", f"/channels/{channel}/messages", json={"body": body, **extra})
        return int(data["message"]["id"])


def plant(server: LiveServer) -> Site:
    f = server.factory
    f.user("alice", display_name="Dr. Alice Moreno")
    f.user("bob", display_name="Dr. Bob Chen")
    f.user("root", role="admin", display_name="IT Admin")
    for i, (_, text) in enumerate(PAYLOADS):
        f.user(f"xu{i}", display_name=text[:200])
    people = tuple(f"xu{i}" for i in range(len(PAYLOADS)))
    f.channel("xss-messages", members=("alice", "bob"))
    f.channel("xss-edits", members=("alice", "bob"))
    f.channel("xss-threads", members=("alice", "bob"))
    f.channel("xss-people", members=("alice", "bob", *people))
    site = Site(server)
    site.messages["body"] = [site.post("alice", "xss-messages", t) for _, t in PAYLOADS]
    root = site.post("alice", "xss-threads", "Thread about order sets")
    site.messages["thread"] = [
        site.post("alice", "xss-threads", t, thread_id=root) for _, t in PAYLOADS
    ]
    site.messages["thread_root"] = [root]
    for i in range(len(PAYLOADS)):
        http = server.session(f"xu{i}")
        response = http.post(
            f"{server.url}/api/v1/channels/xss-people/messages", json={"body": f"note {i}"}
        )
        assert response.status_code == 201
    for i, (_, text) in enumerate(PAYLOADS):
        site.api(
            "alice",
            "POST",
            "/channels",
            json={"name": f"xss-c{i}", "title": text[:200], "description": text},
        )
        site.api("bob", "POST", f"/channels/xss-c{i}/join")
    # Edited and deleted messages put the payloads in the audit log (before and after).
    edited = [site.post("alice", "xss-edits", f"draft {i}") for i in range(len(PAYLOADS))]
    site.messages["edits"] = edited
    # Edited at planting time, so the edit history has the payloads whatever ran before.
    f.channel("xss-history", members=("alice", "bob"))
    history = [site.post("alice", "xss-history", f"first {i}") for i in range(len(PAYLOADS))]
    for mid, (_, text) in zip(history, PAYLOADS, strict=True):
        site.api("alice", "PATCH", f"/messages/{mid}", json={"body": text})
        site.api("alice", "PATCH", f"/messages/{mid}", json={"body": text + " (v2)"})
    site.messages["history"] = history
    for mid in site.messages["body"][:5]:
        site.api("alice", "DELETE", f"/messages/{mid}")
        site.messages["body"].remove(mid)
    # Tips (title and Markdown body) and profile fields people write about themselves.
    tip = {"channel": "xss-messages", "tags": ["xss"], "phi_override_reason": "test markup"}
    site.messages["tips"] = [
        site.api("alice", "POST", "/tips", json={**tip, "title": t[:200], "body": t})["tip"]["id"]
        for _, t in PAYLOADS
    ]
    for i, (_, text) in enumerate(PAYLOADS):
        response = server.session(f"xu{i}").patch(
            f"{server.url}/api/v1/me", json={"bio": text, "ask_me_about": text[:200]}
        )
        assert response.status_code == 200, response.text
    return site


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Site]:
    server = LiveServer(tmp_path_factory.mktemp("xss"), sqlite_template)
    try:
        yield plant(server)
    finally:
        server.stop()


@pytest.fixture
def page_as(browser: Browser) -> Iterator[Callable[[Site, str], Page]]:
    """page_as(site, username): a signed-in page whose payload hook records executions."""
    contexts = []

    def make(site: Site, username: str) -> Page:
        # bypass_csp: the browser ignores the CSP, so only the layers under it protect.
        context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
        contexts.append(context)
        context.add_init_script(HOOK)
        page = context.new_page()
        page.dialogs = []  # type: ignore[attr-defined]
        page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))  # type: ignore[attr-defined]
        page.goto(site.url + "/login")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(lambda url: "/login" not in url)
        return page

    yield make
    for context in contexts:
        context.close()


def assert_nothing_ran(page: Page, where: str) -> None:
    page.wait_for_timeout(300)  # let failed image loads and toggles fire their handlers
    ran = page.evaluate("() => window.__xss")
    assert ran == [], f"payloads ran in {where}: {ran}"
    assert page.dialogs == [], f"dialogs opened in {where}: {page.dialogs}"  # type: ignore[attr-defined]
    bad = page.evaluate(DOM_CHECK, [where, list(DOM_FORBIDDEN), list(SAFE_SCHEMES)])
    assert bad == [], f"unsafe markup in {where}: {bad}"


def show_messages(site: Site, page: Page) -> str:
    page.goto(site.url + "/c/xss-messages")
    live_ready(page)
    expect(page.locator("#message-list .msg[data-id]")).to_have_count(len(PAYLOADS))
    # Raw HTML is shown as the text someone typed, never run.
    expect(page.locator("#message-list")).to_contain_text("<details open ontoggle=xss(7)>")
    return "#message-list"


def show_live_edits(site: Site, page: Page) -> str:
    page.goto(site.url + "/c/xss-edits")
    live_ready(page)
    for mid, (_, text) in zip(site.messages["edits"], PAYLOADS, strict=True):
        site.api("alice", "PATCH", f"/messages/{mid}", json={"body": text})
        site.api("alice", "PATCH", f"/messages/{mid}", json={"body": text + " (v2)"})
    expect(page.locator("#message-list .msg-edited:visible")).to_have_count(len(PAYLOADS))
    return "#message-list"


def show_edit_history(site: Site, page: Page) -> str:
    page.goto(site.url + "/c/xss-history")
    live_ready(page)
    for row in page.locator("#message-list .msg[data-id]").all()[:12]:
        row.hover()
        row.locator(".msg-edited").click()
        history = page.get_by_role("dialog", name="Edit history")
        expect(history).to_be_visible()
        assert_nothing_ran(page, "#edits-dialog")
        history.get_by_role("button", name="Close").click()
    return "#edits-dialog"


def show_thread(site: Site, page: Page) -> str:
    page.goto(site.url + "/c/xss-threads")
    live_ready(page)
    root = page.locator("#message-list .msg", has_text="Thread about order sets")
    root.hover()
    root.get_by_role("button", name="Reply in thread").click()
    expect(page.locator("#thread-list .msg[data-id]")).to_have_count(len(PAYLOADS) + 1)
    return "#thread-list"


def show_channel_titles(site: Site, page: Page) -> str:
    for i in range(len(PAYLOADS)):
        page.goto(f"{site.url}/c/xss-c{i}")
        live_ready(page)
        expect(page.locator("#channel-desc")).to_have_text(PAYLOADS[i][1].strip(), timeout=5000)
        assert_nothing_ran(page, "#sidebar, #channel-title, #channel-desc")
    return "#sidebar, #channel-title, #channel-desc"


def show_display_names(site: Site, page: Page) -> str:
    page.goto(site.url + "/c/xss-people")
    live_ready(page)
    expect(page.locator("#message-list .msg[data-id]")).to_have_count(len(PAYLOADS))
    page.locator("#members-btn").click()
    expect(page.locator("#members-dialog")).to_contain_text("Dr. Bob Chen")
    return "#message-list, #members-dialog"


def show_search_snippets(site: Site, page: Page) -> str:
    """No search page yet: the snippets are put into the page as a search page would,
    as HTML (their contract says they are safe to insert)."""
    snippets: list[str] = []
    for word in ("xss", "script", "onerror", "javascript"):
        found = site.api("bob", "GET", "/search", params={"q": word})
        snippets += [r["snippet_html"] for r in found["results"]]
    assert len(snippets) >= 10
    for snippet in snippets:
        assert unsafe_html(snippet) == [], snippet
    page.goto(site.url + "/c/xss-messages")
    live_ready(page)
    page.evaluate(
        """(items) => {
            const box = document.createElement("div");
            box.id = "search-snippets";
            box.innerHTML = items.map((s) => `<p>${s}</p>`).join("");
            document.body.append(box);
        }""",
        snippets,
    )
    return "#search-snippets"


def show_search_page(site: Site, page: Page) -> str:
    page.goto(site.url + "/search?q=xss")
    expect(page.locator("#search-page .search-results li").first).to_be_visible()
    return "#search-page"


def show_tips(site: Site, page: Page) -> str:
    page.goto(site.url + "/tips?tag=xss")
    expect(page.locator("#tips-list li").first).to_be_visible()
    assert_nothing_ran(page, "#tips-list")
    for tip_id in site.messages["tips"][:12]:
        page.goto(f"{site.url}/tips/{tip_id}")
        expect(page.locator("#tip-body")).not_to_be_empty()
        assert_nothing_ran(page, "#tip-view")
    return "#tip-view"


def show_profiles(site: Site, page: Page) -> str:
    for i in range(0, len(PAYLOADS), 3):
        page.goto(f"{site.url}/people/xu{i}")
        expect(page.locator("#profile-bio")).to_have_text(PAYLOADS[i][1].strip())
        assert_nothing_ran(page, "#people-view")
    return "#people-view"


def show_audit_log(site: Site, page: Page) -> str:
    page.goto(site.url + "/admin/audit?action=message.")
    expect(page.locator("table.audit-events")).to_contain_text("message.edited")
    return "main"


def show_admin_people(site: Site, page: Page) -> str:
    page.goto(site.url + "/admin/sessions?q=xu")
    expect(page.locator("table.session-users")).to_contain_text("xu1")
    return "main"


@dataclass(frozen=True)
class Surface:
    name: str
    viewer: str
    show: Callable[[Site, Page], str]  # opens the page; returns where the text is shown


SURFACES = [
    Surface("message body", "bob", show_messages),
    Surface("live edit", "bob", show_live_edits),
    Surface("edit history", "bob", show_edit_history),
    Surface("thread reply", "bob", show_thread),
    Surface("channel title and description", "bob", show_channel_titles),
    Surface("display name", "bob", show_display_names),
    Surface("search snippet", "bob", show_search_snippets),
    Surface("search results page", "bob", show_search_page),
    Surface("tip list and tip page", "bob", show_tips),
    Surface("profile bio and ask-me-about", "bob", show_profiles),
    Surface("admin audit log", "root", show_audit_log),
    Surface("admin people list", "root", show_admin_people),
]


@pytest.mark.parametrize("surface", SURFACES, ids=lambda s: s.name)
def test_nothing_in_the_corpus_runs(site: Site, page_as: Any, surface: Surface) -> None:
    page = page_as(site, surface.viewer)
    where = surface.show(site, page)
    assert_nothing_ran(page, where)


def test_server_html_of_every_payload_is_safe(site: Site) -> None:
    """The stored, sanitized HTML itself: what any client (not only ours) receives."""
    ids = site.messages["body"] + site.messages["thread"]
    for mid in ids:
        message = site.api("bob", "GET", f"/messages/{mid}")["message"]
        assert unsafe_html(message["html"]) == [], (message["body"], message["html"])
