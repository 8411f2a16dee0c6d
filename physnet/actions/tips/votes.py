"""Endorsing a tip as helpful, and the moderators' verified mark."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete

from physnet.access import access_tip, can_moderate
from physnet.actions import validate
from physnet.actions.audit import record_audit
from physnet.actions.tips.broadcast import insert_ignoring_duplicates, queue_tip_event
from physnet.actions.tips.edit import REVIEW_PERIOD, actor_of
from physnet.db.transaction import atomic
from physnet.errors import Forbidden
from physnet.extensions import db
from physnet.models import Tip, TipEndorsement, User, utcnow
from physnet.models.tips import today


def check_endorse_tip(user: User, tip_id: Any, endorse: bool) -> Tip:
    """Endorse (or take back an endorsement of) a tip anyone who reads it may; repeating
    either changes nothing."""
    tid = validate.require_int(tip_id, "id") or 0
    tip, _ = access_tip(user, tid)
    do_endorse_tip(user, tip, endorse)
    return tip


def do_endorse_tip(user: User, tip: Tip, endorse: bool) -> bool:
    """Add or remove `user`'s endorsement; True when that changed anything."""
    with atomic():
        if endorse:
            changed = insert_ignoring_duplicates(
                TipEndorsement.__table__,
                [{"tip_id": tip.id, "user_id": user.id, "created_at": utcnow()}],
            )
        else:
            removed = db.session.execute(
                delete(TipEndorsement)
                .where(TipEndorsement.tip_id == tip.id, TipEndorsement.user_id == user.id)
                .returning(TipEndorsement.user_id)
            ).all()
            changed = len(removed)
        if changed:
            record_audit(
                actor_of(user),
                "tip.endorsed" if endorse else "tip.unendorsed",
                f"tip:{tip.id}",
                channel=tip.channel.name,
            )
            queue_tip_event("tip_updated", tip)
    return bool(changed)


def check_verify_tip(user: User, tip_id: Any, verified: bool) -> Tip:
    """Set or clear the verified mark: the channel's moderators and staff only."""
    tid = validate.require_int(tip_id, "id") or 0
    tip, membership = access_tip(user, tid)
    if not can_moderate(user, membership):
        raise Forbidden(
            f"Only moderators of #{tip.channel.name} and staff can verify its tips.",
            code="not_a_moderator",
        )
    do_verify_tip(user, tip, verified)
    return tip


def do_verify_tip(user: User, tip: Tip, verified: bool) -> None:
    """Verifying is a review: it stamps who and when and moves the review date a period on.
    Clearing the mark leaves the review date alone."""
    if not verified and tip.verified_at is None:
        return
    with atomic():
        if verified:
            tip.verified_at = utcnow()
            tip.verified_by = user
            tip.review_at = max(tip.review_at, today() + REVIEW_PERIOD)
        else:
            tip.verified_at = None
            tip.verified_by = None
        record_audit(
            actor_of(user),
            "tip.verified" if verified else "tip.unverified",
            f"tip:{tip.id}",
            channel=tip.channel.name,
            review_at=tip.review_at.isoformat(),
        )
        queue_tip_event("tip_updated", tip)
