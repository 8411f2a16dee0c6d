"""Legal holds: messages of a channel or a person that retention must keep."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import select

from physnet.actions import validate
from physnet.actions.audit import actor_of, record_audit
from physnet.db.transaction import atomic
from physnet.errors import BadRequest, Conflict, Forbidden, Invalid, NotFound
from physnet.extensions import db
from physnet.models import CHANNEL_NAME_RE, MAX_ID, Channel, LegalHold, User, utcnow


def _require_admin(actor: User | None) -> None:
    if actor is not None and not actor.is_admin:
        raise Forbidden("Only admins manage legal holds.", code="admin_only")


def check_place_hold(actor: User | None, data: Any) -> LegalHold:
    """Hold `{channel | username, reason}`; the same subject twice is refused (409)."""
    _require_admin(actor)
    if not isinstance(data, dict):
        raise BadRequest("Send a JSON object with channel or username, and reason.", "invalid_json")
    channel_name, username = data.get("channel"), data.get("username")
    if (channel_name is None) == (username is None):
        raise BadRequest("Name exactly one of channel or username.", code="hold_subject")
    reason = validate.short_text(data.get("reason"), "reason", 2000)
    if not reason:
        raise Invalid("Say why the hold is placed (the matter or request).", code="reason_required")
    channel, user = None, None
    if channel_name is not None:
        known = isinstance(channel_name, str) and CHANNEL_NAME_RE.fullmatch(channel_name)
        channel = (
            db.session.scalar(select(Channel).where(Channel.name == channel_name))
            if known
            else None
        )
        if channel is None:
            raise NotFound(f"There is no channel #{channel_name}.", code="unknown_channel")
    else:
        name = validate.existing_username(username)
        user = db.session.scalar(select(User).where(User.username == name))
        if user is None:
            raise NotFound(f"There is no user {name}.", code="unknown_user")
    if channel is not None:
        on_subject = LegalHold.channel_id == channel.id
    else:
        assert user is not None
        on_subject = LegalHold.user_id == user.id
    same = select(LegalHold.id).where(LegalHold.released_at.is_(None), on_subject)
    if db.session.scalar(same) is not None:
        raise Conflict("A hold on that is already in place.", code="hold_exists")
    with atomic():
        hold = LegalHold(channel=channel, user=user, reason=reason, created_by=actor)
        db.session.add(hold)
        db.session.flush()
        record_audit(
            actor_of(actor),
            "legal_hold.placed",
            f"legal_hold:{hold.id}",
            **subject(hold),
            reason=reason,
        )
    return hold


def check_release_hold(actor: User | None, hold_id: Any) -> LegalHold:
    """Release a hold: retention may delete those messages again. Idempotent."""
    _require_admin(actor)
    valid = isinstance(hold_id, int) and 0 < hold_id <= MAX_ID
    hold = db.session.get(LegalHold, hold_id) if valid else None
    if hold is None:
        raise NotFound(f"There is no legal hold {hold_id}.", code="unknown_hold")
    if hold.released_at is None:
        with atomic():
            hold.released_at = utcnow()
            hold.released_by = actor
            record_audit(
                actor_of(actor), "legal_hold.released", f"legal_hold:{hold.id}", **subject(hold)
            )
    return hold


def subject(hold: LegalHold) -> dict[str, str]:
    if hold.channel is not None:
        return {"channel": hold.channel.name}
    return {"username": hold.user.username if hold.user else ""}


def holds(actor: User | None, *, released: bool = False) -> list[LegalHold]:
    """Holds in place (with `released`, the released ones too), newest first."""
    _require_admin(actor)
    query = select(LegalHold).order_by(LegalHold.id.desc())
    if not released:
        query = query.where(LegalHold.released_at.is_(None))
    return list(db.session.scalars(query))


def held(m: Any) -> Any:
    """SQL condition: message alias `m` is under a hold in place (its channel or author)."""
    live = LegalHold.released_at.is_(None)
    return sa.or_(
        m.channel_id.in_(
            select(LegalHold.channel_id).where(live, LegalHold.channel_id.is_not(None))
        ),
        m.author_id.in_(select(LegalHold.user_id).where(live, LegalHold.user_id.is_not(None))),
    )
