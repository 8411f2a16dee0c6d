"""/settings/notifications (the weekly digest: the choice and the latest one) and the mail's
unsubscribe page, whose signed link is the credential (no sign-in)."""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, url_for
from flask_login import current_user, login_required

from physnet.actions.digest import choice as actions
from physnet.errors import PhysNetError
from physnet.reads import digest as reads
from physnet.web import bp


def _settings_page(problem: str | None = None, status: int = 200) -> Any:
    user = current_user._get_current_object()
    page = render_template(
        "settings_notifications.html",
        choice=reads.choice(user),
        latest=reads.latest(user),
        problem=problem,
        saved=request.args.get("saved") == "1",
    )
    return page, status


@bp.get("/settings/notifications")
@login_required
def notification_settings() -> Any:
    page = _settings_page()
    actions.do_mark_digest_read(current_user._get_current_object())
    return page


@bp.post("/settings/notifications")
@login_required
def save_notification_settings() -> Any:
    try:
        actions.check_set_digest_mode(current_user._get_current_object(), request.form.get("mode"))
    except PhysNetError as exc:
        return _settings_page(exc.message, exc.status)
    return redirect(url_for("web.notification_settings", saved=1))


@bp.get("/digest/unsubscribe/<token>")
def digest_unsubscribe(token: str) -> Any:
    """The link in the mail: one button turns the digest off (a GET changes nothing, since
    mail gateways open every link in a mail to scan it)."""
    try:
        user = actions.unsubscribe_user(token)
    except PhysNetError as exc:
        return render_template("digest_unsubscribe.html", user=None, problem=exc.message), 404
    mode = reads.digest_mode(user)
    return render_template("digest_unsubscribe.html", user=user, off=mode == "off", problem=None)


@bp.post("/digest/unsubscribe/<token>")
def digest_unsubscribe_confirm(token: str) -> Any:
    """The button, and mail clients' one-click unsubscribe (RFC 8058), which posts here with
    no cookie: the signed token is the credential, so no CSRF token is asked for."""
    try:
        user = actions.check_unsubscribe(token)
    except PhysNetError as exc:
        return render_template("digest_unsubscribe.html", user=None, problem=exc.message), 404
    return render_template("digest_unsubscribe.html", user=user, off=True, problem=None)
