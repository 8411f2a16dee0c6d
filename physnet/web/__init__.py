"""The pages: the chat app shell and the health probe."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import text

from physnet.access import access_channel, access_message, access_profile
from physnet.extensions import db
from physnet.reads.json import user_json
from physnet.reads.onboarding import shows_link

bp = Blueprint("web", __name__)


@bp.get("/healthz")
def healthz() -> Any:
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:
        return {"status": "unavailable", "database": "unreachable"}, 503
    return {"status": "ok"}


def _shell(channel: str | None, view: str | None = None, **extra: Any) -> str:
    """Render the app; the scripts learn every address from the bootstrap JSON."""
    bootstrap = {
        "me": user_json(current_user),
        "channel": channel,
        "view": view,  # "people" for the people directory and profiles
        "urls": {
            # The API root, derived so the app also works under a path prefix.
            "api": url_for("api.get_me").rsplit("/", 1)[0],
            "home": url_for("web.index"),
            "channel": url_for("web.channel_page", name="CHANNEL"),
            "tip": url_for("web.tips_page") + "/TIP",
            "login": url_for("auth.login"),
            "icons": url_for("static", filename="img/icons.svg"),
            "people": url_for("web.people_page"),
            "profile": url_for("web.profile_page", username="USERNAME"),
            "sw": url_for("web.service_worker"),
        },
        **extra,
    }
    # "Getting started" while a new account's checklist is unfinished and not dismissed.
    return render_template("app.html", bootstrap=bootstrap, welcome=shows_link(current_user))


@bp.get("/")
@login_required
def index() -> Any:
    return _shell(None)


@bp.get("/c/<name>")
@login_required
def channel_page(name: str) -> Any:
    channel, _ = access_channel(current_user, name)
    return _shell(channel.name)


@bp.get("/moderation")
@login_required
def moderation_page() -> Any:
    """Reported messages for their moderators to review (the list comes from the API)."""
    urls = {"api": url_for("api.get_me").rsplit("/", 1)[0], "login": url_for("auth.login")}
    return render_template("moderation.html", bootstrap={"urls": urls})


@bp.get("/people")
@login_required
def people_page() -> Any:
    return _shell(None, "people")


@bp.get("/people/<username>")
@login_required
def profile_page(username: str) -> Any:
    access_profile(current_user, username)
    return _shell(None, "people")


@bp.get("/c/<name>/m/<int:message_id>")
@login_required
def message_page(name: str, message_id: int) -> Any:
    """A link to one message (a search result): the channel, scrolled to it."""
    message, _ = access_message(current_user, message_id)
    if message.channel.name != name:  # moved, or a hand-edited link: use the right one
        return redirect(
            url_for("web.message_page", name=message.channel.name, message_id=message.id)
        )
    return _shell(message.channel.name, message=message.id, thread_id=message.thread_id)


@bp.get("/search")
@login_required
def search_page() -> Any:
    """The full search results page (the query and page are read from the address)."""
    return _shell(None, view="search")


from physnet.web import digest, installable, onboarding, tips  # noqa: E402,F401  (digest settings; manifest and worker; welcome; tip pages)
