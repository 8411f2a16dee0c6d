"""Settings an admin changes at run time (stored in the database) over the file's values.

Only settings that are safe to change while running live here; everything else belongs to
the deployment (TOML, environment) and is shown read-only. Every process reads the table,
so a change holds on all of them at once.
"""

from __future__ import annotations

import json
from typing import Any

from flask import current_app
from sqlalchemy import select

from physnet.extensions import db
from physnet.models import RuntimeSetting

# key -> (what it is, how the deployment's own value is read)
RUNTIME_KEYS = {
    "retention_days": "Retention default: days messages are kept (0 keeps them forever)",
    "phi_default_policy": "PHI guard default policy for channels without their own",
}


def stored(key: str) -> Any:
    """The value set at run time, or None when the deployment's value holds."""
    raw = db.session.scalar(select(RuntimeSetting.value).where(RuntimeSetting.key == key))
    return None if raw is None else json.loads(raw)


def file_value(key: str) -> Any:
    settings = current_app.config["PHYSNET"]
    if key == "retention_days":
        return settings.retention_days
    return settings.phi.default_policy


def retention_days() -> int | None:
    """The retention default in force: the run-time value, else [retention] days."""
    value = stored("retention_days")
    return file_value("retention_days") if value is None else int(value)


def phi_default_policy() -> str:
    value = stored("phi_default_policy")
    return str(file_value("phi_default_policy") if value is None else value)


def deployment_settings() -> list[tuple[str, str]]:
    """The settings in force that belong to the deployment, as (name, value); no secrets."""
    s = current_app.config["PHYSNET"]
    url = str(s.database_url)
    if "@" in url:  # user:password@host: show where, never the credentials
        scheme, rest = url.split("://", 1)
        url = f"{scheme}://…@{rest.rsplit('@', 1)[1]}"
    rows = [
        ("database", url),
        ("search index", str(s.search_index)),
        ("Socket.IO message queue", "Redis (set)" if s.redis_url else "unset: one process"),
        ("rate limits", "on" if s.ratelimits else "off"),
        ("session lifetime (hours)", str(s.session_lifetime_hours)),
        (
            "retention: keep pinned / keep tip sources",
            f"{s.retention_keep_pinned} / {s.retention_keep_tips}",
        ),
        ("audit: search queries", str(s.audit_search_queries)),
    ]
    hosts = getattr(s, "push_endpoint_hosts", None)
    if hosts is not None:
        rows.append(("push endpoint hosts", ", ".join(hosts)))
    return rows
