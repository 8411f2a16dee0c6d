"""A person's weekly digest choice: off, in the app, or by e-mail; and the signed
unsubscribe link of the mail, which turns it off with no sign-in."""

from __future__ import annotations

from typing import Any

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import update

from physnet.actions.audit import record_audit
from physnet.db.transaction import atomic
from physnet.errors import BadRequest, Invalid
from physnet.extensions import db
from physnet.models import DIGEST_MODES, Digest, DigestChoice, User, utcnow

_SALT = "physnet-digest-unsubscribe"
_BAD_LINK = "This unsubscribe link is not valid; turn the digest off in your notification settings."


def check_set_digest_mode(user: User, mode: Any) -> str:
    """Validate and store `user`'s choice; e-mail needs an address on the profile."""
    if not isinstance(mode, str):
        raise BadRequest(
            'Field mode must be "off", "app" or "email".', code="invalid_type", field="mode"
        )
    if mode not in DIGEST_MODES:
        raise Invalid(
            'The weekly digest is "off", "app" or "email".',
            code="invalid_digest_mode",
            field="mode",
        )
    if mode == "email" and not user.email:
        raise Invalid(
            "Your profile has no e-mail address, so the digest cannot go by e-mail.",
            code="no_email_address",
            field="mode",
        )
    return do_set_digest_mode(user, mode, via="settings")


def do_set_digest_mode(user: User, mode: str, *, via: str) -> str:
    """Store the choice (precondition: `mode` is one of DIGEST_MODES); audited."""
    with atomic():
        choice = db.session.get(DigestChoice, user.id)
        if choice is None:
            choice = DigestChoice(user_id=user.id, mode=mode)
            db.session.add(choice)
        elif choice.mode == mode:
            return mode
        choice.mode = mode
        choice.updated_at = utcnow()
        record_audit(
            f"user:{user.username}", "digest.choice", f"user:{user.username}", mode=mode, via=via
        )
    return mode


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def unsubscribe_token(user: User) -> str:
    """The token in a digest mail's unsubscribe link: the person's id, signed. It only ever
    turns the digest off, so it does not expire (a mail from months ago still works)."""
    return str(_serializer().dumps({"u": user.id}))


def unsubscribe_user(token: Any) -> User:
    """The account an unsubscribe token is for; Invalid if it is not a good token."""
    if not isinstance(token, str) or len(token) > 200:
        raise Invalid(_BAD_LINK, code="unsubscribe_link_invalid")
    try:
        data = _serializer().loads(token)
    except BadSignature:
        raise Invalid(_BAD_LINK, code="unsubscribe_link_invalid") from None
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None:
        raise Invalid(_BAD_LINK, code="unsubscribe_link_invalid")
    return user


def check_unsubscribe(token: Any) -> User:
    """Turn off the digest of the link's owner (one click, no sign-in); idempotent."""
    user = unsubscribe_user(token)
    do_set_digest_mode(user, "off", via="unsubscribe_link")
    return user


def do_mark_digest_read(user: User) -> None:
    """The person opened their latest digest (it stops showing as new)."""
    with atomic():
        db.session.execute(
            update(Digest)
            .where(Digest.user_id == user.id, Digest.status == "sent", Digest.read_at.is_(None))
            .values(read_at=utcnow())
        )
