"""Admin pages: the directory sync history."""

from __future__ import annotations

from typing import Any, cast

from flask import Blueprint, Flask, abort, render_template
from flask_login import current_user
from sqlalchemy import select

from physnet.directory import settings as directory
from physnet.extensions import db
from physnet.models import DirectorySyncRun

bp = Blueprint("admin", __name__, url_prefix="/admin")
# Check [ldap] while the app starts: a mistake stops start-up with the setting's name.
bp.record_once(lambda state: directory.init_app(cast(Flask, state.app)))
HISTORY = 50


@bp.before_request
def _admins_only() -> None:
    """Everyone but an admin gets the page a missing URL gets."""
    if not current_user.is_authenticated or not current_user.is_admin:
        abort(404)


@bp.get("/sync")
def sync_history() -> Any:
    runs = db.session.scalars(
        select(DirectorySyncRun).order_by(DirectorySyncRun.id.desc()).limit(HISTORY)
    ).all()
    return render_template("admin_sync.html", runs=runs, settings=directory.directory_settings())
