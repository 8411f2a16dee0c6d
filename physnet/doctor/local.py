"""The checks of this host and its services: database, schema, Redis, index, directory,
clock and secret key."""

from __future__ import annotations

import logging
import tempfile
import time
from datetime import UTC, datetime
from urllib.parse import urlsplit

from physnet.config import Settings
from physnet.doctor.report import Check

# deploy/physnet.env.example's placeholder: a server started with it has a public key.
EXAMPLE_SECRET = "replace-with-the-output-of-python3-c-import-secrets-print-secrets.token_hex-32"
MIN_SECRET_BYTES = 32
MAX_SKEW_S = 5.0
NEW_SECRET = "python3 -c 'import secrets; print(secrets.token_hex(32))'"


def database(settings: Settings) -> Check:
    from sqlalchemy import text

    from physnet.extensions import db

    url = db.engine.url.render_as_string(hide_password=True)
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:
        db.session.rollback()
        return Check(
            "database",
            False,
            f"{url} does not answer: {str(exc).splitlines()[0]}",
            "check PHYSNET_DATABASE_URL, that PostgreSQL runs, and that this host and role may "
            "connect (pg_hba.conf)",
        )
    return Check("database", True, f"{url} answers")


def migrations(settings: Settings) -> Check:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from flask import current_app

    from physnet.extensions import db

    scripts = ScriptDirectory(current_app.extensions["migrate"].directory)
    heads = set(scripts.get_heads())
    logging.getLogger("alembic").setLevel(logging.WARNING)  # no "Context impl" lines here
    with db.engine.connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
    if current == heads:
        return Check(
            "migrations", True, f"the schema is at the latest revision ({', '.join(heads)})"
        )
    have = f"is at {', '.join(sorted(current))}" if current else "has no schema yet"
    return Check(
        "migrations",
        False,
        f"the database {have}; this release expects {', '.join(sorted(heads))}",
        "run `physnet db upgrade` (stop the servers first, start them after)",
    )


def redis_answers(settings: Settings) -> Check:
    if not settings.redis_url:
        return Check("redis", None, "not configured: one server process only")
    import redis

    url = settings.redis_url
    parts = urlsplit(url)  # shown without its password
    host = f"{parts.hostname}:{parts.port}" if parts.port else (parts.hostname or "")
    shown = parts._replace(netloc=host).geturl()
    try:
        with redis.Redis.from_url(url, socket_timeout=3, socket_connect_timeout=3) as client:
            client.ping()
    except redis.RedisError as exc:
        return Check(
            "redis",
            False,
            f"{shown} does not answer: {exc}",
            "start redis-server (systemctl start redis-server) or correct PHYSNET_REDIS_URL",
        )
    return Check("redis", True, f"{shown} answers")


def search_index(settings: Settings) -> Check:
    from physnet.search.store import FileLock

    folder = settings.search_index
    fix = (
        f"create {folder} and give it to the user the servers run as "
        "(chown physnet: …), or point PHYSNET_SEARCH_INDEX at such a folder"
    )
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".doctor-"):
            pass
    except OSError as exc:
        return Check("search index", False, f"{folder} is not writable: {exc.strerror}", fix)
    lock = FileLock(folder / "indexer.lock")
    if lock.is_locked_elsewhere():
        writer = f"process {lock.holder_pid() or '?'} is the one index writer (indexer.lock)"
    else:
        writer = "no process holds the writer lock now (servers stopped, or indexer off)"
    rebuilding = FileLock(folder / "rebuild.lock").is_locked_elsewhere()
    extra = "; a reindex is running" if rebuilding else ""
    return Check("search index", True, f"{folder} is writable; {writer}{extra}")


def directory(settings: Settings) -> Check:
    from physnet.directory.check import run_check
    from physnet.directory.settings import directory_settings

    directory = directory_settings()
    if directory is None:
        return Check("directory", None, "not configured: local accounts only")
    report = run_check(directory, sample_size=1)
    if report.problems:
        return Check(
            "directory",
            False,
            f"{directory.uri}: {report.problems[0]}",
            "run `physnet ldap check` for the details; correct [ldap] in the TOML file",
        )
    return Check("directory", True, f"{directory.uri}: connected and bound")


def clock(settings: Settings) -> Check:
    from sqlalchemy import text

    from physnet.extensions import db

    if db.engine.dialect.name != "postgresql":
        return Check("clock", None, "the database is a file on this host: one clock")
    before = time.time()
    db_now = db.session.execute(text("SELECT now()")).scalar_one()
    after = time.time()
    db.session.rollback()
    skew = db_now.timestamp() - (before + after) / 2
    found = f"this host is {abs(skew):.1f} s {'behind' if skew > 0 else 'ahead of'} the database"
    if abs(skew) > MAX_SKEW_S + (after - before):
        return Check(
            "clock",
            False,
            found,
            "turn on time synchronisation on both hosts (timedatectl set-ntp true, or chrony): "
            "session expiry and message times depend on it",
        )
    return Check(
        "clock", True, found + f" (within {MAX_SKEW_S:g} s), at {datetime.now(UTC):%H:%M:%S} UTC"
    )


def secret_key(settings: Settings) -> Check:
    key = settings.secret_key
    fix = (
        f"put the output of `{NEW_SECRET}` in PHYSNET_SECRET_KEY and restart every process "
        "(everyone signs in again)"
    )
    if key == EXAMPLE_SECRET or key.startswith("replace-with"):
        return Check("secret key", False, "it is the example key from physnet.env.example", fix)
    if len(key.encode()) < MIN_SECRET_BYTES or len(set(key)) < 8:
        return Check(
            "secret key",
            False,
            f"it is too weak ({len(key.encode())} bytes; at least {MIN_SECRET_BYTES} random)",
            fix,
        )
    return Check("secret key", True, f"{len(key.encode())} bytes, not the example")
