"""Password reset as a one-time link: an admin issues it for a local account, its owner
opens it and chooses a new password.

The link holds a signed token (no table): the account's id and a fingerprint of its
current password hash, stamped with the time it was issued. It expires after
RESET_LINK_SECONDS and works once, because setting the password changes the hash the
fingerprint was taken from; any other password change also voids it.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from physnet.actions import users as user_actions
from physnet.actions import validate
from physnet.actions.accounts import refuse_directory, target_account
from physnet.actions.audit import actor_of, record_audit
from physnet.db.transaction import atomic
from physnet.errors import Invalid
from physnet.extensions import db
from physnet.models import User, utcnow

RESET_LINK_SECONDS = 24 * 3600
_SALT = "physnet-password-reset"
_USED_OR_OLD = (
    "This reset link has expired or was already used; ask the IT service desk for a new one."
)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def _fingerprint(user: User) -> str:
    return hashlib.sha256((user.password_hash or "").encode()).hexdigest()[:24]


def check_issue_reset_link(actor: User | None, username: Any) -> tuple[User, str, datetime]:
    """A token for a local account's reset link and when it expires; audited, never stored."""
    user = target_account(actor, username)
    refuse_directory(user, "password")
    token = _serializer().dumps({"u": user.id, "h": _fingerprint(user)})
    expires = utcnow() + timedelta(seconds=RESET_LINK_SECONDS)
    with atomic():
        record_audit(
            actor_of(actor), "user.reset_link_issued", f"user:{user.username}", expires=expires
        )
    return user, token, expires


def reset_link_user(token: Any) -> User:
    """The account a reset token is for, while the token is good; Invalid otherwise."""
    if not isinstance(token, str) or len(token) > 500:
        raise Invalid(_USED_OR_OLD, code="reset_link_invalid")
    try:
        data = _serializer().loads(token, max_age=RESET_LINK_SECONDS)
    except (SignatureExpired, BadSignature):
        raise Invalid(_USED_OR_OLD, code="reset_link_invalid") from None
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) else None
    if (
        user is None
        or not user.active
        or user.source != "local"
        or data.get("h") != _fingerprint(user)
    ):
        raise Invalid(_USED_OR_OLD, code="reset_link_invalid")
    return user


def check_redeem_reset_link(token: Any, password: Any, confirm: Any) -> User:
    """Set the password the link's owner chose; the link stops working, their sessions end."""
    user = reset_link_user(token)
    secret = validate.require_str(password, "password") or ""
    if len(secret) < user_actions.MIN_PASSWORD:
        raise Invalid(
            f"A password needs at least {user_actions.MIN_PASSWORD} characters.",
            code="weak_password",
        )
    if secret != confirm:
        raise Invalid("The two passwords differ.", code="password_mismatch")
    with atomic():
        user.password_hash = user_actions.hash_password(secret)
        user_actions.do_end_sessions(user)
        record_audit(
            f"user:{user.username}", "user.password_set", f"user:{user.username}", via="reset_link"
        )
    return user
