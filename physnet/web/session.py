"""Who a request is: the cookie session (lifetimes, sign-out everywhere), Bearer tokens, CSRF.

Flask-Login's loaders and a before_request check, shared by the pages, the API and (for
the deadlines) the Socket.IO handlers; the sign-in pages themselves are web/auth.py.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from flask import Flask, current_app, flash, g, redirect, request, session, url_for
from flask_login import logout_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from physnet.actions import sessions as trail
from physnet.actions.users import user_for_token
from physnet.errors import Unauthorized
from physnet.extensions import csrf, db, login_manager
from physnet.models import EndedSession, User
from physnet.realtime.expiry import expiry

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
# Posts whose credential is a signed token in their URL, not a session: a mail client's
# one-click unsubscribe (RFC 8058) carries no cookie and no CSRF token.
SIGNED_LINK_ENDPOINTS = {"web.digest_unsubscribe_confirm"}


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
    if request.endpoint in SIGNED_LINK_ENDPOINTS:
        return
    if request.method in UNSAFE and bearer_token() is None and request.endpoint != "static":
        if request.path.startswith("/api/") and "_user_id" not in session:
            return  # no session to ride on: the API's login check answers 401
        csrf.protect()
