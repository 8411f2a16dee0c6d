"""The `physnet` command line: accounts, tokens, demo data, and the installed script."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from physnet.extensions import db
from physnet.models import Channel, Digest, Membership, Mention, Message, Reaction, User

from conftest import PASSWORD

ROOT = Path(__file__).resolve().parent.parent
PHYSNET = Path(sys.executable).parent / "physnet"


def invoke(runner: Any, *args: str, stdin: str | None = None) -> Any:
    return runner.invoke(args=list(args), input=stdin)


def assert_one_line_failure(result: Any, reason: str) -> None:
    assert result.exit_code != 0
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("Error: ")
    assert reason in lines[0]
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)


# --- users create ---------------------------------------------------------------------------


def test_users_create_reads_the_password_from_stdin(runner, login):
    result = invoke(runner, "users", "create", "carol", "--password-stdin", stdin=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert "carol" in result.stdout
    user = login("carol").get("/api/v1/me").json["user"]
    assert (user["username"], user["role"], user["source"]) == ("carol", "member", "local")


def test_users_create_admin(runner, login):
    result = invoke(
        runner, "users", "create", "root", "--admin", "--password-stdin", stdin=PASSWORD + "\n"
    )
    assert result.exit_code == 0, result.output
    assert login("root").get("/api/v1/me").json["user"]["role"] == "admin"


def test_creating_an_existing_user_fails_with_one_line(factory, runner):
    factory.user("carol")
    result = invoke(
        runner, "users", "create", "carol", "--password-stdin", stdin="another-long-password\n"
    )
    assert_one_line_failure(result, "already exists")


def test_a_short_password_is_refused(app, runner):
    result = invoke(runner, "users", "create", "carol", "--password-stdin", stdin="short\n")
    assert_one_line_failure(result, "at least 12 characters")
    with app.app_context():
        assert db.session.scalar(select(User).where(User.username == "carol")) is None


@pytest.mark.parametrize("name", ["Carol", "c", "9lives", "car ol"])
def test_an_invalid_username_is_refused(app, runner, name):
    result = invoke(runner, "users", "create", name, "--password-stdin", stdin=PASSWORD + "\n")
    assert_one_line_failure(result, "username")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 0


# --- tokens create ----------------------------------------------------------------------------


def test_tokens_create_prints_only_a_working_token(factory, runner, client):
    factory.user("carol")
    result = invoke(runner, "tokens", "create", "carol", "--label", "nightly export")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    token = lines[0]
    assert token == token.strip() and len(token) >= 32
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.json["user"]["username"] == "carol"


def test_each_token_is_new(factory, runner):
    factory.user("carol")
    first = invoke(runner, "tokens", "create", "carol").stdout
    second = invoke(runner, "tokens", "create", "carol").stdout
    assert first != second


def test_tokens_for_an_unknown_user_fail(runner):
    result = invoke(runner, "tokens", "create", "nobody")
    assert_one_line_failure(result, "nobody")
    assert result.stdout == ""  # the reason goes to stderr; scripts capture nothing


# --- demo load --------------------------------------------------------------------------------


def _counts(app: Any) -> dict[str, int]:
    with app.app_context():
        return {
            model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (User, Channel, Membership, Message, Reaction, Mention, Digest)
        }


@pytest.mark.skipif(
    not (ROOT / "physnet" / "demo" / "content.py").exists(),
    reason="no demo content in this checkout",
)
def test_demo_load_is_idempotent(app, runner, factory):
    factory.user("itdesk")  # someone on the instance who is not a demo account
    first = invoke(runner, "demo", "load")
    assert first.exit_code == 0, first.output
    after_first = _counts(app)
    assert after_first["User"] > 0 and after_first["Channel"] > 0
    assert after_first["Message"] > 0
    assert after_first["Digest"] > 0  # this week's digest, in the app
    with app.app_context():  # for the demo accounts only
        itdesk = db.session.scalar(select(User.id).where(User.username == "itdesk"))
        assert db.session.scalar(select(Digest.id).where(Digest.user_id == itdesk)) is None

    second = invoke(runner, "demo", "load")
    assert second.exit_code == 0, second.output
    assert _counts(app) == after_first


# --- the installed console script -------------------------------------------------------------


def _run(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PHYSNET_")},
        "PHYSNET_INSTANCE": str(tmp_path / "instance"),
        "PHYSNET_SECRET_KEY": "cli-tests-only-secret-key-0123456789abcdef0123456789",
        **env,
    }
    return subprocess.run(
        [str(PHYSNET), *args],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_console_script_help_exits_0(tmp_path):
    result = _run(tmp_path, "--help", PHYSNET_DATABASE_URL=f"sqlite:///{tmp_path / 'help.db'}")
    assert result.returncode == 0, result.stderr
    for command in ("db", "demo", "users", "tokens", "run"):
        assert command in result.stdout


def test_db_upgrade_creates_the_schema_in_a_fresh_sqlite_file(tmp_path):
    path = tmp_path / "fresh.db"
    result = _run(tmp_path, "db", "upgrade", PHYSNET_DATABASE_URL=f"sqlite:///{path}")
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(path) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    assert {"users", "channels", "memberships", "messages", "alembic_version"} <= tables


def test_upgrading_a_database_with_data_keeps_every_row(tmp_path):
    """Migrations that rebuild a SQLite table (batch mode) must not cascade-delete the rows
    that refer to it: a database made at 0003 (the first release) keeps its conversations."""
    path = tmp_path / "old.db"
    url = f"sqlite:///{path}"
    old = _run(tmp_path, "db", "upgrade", "0003", PHYSNET_DATABASE_URL=url)
    assert old.returncode == 0, old.stderr
    at = "2026-01-05 10:00:00.000000"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute(
            "INSERT INTO users (id, username, display_name, email, title, credentials,"
            " department, specialty, facility, phone, bio, expertise, source, role, active,"
            " session_generation, created_at) VALUES (1, 'kim', 'Dr. Kim', '', '', '', '', '',"
            " '', '', '', '', 'local', 'member', 1, 0, ?)",
            (at,),
        )
        conn.execute(
            "INSERT INTO channels (id, name, title, description, kind, created_at)"
            " VALUES (1, 'ehr-tips', 'EHR tips', '', 'public', ?)",
            (at,),
        )
        conn.execute(
            "INSERT INTO memberships (channel_id, user_id, role, last_read_id, source,"
            " joined_at) VALUES (1, 1, 'member', 0, 'local', ?)",
            (at,),
        )
        for mid, thread in ((1, None), (2, 1)):
            conn.execute(
                "INSERT INTO messages (id, channel_id, author_id, body, html, thread_id,"
                " reply_count, created_at) VALUES (?, 1, 1, 'Use the .SEPSIS SmartPhrase',"
                " '<p>x</p>', ?, 0, ?)",
                (mid, thread, at),
            )
        conn.execute("INSERT INTO reactions VALUES (1, 1, '👍', ?)", (at,))
        conn.execute("INSERT INTO mentions (message_id, user_id) VALUES (1, 1)")
        conn.execute(
            "INSERT INTO message_edits (message_id, editor_id, previous_body, edited_at)"
            " VALUES (1, 1, 'Use .SEPSIS', ?)",
            (at,),
        )
    tables = ("users", "channels", "memberships", "messages", "reactions", "mentions")
    with sqlite3.connect(path) as conn:
        before = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
    new = _run(tmp_path, "db", "upgrade", PHYSNET_DATABASE_URL=url)
    assert new.returncode == 0, new.stderr
    with sqlite3.connect(path) as conn:
        after = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
        edits = conn.execute("SELECT count(*) FROM message_edits").fetchone()[0]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert after == before and edits == 1
