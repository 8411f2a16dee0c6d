"""Administration (issue 20): accounts, channel archiving, records exports, legal holds,
through the API and the CLI, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from sqlalchemy import select, update

from physnet.extensions import db, socketio
from physnet.models import AuditEvent, User

from conftest import PASSWORD

API = "/api/v1"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def audit(app: Any, prefix: str) -> list[tuple[str, str, str, dict[str, Any]]]:
    with app.app_context():
        rows = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action.like(prefix + "%")).order_by(AuditEvent.seq)
        ).all()
        return [(e.actor, e.action, e.target, json.loads(e.detail)) for e in rows]


def make_directory_account(app: Any, username: str) -> None:
    with app.app_context():
        db.session.execute(
            update(User)
            .where(User.username == username)
            .values(source="directory", password_hash=None, directory_id=f"uuid-{username}")
        )
        db.session.commit()


def can_sign_in(app: Any, username: str, password: str = PASSWORD) -> bool:
    from conftest import csrf_token

    client = app.test_client()
    token = csrf_token(client)
    response = client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}
    )
    return response.status_code == 302


# --- accounts through the API -----------------------------------------------------------------


def test_an_admin_deactivates_and_reactivates_a_local_account(app, factory, login):
    factory.user("root", role="admin")
    factory.user("alice")
    token = factory.token("alice")
    alice = login("alice")
    cookie_socket, token_socket = alice.socket(), socketio.test_client(app, auth={"token": token})
    assert cookie_socket.is_connected() and token_socket.is_connected()
    root = login("root")

    response = root.patch(f"{API}/admin/users/alice", json={"active": False})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.json["user"]["active"] is False
    assert response.json["user"]["deactivated_at"]
    # At once: the token, the cookie session and both sockets.
    assert alice.client.get(f"{API}/me", headers=bearer(token)).status_code == 401
    assert alice.get(f"{API}/me").status_code == 401
    assert not cookie_socket.is_connected() and not token_socket.is_connected()
    assert not can_sign_in(app, "alice")

    response = root.patch(f"{API}/admin/users/alice", json={"active": True})
    assert response.status_code == 200
    assert response.json["user"]["active"] is True
    assert can_sign_in(app, "alice")
    # A reactivated person signs in again; the token revoked at deactivation stays revoked.
    assert alice.client.get(f"{API}/me", headers=bearer(token)).status_code == 401
    assert [a[1:3] for a in audit(app, "user.")] == [
        ("user.deactivated", "user:alice"),
        ("user.reactivated", "user:alice"),
    ]
    assert audit(app, "user.")[0][0] == "user:root"


def test_a_member_or_moderator_cannot_change_accounts(app, factory, login):
    factory.user("root", role="admin")
    factory.user("mod", role="moderator")
    factory.user("alice")
    token = factory.token("alice")
    for caller in ("alice", "mod"):
        for body in ({"active": False}, {"role": "admin"}):
            response = login(caller).patch(f"{API}/admin/users/alice", json=body)
            assert response.status_code == 403
            assert response.json["error"]["code"] == "admin_only"
    assert login("alice").client.get(f"{API}/me", headers=bearer(token)).status_code == 200
    assert audit(app, "user.") == []


def test_roles_change_and_bad_input_is_explained(app, factory, login):
    factory.user("root", role="admin")
    factory.user("alice")
    root = login("root")
    response = root.patch(f"{API}/admin/users/alice", json={"role": "moderator"})
    assert response.status_code == 200 and response.json["user"]["role"] == "moderator"
    assert audit(app, "user.role_set")[0][3] == {"before": "member", "after": "moderator"}
    cases = [
        ({"role": "owner"}, 422, "invalid_role"),
        ({"active": "no"}, 400, "invalid_type"),
        ({"display_name": "x"}, 400, "unknown_field"),
        ({}, 400, "invalid_json"),
    ]
    for body, status, code in cases:
        response = root.patch(f"{API}/admin/users/alice", json=body)
        assert (response.status_code, response.json["error"]["code"]) == (status, code), body
    missing = root.patch(f"{API}/admin/users/nobody", json={"active": False})
    assert missing.status_code == 404
    # Nothing half applied: a valid role next to a bad active flag changes nothing.
    root.patch(f"{API}/admin/users/alice", json={"role": "admin", "active": "no"})
    assert root.get(f"{API}/users/alice").json["user"]["role"] == "moderator"


def test_a_directory_account_is_managed_by_the_directory(app, factory, login):
    factory.user("root", role="admin")
    factory.user("dana")
    make_directory_account(app, "dana")
    root = login("root")
    for body, field in (({"active": False}, "active"), ({"role": "admin"}, "role")):
        response = root.patch(f"{API}/admin/users/dana", json=body)
        assert response.status_code == 409
        assert response.json["error"]["code"] == "directory_managed"
        assert response.json["error"]["field"] == field
    reset = root.post(f"{API}/admin/users/dana/password")
    assert reset.status_code == 409 and reset.json["error"]["code"] == "directory_managed"
    # Ending their sessions stays possible: that is not the directory's.
    assert root.post(f"{API}/admin/users/dana/sessions/revoke").status_code == 200


def test_an_admin_cannot_lock_out_themselves_or_the_last_admin(app, factory, login, runner):
    factory.user("root", role="admin")
    root = login("root")
    for body in ({"active": False}, {"role": "member"}):
        response = root.patch(f"{API}/admin/users/root", json=body)
        assert response.status_code == 409
        assert response.json["error"]["code"] == "self_lockout"
    result = runner.invoke(args=["users", "deactivate", "root"])
    assert result.exit_code != 0 and "last active admin" in result.output
    result = runner.invoke(args=["users", "set-role", "root", "member"])
    assert result.exit_code != 0 and "last active admin" in result.output
    factory.user("second", role="admin")
    result = runner.invoke(args=["users", "set-role", "root", "member"])
    assert result.exit_code == 0, result.output
    assert audit(app, "user.role_set")[0][0] == "system"


def test_an_admin_resets_a_password_shown_once(app, factory, login):
    factory.user("root", role="admin")
    factory.user("alice")
    alice = login("alice")
    response = login("root").post(f"{API}/admin/users/alice/password")
    assert response.status_code == 200
    temporary = response.json["temporary_password"]
    assert len(temporary) >= 12
    assert alice.get(f"{API}/me").status_code == 401  # signed out everywhere
    assert not can_sign_in(app, "alice") and can_sign_in(app, "alice", temporary)
    assert temporary not in json.dumps(audit(app, ""))


def test_a_one_time_reset_link_sets_a_password_once(app, factory, login, monkeypatch):
    from physnet.actions import password_links

    factory.user("root", role="admin")
    factory.user("alice")
    factory.user("bob")
    make_directory_account(app, "bob")
    alice = login("alice")
    root = login("root")
    assert login("alice").post(f"{API}/admin/users/bob/reset-link").status_code == 403
    refused = root.post(f"{API}/admin/users/bob/reset-link")
    assert refused.status_code == 409 and refused.json["error"]["code"] == "directory_managed"

    answer = root.post(f"{API}/admin/users/alice/reset-link").json
    path = answer["reset_url"].split("://", 1)[1].split("/", 1)[1]
    assert path.startswith("reset/") and answer["expires_at"]
    assert alice.get(f"{API}/me").status_code == 200  # issuing ends nothing yet
    assert can_sign_in(app, "alice")
    visitor = app.test_client()
    page = visitor.get("/" + path)
    assert page.status_code == 200 and "alice" in page.get_data(as_text=True)
    from conftest import csrf_token

    token = csrf_token(visitor)
    new = "a-fresh-long-passphrase"
    differ = visitor.post(
        "/" + path, data={"csrf_token": token, "password": new, "confirm": new + "x"}
    )
    assert differ.status_code == 422 and "differ" in differ.get_data(as_text=True)
    done = visitor.post("/" + path, data={"csrf_token": token, "password": new, "confirm": new})
    assert done.status_code == 302 and done.headers["Location"].endswith("/login")
    assert can_sign_in(app, "alice", new) and not can_sign_in(app, "alice")
    assert alice.get(f"{API}/me").status_code == 401  # signed out everywhere
    again = visitor.get("/" + path)  # single use: the password it was made for is gone
    assert again.status_code == 410 and "already used" in again.get_data(as_text=True)
    reused = visitor.post(
        "/" + path, data={"csrf_token": token, "password": "x" * 20, "confirm": "x" * 20}
    )
    assert reused.status_code == 410 and can_sign_in(app, "alice", new)
    assert visitor.get("/reset/forged-token").status_code == 410

    # expiry: a link older than RESET_LINK_SECONDS is refused
    late = root.post(f"{API}/admin/users/alice/reset-link").json["reset_url"]
    monkeypatch.setattr(password_links, "RESET_LINK_SECONDS", -1)
    assert visitor.get("/" + late.split("://", 1)[1].split("/", 1)[1]).status_code == 410
    monkeypatch.setattr(password_links, "RESET_LINK_SECONDS", 3600)

    # the console shows the link once, on its own response
    shown = root.post("/admin/people/alice/reset-link").get_data(as_text=True)
    assert 'id="reset-link"' in shown and "/reset/" in shown
    assert new not in json.dumps(audit(app, ""))
    assert [(a[0], a[1], a[2]) for a in audit(app, "user.")] == [
        ("user:root", "user.reset_link_issued", "user:alice"),
        ("user:alice", "user.password_set", "user:alice"),
        ("user:root", "user.reset_link_issued", "user:alice"),
        ("user:root", "user.reset_link_issued", "user:alice"),
    ]


def test_the_reset_link_names_the_public_address_not_the_request_host(
    app, factory, login, monkeypatch
):
    """An admin on an internal host name still hands out the address physicians use."""
    import dataclasses

    factory.user("root", role="admin")
    factory.user("alice")
    root = login("root")
    internal = root.post(f"{API}/admin/users/alice/reset-link").json["reset_url"]
    assert internal.startswith("http://localhost/reset/")  # no public_url: the request's own
    public = dataclasses.replace(
        app.config["PHYSNET"], public_url="https://physnet.example-hospital.org"
    )
    monkeypatch.setitem(app.config, "PHYSNET", public)
    answer = root.post(f"{API}/admin/users/alice/reset-link").json["reset_url"]
    assert answer.startswith("https://physnet.example-hospital.org/reset/")
    shown = root.post("/admin/people/alice/reset-link").get_data(as_text=True)
    assert "https://physnet.example-hospital.org/reset/" in shown


# --- accounts through the CLI -----------------------------------------------------------------


def test_cli_deactivate_activate_set_role_and_set_password(app, factory, login, runner):
    factory.user("root", role="admin")
    factory.user("alice")
    token = factory.token("alice")
    result = runner.invoke(args=["users", "deactivate", "alice"])
    assert result.exit_code == 0 and "Deactivated alice" in result.output
    assert login("root").client.get(f"{API}/me", headers=bearer(token)).status_code == 401
    assert not can_sign_in(app, "alice")
    result = runner.invoke(args=["users", "activate", "alice"])
    assert result.exit_code == 0 and can_sign_in(app, "alice")

    result = runner.invoke(args=["users", "set-role", "alice", "moderator"])
    assert result.exit_code == 0 and "alice is now moderator" in result.output
    result = runner.invoke(args=["users", "set-role", "alice", "owner"])
    assert result.exit_code != 0

    new = "a-new-long-passphrase"
    result = runner.invoke(args=["users", "set-password", "alice", "--password-stdin"], input=new)
    assert result.exit_code == 0, result.output
    assert can_sign_in(app, "alice", new) and not can_sign_in(app, "alice")
    weak = runner.invoke(args=["users", "set-password", "alice", "--password-stdin"], input="short")
    assert weak.exit_code != 0 and "12 characters" in weak.output
    missing = runner.invoke(args=["users", "deactivate", "nobody"])
    assert missing.exit_code != 0 and "no user nobody" in missing.output
    actions = [(a[0], a[1]) for a in audit(app, "user.")]
    assert actions == [
        ("system", "user.deactivated"),
        ("system", "user.reactivated"),
        ("system", "user.role_set"),
        ("system", "user.password_set"),
    ]


def test_the_analyst_role_is_given_through_cli_api_and_console(app, factory, login, runner):
    """Analysts (issue 17) see insights counts without content; every door gives the role."""
    factory.user("root", role="admin")
    for name in ("alice", "bob", "carol"):
        factory.user(name)
    result = runner.invoke(args=["users", "set-role", "alice", "analyst"])
    assert result.exit_code == 0 and "alice is now analyst" in result.output
    root = login("root")
    response = root.patch(f"{API}/admin/users/bob", json={"role": "analyst"})
    assert response.status_code == 200 and response.json["user"]["role"] == "analyst"
    page = root.get("/admin/people?q=carol").get_data(as_text=True)
    assert '<option value="analyst"' in page
    root.post("/admin/people/carol/role", data={"role": "analyst"})
    for name in ("alice", "bob", "carol"):
        analyst = login(name)
        assert analyst.get(f"{API}/me").json["user"]["role"] == "analyst"
        figures = analyst.get(f"{API}/admin/insights")
        assert figures.status_code == 200 and figures.json["content"] is False
        assert analyst.get("/admin/people").status_code == 404  # accounts stay admin-only
    assert [a[3]["after"] for a in audit(app, "user.role_set")] == ["analyst"] * 3


# --- archiving channels -------------------------------------------------------------------------


def test_a_channel_is_archived_read_only_and_unarchived(app, factory, login):
    factory.user("mia")
    factory.user("bob")
    factory.channel("sepsis-protocol", members=("bob",), moderators=("mia",))
    mia, bob = login("mia"), login("bob")
    path = f"{API}/channels/sepsis-protocol"
    assert bob.post(f"{path}/messages", json={"body": "Order set v2 is live"}).status_code == 201
    sock = bob.socket()
    sock.get_received()

    assert bob.post(f"{path}/archive").status_code == 403  # a member is not a moderator
    response = mia.post(f"{path}/archive")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.json["channel"]["archived"] is True
    updates = [e for e in sock.get_received() if e["name"] == "channel_updated"]
    assert [u["args"][0]["archived"] for u in updates] == [True]
    assert updates[0]["args"][0]["name"] == "sepsis-protocol"

    refused = bob.post(f"{path}/messages", json={"body": "One more tip"})
    assert refused.status_code == 403 and refused.json["error"]["code"] == "channel_archived"
    ack = sock.emit(
        "send_message",
        {"channel": "sepsis-protocol", "body": "via socket", "client_msg_id": "c1"},
        callback=True,
    )
    assert ack["ok"] is False and ack["error"]["code"] == "channel_archived"
    history = bob.get(f"{path}/messages")
    assert [m["body"] for m in history.json["messages"]] == ["Order set v2 is live"]

    assert mia.delete(f"{path}/archive").json["channel"]["archived"] is False
    assert bob.post(f"{path}/messages", json={"body": "Back again"}).status_code == 201
    assert [a[:3] for a in audit(app, "channel.")] == [
        ("user:mia", "channel.archived", "channel:sepsis-protocol"),
        ("user:mia", "channel.unarchived", "channel:sepsis-protocol"),
    ]


def test_announcement_channel_on_and_off_through_the_api(app, factory, login):
    factory.user("mia")
    factory.user("bob")
    factory.user("root", role="admin")
    factory.channel("ehr-downtime", members=("bob",), moderators=("mia",))
    factory.channel("board-private", kind="private", members=("bob",), moderators=("mia",))
    mia, bob, root = login("mia"), login("bob"), login("root")
    path = f"{API}/channels/ehr-downtime"
    sock = bob.socket()
    sock.get_received()

    refused = bob.put(f"{path}/announcement")
    assert refused.status_code == 403 and refused.json["error"]["code"] == "moderators_only"
    response = mia.put(f"{path}/announcement")
    assert response.status_code == 200 and response.json["channel"]["kind"] == "announcement"
    updates = [e["args"][0] for e in sock.get_received() if e["name"] == "channel_updated"]
    assert [u["kind"] for u in updates] == ["announcement"]
    post = bob.post(f"{path}/messages", json={"body": "Downtime starts at 02:00"})
    assert post.status_code == 403 and post.json["error"]["code"] == "announcement_only"
    assert mia.post(f"{path}/messages", json={"body": "Downtime at 02:00"}).status_code == 201
    assert mia.put(f"{path}/announcement").status_code == 200  # idempotent, audited once

    assert root.delete(f"{path}/announcement").json["channel"]["kind"] == "public"
    assert bob.post(f"{path}/messages", json={"body": "Thanks"}).status_code == 201
    private = mia.put(f"{API}/channels/board-private/announcement")
    assert private.status_code == 409 and private.json["error"]["code"] == "private_channel"
    bad = mia.put(f"{API}/channels/no-such-channel/announcement")
    assert bad.status_code == 404
    assert [(a[0], a[1], a[3]) for a in audit(app, "channel.kind")] == [
        ("user:mia", "channel.kind_set", {"before": "public", "after": "announcement"}),
        ("user:root", "channel.kind_set", {"before": "announcement", "after": "public"}),
    ]


def test_moderators_added_and_removed_through_the_api(app, factory, login):
    factory.user("mia")
    factory.user("bob")
    factory.user("carol")
    factory.user("root", role="admin")
    factory.channel("order-sets", kind="announcement", members=("bob",), moderators=("mia",))
    mia, bob, carol, root = login("mia"), login("bob"), login("carol"), login("root")
    path = f"{API}/channels/order-sets"

    refused = bob.put(f"{path}/moderators/bob")
    assert refused.status_code == 403 and refused.json["error"]["code"] == "moderators_only"
    assert mia.put(f"{path}/moderators/bob").json == {"username": "bob", "role": "moderator"}
    assert bob.post(f"{path}/messages", json={"body": "New sepsis order set"}).status_code == 201
    # someone outside the channel joins it as its moderator
    assert root.put(f"{path}/moderators/carol").json["role"] == "moderator"
    members = {m["username"]: m for m in root.get(f"{path}/members").json["members"]}
    assert set(members) == {"mia", "bob", "carol"}
    assert carol.post(f"{path}/messages", json={"body": "Pharmacy update"}).status_code == 201

    assert root.delete(f"{path}/moderators/bob").json == {"username": "bob", "role": "member"}
    post = bob.post(f"{path}/messages", json={"body": "One more"})
    assert post.status_code == 403 and post.json["error"]["code"] == "announcement_only"
    assert root.delete(f"{path}/moderators/bob").status_code == 200  # already a member: no-op
    missing = root.put(f"{path}/moderators/nobody")
    assert missing.status_code == 404 and missing.json["error"]["code"] == "unknown_user"
    assert [(a[0], a[1], a[3]) for a in audit(app, "channel.moderator")] == [
        ("user:mia", "channel.moderator_added", {"username": "bob"}),
        ("user:root", "channel.moderator_added", {"username": "carol", "joined": True}),
        ("user:root", "channel.moderator_removed", {"username": "bob"}),
    ]


def test_console_channels_page_sets_announcement_and_moderators(app, factory, login):
    factory.user("root", role="admin")
    factory.user("mia")
    factory.user("bob")
    factory.channel("ehr-tips", members=("bob",), moderators=("mia",))
    root = login("root")
    page = root.get("/admin/channels?q=ehr").get_data(as_text=True)
    assert "Make announcement" in page and "Remove mia as moderator of #ehr-tips" in page
    root.post("/admin/channels/ehr-tips/announcement?q=ehr", data={"announcement": "1"})
    root.post("/admin/channels/ehr-tips/moderators", data={"username": "bob", "moderator": "1"})
    root.post("/admin/channels/ehr-tips/moderators", data={"username": "mia", "moderator": "0"})
    page = root.get("/admin/channels?q=ehr").get_data(as_text=True)
    assert "Open posting to all" in page
    assert "Remove bob as moderator" in page and "Remove mia as moderator" not in page
    refused = root.post(
        "/admin/channels/ehr-tips/moderators",
        data={"username": "nobody", "moderator": "1"},
        follow_redirects=True,
    )
    assert "There is no user nobody." in refused.get_data(as_text=True)
    assert [a[1] for a in audit(app, "channel.")] == [
        "channel.kind_set",
        "channel.moderator_added",
        "channel.moderator_removed",
    ]


def test_admins_archive_any_channel_and_direct_ones_are_refused(app, factory, login):
    factory.user("root", role="admin")
    factory.user("alice")
    factory.user("bob")
    factory.channel("board-private", kind="private", members=("alice",))
    root = login("root")
    assert root.post(f"{API}/channels/board-private/archive").json["channel"]["archived"]
    direct = login("alice").post(f"{API}/direct", json={"username": "bob"}).json["channel"]
    response = root.post(f"{API}/channels/{direct['name']}/archive")
    assert response.status_code == 403 and response.json["error"]["code"] == "direct_channel"
    assert root.post(f"{API}/channels/nothing-here/archive").status_code == 404


def test_cli_archives_and_unarchives(app, factory, login, runner):
    factory.user("bob")
    factory.channel("ehr-tips", members=("bob",))
    result = runner.invoke(args=["channels", "archive", "ehr-tips"])
    assert result.exit_code == 0 and "read-only" in result.output
    bob = login("bob")
    assert bob.post(f"{API}/channels/ehr-tips/messages", json={"body": "x"}).status_code == 403
    assert runner.invoke(args=["channels", "unarchive", "ehr-tips"]).exit_code == 0
    assert bob.post(f"{API}/channels/ehr-tips/messages", json={"body": "x"}).status_code == 201
    missing = runner.invoke(args=["channels", "archive", "nope-channel"])
    assert missing.exit_code != 0 and "no channel" in missing.output


# --- records exports ----------------------------------------------------------------------------


def post(client: Any, channel: str, body: str) -> int:
    response = client.post(f"{API}/channels/{channel}/messages", json={"body": body})
    assert response.status_code == 201, response.get_data(as_text=True)
    return int(response.json["message"]["id"])


def test_export_messages_jsonl_marks_edits_and_deletions_and_is_audited(
    app, factory, login, runner, tmp_path
):
    factory.user("alice")
    factory.user("bob")
    factory.channel("ehr-tips", members=("alice", "bob"))
    factory.channel("cardiology", members=("alice",))
    alice, bob = login("alice"), login("bob")
    first = post(alice, "ehr-tips", "Use the .sepsis smart phrase")
    edited = post(bob, "ehr-tips", "Order set is called Sepsis Adult")
    gone = post(alice, "ehr-tips", "Posted in the wrong place")
    post(alice, "cardiology", "Not part of this request")
    assert bob.patch(f"{API}/messages/{edited}", json={"body": "Order set: Sepsis Adult v2"})
    assert alice.delete(f"{API}/messages/{gone}").status_code == 200

    out = tmp_path / "export.jsonl"
    args = ["export", "messages", "--since", "2020-01-01", "--channel", "ehr-tips"]
    result = runner.invoke(args=[*args, "--format", "jsonl", "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert "Exported 3 messages" in result.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in rows] == [first, edited, gone]
    assert {r["channel"] for r in rows} == {"ehr-tips"}
    assert rows[1]["body"] == "Order set: Sepsis Adult v2"
    assert [e["previous_body"] for e in rows[1]["edits"]] == ["Order set is called Sepsis Adult"]
    assert rows[1]["edited_at"]
    assert rows[2]["deleted"] is True and rows[2]["deleted_at"]
    assert rows[0]["deleted"] is False and rows[0]["edits"] == []
    assert all(r["attachments"] == [] for r in rows)

    (event,) = audit(app, "records.")
    assert event[:2] == ("system", "records.exported")
    assert event[3]["channels"] == ["ehr-tips"] and event[3]["format"] == "jsonl"
    assert event[3]["since"].startswith("2020-01-01")

    by_user = runner.invoke(args=["export", "messages", "--since", "2020-01-01", "--user", "bob"])
    assert [json.loads(x)["id"] for x in by_user.stdout.splitlines()] == [edited]
    later = runner.invoke(
        args=["export", "messages", "--since", "2020-01-01", "--until", "2020-02-01"]
    )
    assert later.exit_code == 0 and later.stdout == ""


def test_export_messages_csv_and_bad_parameters(app, factory, login, runner):
    factory.user("alice")
    factory.channel("ehr-tips", members=("alice",))
    alice = login("alice")
    post(alice, "ehr-tips", "Shortcut, with a comma")
    result = runner.invoke(args=["export", "messages", "--since", "2020-01-01", "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["body"] for r in rows] == ["Shortcut, with a comma"]
    assert rows[0]["edits"] == "[]" and rows[0]["channel"] == "ehr-tips"
    for extra, words in (
        (["--since", "yesterday"], "since must be a date"),
        (["--since", "2026-02-01", "--until", "2026-01-01"], "until must be after since"),
        (["--since", "2020-01-01", "--channel", "nope-channel"], "no channel #nope-channel"),
    ):
        bad = runner.invoke(args=["export", "messages", *extra])
        assert bad.exit_code != 0 and words in bad.output, bad.output
    assert audit(app, "records.")[0][3]["format"] == "csv"
    assert len(audit(app, "records.")) == 1  # refused requests export nothing


def test_export_over_the_api_is_for_admins(app, factory, login):
    factory.user("root", role="admin")
    factory.user("alice")
    factory.channel("ehr-tips", members=("alice",))
    alice = login("alice")
    post(alice, "ehr-tips", "Tip about the MAR")
    refused = alice.get(f"{API}/admin/exports/messages?since=2020-01-01")
    assert refused.status_code == 403
    response = login("root").get(f"{API}/admin/exports/messages?since=2020-01-01")
    assert response.status_code == 200
    assert [json.loads(x)["body"] for x in response.get_data(as_text=True).splitlines()] == [
        "Tip about the MAR"
    ]
    assert [a[0] for a in audit(app, "records.")] == ["user:root"]


# --- legal holds --------------------------------------------------------------------------------


def test_an_admin_places_and_releases_legal_holds_and_a_member_cannot(app, factory, login):
    factory.user("root", role="admin")
    factory.user("alice")
    factory.channel("ehr-tips", members=("alice",))
    root, alice = login("root"), login("alice")
    body = {"channel": "ehr-tips", "reason": "Records request 2026-14"}
    refused = alice.post(f"{API}/admin/legal-holds", json=body)
    assert refused.status_code == 403 and refused.json["error"]["code"] == "admin_only"
    assert alice.get(f"{API}/admin/legal-holds").status_code == 403

    placed = root.post(f"{API}/admin/legal-holds", json=body)
    assert placed.status_code == 201, placed.get_data(as_text=True)
    hold = placed.json["hold"]
    assert (hold["channel"], hold["username"], hold["active"]) == ("ehr-tips", None, True)
    person = root.post(f"{API}/admin/legal-holds", json={"username": "alice", "reason": "Matter 7"})
    assert person.status_code == 201
    again = root.post(f"{API}/admin/legal-holds", json=body)
    assert again.status_code == 409 and again.json["error"]["code"] == "hold_exists"
    for bad, code in (
        ({"channel": "ehr-tips", "username": "alice", "reason": "x"}, "hold_subject"),
        ({"reason": "x"}, "hold_subject"),
        ({"channel": "ehr-tips"}, "reason_required"),
        ({"channel": "nope-channel", "reason": "x"}, "unknown_channel"),
        ({"username": "nobody", "reason": "x"}, "unknown_user"),
    ):
        response = root.post(f"{API}/admin/legal-holds", json=bad)
        assert response.json["error"]["code"] == code, bad
        assert 400 <= response.status_code < 500

    listed = root.get(f"{API}/admin/legal-holds").json["holds"]
    assert [h["id"] for h in listed] == [person.json["hold"]["id"], hold["id"]]
    assert alice.delete(f"{API}/admin/legal-holds/{hold['id']}").status_code == 403
    released = root.delete(f"{API}/admin/legal-holds/{hold['id']}")
    assert released.status_code == 200 and released.json["hold"]["active"] is False
    assert released.json["hold"]["released_by"] == "root"
    assert [h["id"] for h in root.get(f"{API}/admin/legal-holds").json["holds"]] == [
        person.json["hold"]["id"]
    ]
    everything = root.get(f"{API}/admin/legal-holds?released=1").json["holds"]
    assert len(everything) == 2
    assert root.delete(f"{API}/admin/legal-holds/999").status_code == 404
    assert [a[1] for a in audit(app, "legal_hold.")] == [
        "legal_hold.placed",
        "legal_hold.placed",
        "legal_hold.released",
    ]
    assert audit(app, "legal_hold.")[0][3] == {
        "channel": "ehr-tips",
        "reason": "Records request 2026-14",
    }


# --- the console pages (forms; the browser walk is in test_browser_admin.py) ---------------------

CONSOLE = ("/admin/people", "/admin/channels", "/admin/records", "/admin/settings")
RESTYLED = ("/admin/audit", "/admin/sessions", "/admin/sync", "/moderation")


def test_console_pages_share_the_app_shell_and_are_for_admins(app, factory, login):
    factory.user("root", role="admin")
    factory.user("alice")
    root, alice = login("root"), login("alice")
    for path in CONSOLE + RESTYLED:
        html = root.get(path).get_data(as_text=True)
        assert 'class="app admin-app"' in html and 'class="sidebar"' in html, path
        assert "Administration" in html and "auth-body" not in html, path
        assert 'aria-current="page"' in html, path
    for path in CONSOLE + RESTYLED[:3]:
        assert alice.get(path).status_code == 404, path
        assert app.test_client().get(path).status_code in (302, 401, 404), path
    # Moderators and members keep the moderation queue, inside the same shell.
    assert "Reported messages" in alice.get("/moderation").get_data(as_text=True)


def form(client: Any, path: str, **fields: str) -> Any:
    return client.client.post(path, data={"csrf_token": client.csrf, **fields})


def test_console_people_page_acts_on_local_accounts_only(app, factory, login):
    factory.user("root", role="admin")
    factory.user("alice")
    factory.user("dana")
    make_directory_account(app, "dana")
    root = login("root")
    html = root.get("/admin/people").get_data(as_text=True)
    assert "@alice" in html and "@dana" in html and "Managed by the directory" in html
    assert form(root, "/admin/people/alice/active", active="0").status_code == 302
    assert "alice is deactivated" in root.get("/admin/people").get_data(as_text=True)
    inactive = root.get("/admin/people?status=inactive").get_data(as_text=True)
    assert "@alice" in inactive and "@dana" not in inactive
    refused = form(root, "/admin/people/dana/active", active="0")
    assert "which manages their active" in root.get(refused.location).get_data(as_text=True)
    form(root, "/admin/people/alice/active", active="1")
    form(root, "/admin/people/alice/role", role="moderator")
    shown = form(root, "/admin/people/alice/password").get_data(as_text=True)
    start = shown.index('id="temporary-password">') + len('id="temporary-password">')
    temporary = shown[start : shown.index("<", start)]
    assert can_sign_in(app, "alice", temporary)
    assert temporary not in root.get("/admin/people").get_data(as_text=True)  # shown once
    assert [a[1] for a in audit(app, "user.")] == [
        "user.deactivated",
        "user.reactivated",
        "user.role_set",
        "user.password_set",
    ]


def test_console_channels_and_settings_pages(app, factory, login):
    factory.user("root", role="admin")
    factory.user("bob")
    factory.channel("ehr-tips", members=("bob",))
    root = login("root")
    html = root.get("/admin/channels").get_data(as_text=True)
    assert "#ehr-tips" in html and "Archive" in html
    form(root, "/admin/channels/ehr-tips/archive", archived="1")
    assert (
        login("bob").post(f"{API}/channels/ehr-tips/messages", json={"body": "x"}).status_code
        == 403
    )
    form(
        root,
        "/admin/channels/ehr-tips/details",
        title="EHR tips & tricks",
        description="Share them",
    )
    form(root, "/admin/channels/ehr-tips/retention", days="90")
    form(root, "/admin/channels/ehr-tips/phi", policy="block")
    channel = root.get(f"{API}/channels/ehr-tips").json["channel"]
    assert channel["title"] == "EHR tips & tricks" and channel["archived"] is True
    assert [a[1] for a in audit(app, "channel.")] == [
        "channel.archived",
        "channel.updated",
        "channel.retention_set",
        "channel.phi_policy",
    ]

    assert "from the file" in root.get("/admin/settings").get_data(as_text=True)
    form(root, "/admin/settings", retention_days="400", phi_default_policy="block")
    page = root.get("/admin/settings").get_data(as_text=True)
    assert 'value="400"' in page
    changes = [(a[2], a[3]["after"]) for a in audit(app, "settings.")]
    assert changes == [("setting:retention_days", 400), ("setting:phi_default_policy", "block")]
    form(root, "/admin/settings", retention_days="-3", phi_default_policy="")
    assert "whole number of days" in root.get("/admin/settings").get_data(as_text=True)
    with app.app_context():
        from physnet.reads import runtime_settings

        assert runtime_settings.retention_days() == 400  # the bad value changed nothing
        assert runtime_settings.phi_default_policy() == app.config["PHYSNET"].phi.default_policy
    assert "secret" not in page.lower().replace("secrets are never shown", "")


def test_console_records_page_exports_and_holds(app, factory, login):
    factory.user("root", role="admin")
    factory.user("alice")
    factory.channel("ehr-tips", members=("alice",))
    post(login("alice"), "ehr-tips", "Where the downtime forms live")
    root = login("root")
    download = root.get("/admin/records/export?since=2020-01-01&channels=ehr-tips&format=csv")
    assert download.status_code == 200 and "attachment" in download.headers["Content-Disposition"]
    assert "Where the downtime forms live" in download.get_data(as_text=True)
    bad = root.get("/admin/records/export?since=soon")
    assert bad.status_code == 302
    form(root, "/admin/records/holds", kind="channel", subject="#ehr-tips", reason="Matter 12")
    html = root.get("/admin/records").get_data(as_text=True)
    assert "#ehr-tips" in html and "Matter 12" in html and "in place" in html
    hold_id = root.get(f"{API}/admin/legal-holds").json["holds"][0]["id"]
    form(root, f"/admin/records/holds/{hold_id}/release")
    assert root.get(f"{API}/admin/legal-holds").json["holds"] == []
    assert [a[1] for a in audit(app, "records.")] == ["records.exported"]
