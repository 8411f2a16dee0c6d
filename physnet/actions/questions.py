"""Questions: asking, a first reply noted, one reply accepted as the answer, reopening, and
promoting an answered question to a tip (issue 17)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import update

from physnet.access import access_message, can_moderate, is_hidden
from physnet.actions import validate
from physnet.actions.audit import record_audit
from physnet.actions.broadcast import queue_message_event
from physnet.actions.tips.edit import check_promote_message
from physnet.db import search_outbox
from physnet.db.transaction import atomic
from physnet.errors import Conflict, Forbidden, Invalid
from physnet.extensions import db
from physnet.models import MAX_TITLE, Membership, Message, Question, Tip, User, utcnow


def record_question(message: Message) -> None:
    """Inside the sending transaction: `message` (top-level, flushed) is asked as a question."""
    db.session.add(
        Question(
            message_id=message.id,
            channel_id=message.channel_id,
            asker_id=message.author_id,
            status="open",
            asked_at=message.created_at,
        )
    )
    db.session.flush()
    db.session.expire(message, ["question"])  # message_json reads it for the broadcast
    search_outbox.queue(db.session(), "message", [message.id])


def note_reply(parent: Message, author: User, at: datetime) -> None:
    """Inside the sending transaction: the first reply by someone other than the asker
    starts the question's "time to first reply" clock. No query for other threads."""
    question = parent.question
    if question is None or question.first_reply_at is not None or author.id == question.asker_id:
        return
    db.session.execute(
        update(Question)
        .where(Question.message_id == parent.id, Question.first_reply_at.is_(None))
        .values(first_reply_at=at)
    )


def _access_question(user: User, message_id: Any) -> tuple[Message, Question]:
    """The question `user` may see and decide on: its asker, or a moderator of its channel.
    Raises NotFound (cannot see it), Invalid (not a question), Forbidden (not theirs)."""
    mid = validate.require_int(message_id, "id") or 0
    message, membership = access_message(user, mid)
    question = message.question
    if question is None or message.deleted_at is not None:
        raise Invalid(f"Message {mid} is not a question.", code="not_a_question")
    if not _may_decide(user, question, membership):
        raise Forbidden(
            "Only the person who asked, or a moderator, chooses the answer.",
            code="not_the_asker",
        )
    return message, question


def _may_decide(user: User, question: Question, membership: Membership | None) -> bool:
    return user.id == question.asker_id or can_moderate(user, membership)


def check_mark_answer(user: User, message_id: Any, answer_id: Any) -> Message:
    """Accept a reply in the question's thread as its answer (another one replaces it)."""
    message, question = _access_question(user, message_id)
    aid = validate.require_int(answer_id, "message_id") or 0
    answer = db.session.get(Message, aid) if aid else None
    if (
        answer is None
        or answer.thread_id != message.id
        or answer.deleted_at is not None
        or is_hidden(answer)
    ):
        raise Invalid("The answer must be a reply in this question's thread.", code="not_a_reply")
    if question.answer_id == answer.id:
        return message
    return do_set_answer(user, message, question, answer)


def check_unmark_answer(user: User, message_id: Any) -> Message:
    """Reopen an answered question; an open one is left as it is."""
    message, question = _access_question(user, message_id)
    if question.status == "open":
        return message
    return do_set_answer(user, message, question, None)


def do_set_answer(
    user: User, message: Message, question: Question, answer: Message | None
) -> Message:
    """Set or clear the accepted answer, audit it, reindex and broadcast the question.
    Precondition: `user` may decide and `answer` is a live reply in its thread."""
    with atomic():
        question.answer_id = answer.id if answer is not None else None
        question.answered_at = utcnow() if answer is not None else None
        question.status = "answered" if answer is not None else "open"
        record_audit(
            f"user:{user.username}",
            "question.answered" if answer is not None else "question.reopened",
            f"message:{message.id}",
            channel=message.channel.name,
            answer_id=question.answer_id,
        )
        db.session.flush()
        search_outbox.queue(db.session(), "message", [message.id])  # its is:open/is:answered
        queue_message_event("message_updated", message)
    return message


def check_promote_question(
    user: User, message_id: Any, tags: Any = None, review_at: Any = None
) -> Tip:
    """Make an answered question a tip: the question's first line is the title, the accepted
    answer the body. Anyone who may add tips in the channel may do it."""
    mid = validate.require_int(message_id, "id") or 0
    message, _ = access_message(user, mid)
    question = message.question
    if question is None or question.answer_id is None:
        raise Conflict("Only an answered question can become a tip.", code="not_answered")
    answer = db.session.get(Message, question.answer_id)
    if answer is None or answer.deleted_at is not None or is_hidden(answer):
        raise Conflict("The accepted answer is no longer there.", code="not_answered")
    first_line = next((ln.strip() for ln in message.body.splitlines() if ln.strip()), "")
    title = first_line.lstrip("#> ").strip()
    if len(title) > MAX_TITLE:
        title = title[: MAX_TITLE - 1].rstrip() + "…"
    return check_promote_message(
        user, message.id, title or "Question", tags or [], review_at=review_at, body=answer.body
    )
