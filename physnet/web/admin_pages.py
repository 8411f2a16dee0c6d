"""What every admin console blueprint shares: only admins see it (everyone else gets the
page a missing URL gets), and the signed-in admin as the actor of what they do."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort
from flask_login import current_user


def _admins_only() -> None:
    if not current_user.is_authenticated or not current_user.is_admin:
        abort(404)


def admin_blueprint(name: str, import_name: str, url_prefix: str) -> Blueprint:
    """A blueprint whose every page is for admins only."""
    bp = Blueprint(name, import_name, url_prefix=url_prefix)
    bp.before_request(_admins_only)
    return bp


def me() -> Any:
    """The signed-in admin (the object, not Flask-Login's proxy), for the actions' actor."""
    return current_user._get_current_object()
