"""What goes in a person's weekly digest.

Tips created or verified in the period, in a channel the person belongs to, tagged with
their specialty, or written by someone of their specialty or department; and questions
asked in the period that are still open, matched as the "Can you help?" offers match
(their expertise or specialty named in the question, or the asker's specialty is theirs).
Only what the person may read (`access.can_read`; a reported question is left out), never
their own, at most MAX_ITEMS of each, newest first. The candidates are loaded once per run;
each person then costs two small queries (memberships, expertise).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import aliased, lazyload

from physnet.access import can_read, shown_to_readers
from physnet.extensions import db
from physnet.models import Channel, Membership, Message, Question, Tip, User, UserTag
from physnet.people.normalize import words
from physnet.people.phrases import word_runs

MAX_ITEMS = 10


def _key(text: str) -> tuple[str, ...]:
    return tuple(words(text))


def _snapshot(channel: Channel) -> Channel:
    """A detached copy of what the access rule reads (id, name, kind): each person's digest
    commits, and a loaded channel would be reloaded after every commit."""
    return Channel(id=channel.id, name=channel.name, kind=channel.kind)


@dataclass
class TipCandidate:
    id: int
    channel: Channel
    owner_id: int
    owner_specialty: tuple[str, ...]
    owner_department: tuple[str, ...]
    tags: set[tuple[str, ...]]
    new_at: list[datetime]  # created, and verified if it was


@dataclass
class QuestionCandidate:
    id: int
    channel: Channel
    asker_id: int
    asker_specialty: tuple[str, ...]
    asked_at: datetime
    runs: set[tuple[str, ...]]  # the runs of words of its text (never kept past the run)


@dataclass
class Candidates:
    tips: list[TipCandidate] = field(default_factory=list)
    questions: list[QuestionCandidate] = field(default_factory=list)


def load_candidates(since: datetime, until: datetime) -> Candidates:
    """Every tip created or verified, and every question asked and still open, in
    [since, until): the widest period any person's digest of this run may cover."""
    owner = aliased(User)
    tips = db.session.execute(
        select(Tip, owner.specialty, owner.department)
        .join(owner, owner.id == Tip.owner_id)
        .where(
            Tip.deleted_at.is_(None),
            or_(
                Tip.created_at.between(since, until),
                Tip.verified_at.between(since, until),
            ),
        )
        .order_by(Tip.id.desc())
    ).all()
    asker = aliased(User)
    questions = db.session.execute(
        select(Message, Question.asked_at, asker.specialty)
        .join(Question, Question.message_id == Message.id)
        .join(asker, asker.id == Question.asker_id)
        .where(
            Question.status == "open",
            Question.asked_at >= since,
            Question.asked_at < until,
            Message.deleted_at.is_(None),
            shown_to_readers(),
        )
        .order_by(Message.id.desc())
    ).all()
    channels: dict[int, Channel] = {}
    return Candidates(
        tips=[
            TipCandidate(
                id=tip.id,
                channel=channels.setdefault(tip.channel_id, _snapshot(tip.channel)),
                owner_id=tip.owner_id,
                owner_specialty=_key(specialty),
                owner_department=_key(department),
                tags={_key(name) for name in tip.tag_names},
                new_at=[at for at in (tip.created_at, tip.verified_at) if at is not None],
            )
            for tip, specialty, department in tips
        ],
        questions=[
            QuestionCandidate(
                id=message.id,
                channel=channels.setdefault(message.channel_id, _snapshot(message.channel)),
                asker_id=message.author_id,
                asker_specialty=_key(specialty),
                asked_at=asked_at,
                runs=word_runs(message.body),
            )
            for message, asked_at, specialty in questions
        ],
    )


def pick(
    user: User, candidates: Candidates, since: datetime, until: datetime
) -> tuple[list[int], list[int]]:
    """The ids of the tips and questions for `user`'s digest of [since, until)."""
    if not user.active:
        return [], []
    memberships = {
        m.channel_id: m
        for m in db.session.scalars(
            select(Membership).where(Membership.user_id == user.id).options(lazyload("*"))
        )
    }
    expertise = {
        _key(tag)
        for tag in db.session.scalars(
            select(UserTag.tag_key).where(UserTag.user_id == user.id, UserTag.kind == "expertise")
        )
    }
    specialty, department = _key(user.specialty), _key(user.department)
    wanted = {phrase for phrase in (*expertise, specialty) if phrase}

    tips = []
    for tip in candidates.tips:
        if tip.owner_id == user.id or not any(since <= at < until for at in tip.new_at):
            continue
        membership = memberships.get(tip.channel.id)
        if not can_read(user, tip.channel, membership):
            continue
        if (
            (membership is not None and tip.channel.kind != "direct")
            or (specialty and (specialty in tip.tags or specialty == tip.owner_specialty))
            or (department and department == tip.owner_department)
        ):
            tips.append(tip.id)
    questions = []
    for question in candidates.questions:
        if question.asker_id == user.id or not since <= question.asked_at < until:
            continue
        if not can_read(user, question.channel, memberships.get(question.channel.id)):
            continue
        if (specialty and specialty == question.asker_specialty) or (wanted & question.runs):
            questions.append(question.id)
    return tips[:MAX_ITEMS], questions[:MAX_ITEMS]
