"""Review reminders: a tip past its review date goes to its owner and the channel's moderators."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select

from physnet.access import can_read
from physnet.actions.audit import record_audit
from physnet.actions.broadcast import queue_event
from physnet.actions.tips.broadcast import insert_ignoring_duplicates
from physnet.db.transaction import atomic
from physnet.extensions import db
from physnet.models import Membership, Tip, TipReminder, User, utcnow
from physnet.models.tips import today
from physnet.reads.onboarding import reading_list_tip_ids
from physnet.realtime import rooms

REMIND_ACTOR = "tips-remind"


@dataclass(frozen=True)
class RemindSummary:
    due: int  # tips past their review date
    reminded_tips: int  # of which got at least one new reminder this run
    reminders: int  # new reminders (one per person per tip per review date)

    def __str__(self) -> str:
        return (
            f"{self.due} tip(s) past their review date; sent {self.reminders} new "
            f"reminder(s) about {self.reminded_tips} tip(s)."
        )


def reminder_text(tip: Tip, reading_list: bool = False) -> str:
    """What the notification says: the tip's title and channel (never its body); a tip on
    a new physicians' reading list (onboarding) says so."""
    text = (
        f"The tip “{tip.title}” in #{tip.channel.name} is due for review "
        f"(review date {tip.review_at.isoformat()}): check that it still matches the EHR."
    )
    if reading_list:
        text += " New physicians read it in their first week (onboarding reading list)."
    return text


def recipients(tip: Tip) -> list[User]:
    """The owner (while they may read the channel) and the channel's active moderators."""
    moderators = db.session.scalars(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.channel_id == tip.channel_id,
            Membership.role == "moderator",
            User.active,
        )
        .order_by(User.id)
    ).all()
    people = {user.id: user for user in moderators}
    owner = tip.owner
    membership = db.session.get(Membership, (tip.channel_id, owner.id))
    if can_read(owner, tip.channel, membership):
        people.setdefault(owner.id, owner)
    return list(people.values())


def do_remind_due_tips(on: date | None = None) -> RemindSummary:
    """Record one reminder per person per due tip and review date, and tell each person
    live. Running it again the same day (or any day before the tip is reviewed) adds none."""
    day = on or today()
    reminders = reminded_tips = 0
    reading_list = reading_list_tip_ids()
    with atomic():
        due = db.session.scalars(
            select(Tip).where(Tip.deleted_at.is_(None), Tip.review_at < day).order_by(Tip.id)
        ).all()
        for tip in due:
            new = [
                user
                for user in recipients(tip)
                if insert_ignoring_duplicates(
                    TipReminder.__table__,
                    [
                        {
                            "tip_id": tip.id,
                            "user_id": user.id,
                            "due_on": tip.review_at,
                            "created_at": utcnow(),
                        }
                    ],
                )
            ]
            if not new:
                continue
            reminders += len(new)
            reminded_tips += 1
            record_audit(
                REMIND_ACTOR,
                "tip.review_reminded",
                f"tip:{tip.id}",
                channel=tip.channel.name,
                review_at=tip.review_at.isoformat(),
                recipients=[user.username for user in new],
                reading_list=tip.id in reading_list,
            )
            payload = _payload(tip, tip.id in reading_list)
            if new:
                queue_event("tip_review", payload, [rooms.user_room(user.id) for user in new])
    return RemindSummary(len(due), reminded_tips, reminders)


def _payload(tip: Tip, reading_list: bool) -> dict[str, Any]:
    return {
        "tip_id": tip.id,
        "title": tip.title,
        "channel": tip.channel.name,
        "review_at": tip.review_at.isoformat(),
        "reading_list": reading_list,
        "text": reminder_text(tip, reading_list),
    }
