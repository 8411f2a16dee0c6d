"""`physnet doctor`: check an installation end to end and say how to fix what is wrong.

Each check returns a Check: passed (True), failed (False) or not applicable (None), a line
saying what it found, and for a failure the fix. The checks run in order; those that need
the app are skipped when the configuration does not load.
"""

from __future__ import annotations

import json
import logging
import os
import ssl
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit

from physnet.config import ConfigError, Settings, load_settings

# deploy/physnet.env.example's placeholder: a server started with it has a public key.
EXAMPLE_SECRET = "replace-with-the-output-of-python3-c-import-secrets-print-secrets.token_hex-32"
MIN_SECRET_BYTES = 32
MAX_SKEW_S = 5.0
NEW_SECRET = "python3 -c 'import secrets; print(secrets.token_hex(32))'"
HEADERS_FIX = (
    "include snippets/physnet-proxy-headers.conf (deploy/physnet-proxy-headers.conf) in every "
    "nginx location that passes to PhysNet, so each sends Host $http_host, X-Forwarded-Host "
    "$http_host and X-Forwarded-Proto $scheme; then `nginx -s reload`"
)


@dataclass
class Check:
    name: str
    ok: bool | None  # None: does not apply here
    found: str
    fix: str = ""


def run_checks(ca_file: str | None = None, timeout: float = 5.0) -> list[Check]:
    """Every check, in order; never raises for a broken installation (it reports it)."""
    try:
        settings = load_settings()
    except ConfigError as exc:
        return [
            Check(
                "configuration",
                False,
                str(exc),
                "correct that setting in the env file or PHYSNET_CONFIG's TOML file "
                "(docs/deployment.md lists them)",
            )
        ]
    config_file = os.environ.get("PHYSNET_CONFIG") or (
        str(settings.instance_path / "physnet.toml")
        if (settings.instance_path / "physnet.toml").exists()
        else None
    )
    checks = [
        Check(
            "configuration",
            True,
            f"loaded from the environment{f' and {config_file}' if config_file else ''}",
        )
    ]
    try:
        from physnet import create_app

        app = create_app()
    except Exception as exc:  # the checklist must report it, whatever it is
        checks.append(Check("app", False, f"the app does not start: {exc}", "see the error"))
        return checks
    with app.app_context():
        for check in (_database, _migrations, _redis, _search_index, _directory, _clock):
            checks.append(_safely(check, settings))
    checks.append(_secret_key(settings))
    checks.append(public_url_check(settings, ca_file, timeout))
    return checks


def _safely(check: Callable[[Settings], Check], settings: Settings) -> Check:
    try:
        return check(settings)
    except Exception as exc:  # one broken check must not hide the others
        name = check.__name__.strip("_").replace("_", " ")
        return Check(name, False, f"{type(exc).__name__}: {exc}", "see the error above")


def _database(settings: Settings) -> Check:
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


def _migrations(settings: Settings) -> Check:
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


def _redis(settings: Settings) -> Check:
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


def _search_index(settings: Settings) -> Check:
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


def _directory(settings: Settings) -> Check:
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


def _clock(settings: Settings) -> Check:
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


def _secret_key(settings: Settings) -> Check:
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


def public_url_check(settings: Settings, ca_file: str | None, timeout: float) -> Check:
    """Call this installation through its public URL, and compare what the app saw."""
    from physnet.realtime.origins import CHECK_PATH, PAGE_CHECK_PATH

    public = settings.public_url
    if not public:
        if settings.proxy_hops:
            return Check(
                "public_url",
                False,
                "unset, behind a proxy (PHYSNET_PROXY_HOPS): sockets then accept only what "
                "the proxy forwards",
                "set PHYSNET_PUBLIC_URL to the address people type (https://host[:port])",
            )
        return Check("public_url", None, "not set: no proxy, the address served is the public one")
    parts = urlsplit(public)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/"):
        return Check(
            "public_url",
            False,
            f"{public!r} is not scheme://host[:port]",
            "set PHYSNET_PUBLIC_URL to the address people type, e.g. https://physnet.example.org",
        )
    for path, where in ((CHECK_PATH, "/socket.io/"), (PAGE_CHECK_PATH, "/")):
        problem = _proxy_problem(settings, path, where, ca_file, timeout)
        if problem is not None:
            return problem
    return Check(
        "public_url",
        True,
        f"{public}: the proxy forwards Host {parts.netloc} and {parts.scheme} to the app "
        "in the page and socket locations, and the socket accepts the public origin",
    )


def _proxy_problem(
    settings: Settings, path: str, where: str, ca_file: str | None, timeout: float
) -> Check | None:
    public = settings.public_url or ""
    parts = urlsplit(public)
    url = f"{public}{path}?origin={quote(public, safe='')}"
    context = ssl.create_default_context(cafile=ca_file) if parts.scheme == "https" else None
    try:
        with urllib.request.urlopen(url, timeout=timeout, context=context) as answer:
            seen: dict[str, Any] = json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        return Check(
            "public_url",
            False,
            f"{public}{path} answered HTTP {exc.code}, not PhysNet's check",
            f"the proxy must pass location {where} to the PhysNet processes",
        )
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return Check(
            "public_url",
            False,
            f"{public} cannot be reached from here: {reason}",
            "check that public_url names the host and port nginx listens on, that nginx runs "
            "(systemctl status nginx) and, for a private CA, pass --ca-file",
        )
    host, scheme = seen.get("seen", {}).get("host"), seen.get("seen", {}).get("scheme")
    if seen.get("public_url") != public:
        return Check(
            "public_url",
            False,
            f"the server processes run with public_url {seen.get('public_url')}, "
            f"this configuration says {public}",
            "use one env file for every unit and restart the servers after changing it",
        )
    if host != parts.netloc:
        if parts.port and host == parts.hostname:
            found = (
                f"the proxy dropped the port: the app saw Host {host!r} in location {where}, "
                f"public_url is {public} (nginx `proxy_set_header Host $host`)"
            )
        elif not seen.get("seen", {}).get("x_forwarded_host"):
            found = (
                f"location {where} sends no proxy headers: the app saw Host {host!r} and no "
                "X-Forwarded-Host (a location that sets a proxy_set_header of its own drops "
                f"every server-level one); public_url is {public}"
            )
        else:
            found = f"the app saw Host {host!r} in location {where}, public_url is {public}"
        return Check("public_url", False, found, HEADERS_FIX)
    if scheme != parts.scheme:
        hops = seen.get("seen", {}).get("proxy_fix")
        fix = (
            HEADERS_FIX
            if hops
            else "set PHYSNET_PROXY_HOPS=1 on the server processes so they believe the "
            "proxy's X-Forwarded-Proto, and " + HEADERS_FIX
        )
        return Check(
            "public_url",
            False,
            f"the app saw scheme {scheme!r} in location {where}, public_url is {parts.scheme}",
            fix,
        )
    if seen.get("accepted") is False:
        return Check(
            "public_url",
            False,
            f"the socket's origin rule refuses {public}; it expects "
            f"{' or '.join(seen.get('accepted_origins') or ['nothing'])}",
            HEADERS_FIX,
        )
    return None


def render(checks: list[Check]) -> list[str]:
    """The checklist: ✓ passed, ✗ failed (with its fix), – not applicable."""
    width = max(len(c.name) for c in checks)
    lines = []
    for check in checks:
        mark = {True: "✓", False: "✗", None: "–"}[check.ok]
        lines.append(f"{mark} {check.name:<{width}}  {check.found}")
        if check.ok is False and check.fix:
            lines.append(f"  {'':<{width}}  fix: {check.fix}")
    return lines


def failed(checks: list[Check]) -> list[Check]:
    return [c for c in checks if c.ok is False]
