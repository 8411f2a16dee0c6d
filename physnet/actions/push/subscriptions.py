"""A person's push subscriptions (one per device)."""

from __future__ import annotations

import hashlib
from typing import Any

from flask import current_app
from sqlalchemy import delete, select

from physnet.actions.audit import actor_of, record_audit
from physnet.actions.push.endpoints import check_endpoint
from physnet.actions.push.vapid import b64url_decode
from physnet.db.transaction import atomic
from physnet.errors import BadRequest, Invalid, NotFound
from physnet.extensions import db
from physnet.models import PushSubscription, User

MAX_PER_USER = 20


def _key(value: Any, name: str, length: int) -> str:
    """A base64url key of the expected decoded length (p256dh 65 bytes, auth 16)."""
    if not isinstance(value, str) or len(value) > 200:
        raise BadRequest(f"Field keys.{name} must be a base64url string.", code="invalid_type")
    try:
        raw = b64url_decode(value.strip())
    except (ValueError, TypeError):
        raw = b""
    if len(raw) != length or (name == "p256dh" and raw[0] != 4):
        raise Invalid(f"Field keys.{name} is not a valid push key.", code="invalid_push_key")
    return value.strip()


def check_subscribe(user: User, data: dict[str, Any], user_agent: str = "") -> PushSubscription:
    """Validate a browser's subscription and store it (again: the same endpoint is updated,
    and moves to this user if another person signed in on the device before)."""
    hosts = current_app.config["PHYSNET"].push.endpoint_hosts
    endpoint = check_endpoint(data.get("endpoint"), hosts)
    keys = data.get("keys")
    if not isinstance(keys, dict):
        raise BadRequest("Field keys must be an object {p256dh, auth}.", code="invalid_type")
    p256dh = _key(keys.get("p256dh"), "p256dh", 65)
    auth = _key(keys.get("auth"), "auth", 16)
    return do_subscribe(user, endpoint, p256dh, auth, user_agent[:200])


def do_subscribe(
    user: User, endpoint: str, p256dh: str, auth: str, user_agent: str = ""
) -> PushSubscription:
    digest = hashlib.sha256(endpoint.encode()).hexdigest()
    with atomic():
        sub = db.session.scalar(
            select(PushSubscription).where(PushSubscription.endpoint_hash == digest)
        )
        if sub is None:
            count = len(
                db.session.scalars(
                    select(PushSubscription.id).where(PushSubscription.user_id == user.id)
                ).all()
            )
            if count >= MAX_PER_USER:
                raise Invalid(
                    f"At most {MAX_PER_USER} devices can receive pushes; remove one first.",
                    code="too_many_subscriptions",
                )
            sub = PushSubscription(endpoint=endpoint, endpoint_hash=digest)
            db.session.add(sub)
        sub.user_id, sub.p256dh, sub.auth, sub.user_agent = user.id, p256dh, auth, user_agent
        db.session.flush()
        record_audit(actor_of(user), "push.subscribed", f"push_subscription:{sub.id}")
    return sub


def do_unsubscribe(user: User, subscription_id: int) -> None:
    """Remove one of my subscriptions (sign-out on that device, or a settings page)."""
    with atomic():
        sub = db.session.get(PushSubscription, subscription_id)
        if sub is None or sub.user_id != user.id:
            raise NotFound("No such push subscription.", code="subscription_not_found")
        db.session.delete(sub)
        record_audit(actor_of(user), "push.unsubscribed", f"push_subscription:{subscription_id}")


def do_unsubscribe_endpoint(user: User, endpoint: str) -> int:
    """Remove my subscription for this endpoint, if any (sign-out knows only the endpoint)."""
    digest = hashlib.sha256(endpoint.encode()).hexdigest()
    with atomic():
        result = db.session.execute(
            delete(PushSubscription).where(
                PushSubscription.endpoint_hash == digest, PushSubscription.user_id == user.id
            )
        )
        removed = int(getattr(result, "rowcount", 0) or 0)
        if removed:
            record_audit(actor_of(user), "push.unsubscribed", "push_subscription:endpoint")
    return removed


def list_subscriptions(user: User) -> list[PushSubscription]:
    return list(
        db.session.scalars(
            select(PushSubscription)
            .where(PushSubscription.user_id == user.id)
            .order_by(PushSubscription.id)
        )
    )
