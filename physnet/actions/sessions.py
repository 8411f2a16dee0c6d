"""Sign-in trail, ending someone's sessions, and a person's own API tokens."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from physnet.actions import validate
from physnet.actions.audit import actor_of, record_audit
from physnet.actions.broadcast import queue_control
from physnet.actions.tips.input import flag
from physnet.actions.users import do_end_sessions, do_revoke_token
from physnet.db.transaction import atomic
from physnet.errors import Forbidden, NotFound
from physnet.extensions import db
from physnet.models import MAX_ID, ApiToken, EndedSession, User, utcnow


def do_record_signin(user: User, address: str | None, method: str) -> None:
    """Audit a successful sign-in (`method`: "password" or "sso")."""
    with atomic():
        record_audit(
            actor_of(user), "auth.signin", f"user:{user.username}", ip=address, method=method
        )


def do_record_signin_failed(username: str, address: str | None, reason: str) -> None:
    """Audit a refused sign-in: the name that was tried, never the password."""
    name = "".join(c for c in username if c.isprintable())[:64]
    with atomic():
        record_audit("anonymous", "auth.signin_failed", f"user:{name}", ip=address, reason=reason)


def do_sign_out(user: User, session_id: str, started_at: datetime, address: str | None) -> None:
    """End one cookie session: its id is refused from now on (a copied cookie too), its
    sockets close in every process, and the sign-out is audited.

    `started_at` is when the session signed in: its row can go once the session would have
    reached its lifetime anyway. A session without an id (`""`) is only audited.
    """
    with atomic():
        _end_session(user, session_id, started_at)
        record_audit(actor_of(user), "auth.signout", f"user:{user.username}", ip=address)


def _end_session(user: User, session_id: str, started_at: datetime) -> None:
    now = utcnow()
    # Forget sessions past their lifetime anyway: the table holds only live risks. The
    # lifetime in force now decides, so raising the setting brings no ended session back.
    lifetime = timedelta(hours=current_app.config["PHYSNET"].session_lifetime_hours)
    db.session.execute(delete(EndedSession).where(EndedSession.started_at < now - lifetime))
    if not session_id:
        return
    row = {"sid": session_id, "user_id": user.id, "ended_at": now, "started_at": started_at}
    # Two requests with one cookie (a double-click, an idle tab's parallel calls) may end it
    # at once: the second insert is a no-op, not an IntegrityError.
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    db.session.execute(insert(EndedSession).values(row).on_conflict_do_nothing())
    queue_control("disconnect_session", session_id=session_id)


def do_record_session_expired(
    user_id: int,
    reason: str,
    address: str | None,
    session_id: str,
    started_at: datetime,
) -> None:
    """Audit a cookie session found idle or too old (`reason`: "idle" or "lifetime").

    An idle session is also ended like a sign-out: once a copy of its cookie is seen idle
    (the owner's, typically), every copy stops working, even one kept busy elsewhere.
    """
    user = db.session.get(User, user_id)
    if user is None:
        return
    with atomic():
        if reason == "idle":
            _end_session(user, session_id, started_at)
        record_audit(
            "system", "auth.session_expired", f"user:{user.username}", reason=reason, ip=address
        )


def _admin_target(admin: User, username: Any, what: str) -> User:
    """The person an admin acts on; Forbidden for anyone but an admin."""
    if not admin.is_admin:
        raise Forbidden(f"Only admins may {what}.", code="admin_only")
    name = validate.existing_username(username)
    user = db.session.scalar(select(User).where(User.username == name))
    if user is None:
        raise NotFound(f"There is no user {name}.", code="unknown_user")
    return user


def check_admin_end_sessions(admin: User, username: Any, tokens: Any = False) -> tuple[User, int]:
    """An admin signs someone out everywhere: cookies, sockets in every process; with
    `tokens`, their API tokens are revoked too. Returns the person and the tokens revoked."""
    user = _admin_target(admin, username, "end someone's sessions")
    revoke = flag(tokens, "tokens")
    with atomic():
        do_end_sessions(user)
        live = [t for t in tokens_of(user) if t.revoked_at is None] if revoke else []
        for record in live:
            do_revoke_token(record)
        record_audit(
            actor_of(admin), "admin.sessions_ended", f"user:{user.username}", tokens=len(live)
        )
    return user, len(live)


def check_admin_tokens(admin: User, username: Any) -> tuple[User, list[ApiToken]]:
    """An admin lists someone's API tokens (labels and dates; never the secret)."""
    user = _admin_target(admin, username, "see someone's API tokens")
    return user, tokens_of(user)


def check_admin_revoke_token(admin: User, username: Any, token_id: Any) -> ApiToken:
    """An admin revokes one of someone's API tokens; its sockets close everywhere."""
    user = _admin_target(admin, username, "revoke someone's API tokens")
    record = _token_of(user, token_id)
    if record.revoked_at is None:
        with atomic():
            do_revoke_token(record)
            record_audit(
                actor_of(admin),
                "admin.token_revoked",
                f"token:{record.id}",
                user=user.username,
                label=record.label,
            )
    return record


def _token_of(user: User, token_id: Any) -> ApiToken:
    valid = isinstance(token_id, int) and 0 < token_id <= MAX_ID
    record = db.session.get(ApiToken, token_id) if valid else None
    if record is None or record.user_id != user.id:
        raise NotFound(f"{user.username} has no API token {token_id}.", code="unknown_token")
    return record


def tokens_of(user: User) -> list[ApiToken]:
    return list(
        db.session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)
        )
    )


def check_revoke_own_token(user: User, token_id: Any) -> ApiToken:
    """Revoke one of `user`'s own tokens; someone else's token is reported as missing."""
    record = _token_of(user, token_id)
    if record.revoked_at is None:
        with atomic():
            do_revoke_token(record)
            record_audit(actor_of(user), "token.revoked", f"token:{record.id}", label=record.label)
    return record
