"""The tip pages: listings (by channel, tag, owner, most helpful, recently verified, to review)
and one tip. The page script reads everything else from the API."""

from __future__ import annotations

from typing import Any

from flask import render_template, request, url_for
from flask_login import current_user, login_required

from physnet.access import access_tip
from physnet.reads.json import user_json
from physnet.web import bp

LIST_PARAMS = ("channel", "tag", "owner", "sort", "review", "page")


def _page(view: str, **extra: Any) -> str:
    bootstrap = {
        "me": user_json(current_user),
        "view": view,
        "urls": {
            "api": url_for("api.get_me").rsplit("/", 1)[0],
            "home": url_for("web.index"),
            "channel": url_for("web.channel_page", name="CHANNEL"),
            "tips": url_for("web.tips_page"),
            "tip": url_for("web.tip_page", tip_id=0).rsplit("/", 1)[0] + "/TIP",
            "login": url_for("auth.login"),
            "icons": url_for("static", filename="img/icons.svg"),
        },
        **extra,
    }
    return render_template("tips.html", bootstrap=bootstrap)


@bp.get("/tips")
@login_required
def tips_page() -> Any:
    query = {k: v for k in LIST_PARAMS if (v := request.args.get(k, "").strip()[:100])}
    return _page("list", query=query)


@bp.get("/tips/<int:tip_id>")
@login_required
def tip_page(tip_id: int) -> Any:
    tip, _ = access_tip(current_user, tip_id)  # a hidden tip is a 404 page, like a missing one
    return _page("tip", tip_id=tip.id)
