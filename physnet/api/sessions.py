"""A person's own API tokens, and admins ending someone's sessions."""

from __future__ import annotations

from typing import Any

from physnet.actions import sessions as actions
from physnet.api import bp, me
from physnet.models import ApiToken
from physnet.serialize import iso


def token_json(record: ApiToken) -> dict[str, Any]:
    return {
        "id": record.id,
        "label": record.label,
        "created_at": iso(record.created_at),
        "last_used_at": iso(record.last_used_at) if record.last_used_at else None,
        "revoked_at": iso(record.revoked_at) if record.revoked_at else None,
    }


@bp.get("/me/tokens")
def my_tokens() -> Any:
    return {"tokens": [token_json(t) for t in actions.tokens_of(me())]}


@bp.delete("/me/tokens/<int:token_id>")
def revoke_my_token(token_id: int) -> Any:
    return {"token": token_json(actions.check_revoke_own_token(me(), token_id))}


@bp.post("/admin/users/<username>/sessions/revoke")
def end_user_sessions(username: str) -> Any:
    user = actions.check_admin_end_sessions(me(), username)
    return {"ok": True, "username": user.username}
