"""The sign-in and sign-out pages (session lifetimes, tokens and CSRF: web/session.py)."""

from __future__ import annotations

import secrets
import time
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from physnet.actions import sessions as trail
from physnet.actions.directory_signin import sign_in, sign_in_from_proxy
from physnet.errors import RateLimited, Unavailable
from physnet.models import User
from physnet.ratelimit import signin as signin_throttle
from physnet.web.session import bearer_token, session_started

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only follow a `next` that stays on this site."""
    if not target:
        return url_for("web.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("web.index")
    return target


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if request.method == "GET":
        if current_user.is_authenticated:
            return redirect(_safe_next(request.args.get("next")))
        try:  # a trusted single-sign-on proxy may already have named the user
            # The SSO proxy is trusted by its own address, not a forwarded one.
            peer = request.environ.get("werkzeug.proxy_fix.orig", {}).get("REMOTE_ADDR")
            sso_user = sign_in_from_proxy(peer or request.remote_addr, request.headers)
        except Unavailable as exc:
            flash(exc.message, "error")
            return render_template("login.html", next=request.args.get("next", "")), 503
        if sso_user is not None:
            trail.do_record_signin(sso_user, request.remote_addr, "sso")
            return _start_session(sso_user, request.args.get("next"))
        return render_template("login.html", next=request.args.get("next", ""))
    username = request.form.get("username", "").strip().lower()
    password = request.form.get("password", "")
    try:
        # Per address and per (address, username); a username's failures only slow it down.
        signin_throttle.check_signin(request.remote_addr or "?", username)
        # local accounts first; directory accounts search, then bind
        user = sign_in(username, password) if username and password else None
    except RateLimited as exc:
        if exc.code == "directory_lockout_guard":
            trail.do_record_signin_failed(username, request.remote_addr, exc.code)
        flash(exc.message, "error")
        return (
            render_template("login.html", next=request.form.get("next", "")),
            429,
            {"Retry-After": str(exc.retry_after)},
        )
    except Unavailable as exc:
        trail.do_record_signin_failed(username, request.remote_addr, "directory_unavailable")
        flash(exc.message, "error")
        return render_template("login.html", next=request.form.get("next", "")), 503
    if username and password:
        signin_throttle.record_signin(username, user is not None)
    if user is None:
        trail.do_record_signin_failed(username, request.remote_addr, "bad_credentials")
        flash("That username and password did not match an active account.", "error")
        return render_template("login.html", next=request.form.get("next", "")), 401
    trail.do_record_signin(user, request.remote_addr, "password")
    return _start_session(user, request.form.get("next"))


def _start_session(user: User, next_url: str | None) -> Response:
    # A fresh session at sign-in: nothing from before (fixation) carries over, and a new
    # random id makes the signed cookie differ from any earlier one.
    session.clear()
    login_user(user)
    session["sid"] = secrets.token_urlsafe(16)
    now = time.time()
    session["started"] = now
    session["seen"] = now
    return redirect(_safe_next(next_url))


@bp.post("/logout")
def logout() -> Response:
    # A Bearer token's user is not this cookie's: only a cookie session signs out here.
    if current_user.is_authenticated and bearer_token() is None:
        trail.do_sign_out(
            current_user._get_current_object(),
            str(session.get("sid", "")),
            session_started(),
            request.remote_addr,
        )
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> Any:
    """The page a one-time reset link opens: choose a new password, then sign in with it."""
    from physnet.actions.password_links import check_redeem_reset_link, reset_link_user
    from physnet.errors import PhysNetError

    try:
        user = reset_link_user(token)
    except PhysNetError as exc:
        return render_template("reset_password.html", user=None, problem=exc.message), 410
    if request.method == "POST":
        try:
            check_redeem_reset_link(
                token, request.form.get("password", ""), request.form.get("confirm", "")
            )
        except PhysNetError as exc:
            return render_template("reset_password.html", user=user, problem=exc.message), 422
        flash("Your new password is set: sign in with it.", "info")
        return redirect(url_for("auth.login"))
    return render_template("reset_password.html", user=user, problem=None)
