"""Local accounts, API tokens and sessions."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from physnet.actions import validate
from physnet.actions.broadcast import queue_control
from physnet.db.blocking import off_hub_released
from physnet.db.transaction import atomic
from physnet.errors import Conflict, Invalid, NotFound
from physnet.extensions import db
from physnet.models import ROLES, ApiToken, User, utcnow

_hasher = PasswordHasher()
MIN_PASSWORD = 12
# Verified when the username is unknown, so a miss costs as much time as a wrong password.
_DUMMY_HASH = _hasher.hash("physnet-timing-equaliser")


def check_create_local_user(
    username: Any, password: Any, *, role: str = "member", **profile: Any
) -> User:
    name = validate.username(username)
    secret = validate.require_str(password, "password") or ""
    if len(secret) < MIN_PASSWORD:
        raise Invalid(f"A password needs at least {MIN_PASSWORD} characters.", code="weak_password")
    if role not in ROLES:
        raise Invalid(f"Role must be one of {', '.join(ROLES)}.", code="invalid_role")
    if db.session.scalar(select(User.id).where(User.username == name)) is not None:
        raise Conflict(f"User {name} already exists.", code="user_exists")
    return do_create_local_user(name, secret, role=role, **profile)


def do_create_local_user(
    username: str, password: str, *, role: str = "member", **profile: Any
) -> User:
    with atomic():
        user = User(
            username=username,
            password_hash=_hasher.hash(password),
            role=role,
            source="local",
            **profile,
        )
        db.session.add(user)
        db.session.flush()
    return user


def hash_password(password: str) -> str:
    """The stored (Argon2) form of a password."""
    return _hasher.hash(password)


def authenticate_local(username: str, password: str) -> User | None:
    """The active local user with this username and password, else None (in equal time)."""
    user = db.session.scalar(select(User).where(User.username == username))
    stored = user.password_hash if user is not None and user.source == "local" else None
    try:
        off_hub_released(_hasher.verify, stored or _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if stored is None or user is None or not user.active:
        return None
    if _hasher.check_needs_rehash(stored):
        with atomic():
            user.password_hash = _hasher.hash(password)
    return user


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_create_token(username: Any, label: Any = "") -> tuple[ApiToken, str]:
    name = validate.existing_username(username)
    user = db.session.scalar(select(User).where(User.username == name))
    if user is None or not user.active:
        raise NotFound(f"There is no active user {name}.", code="unknown_user")
    return do_create_token(user, validate.short_text(label, "label", 100))


def do_create_token(user: User, label: str) -> tuple[ApiToken, str]:
    """Create a token; the clear text is returned once and only its hash is kept."""
    token = "pn_" + secrets.token_urlsafe(32)
    with atomic():
        record = ApiToken(user=user, label=label, token_hash=hash_token(token))
        db.session.add(record)
    return record, token


def token_for(token: str) -> ApiToken | None:
    """The unrevoked token record of an active user, else None."""
    if not isinstance(token, str) or not token or len(token) > 200:
        return None
    record = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    if record is None or record.revoked_at is not None or not record.user.active:
        return None
    return record


def user_for_token(token: str) -> User | None:
    """The active user owning an unrevoked token, else None."""
    record = token_for(token)
    return record.user if record is not None else None


def do_revoke_token(record: ApiToken) -> None:
    """Refuse the token from now on; the sockets opened with it close in every process."""
    with atomic():
        record.revoked_at = utcnow()
        queue_control("disconnect_token", token_id=record.id)


def do_end_sessions(user: User) -> None:
    """Sign the person out everywhere: cookies stop loading and sockets are closed."""
    with atomic():
        user.session_generation = User.session_generation + 1
        queue_control("disconnect_user", user_id=user.id)
