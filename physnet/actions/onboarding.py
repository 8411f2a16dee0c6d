"""The first-week checklist: noting what a person did (a tip or a colleague's profile
opened), dismissing and restoring it, and an admin's edit of the plans (audited)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from physnet.actions.audit import actor_of, record_audit
from physnet.actions.tips.broadcast import insert_ignoring_duplicates
from physnet.config.onboarding import OnboardingSettingError, parse_plans
from physnet.db.transaction import atomic
from physnet.errors import Forbidden, Invalid
from physnet.extensions import db
from physnet.models import (
    Channel,
    OnboardingSeen,
    OnboardingState,
    RuntimeSetting,
    Tip,
    User,
    utcnow,
)
from physnet.reads import onboarding as reads

# --- what a person did ----------------------------------------------------------------------


def note_seen(user: User, kind: str, ref_id: int) -> None:
    """`user` opened a tip or a profile (kind "tip" or "person"); kept once. Its own short
    transaction, after the read that showed it."""
    if kind == "person" and ref_id == user.id:
        return
    with atomic():
        insert_ignoring_duplicates(
            OnboardingSeen.__table__,
            [{"user_id": user.id, "kind": kind, "ref_id": ref_id, "seen_at": utcnow()}],
        )


def do_set_dismissed(user: User, dismissed: bool) -> dict[str, Any]:
    """Hide the checklist from the app shell (it stays at /welcome), or bring it back."""
    with atomic():
        state = db.session.get(OnboardingState, user.id)
        if state is None:
            state = OnboardingState(user_id=user.id)
            db.session.add(state)
        state.dismissed_at = utcnow() if dismissed else None
    return reads.checklist(user)


# --- the plans --------------------------------------------------------------------------------


def check_set_plans(actor: User, raw: Any) -> tuple[list[dict[str, Any]], str]:
    """Store the plans an admin edited (None: back to the configuration file's). Channels,
    tips and people must exist. Audited `onboarding.updated`."""
    if not actor.is_admin:
        raise Forbidden("Only admins change the onboarding plans.", code="admin_only")
    plans = None
    if raw is not None:
        try:
            plans = parse_plans(raw)
        except OnboardingSettingError as exc:
            raise Invalid(str(exc), code="invalid_onboarding", field="plans") from None
        _check_exist(plans)
    with atomic():
        row = db.session.get(RuntimeSetting, reads.STORED_KEY)
        if plans is None:
            if row is not None:
                db.session.delete(row)
        elif row is None:
            db.session.add(
                RuntimeSetting(
                    key=reads.STORED_KEY, value=json.dumps(plans), updated_by=actor_of(actor)
                )
            )
        else:
            row.value, row.updated_at = json.dumps(plans), utcnow()
            row.updated_by = actor_of(actor)
        record_audit(
            actor_of(actor),
            "onboarding.updated",
            "setting:onboarding_plans",
            plans=len(plans) if plans is not None else None,
            source="admin" if plans is not None else "file",
        )
    return reads.plans()


def _check_exist(plans: list[dict[str, Any]]) -> None:
    names = {n for p in plans for n in p["channels"]}
    tips = {t for p in plans for t in p["tips"]}
    people = {n for p in plans for n in p["people"]}
    found_names = set(db.session.scalars(select(Channel.name).where(Channel.name.in_(names))))
    found_tips = set(
        db.session.scalars(select(Tip.id).where(Tip.id.in_(tips), Tip.deleted_at.is_(None)))
    )
    found_people = set(
        db.session.scalars(
            select(User.username).where(User.username.in_(people), User.active.is_(True))
        )
    )
    for missing, what, code in (
        (sorted(names - found_names), "channel", "unknown_channel"),
        (sorted(tips - found_tips), "tip", "unknown_tip"),
        (sorted(people - found_people), "active person", "unknown_user"),
    ):
        if missing:
            raise Invalid(f"There is no {what} {missing[0]}.", code=code, field="plans")


def note_tip_opened(user: User, tip_id: int) -> None:
    """After a tip was shown: counted if it is on some reading list (no write otherwise)."""
    if tip_id in reads.reading_list_tip_ids():
        note_seen(user, "tip", tip_id)


def note_profile_opened(user: User, person: User) -> None:
    """After a profile was shown: counted if the person is someone's super-user."""
    if person.id != user.id and person.username in reads.people_to_know():
        note_seen(user, "person", person.id)
