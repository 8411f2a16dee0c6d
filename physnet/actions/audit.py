"""Appending to the audit trail."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from flask import current_app

from physnet.audit.chain import chain, chain_rows
from physnet.db.bulk import insert_rows
from physnet.db.transaction import atomic
from physnet.extensions import db
from physnet.models import AuditEvent, User, utcnow

# json.dumps(detail, default=str, sort_keys=True, ensure_ascii=False), its encoder built once
_detail_json = json.JSONEncoder(default=str, sort_keys=True, ensure_ascii=False).encode


def record_audit(actor: str, action: str, target: str = "", **detail: Any) -> AuditEvent:
    """Add an audit event, chained to the one before it, to the current transaction.

    It is written in the same transaction as the change it describes, so it commits or
    rolls back with it: no change without its event, no event for a change undone. The
    chain head stays locked until that transaction ends, so appends never interleave.
    """
    event = AuditEvent(
        at=utcnow(),
        actor=actor[:128],
        action=action,
        target=target[:255],
        detail=_detail_json(detail),
    )
    chain(db.session(), event)
    db.session.add(event)
    return event


def record_audit_many(actor: str, events: list[tuple[str, str, dict[str, Any]]]) -> int:
    """Add many audit events (action, target, detail) at once, chained in list order after
    the ones before them, with one bulk INSERT per thousand: what `record_audit` does for
    each, in the current transaction. They are recorded at one time, the time of this
    call (their order is their place in the chain). Returns how many were added."""
    now = utcnow()
    rows = [
        {
            "at": now,
            "actor": actor[:128],
            "action": action,
            "target": target[:255],
            "detail": _detail_json(detail),
        }
        for action, target, detail in events
    ]
    session = db.session()
    session.flush()  # events recorded one by one before these keep their places first
    chain_rows(session, rows)
    insert_rows(session.connection(), AuditEvent.__table__, rows)
    return len(rows)


def actor_of(user: User | None) -> str:
    return f"user:{user.username}" if user is not None else "system"


def search_query_detail(text: str) -> dict[str, str]:
    """How a search query is kept in the log: [audit] search_queries = hash | keep | off.

    "hash" is an HMAC-SHA256 under the secret key: equal queries can be matched across
    events without the text being stored (and without a dictionary attack on a bare hash).
    """
    policy = current_app.config["PHYSNET"].audit_search_queries
    if policy == "off":
        return {}
    if policy == "keep":
        return {"query": text}
    key = current_app.config["PHYSNET"].secret_key.encode()
    digest = hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()
    return {"query_hmac": digest}


def do_audit_search(user: User, text: str, total: int) -> None:
    """Record that `user` searched (the query kept, hashed or left out, by policy)."""
    with atomic():
        record_audit(
            actor_of(user), "search.queried", "", results=total, **search_query_detail(text)
        )
