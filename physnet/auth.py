"""Sign-in and sign-out, session lifetimes, Bearer tokens and CSRF."""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from physnet import signin_throttle
from physnet.actions import sessions as trail
from physnet.actions.directory_signin import sign_in, sign_in_from_proxy
from physnet.actions.users import user_for_token
from physnet.errors import RateLimited, Unauthorized, Unavailable
from physnet.extensions import csrf, db, login_manager
from physnet.models import EndedSession, User
from physnet.realtime.expiry import expiry

bp = Blueprint("auth", __name__)
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.session_protection = None  # the generation and timeouts do this job
    app.before_request(_check_request)


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    """Load the session's user unless they were deactivated or signed out everywhere."""
    if bearer_token() is not None:
        return None  # a request that names a token is authenticated by that token alone
    try:
        uid, generation = (int(part) for part in user_id.split(":"))
    except ValueError:
        return None
    session_id = session.get("sid")
    if not isinstance(session_id, str) or not 0 < len(session_id) <= 64:
        return None  # every session gets an id at sign-in; without one it can't be ended
    # One query: the user, and whether this session was signed out (a copied cookie).
    ended = select(EndedSession.sid).where(EndedSession.sid == session_id).exists()
    row = db.session.execute(select(User, ended).where(User.id == uid)).first()
    if row is None:
        return None
    user, signed_out = row
    if signed_out or not user.active or user.session_generation != generation:
        return None
    return user


@login_manager.request_loader
def _load_from_bearer(req: Any) -> User | None:
    token = bearer_token()
    return user_for_token(token) if token else None


@login_manager.unauthorized_handler
def _unauthorized() -> Response:
    if request.path.startswith("/api/"):
        raise Unauthorized("Sign in, or send an API token as 'Authorization: Bearer <token>'.")
    if g.get("session_expired"):
        flash("Your session ended after a period of inactivity; please sign in again.", "info")
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def session_expired(now: float | None = None) -> bool:
    """True when the cookie session has been idle or alive longer than the settings allow."""
    return expiry_reason(now) is not None


def expiry_reason(now: float | None = None) -> str | None:
    """ "idle" or "lifetime" when the cookie session is over, else None."""
    settings = current_app.config["PHYSNET"]
    now = time.time() if now is None else now
    if now - session.get("started", now) > settings.session_lifetime_hours * 3600:
        return "lifetime"
    if now - session.get("seen", now) > settings.session_idle_minutes * 60:
        return "idle"
    return None


def session_idle_deadline() -> float:
    """When the current cookie session goes idle unless it is used (epoch seconds)."""
    settings = current_app.config["PHYSNET"]
    return float(session.get("seen", time.time())) + settings.session_idle_minutes * 60


def session_started() -> datetime:
    """When the current cookie session signed in."""
    return datetime.fromtimestamp(float(session.get("started", time.time())), UTC)


def session_deadline() -> float:
    """When the current cookie session reaches its absolute lifetime (epoch seconds)."""
    settings = current_app.config["PHYSNET"]
    return float(session.get("started", time.time())) + settings.session_lifetime_hours * 3600


def _check_request() -> None:
    """Expire idle or too-old sessions, then require CSRF on cookie-authenticated writes."""
    if bearer_token() is None and "_user_id" in session:
        now = time.time()
        reason = expiry_reason(now)
        if reason is not None:
            user_id = str(session.get("_user_id", "")).split(":")[0]
            session_id = str(session.get("sid", ""))[:64]
            started = session_started()
            logout_user()
            session.clear()
            g.session_expired = True
            if user_id.isdecimal() and len(user_id) < 11:
                trail.do_record_session_expired(
                    int(user_id), reason, request.remote_addr, session_id, started
                )
        elif now - session.get("seen", now) > 30:  # refresh the idle clock now and then
            session["seen"] = now
            if "sid" in session:  # this session's sockets here are not idle either
                expiry.touch_session(str(session["sid"]), now)
    if request.method in UNSAFE and bearer_token() is None and request.endpoint != "static":
        if request.path.startswith("/api/") and "_user_id" not in session:
            return  # no session to ride on: the API's login check answers 401
        csrf.protect()


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
