"""The open (or answered) questions a person may read, per channel or across channels."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from physnet.access import visible_messages
from physnet.extensions import db
from physnet.models import Channel, Message, Question, User

PER_PAGE = 30


def questions_for(
    user: User,
    status: str | None = "open",
    channel: Channel | None = None,
    specialty: str | None = None,
    page: int = 1,
) -> tuple[list[Message], bool]:
    """Questions `user` may see (the visibility rule of every message list), newest first;
    `specialty` keeps those asked by people of that specialty. Returns (page, has_more)."""
    query = (
        select(Message)
        .join(Question, Question.message_id == Message.id)
        .where(visible_messages(user))
        .order_by(Question.asked_at.desc(), Message.id.desc())
    )
    if status is not None:
        query = query.where(Question.status == status)
    if channel is not None:
        query = query.where(Question.channel_id == channel.id)
    if specialty:
        asked_by = select(User.id).where(User.specialty == specialty)
        query = query.where(Question.asker_id.in_(asked_by))
    rows = list(
        db.session.scalars(query.offset((page - 1) * PER_PAGE).limit(PER_PAGE + 1)).unique()
    )
    return rows[:PER_PAGE], len(rows) > PER_PAGE


def add_question_status(results: list[dict[str, Any]]) -> None:
    """Give each message result that is a question its status, "open" or "answered"
    (results are already access-checked), in one query."""
    ids = [r["id"] for r in results if r.get("type") == "message"]
    if not ids:
        return
    rows = db.session.execute(
        select(Question.message_id, Question.status).where(Question.message_id.in_(ids))
    )
    status = dict(rows.tuples().all())
    for result in results:
        if result.get("type") == "message" and result["id"] in status:
            result["question"] = status[result["id"]]
