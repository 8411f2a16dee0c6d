"""Questions: the open-questions list, accepting an answer, promoting to a tip (issue 17)."""

from __future__ import annotations

from typing import Any

from flask import request

from physnet.access import access_channel
from physnet.actions import questions
from physnet.api import bp, int_arg, json_body, me
from physnet.errors import BadRequest
from physnet.models import QUESTION_STATUSES
from physnet.reads.json import message_json
from physnet.reads.questions import questions_for
from physnet.reads.tips import tips_for


@bp.get("/questions")
def list_questions() -> Any:
    status = request.args.get("status", "open")
    if status not in (*QUESTION_STATUSES, "all"):
        raise BadRequest(
            "Query parameter status must be open, answered or all.",
            code="invalid_parameter",
            field="status",
        )
    name = request.args.get("channel") or None
    channel = access_channel(me(), name)[0] if name else None
    page = max(int_arg("page") or 1, 1)
    found, has_more = questions_for(
        me(),
        None if status == "all" else status,
        channel,
        (request.args.get("specialty") or "").strip()[:200] or None,
        page,
    )
    return {"questions": [message_json(m) for m in found], "page": page, "has_more": has_more}


@bp.post("/messages/<int:message_id>/answer")
def mark_answer(message_id: int) -> Any:
    message = questions.check_mark_answer(me(), message_id, json_body().get("message_id"))
    return {"message": message_json(message)}


@bp.delete("/messages/<int:message_id>/answer")
def unmark_answer(message_id: int) -> Any:
    message = questions.check_unmark_answer(me(), message_id)
    return {"message": message_json(message)}


@bp.post("/messages/<int:message_id>/promote-question")
def promote_question(message_id: int) -> Any:
    data = request.get_json(silent=True) or {}
    if not isinstance(data, dict):
        raise BadRequest("The request body must be a JSON object.", code="invalid_json")
    tip = questions.check_promote_question(
        me(), message_id, data.get("tags"), data.get("review_at")
    )
    return {"tip": tips_for(me(), [tip])[0]}, 201
