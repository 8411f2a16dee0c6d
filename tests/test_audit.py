"""The audit log: the hash chain, tampering, coverage of what people do, export, admin page."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import threading
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from physnet.actions.audit import record_audit
from physnet.db.transaction import atomic
from physnet.extensions import db
from physnet.models import AuditEvent

from conftest import PASSWORD, csrf_token

API = "/api/v1"


def events(app: Any, action: str | None = None) -> list[AuditEvent]:
    with app.app_context():
        query = select(AuditEvent).order_by(AuditEvent.seq)
        if action:
            query = query.where(AuditEvent.action == action)
        found = db.session.scalars(query).all()
        db.session.expunge_all()
        return list(found)


def verify(app: Any) -> Any:
    return app.test_cli_runner().invoke(args=["audit", "verify"])


def append(app: Any, count: int, actor: str = "test") -> None:
    with app.app_context():
        for i in range(count):
            with atomic():
                record_audit(actor, "test.event", f"thing:{i}", n=i)


def tamper(app: Any, statement: str) -> None:
    """Change the table behind PhysNet's back, as someone with database access would:
    drop the append-only triggers, run `statement`, put the triggers back."""
    with app.app_context():
        postgres = db.engine.dialect.name == "postgresql"
        with db.engine.begin() as conn:
            if postgres:
                conn.execute(text("DROP TRIGGER audit_events_append_only ON audit_events"))
            else:
                conn.execute(text("DROP TRIGGER audit_events_no_update"))
                conn.execute(text("DROP TRIGGER audit_events_no_delete"))
            conn.execute(text(statement))
            if postgres:
                conn.execute(
                    text(
                        "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON "
                        "audit_events FOR EACH ROW EXECUTE FUNCTION physnet_audit_append_only()"
                    )
                )


# --- the chain -------------------------------------------------------------------------------


def test_each_event_is_chained_to_the_one_before(app):
    append(app, 3)
    chain = events(app)
    assert [e.seq for e in chain] == [1, 2, 3]
    assert chain[0].prev_hash == ""
    assert [e.prev_hash for e in chain[1:]] == [e.hash for e in chain[:-1]]
    assert all(len(e.hash) == 64 for e in chain)
    result = verify(app)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "3 events, chain intact"


def test_an_empty_log_verifies(app):
    result = verify(app)
    assert result.exit_code == 0
    assert "0 events, chain intact" in result.output


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_events SET actor = 'x'", "DELETE FROM audit_events"]
)
def test_the_database_refuses_to_change_or_remove_events(app, statement):
    append(app, 2)
    with (
        app.app_context(),
        pytest.raises(DBAPIError, match="append-only"),
        db.engine.begin() as conn,
    ):
        conn.execute(text(statement))
    assert len(events(app)) == 2


@pytest.mark.parametrize("backend", ["postgresql"])  # SQLite has no TRUNCATE
def test_postgresql_refuses_to_truncate_the_log(app):
    append(app, 2)
    for statement in ("TRUNCATE audit_events", "TRUNCATE audit_events, users CASCADE"):
        with (
            app.app_context(),
            pytest.raises(DBAPIError, match="append-only"),
            db.engine.begin() as conn,
        ):
            conn.execute(text(statement))
    assert len(events(app)) == 2
    assert verify(app).exit_code == 0


def test_verify_finds_an_edited_event(app):
    append(app, 5)
    victim = events(app)[2]
    tamper(app, f"UPDATE audit_events SET detail = '{{\"n\": 99}}' WHERE id = {victim.id}")
    result = verify(app)
    assert result.exit_code == 1
    assert f"event id {victim.id}" in result.output
    assert "contents do not match" in result.output


def test_verify_finds_an_edited_event_whose_hash_was_recomputed(app):
    """Rewriting an event and its own hash still breaks the link of the next event."""
    from physnet.audit.chain import event_hash

    append(app, 4)
    victim, following = events(app)[1], events(app)[2]
    forged = event_hash(
        victim.seq,
        victim.at,
        "user:someone-else",
        victim.action,
        victim.target,
        victim.detail,
        victim.prev_hash,
    )
    tamper(
        app,
        f"UPDATE audit_events SET actor = 'user:someone-else', hash = '{forged}' "
        f"WHERE id = {victim.id}",
    )
    result = verify(app)
    assert result.exit_code == 1
    assert f"event id {following.id}" in result.output


def test_verify_finds_a_deleted_event(app):
    append(app, 5)
    chain = events(app)
    tamper(app, f"DELETE FROM audit_events WHERE id = {chain[1].id}")
    result = verify(app)
    assert result.exit_code == 1
    assert f"event id {chain[2].id}" in result.output
    assert "#2 is missing" in result.output


def test_verify_finds_events_cut_off_the_end(app):
    append(app, 4)
    last = events(app)[-1]
    tamper(app, f"DELETE FROM audit_events WHERE id = {last.id}")
    result = verify(app)
    assert result.exit_code == 1
    assert "end of the log" in result.output


def test_a_rolled_back_change_leaves_no_event_and_no_gap(app):
    append(app, 1)
    with app.app_context(), pytest.raises(RuntimeError), atomic():
        record_audit("test", "test.undone")
        raise RuntimeError("the change failed")
    append(app, 1)
    assert [e.action for e in events(app)] == ["test.event", "test.event"]
    assert verify(app).exit_code == 0


def test_concurrent_appends_form_one_unbroken_chain(app):
    """Writers in parallel threads (each its own connection) never fork the chain."""
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            append(app, 10, actor=f"writer-{n}")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert [e.seq for e in events(app)] == list(range(1, 61))
    result = verify(app)
    assert result.exit_code == 0, result.output
    assert "60 events" in result.output


# --- what is audited --------------------------------------------------------------------------


def sign_in(client: Any, username: str, password: str = PASSWORD) -> Any:
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf_token(client)},
    )


def test_sign_in_failure_and_sign_out_are_audited_without_the_password(app, factory, client):
    factory.user("alice")
    assert sign_in(client, "alice", "wrong-password-here").status_code == 401
    assert sign_in(client, "alice").status_code == 302
    client.post("/logout", headers={"X-CSRFToken": csrf_token(client, "/")})

    log = events(app)
    assert [(e.action, e.target) for e in log] == [
        ("auth.signin_failed", "user:alice"),
        ("auth.signin", "user:alice"),
        ("auth.signout", "user:alice"),
    ]
    assert log[0].details["reason"] == "bad_credentials"
    assert log[1].actor == "user:alice" and log[1].details["method"] == "password"
    everything = json.dumps([(e.actor, e.target, e.detail) for e in log])
    assert "wrong-password-here" not in everything and PASSWORD not in everything


def test_an_idle_session_timeout_is_audited(app, factory, login, monkeypatch):
    import time as real_time

    from physnet.web import session as auth

    class Later:
        @staticmethod
        def time() -> float:
            return real_time.time() + 31 * 60

    factory.user("alice")
    alice = login("alice")
    monkeypatch.setattr(auth, "time", Later)
    assert alice.get(f"{API}/me").status_code == 401
    [expired] = events(app, "auth.session_expired")
    assert expired.target == "user:alice"
    assert expired.details["reason"] == "idle"


def test_channel_membership_changes_are_audited(app, factory, login):
    factory.user("alice")
    factory.user("bob")
    alice = login("alice")
    assert alice.post(f"{API}/channels", json={"name": "order-sets"}).status_code == 201
    factory.channel("town")
    alice.post(f"{API}/channels/town/join")
    alice.post(f"{API}/channels/town/members", json={"username": "bob"})
    alice.post(f"{API}/channels/town/members", json={"username": "bob"})  # already there
    alice.post(f"{API}/channels/town/leave")
    got = [(e.actor, e.action, e.target, e.details.get("username")) for e in events(app)]
    assert got[1:] == [
        ("user:alice", "channel.created", "channel:order-sets", None),
        ("user:alice", "channel.joined", "channel:town", None),
        ("user:alice", "channel.member_added", "channel:town", "bob"),
        ("user:alice", "channel.left", "channel:town", None),
    ]


def test_message_edits_and_deletes_keep_before_and_after(app, factory, login):
    factory.user("alice")
    factory.user("mod", role="moderator")
    factory.channel("town", members=("alice", "mod"))
    alice = login("alice")
    posted = alice.post(f"{API}/channels/town/messages", json={"body": "Use order set 12"})
    mid = posted.json["message"]["id"]
    alice.patch(f"{API}/messages/{mid}", json={"body": "Use order set 14"})
    login("mod").delete(f"{API}/messages/{mid}")

    [edited] = events(app, "message.edited")
    assert (edited.actor, edited.target) == ("user:alice", f"message:{mid}")
    assert edited.details == {
        "channel": "town",
        "before": "Use order set 12",
        "after": "Use order set 14",
    }
    [deleted] = events(app, "message.deleted")
    assert (deleted.actor, deleted.target) == ("user:mod", f"message:{mid}")
    assert deleted.details["before"] == "Use order set 14"
    assert deleted.details["author"] == "alice"


@pytest.mark.parametrize("policy", ["hash", "keep", "off"])
def test_searches_are_audited_by_policy(tmp_path, sqlite_template, policy):
    import shutil

    from physnet import create_app
    from physnet.search import service

    from conftest import Factory, _settings

    path = tmp_path / "s.db"
    shutil.copy(sqlite_template, path)
    app = create_app(_settings(tmp_path, f"sqlite:///{path}", audit={"search_queries": policy}))
    Factory(app).user("alice")
    service(app).indexer.catch_up()  # the index exists before the first search
    client = app.test_client()
    sign_in(client, "alice")
    for _ in range(2):
        response = client.get(f"{API}/search", query_string={"q": "sepsis bundle"})
        assert response.status_code == 200, response.get_data(as_text=True)
    first, second = events(app, "search.queried")
    assert first.actor == "user:alice" and first.details["results"] == 0
    if policy == "hash":
        expected = hmac.new(
            b"tests-only-secret-key-0123456789abcdef0123456789", b"sepsis bundle", hashlib.sha256
        ).hexdigest()
        assert first.details["query_hmac"] == second.details["query_hmac"] == expected
        assert "sepsis" not in first.detail
    elif policy == "keep":
        assert first.details["query"] == "sepsis bundle"
    else:
        assert set(first.details) == {"results"}
    service(app).close()
    with app.app_context():
        db.engine.dispose()


# --- export -----------------------------------------------------------------------------------


def test_export_cli_writes_csv_and_json_and_is_itself_audited(app, tmp_path):
    append(app, 3)
    runner = app.test_cli_runner()
    out = tmp_path / "audit.csv"
    result = runner.invoke(args=["audit", "export", "--since", "2000-01-01", "--output", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert [r["target"] for r in rows] == ["thing:0", "thing:1", "thing:2"]
    assert rows[1]["prev_hash"] == rows[0]["hash"]

    result = runner.invoke(args=["audit", "export", "--since", "2000-01-01", "--format", "json"])
    assert result.exit_code == 0
    exported = json.loads(result.stdout)
    assert [e["action"] for e in exported] == ["test.event"] * 3 + ["audit.exported"]
    [first, _] = events(app, "audit.exported")
    assert first.details["events"] == 3 and first.details["format"] == "csv"
    assert first.target == str(out)


def test_export_cli_respects_the_date_range_and_refuses_a_bad_date(app):
    append(app, 2)
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "audit",
            "export",
            "--since",
            "2000-01-01",
            "--until",
            "2000-12-31",
            "--format",
            "json",
        ]
    )
    assert result.exit_code == 0
    assert json.loads(result.stdout) == []
    result = runner.invoke(
        args=["audit", "export", "--since", "2000-01-01", "--action", "test.", "--actor", "test"]
    )
    assert result.exit_code == 0, result.output
    assert events(app, "audit.exported")[-1].details["filters"]["action"] == "test."
    result = runner.invoke(args=["audit", "export", "--since", "yesterday"])
    assert result.exit_code != 0
    assert "must be a date like" in result.output


# --- the admin page and API -------------------------------------------------------------------


@pytest.fixture
def audited(app, factory, login):
    factory.user("root", role="admin")
    factory.user("alice")
    factory.channel("town", members=("alice",))
    alice = login("alice")
    for i in range(3):
        alice.post(f"{API}/channels/town/messages", json={"body": f"tip {i}"})
    mid = alice.post(f"{API}/channels/town/messages", json={"body": "draft"}).json["message"]["id"]
    alice.patch(f"{API}/messages/{mid}", json={"body": "final"})
    return login("root"), alice


def test_only_admins_read_the_audit_log(audited, app):
    root, alice = audited
    assert alice.get(f"{API}/admin/audit").status_code == 403
    assert alice.get(f"{API}/admin/audit?format=csv").status_code == 403
    assert alice.get("/admin/audit").status_code == 404
    assert app.test_client().get(f"{API}/admin/audit").status_code == 401
    assert root.get("/admin/audit").status_code == 200


def test_admin_api_filters_and_pages(audited):
    root, _ = audited
    everything = root.get(f"{API}/admin/audit").json
    assert everything["total"] == len(everything["events"]) >= 3
    assert [e["seq"] for e in everything["events"]] == sorted(
        (e["seq"] for e in everything["events"]), reverse=True
    )  # newest first

    edits = root.get(f"{API}/admin/audit", query_string={"action": "message.edited"}).json
    assert edits["total"] == 1
    assert edits["events"][0]["details"]["after"] == "final"
    auth = root.get(f"{API}/admin/audit", query_string={"action": "auth."}).json
    assert {e["action"] for e in auth["events"]} == {"auth.signin"}
    mine = root.get(f"{API}/admin/audit", query_string={"actor": "user:root"}).json
    assert [e["action"] for e in mine["events"]] == ["auth.signin"]
    future = root.get(f"{API}/admin/audit", query_string={"since": "2999-01-01"}).json
    assert future["total"] == 0
    paged = root.get(f"{API}/admin/audit", query_string={"per_page": 1, "page": 2}).json
    assert len(paged["events"]) == 1 and paged["events"][0]["seq"] == everything["events"][1]["seq"]
    bad = root.get(f"{API}/admin/audit", query_string={"since": "soon"})
    assert bad.status_code == 400 and bad.json["error"]["code"] == "invalid_parameter"
    assert root.get(f"{API}/admin/audit?format=xml").status_code == 400


def test_admin_downloads_are_streamed_and_audited(audited, app):
    root, _ = audited
    response = root.get(
        f"{API}/admin/audit", query_string={"format": "csv", "action": "message.edited"}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["action"] for r in rows] == ["message.edited"]
    response = root.get(f"{API}/admin/audit", query_string={"format": "json"})
    assert {e["action"] for e in json.loads(response.get_data(as_text=True))} >= {"auth.signin"}
    exports = events(app, "audit.exported")
    assert [(e.actor, e.details["format"]) for e in exports] == [
        ("user:root", "csv"),
        ("user:root", "json"),
    ]
    assert exports[0].details["filters"] == {"action": "message.edited"}


def test_admin_page_shows_filtered_events_with_download_links(audited):
    root, _ = audited
    page = root.get("/admin/audit", query_string={"action": "message.edited"}).get_data(
        as_text=True
    )
    assert "message.edited" in page and "final" in page
    assert "auth.signin" not in page
    assert "/api/v1/admin/audit?action=message.edited&amp;format=csv" in page


GARBAGE = ["\x00", "a\x00b", "9" * 18, "-1", "2026-13-45", "' OR 1=1 --", "é" * 300, "%_\\"]


@pytest.mark.parametrize("value", GARBAGE)
def test_garbage_never_crashes_the_admin_endpoints(audited, value):
    root, _ = audited
    for name in ("actor", "action", "target", "since", "until", "page", "per_page", "format"):
        response = root.get(f"{API}/admin/audit", query_string={name: value})
        assert response.status_code in (200, 400), (name, response.status_code)
        page = root.get("/admin/audit", query_string={name: value})
        assert page.status_code == 200, (name, page.status_code)
    assert root.get("/admin/sessions", query_string={"q": value}).status_code == 200
    for path in (
        f"{API}/admin/channels/{value}/retention",
        f"{API}/admin/users/{value}/sessions/revoke",
    ):
        response = root.request("PUT" if "retention" in path else "POST", path, json={"days": 1})
        assert response.status_code in (400, 404, 405), (path, response.status_code)
