"""The "Can you help?" offers: open questions nobody replied to in time are offered to people whose
profile expertise or specialty matches (issue 17), by `physnet questions offer-help`.

Who matches a question: someone whose expertise tag, or whose specialty, appears in the
question's text (whole words, case and accents ignored), or whose specialty is the asker's.
Never the asker, never someone who cannot read the channel, never a deactivated account;
at most MAX_OFFERS people per question, expertise matches first. Each person is offered a
question once (a `help_offers` row), however often the job runs. The offer appears in their
"Mentions & replies" and goes out as a `notification` event and a Web Push that name the
channel and the asker, never the question's text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import case, insert, or_, select

from physnet.access import OPEN_KINDS, shown_to_readers
from physnet.actions.broadcast import queue_event
from physnet.actions.push.queue import queue_pushes, topic_for
from physnet.db.transaction import atomic
from physnet.extensions import db
from physnet.models import (
    Channel,
    HelpOffer,
    Membership,
    Message,
    Question,
    User,
    UserTag,
    utcnow,
)
from physnet.people.phrases import mentioned as _mentioned
from physnet.people.phrases import phrases
from physnet.reads.json import notification_json
from physnet.realtime import rooms

MAX_OFFERS = 20  # people offered one question, over every run


@dataclass
class OfferSummary:
    questions: int = 0  # open unanswered questions old enough, looked at
    offers: int = 0  # new offers made this run

    def __str__(self) -> str:
        return (
            f"Looked at {self.questions} unanswered question(s); "
            f"offered help to {self.offers} person(s)."
        )


def do_offer_help(now: datetime | None = None) -> OfferSummary:
    """Offer every open question older than `[questions] help_after_hours` with no reply
    from anyone but its asker to the people who match it and were not offered it yet."""
    now = now or utcnow()
    hours = current_app.config["PHYSNET"].questions_help_after_hours
    cutoff = now - timedelta(hours=hours)
    summary = OfferSummary()
    due = db.session.scalars(
        select(Message)
        .join(Question, Question.message_id == Message.id)
        .where(
            Question.status == "open",
            Question.first_reply_at.is_(None),
            Question.asked_at <= cutoff,
            Message.deleted_at.is_(None),
            shown_to_readers(),  # a reported question is offered to no one
        )
        .order_by(Question.asked_at, Message.id)
    ).all()
    if not due:
        return summary
    tags = phrases(
        db.session.scalars(select(UserTag.tag_key).where(UserTag.kind == "expertise").distinct())
    )
    specialties = phrases(
        db.session.scalars(
            select(User.specialty).where(User.active.is_(True), User.specialty != "").distinct()
        )
    )
    for message in due:
        summary.questions += 1
        summary.offers += _offer(message, tags, specialties, now)
    return summary


def _offer(
    message: Message,
    tags: dict[tuple[str, ...], str],
    specialties: dict[tuple[str, ...], str],
    now: datetime,
) -> int:
    """Offer one question to its matching people (one transaction); returns how many."""
    with atomic():
        channel = message.channel
        asker = message.author
        tag_keys = _mentioned(message.body, tags)
        wanted = _mentioned(message.body, specialties)
        if asker is not None and asker.specialty:
            wanted.add(asker.specialty)
        if not tag_keys and not wanted:
            return 0
        already = select(HelpOffer.user_id).where(HelpOffer.message_id == message.id)
        room = MAX_OFFERS - len(db.session.scalars(already).all())
        if room <= 0:
            return 0
        by_tag = User.id.in_(
            select(UserTag.user_id).where(
                UserTag.kind == "expertise", UserTag.tag_key.in_(sorted(tag_keys))
            )
        )
        matches: list[Any] = [User.specialty.in_(sorted(wanted))]
        if tag_keys:
            matches.append(by_tag)
        query = select(User.id).where(
            User.active.is_(True),
            User.id != message.author_id,
            User.id.not_in(already),
            or_(*matches),
        )
        if channel.kind not in OPEN_KINDS:  # a private channel: its members only
            query = query.where(
                User.id.in_(select(Membership.user_id).where(Membership.channel_id == channel.id))
            )
        if tag_keys:
            query = query.order_by(case((by_tag, 0), else_=1), User.id)
        else:
            query = query.order_by(User.id)
        user_ids = list(db.session.scalars(query.limit(room)))
        if not user_ids:
            return 0
        db.session.execute(
            insert(HelpOffer),
            [{"message_id": message.id, "user_id": u, "offered_at": now} for u in user_ids],
        )
        _notify(message, channel, user_ids)
    return len(user_ids)


def _notify(message: Message, channel: Channel, user_ids: list[int]) -> None:
    """The `notification` event and the Web Push: where and who asked, never what."""
    payload = notification_json(message, channel, "help")
    queue_event("notification", payload, [rooms.user_room(u) for u in user_ids])
    push = {**payload, "url": f"/c/{channel.name}/m/{message.id}"}
    queue_pushes(push, user_ids, topic_for(channel.id, message.id))
