"""Records requests: check and audit an export of messages before it streams."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from physnet.actions.audit import actor_of, record_audit
from physnet.db.transaction import atomic
from physnet.errors import BadRequest, Forbidden, NotFound
from physnet.extensions import db
from physnet.models import Channel, User
from physnet.reads.records import FORMATS, ExportQuery


def parse_when(value: Any, field: str) -> datetime | None:
    """A date (YYYY-MM-DD, midnight UTC) or an ISO 8601 time (UTC when no offset is given)."""
    if value is None or value == "":
        return None
    try:
        when = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(
            f"{field} must be a date like 2026-01-31 or an ISO 8601 time.",
            code="invalid_date",
            field=field,
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def check_export(
    actor: User | None,
    since: Any,
    until: Any = None,
    channels: list[str] | None = None,
    usernames: list[str] | None = None,
    fmt: str = "jsonl",
) -> ExportQuery:
    """Validate a records request and audit it with its parameters (before anything streams:
    an export that fails half way has still been asked for). Admins or the CLI (actor None)."""
    if actor is not None and not actor.is_admin:
        raise Forbidden("Only admins export messages.", code="admin_only")
    start = parse_when(since, "since")
    if start is None:
        raise BadRequest("Say from when: --since DATE.", code="since_required", field="since")
    end = parse_when(until, "until")
    if end is not None and end <= start:
        raise BadRequest("until must be after since.", code="invalid_period", field="until")
    if fmt not in FORMATS:
        raise BadRequest(f"format must be one of {', '.join(FORMATS)}.", code="invalid_format")
    names, people = sorted(set(channels or [])), sorted(set(usernames or []))
    found = set(db.session.scalars(select(Channel.name).where(Channel.name.in_(names))))
    if missing := [n for n in names if n not in found]:
        raise NotFound(f"There is no channel #{missing[0]}.", code="unknown_channel")
    found = set(db.session.scalars(select(User.username).where(User.username.in_(people))))
    if missing := [n for n in people if n not in found]:
        raise NotFound(f"There is no user {missing[0]}.", code="unknown_user")
    query = ExportQuery(since=start, until=end, channels=names, usernames=people)
    with atomic():
        record_audit(actor_of(actor), "records.exported", "", format=fmt, **query.parameters())
    return query
