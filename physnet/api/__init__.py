"""The JSON API under /api/v1: thin adapters that parse, call one action, serialize."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request
from flask_login import current_user, login_required

from physnet.errors import BadRequest

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.before_request
@login_required
def _require_login() -> None:
    """Every API call needs a signed-in user or a Bearer token."""


def json_body() -> dict[str, Any]:
    """The request's JSON object, or a 400 saying what is wrong with it."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise BadRequest("The request body must be a JSON object.", code="invalid_json")
    return data


def int_arg(name: str) -> int | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    if not (raw.isascii() and raw.isdecimal()) or len(raw) > 18:
        raise BadRequest(
            f"Query parameter {name} must be a non-negative whole number.",
            code="invalid_parameter",
            field=name,
        )
    return int(raw)


def me() -> Any:
    return current_user._get_current_object()


import physnet.api.admin  # noqa: E402
import physnet.api.audit  # noqa: E402
import physnet.api.retention  # noqa: E402
import physnet.api.sessions  # noqa: E402,F401
from physnet.api import (  # noqa: E402,F401
    channels,
    digest,
    files,
    insights,
    messages,
    moderation,
    notifications,
    onboarding,
    phi,
    pins,
    push,
    questions,
    search,
    tips,
    users,
)
