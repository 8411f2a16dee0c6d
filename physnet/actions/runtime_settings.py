"""Changing the settings that are safe to change at run time; each change is audited."""

from __future__ import annotations

import json
from typing import Any

from physnet.actions.audit import actor_of, record_audit
from physnet.actions.retention import MAX_DAYS
from physnet.db.transaction import atomic
from physnet.errors import BadRequest, Forbidden, Invalid
from physnet.extensions import db
from physnet.models import RuntimeSetting, User, utcnow
from physnet.phi.settings import POLICIES
from physnet.reads.runtime_settings import RUNTIME_KEYS, stored


def _valid(key: str, value: Any) -> Any:
    if value is None:
        return None
    if key == "retention_days":
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_DAYS:
            raise Invalid(
                f"The retention default is a whole number of days from 0 (keep forever) to "
                f"{MAX_DAYS}, or empty to follow the configuration file.",
                code="out_of_range",
            )
        return value
    if value not in POLICIES:
        raise Invalid(
            f"The PHI default policy is one of {', '.join(POLICIES)}, or empty.",
            code="invalid_phi_policy",
        )
    return value


def check_set_runtime_setting(actor: User | None, key: Any, value: Any) -> Any:
    """Set `key` (None: back to the deployment's value); audited with before and after."""
    if actor is not None and not actor.is_admin:
        raise Forbidden("Only admins change settings.", code="admin_only")
    if key not in RUNTIME_KEYS:
        raise BadRequest(f"{key} is not a setting that can change at run time.", "unknown_setting")
    value = _valid(key, value)
    before = stored(key)
    if before == value:
        return value
    with atomic():
        row = db.session.get(RuntimeSetting, key)
        if value is None:
            if row is not None:
                db.session.delete(row)
        elif row is None:
            db.session.add(
                RuntimeSetting(key=key, value=json.dumps(value), updated_by=actor_of(actor))
            )
        else:
            row.value, row.updated_at, row.updated_by = json.dumps(value), utcnow(), actor_of(actor)
        record_audit(
            actor_of(actor), "settings.changed", f"setting:{key}", before=before, after=value
        )
    return value
