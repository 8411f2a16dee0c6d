"""The pages: the chat app shell and the health probe."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template
from flask_login import current_user, login_required
from sqlalchemy import text

from physnet.access import access_channel
from physnet.extensions import db
from physnet.serialize import user_json

bp = Blueprint("web", __name__)


@bp.get("/healthz")
def healthz() -> Any:
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:
        return {"status": "unavailable", "database": "unreachable"}, 503
    return {"status": "ok"}


@bp.get("/")
@login_required
def index() -> Any:
    return render_template("app.html", me=user_json(current_user), channel=None)


@bp.get("/c/<name>")
@login_required
def channel_page(name: str) -> Any:
    channel, _ = access_channel(current_user, name)
    return render_template("app.html", me=user_json(current_user), channel=channel.name)
