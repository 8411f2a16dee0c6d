""" "Sync this person now" (issue 20): one directory account read and applied at once, from
the console and the admin API, against a real slapd."""

from __future__ import annotations

import json
from typing import Any

from flask import Flask
from ldap_fixtures import Directory
from sqlalchemy import select
from test_directory import closed_uri, groups, memberships, population, sync, use, user

from physnet.extensions import db
from physnet.models import AuditEvent

API = "/api/v1"


def person_syncs(app: Flask) -> list[tuple[str, str, dict[str, Any]]]:
    with app.app_context():
        rows = db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "directory.person_synced")
            .order_by(AuditEvent.seq)
        ).all()
        return [(e.actor, e.target, json.loads(e.detail)) for e in rows]


def test_sync_one_person_applies_profile_groups_and_disabling(
    app: Flask, directory: Directory, factory: Any, login: Any
) -> None:
    dns = population(directory)
    setup = groups(directory, dns)
    factory.channel("cardiology")
    use(app, directory.settings(**setup["settings"]))
    assert sync(app).exit_code == 0
    factory.user("root", role="admin")
    root = login("root")

    directory.modify(dns["alice"], title="Chief of Cardiology")
    directory.add_member(setup["cardiology"], dns["bob"])
    directory.modify(dns["zobrien"], employeeType="disabled")

    response = root.post(f"{API}/admin/users/alice/sync")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.json["changed"] == ["title"] and response.json["status"] is None
    assert user(app, "alice").title == "Chief of Cardiology"  # type: ignore[union-attr]
    assert "bob" not in memberships(app, "cardiology")  # only the person asked for changes

    assert root.post(f"{API}/admin/users/bob/sync").json["joined"] == ["cardiology"]
    assert memberships(app, "cardiology")["bob"] == "directory"
    zoe = root.post(f"{API}/admin/users/zobrien/sync").json
    assert zoe["status"] == "deactivated" and zoe["user"]["active"] is False
    assert not user(app, "zobrien").active  # type: ignore[union-attr]

    # the console's button: the same action, its outcome flashed on the People page
    directory.modify(dns["zobrien"], employeeType=None)
    page = root.post("/admin/people/zobrien/sync?q=zobrien", follow_redirects=True)
    assert "zobrien synced from the directory: reactivated." in page.get_data(as_text=True)
    again = root.post("/admin/people/alice/sync", follow_redirects=True).get_data(as_text=True)
    assert "alice already matches the directory." in again
    listing = root.get("/admin/people?source=directory").get_data(as_text=True)
    assert listing.count(">Sync this person now</button>") == 4  # directory accounts only

    assert [(a, t, d["status"], d["joined"]) for a, t, d in person_syncs(app)] == [
        ("user:root", "user:alice", None, []),
        ("user:root", "user:bob", None, ["cardiology"]),
        ("user:root", "user:zobrien", "deactivated", []),
        ("user:root", "user:zobrien", "reactivated", []),
        ("user:root", "user:alice", None, []),
    ]


def test_sync_one_person_refusals(
    app: Flask, directory: Directory, factory: Any, login: Any
) -> None:
    dns = population(directory)
    factory.user("root", role="admin")
    factory.user("breakglass")
    root = login("root")

    none = root.post(f"{API}/admin/users/breakglass/sync")
    assert none.status_code == 409 and none.json["error"]["code"] == "local_account"
    use(app, directory.settings())
    assert sync(app).exit_code == 0
    member = login("breakglass").post(f"{API}/admin/users/alice/sync")
    assert member.status_code == 403 and member.json["error"]["code"] == "admin_only"
    unknown = root.post(f"{API}/admin/users/nobody/sync")
    assert unknown.status_code == 404 and unknown.json["error"]["code"] == "unknown_user"

    # renamed in the directory: reported; the full sync carries the rename over
    directory.modify(dns["jsmith"], uid="john.smith")
    renamed = root.post(f"{API}/admin/users/jsmith/sync")
    assert renamed.status_code == 409 and renamed.json["error"]["code"] == "directory_renamed"
    assert "john.smith" in renamed.json["error"]["message"]
    assert user(app, "jsmith").active  # type: ignore[union-attr]

    # removed from the directory: deactivated now, as the full sync would (off-boarding)
    directory.delete(dns["bob"])
    gone = root.post(f"{API}/admin/users/bob/sync")
    assert gone.status_code == 200, gone.get_data(as_text=True)
    assert gone.json["gone"] is True and gone.json["status"] == "deactivated"
    assert not user(app, "bob").active  # type: ignore[union-attr]
    again = root.post("/admin/people/bob/sync", follow_redirects=True).get_data(as_text=True)
    assert "bob is no longer in the directory: already inactive." in again

    use(app, directory.settings(uri=closed_uri()))
    down = root.post(f"{API}/admin/users/alice/sync")
    assert down.status_code == 503 and down.json["error"]["code"] == "sync_failed"
    use(app, {})
    unset = root.post("/admin/people/alice/sync", follow_redirects=True)
    assert "No directory is configured" in unset.get_data(as_text=True)
    assert [(t, d["status"], d.get("gone")) for _, t, d in person_syncs(app)] == [
        ("user:bob", "deactivated", True),
        ("user:bob", None, True),
    ]


def test_the_stable_id_is_asked_for_in_the_form_the_directory_holds_it(
    directory: Directory,
) -> None:
    """AD's objectGUID is matched as its 16 bytes, escaped; entryUUID as text, escaped."""
    from dataclasses import replace

    from physnet.directory.settings import parse_directory_settings
    from physnet.directory.signin import _id_filter

    settings = parse_directory_settings(directory.settings())
    assert settings is not None
    ad = replace(settings, id_attr="objectGUID", user_filter="(objectClass=user)")
    # the bytes of test_directory's AD sample, whose text form is this GUID
    assert _id_filter(ad, "dec14ed3-69d5-483c-9952-288e2161960d") == (
        "(&(objectClass=user)(objectGUID="
        "\\d3\\4e\\c1\\de\\d5\\69\\3c\\48\\99\\52\\28\\8e\\21\\61\\96\\0d))"
    )
    assert _id_filter(settings, "a*b)") == f"(&{settings.user_filter}(entryUUID=a\\2ab\\29))"
