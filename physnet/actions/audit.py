"""Appending to the audit trail."""

from __future__ import annotations

import json
from typing import Any

from physnet.extensions import db
from physnet.models import AuditEvent


def record_audit(actor: str, action: str, target: str = "", **detail: Any) -> AuditEvent:
    """Add an audit event to the current transaction.

    It is written in the same transaction as the change it describes, so it commits or
    rolls back with it: no change without its event, no event for a change undone.
    """
    event = AuditEvent(
        actor=actor,
        action=action,
        target=target,
        detail=json.dumps(detail, default=str, sort_keys=True),
    )
    db.session.add(event)
    return event
