"""Sign-in trail, ending someone's sessions, and a person's own API tokens."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from physnet.actions import validate
from physnet.actions.audit import actor_of, record_audit
from physnet.actions.effects import atomic
from physnet.actions.users import do_end_sessions, do_revoke_token
from physnet.errors import Forbidden, NotFound
from physnet.extensions import db
from physnet.models import MAX_ID, ApiToken, User


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


def do_record_signout(user: User, address: str | None) -> None:
    with atomic():
        record_audit(actor_of(user), "auth.signout", f"user:{user.username}", ip=address)


def do_record_session_expired(user_id: int, reason: str, address: str | None) -> None:
    """Audit a cookie session found idle or too old (`reason`: "idle" or "lifetime")."""
    user = db.session.get(User, user_id)
    if user is None:
        return
    with atomic():
        record_audit(
            "system", "auth.session_expired", f"user:{user.username}", reason=reason, ip=address
        )


def check_admin_end_sessions(admin: User, username: Any) -> User:
    """An admin signs someone out everywhere: cookies, sockets in every process."""
    if not admin.is_admin:
        raise Forbidden("Only admins may end someone's sessions.", code="admin_only")
    name = validate.existing_username(username)
    user = db.session.scalar(select(User).where(User.username == name))
    if user is None:
        raise NotFound(f"There is no user {name}.", code="unknown_user")
    with atomic():
        do_end_sessions(user)
        record_audit(actor_of(admin), "admin.sessions_ended", f"user:{user.username}")
    return user


def tokens_of(user: User) -> list[ApiToken]:
    return list(
        db.session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)
        )
    )


def check_revoke_own_token(user: User, token_id: Any) -> ApiToken:
    """Revoke one of `user`'s own tokens; someone else's token is reported as missing."""
    valid = isinstance(token_id, int) and 0 < token_id <= MAX_ID
    record = db.session.get(ApiToken, token_id) if valid else None
    if record is None or record.user_id != user.id:
        raise NotFound(f"You have no API token {token_id}.", code="unknown_token")
    if record.revoked_at is None:
        with atomic():
            do_revoke_token(record)
            record_audit(actor_of(user), "token.revoked", f"token:{record.id}", label=record.label)
    return record
