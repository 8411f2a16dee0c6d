"""`/readyz`: may the load balancer send this process traffic? (`/healthz` says it is alive.)"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

from flask import Blueprint, current_app
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


@bp.get("/readyz")
def readyz() -> Any:
    """200 when the database, Redis (if configured) and the index answer; else 503 naming
    the checks that failed."""
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
    if failed:
        message = "Not ready: " + "; ".join(checks[n]["reason"] for n in failed) + "."
        error = {"code": "not_ready", "message": message, "failing": failed}
        return {"status": "unavailable", "checks": checks, "error": error}, 503
    return {"status": "ready", "checks": checks}
