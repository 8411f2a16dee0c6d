"""`/readyz`: may the load balancer send this process traffic? (`/healthz` says it is alive.)

The reasons and timings (folder paths, error names) are for this host and for admins: a
caller from loopback (the load balancer's health check on the host, an operator's curl)
or a signed-in admin. Anyone else gets the status words only. Behind a trusted proxy
(`proxy_hops`) "loopback" is the client address the proxy forwarded, so a request relayed
by nginx from elsewhere is not loopback; without trusted hops, a request that carries
forwarding headers came through some proxy and is not loopback either.
"""

from __future__ import annotations

import ipaddress
import os
import time
from collections.abc import Callable
from typing import Any

from flask import Blueprint, current_app, request
from flask_login import current_user
from sqlalchemy import text

from physnet.extensions import db

bp = Blueprint("probes", __name__)
TIMEOUT_S = 2.0


def _database() -> str | None:
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:
        db.session.rollback()
        return f"the database does not answer ({type(exc).__name__})"
    return None


def _redis() -> str | None:
    url = current_app.config["PHYSNET"].redis_url
    if url is None:
        return None
    import redis

    client = current_app.extensions.get("physnet_probe_redis")
    if client is None:
        client = redis.Redis.from_url(
            url, socket_timeout=TIMEOUT_S, socket_connect_timeout=TIMEOUT_S
        )
        current_app.extensions["physnet_probe_redis"] = client
    try:
        client.ping()
    except Exception as exc:
        return f"Redis does not answer ({type(exc).__name__})"
    return None


def _search_index() -> str | None:
    from physnet.search import IndexUnavailable, service

    store = service().store
    if store.root.exists() and not os.access(store.root, os.W_OK):
        return f"the search index folder {store.root} is not writable"
    try:
        store.open()
    except IndexUnavailable as exc:
        return f"the search index is {exc.state}: {exc.reason}"
    return None


CHECKS: dict[str, Callable[[], str | None]] = {
    "database": _database,
    "redis": _redis,
    "search_index": _search_index,
}


_FORWARDING = ("X-Forwarded-For", "Forwarded", "X-Real-IP")


def _from_loopback() -> bool:
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    if not current_app.config["PHYSNET"].proxy_hops and any(
        header in request.headers for header in _FORWARDING
    ):
        return False
    return address.is_loopback


def _from_admin() -> bool:
    try:
        return bool(current_user.is_authenticated and current_user.is_admin)
    except Exception:  # the database that would name the user may be the failing check
        db.session.rollback()
        return False


def _words_only(body: dict[str, Any]) -> dict[str, Any]:
    """The answer without reasons or timings."""
    checks = {name: {"status": check["status"]} for name, check in body["checks"].items()}
    out: dict[str, Any] = {"status": body["status"], "checks": checks}
    if "error" in body:
        failing = body["error"]["failing"]
        out["error"] = {
            "code": "not_ready",
            "message": "Not ready: " + ", ".join(failing) + " failing.",
            "failing": failing,
        }
    return out


@bp.get("/readyz")
def readyz() -> Any:
    """200 when the database, Redis (if configured) and the index answer; else 503 naming
    the checks that failed (with their reasons for loopback and admins)."""
    checks: dict[str, Any] = {}
    failed: list[str] = []
    for name, check in CHECKS.items():
        started = time.perf_counter()
        problem = check()
        took = round((time.perf_counter() - started) * 1000, 1)
        if name == "redis" and current_app.config["PHYSNET"].redis_url is None:
            checks[name] = {"status": "not_configured"}
        elif problem is None:
            checks[name] = {"status": "ok", "ms": took}
        else:
            checks[name] = {"status": "failing", "ms": took, "reason": problem}
            failed.append(name)
    body: dict[str, Any] = {"status": "ready", "checks": checks}
    if failed:
        message = "Not ready: " + "; ".join(checks[n]["reason"] for n in failed) + "."
        body["status"] = "unavailable"
        body["error"] = {"code": "not_ready", "message": message, "failing": failed}
    if not (_from_loopback() or _from_admin()):
        body = _words_only(body)
    return body, 503 if failed else 200
