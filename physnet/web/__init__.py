"""The pages: the chat app shell and the health probe."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, url_for
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


def _shell(channel: str | None) -> str:
    """Render the app; the scripts learn every address from the bootstrap JSON."""
    bootstrap = {
        "me": user_json(current_user),
        "channel": channel,
        "urls": {
            # The API root, derived so the app also works under a path prefix.
            "api": url_for("api.get_me").rsplit("/", 1)[0],
            "home": url_for("web.index"),
            "channel": url_for("web.channel_page", name="CHANNEL"),
            "tip": url_for("web.tips_page") + "/TIP",
            "login": url_for("auth.login"),
            "icons": url_for("static", filename="img/icons.svg"),
        },
    }
    return render_template("app.html", bootstrap=bootstrap)


@bp.get("/")
@login_required
def index() -> Any:
    return _shell(None)


@bp.get("/c/<name>")
@login_required
def channel_page(name: str) -> Any:
    channel, _ = access_channel(current_user, name)
    return _shell(channel.name)


from physnet.web import tips  # noqa: E402,F401  (the tip pages)
