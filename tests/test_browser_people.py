"""The people directory and profiles in headless Chromium against a real `physnet run`."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from test_browser import live_ready, sign_in

from conftest import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.live]
API = "/api/v1"


def colleagues(server: Any) -> None:
    make = server.factory.user
    make(
        "alice",
        display_name="Dr. Alice Moreno",
        specialty="Hospital Medicine",
        facility="Riverside",
    )
    make("mokafor", display_name="Dr. Miriam Okafor", specialty="Cardiology", facility="Riverside")
    make("okeke", display_name="Chidi Okeke", specialty="Cardiology", facility="Northgate")
    make("rpatel", display_name="Rohan Patel", specialty="Nephrology", facility="Northgate")
    server.factory.channel("ehr-tips", members=("alice", "mokafor", "okeke"))
    server.factory.channel("cardiology", members=("mokafor", "okeke"))
    server.factory.channel("cardiology-council", kind="private", members=("mokafor",))


def test_search_people_open_a_profile_and_message(
    live_server: Any,
    new_page: Callable[..., Page],
) -> None:
    colleagues(live_server)
    page = sign_in(new_page(), live_server, "alice")
    page.get_by_role("link", name="People").click()
    expect(page).to_have_url(live_server.url + "/people")
    expect(page.locator("#people-summary")).to_have_text("4 people")
    cardiology = page.locator("#facet-specialty .facet-btn", has_text="Cardiology")
    expect(cardiology).to_contain_text("2")

    page.get_by_role("searchbox", name="Name").fill("ok")
    results = page.locator("#people-results .person-name")
    expect(results).to_have_text(["Chidi Okeke", "Dr. Miriam Okafor"])
    expect(page.locator("#facet-facility .facet-btn", has_text="Northgate")).to_contain_text("1")
    page.locator("#facet-facility .facet-btn", has_text="Riverside").click()
    expect(results).to_have_text(["Dr. Miriam Okafor"])
    expect(page).to_have_url(re.compile(r"/people\?q=ok&facility=Riverside$"))

    results.first.click()
    expect(page).to_have_url(live_server.url + "/people/mokafor")
    expect(page.locator("#profile-name")).to_contain_text("Dr. Miriam Okafor")
    expect(page.locator(".profile-facts")).to_contain_text("Cardiology")
    channels = page.locator(".profile-channels li")
    expect(channels).to_have_text(["#Cardiology", "#Ehr Tips"])  # not the private council
    expect(page.locator("#profile-tips")).to_be_hidden()  # no tips endpoint here: nothing

    page.get_by_role("button", name="Message", exact=True).click()
    expect(page).to_have_url(re.compile(r"/c/dm-"))
    expect(page.locator("#channel-title")).to_have_text("Dr. Miriam Okafor")
    expect(page.locator("#people-view")).to_be_hidden()
    page.locator("#composer-input").fill("Do you have the chest pain order set?")
    page.locator("#composer-input").press("Enter")
    expect(page.locator(".msg[data-id]", has_text="chest pain order set")).to_have_count(1)

    page.go_back()
    expect(page.locator("#profile-name")).to_contain_text("Dr. Miriam Okafor")


def test_edit_my_own_profile(live_server: Any, new_page: Callable[..., Page]) -> None:
    colleagues(live_server)
    page = sign_in(new_page(), live_server, "alice", "/people/alice")
    expect(page.locator("#profile-name")).to_contain_text("Dr. Alice Moreno")
    expect(page.get_by_role("button", name="Message", exact=True)).to_have_count(0)
    page.get_by_role("button", name="Edit profile").click()
    dialog = page.locator("#profile-dialog")
    dialog.get_by_label("Short bio").fill("Hospitalist; I build our admission order sets.")
    dialog.get_by_label("Areas of expertise").fill("<b>bold</b>")
    dialog.get_by_role("button", name="Save profile").click()
    expect(dialog.locator("#pf-error")).to_contain_text("is not valid")

    dialog.get_by_label("Areas of expertise").fill("admission order sets, SmartPhrases")
    dialog.get_by_label("EHR systems I know").fill("epic, cerner")
    dialog.get_by_label("Ask me about").fill("Cross-cover SmartPhrases")
    dialog.get_by_role("button", name="Save profile").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#profile-bio")).to_have_text(
        "Hospitalist; I build our admission order sets."
    )
    expect(page.locator(".profile-tags .tag")).to_have_text(
        ["admission order sets", "SmartPhrases", "Epic", "Oracle Health (Cerner)"]
    )
    page.reload()
    live_ready(page)
    expect(page.locator("#profile-bio")).to_have_text(
        "Hospitalist; I build our admission order sets."
    )

    page.locator(".profile-tags .tag", has_text="SmartPhrases").click()
    expect(page).to_have_url(re.compile(r"/people\?expertise=SmartPhrases$"))
    expect(page.locator("#people-results .person-name")).to_have_text(["Dr. Alice Moreno"])

    other = page.context.request.get(f"{live_server.url}{API}/users/mokafor")
    assert other.json()["user"]["bio"] == ""


@pytest.fixture
def directory_server(tmp_path: Path, sqlite_template: Path) -> Iterator[tuple[LiveServer, Any]]:
    """A live server whose [ldap] table points at a real slapd holding one physician."""
    from ldap_fixtures import SERVICE_DN, SERVICE_PASSWORD, Directory, start_server

    from physnet.actions.directory import check_ldap_sync

    from conftest import PASSWORD

    (tmp_path / "slapd").mkdir()
    slapd = start_server(str(tmp_path / "slapd"))
    tree = Directory(slapd, PASSWORD)
    tree.person(
        "rvance",
        "Dr. Rosa Vance",
        title="Director of Cardiology",
        businessCategory="Cardiology",
        physicalDeliveryOfficeName="Lakeside Hospital",
        departmentNumber="Heart Institute",
    )
    (tmp_path / "physnet.toml").write_text(f"""
[ldap]
uri = "{slapd.ldap_uri}"
bind_dn = "{SERVICE_DN}"
bind_password = "{SERVICE_PASSWORD}"
user_base = "{tree.people}"
timeout_s = 3
""")
    server = LiveServer(
        tmp_path, sqlite_template, extra_env={"PHYSNET_CONFIG": str(tmp_path / "physnet.toml")}
    )
    try:
        # `physnet ldap sync`'s action, on the live server's database, before anyone signs in.
        settings = server.app.config["PHYSNET"]
        server.app.config["PHYSNET"] = dataclasses.replace(settings, ldap=tree.settings())
        server.app.extensions.pop("physnet_directory", None)  # settings are read once
        with server.app.app_context():
            assert check_ldap_sync().plan.counts()["created"] == 1
        yield server, tree
    finally:
        server.stop()
        tree.close()
        slapd.stop()


def test_directory_fields_are_read_only_in_the_browser(
    directory_server: tuple[LiveServer, Any],
    new_page: Callable[..., Page],
) -> None:
    server, _ = directory_server
    page = sign_in(new_page(), server, "rvance", "/people/rvance")  # provisioned from slapd
    expect(page.locator("#profile-name")).to_contain_text("Dr. Rosa Vance")
    details = page.locator(".profile-directory")
    expect(details.locator(".directory-mark")).to_have_text("from the directory")
    expect(details).to_contain_text("Lakeside Hospital")
    expect(details).to_contain_text("Heart Institute")

    page.get_by_role("button", name="Edit profile").click()
    dialog = page.locator("#profile-dialog")
    expect(dialog.get_by_label("Short bio")).to_be_editable()
    for field in ("display_name", "specialty", "facility", "department", "title", "phone"):
        expect(dialog.locator(f"#pf-{field}")).to_have_count(0)
    dialog.get_by_label("Short bio").fill("Echo lab director.")
    dialog.get_by_role("button", name="Save profile").click()
    expect(page.locator("#profile-bio")).to_have_text("Echo lab director.")

    refused = page.context.request.patch(
        f"{server.url}{API}/me",
        data={"specialty": "Dermatology"},
        headers={"X-CSRFToken": page.locator('meta[name="csrf-token"]').get_attribute("content")},
    )
    assert refused.status == 403 and refused.json()["error"]["field"] == "specialty"
    expect(details).to_contain_text("Cardiology")
