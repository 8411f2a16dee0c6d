"""A person's own API tokens, and admins ending someone's sessions."""

from __future__ import annotations

from typing import Any

from flask import request

from physnet.actions import sessions as actions
from physnet.api import bp, json_body, me
from physnet.reads.json import token_json


@bp.get("/me/tokens")
def my_tokens() -> Any:
    return {"tokens": [token_json(t) for t in actions.tokens_of(me())]}


@bp.delete("/me/tokens/<int:token_id>")
def revoke_my_token(token_id: int) -> Any:
    return {"token": token_json(actions.check_revoke_own_token(me(), token_id))}


@bp.post("/admin/users/<username>/sessions/revoke")
def end_user_sessions(username: str) -> Any:
    """End someone's sessions; `{"tokens": true}` revokes their API tokens too."""
    data = json_body() if request.get_data() else {}
    user, revoked = actions.check_admin_end_sessions(me(), username, data.get("tokens"))
    return {"ok": True, "username": user.username, "tokens_revoked": revoked}


@bp.get("/admin/users/<username>/tokens")
def user_tokens(username: str) -> Any:
    user, tokens = actions.check_admin_tokens(me(), username)
    return {"username": user.username, "tokens": [token_json(t) for t in tokens]}


@bp.delete("/admin/users/<username>/tokens/<int:token_id>")
def revoke_user_token(username: str, token_id: int) -> Any:
    return {"token": token_json(actions.check_admin_revoke_token(me(), username, token_id))}
