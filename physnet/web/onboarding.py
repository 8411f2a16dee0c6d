"""/welcome: the first-week checklist (a page of its own; forms post back here and call
the same actions as the API)."""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, url_for
from flask_login import current_user, login_required

from physnet.actions import onboarding as actions
from physnet.reads import onboarding as reads
from physnet.web import bp


@bp.get("/welcome")
@login_required
def welcome_page() -> Any:
    return render_template("welcome.html", checklist=reads.checklist(current_user))


@bp.post("/welcome/dismiss")
@login_required
def welcome_dismiss() -> Any:
    actions.do_set_dismissed(current_user._get_current_object(), True)
    return redirect(url_for("web.welcome_page"))


@bp.post("/welcome/restore")
@login_required
def welcome_restore() -> Any:
    actions.do_set_dismissed(current_user._get_current_object(), False)
    return redirect(url_for("web.welcome_page"))
