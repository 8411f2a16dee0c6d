"""The console's Directory page: settings in force, Check connection, Preview sync (a dry
run shown as a diff), and the sync history."""

from __future__ import annotations

from typing import Any, cast

from flask import Flask, render_template
from sqlalchemy import select

from physnet.actions.directory import check_ldap_sync
from physnet.directory import settings as directory
from physnet.directory.check import run_check
from physnet.errors import PhysNetError
from physnet.extensions import db
from physnet.models import DirectorySyncRun
from physnet.web.admin_pages import admin_blueprint

bp = admin_blueprint("admin", __name__, url_prefix="/admin")
# Check [ldap] while the app starts: a mistake stops start-up with the setting's name.
bp.record_once(lambda state: directory.init_app(cast(Flask, state.app)))
HISTORY = 50


@bp.get("/sync")
def sync_history() -> Any:
    return _page()


def _page(**extra: Any) -> str:
    runs = db.session.scalars(
        select(DirectorySyncRun).order_by(DirectorySyncRun.id.desc()).limit(HISTORY)
    ).all()
    return render_template(
        "admin_sync.html",
        section="directory",
        runs=runs,
        settings=directory.directory_settings(),
        **extra,
    )


@bp.post("/sync/check")
def check_connection() -> Any:
    """`physnet ldap check` in the page: connect, bind, map a few entries."""
    settings = directory.directory_settings()
    if settings is None:
        return _page(check=None)
    return _page(check=run_check(settings, 3))


@bp.post("/sync/preview")
def preview_sync() -> Any:
    """A dry run: what a sync would change, line by line; nothing changes."""
    try:
        result = check_ldap_sync(dry_run=True, trigger="console")
    except PhysNetError as exc:
        return _page(preview_error=exc.message)
    return _page(preview=result.plan)
