"""The first-week checklist: which plan applies to a person, and their progress computed
from what they did (tips opened, a question asked, a super-user's profile opened, channels
joined). Plans come from an admin's edit (run-time setting "onboarding_plans") or else from
[onboarding] in the configuration file."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import exists, select

from physnet.access import OPEN_KINDS
from physnet.extensions import db
from physnet.models import (
    Channel,
    Membership,
    OnboardingSeen,
    OnboardingState,
    Question,
    Tip,
    User,
    utcnow,
)
from physnet.models.tips import today
from physnet.reads import runtime_settings

STORED_KEY = "onboarding_plans"


def plans() -> tuple[list[dict[str, Any]], str]:
    """The plans in force and where they come from: "admin" (edited at /admin/onboarding)
    or "file" ([onboarding] plans)."""
    stored = runtime_settings.stored(STORED_KEY)
    if stored is not None:
        return list(stored), "admin"
    return [dict(p) for p in current_app.config["PHYSNET"].onboarding.plans], "file"


def plan_for(user: User, available: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The person's department's plan, else their specialty's, else the plan for everyone
    (one naming neither), else None."""
    department, specialty = user.department.casefold(), user.specialty.casefold()
    for key, mine in (("department", department), ("specialty", specialty)):
        for plan in available:
            if mine and plan.get(key, "").casefold() == mine:
                return plan
    for plan in available:
        if not plan.get("department") and not plan.get("specialty"):
            return plan
    return None


def is_new(user: User) -> bool:
    """Young enough for the app to offer "Getting started" ([onboarding] new_days)."""
    days = current_app.config["PHYSNET"].onboarding.new_days
    return user.created_at >= utcnow() - timedelta(days=days)


def dismissed(user: User) -> bool:
    state = db.session.get(OnboardingState, user.id)
    return state is not None and state.dismissed_at is not None


def _seen(user: User, kind: str, ids: list[int]) -> set[int]:
    if not ids:
        return set()
    return set(
        db.session.scalars(
            select(OnboardingSeen.ref_id).where(
                OnboardingSeen.user_id == user.id,
                OnboardingSeen.kind == kind,
                OnboardingSeen.ref_id.in_(ids),
            )
        )
    )


def _channels(user: User, names: list[str]) -> list[dict[str, Any]]:
    """The plan's channels `user` may see (private ones only if already a member)."""
    if not names:
        return []
    rows = db.session.execute(
        select(Channel, Membership.user_id)
        .outerjoin(
            Membership,
            (Membership.channel_id == Channel.id) & (Membership.user_id == user.id),
        )
        .where(Channel.name.in_(names), Channel.archived_at.is_(None))
    ).all()
    found = {c.name: (c, member is not None) for c, member in rows}
    items = []
    for name in names:
        if name not in found:
            continue
        channel, joined = found[name]
        if channel.kind not in OPEN_KINDS and not joined:
            continue
        items.append(
            {"name": channel.name, "title": channel.title or channel.name, "joined": joined}
        )
    return items


def _tips(user: User, ids: list[int]) -> list[dict[str, Any]]:
    """The reading list, in its order: tips `user` may read (deleted ones left out)."""
    if not ids:
        return []
    readable = select(Channel.id).where(
        Channel.kind.in_(OPEN_KINDS)
        | Channel.id.in_(select(Membership.channel_id).where(Membership.user_id == user.id))
    )
    tips = {
        t.id: t
        for t in db.session.scalars(
            select(Tip).where(
                Tip.id.in_(ids), Tip.deleted_at.is_(None), Tip.channel_id.in_(readable)
            )
        )
    }
    read = _seen(user, "tip", list(tips))
    day = today()
    return [
        {
            "id": tips[i].id,
            "title": tips[i].title,
            "channel": tips[i].channel.name,
            "read": i in read,
            "due_for_review": tips[i].review_at < day,
        }
        for i in ids
        if i in tips
    ]


def _people(user: User, usernames: list[str]) -> list[dict[str, Any]]:
    names = [n for n in usernames if n != user.username]
    if not names:
        return []
    people = {
        u.username: u
        for u in db.session.scalars(
            select(User).where(User.username.in_(names), User.active.is_(True))
        )
    }
    found = _seen(user, "person", [u.id for u in people.values()])
    return [
        {
            "username": people[n].username,
            "display_name": people[n].display_name or people[n].username,
            "title": people[n].title,
            "found": people[n].id in found,
        }
        for n in names
        if n in people
    ]


def checklist(user: User) -> dict[str, Any]:
    """The person's checklist: steps with their items and progress, and the totals."""
    plan = plan_for(user, plans()[0]) or {}
    channels = _channels(user, plan.get("channels", []))
    tips = _tips(user, plan.get("tips", []))
    people = _people(user, plan.get("people", []))
    asked = bool(db.session.scalar(select(exists().where(Question.asker_id == user.id))))
    steps: list[dict[str, Any]] = []
    if channels:
        joined = sum(1 for c in channels if c["joined"])
        steps.append(
            {
                "key": "channels",
                "label": f"Join your {len(channels)} channel{'s' if len(channels) != 1 else ''}",
                "done": joined == len(channels),
                "progress": [joined, len(channels)],
                "items": channels,
            }
        )
    if tips:
        read = sum(1 for t in tips if t["read"])
        steps.append(
            {
                "key": "tips",
                "label": f"Read these {len(tips)} tip{'s' if len(tips) != 1 else ''}",
                "done": read == len(tips),
                "progress": [read, len(tips)],
                "items": tips,
            }
        )
    steps.append(
        {
            "key": "question",
            "label": "Ask your first question",
            "done": asked,
            "progress": [int(asked), 1],
            "items": [],
        }
    )
    if people:
        found = sum(1 for p in people if p["found"])
        steps.append(
            {
                "key": "people",
                "label": "Find your department's super-user",
                "done": found > 0,
                "progress": [min(found, 1), 1],
                "items": people,
            }
        )
    done = sum(1 for s in steps if s["done"])
    return {
        "plan": {"department": plan.get("department", ""), "specialty": plan.get("specialty", "")}
        if plan
        else None,
        "steps": steps,
        "done": done,
        "total": len(steps),
        "complete": done == len(steps),
        "dismissed": dismissed(user),
        "new": is_new(user),
    }


def shows_link(user: User) -> dict[str, Any] | None:
    """The app shell's "Getting started" link: for a new account that has not dismissed its
    checklist and not finished it; None otherwise (then only the user menu links to it)."""
    if not is_new(user) or dismissed(user):
        return None
    found = checklist(user)
    return None if found["complete"] else {"done": found["done"], "total": found["total"]}


def reading_list_tip_ids() -> set[int]:
    """Every tip on some plan's reading list (review reminders say so)."""
    return {tip for plan in plans()[0] for tip in plan.get("tips", [])}


def people_to_know() -> set[str]:
    """Every username named as a person to know in some plan."""
    return {name for plan in plans()[0] for name in plan.get("people", [])}


def reading_list_review(available: list[dict[str, Any]]) -> list[Tip]:
    """Tips on the reading lists that are past their review date (the admin page flags them;
    `physnet tips remind` tells their owners)."""
    ids = {tip for plan in available for tip in plan.get("tips", [])}
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(Tip)
            .where(Tip.id.in_(ids), Tip.deleted_at.is_(None), Tip.review_at < today())
            .order_by(Tip.review_at, Tip.id)
        )
    )
