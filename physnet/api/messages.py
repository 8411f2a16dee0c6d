"""Message history, posting, editing, deleting, reactions and read markers."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from physnet import ratelimit
from physnet.access import access_channel, access_message
from physnet.actions.messages import edit, reactions, read_marks, send
from physnet.actions.validate import require_int
from physnet.api import bp, int_arg, json_body, me
from physnet.errors import BadRequest, Invalid
from physnet.extensions import db
from physnet.models import Channel, Membership, Message, MessageEdit
from physnet.reads.channels import history, history_around
from physnet.reads.json import iso, message_json


@bp.get("/channels/<name>/messages")
def list_messages(name: str) -> Any:
    channel, membership = access_channel(me(), name)
    limit = int_arg("limit") or 50
    thread_id = int_arg("thread_id")
    around = int_arg("around")
    if around is not None:
        return _page_around(channel, membership, around, limit, thread_id)
    messages, has_more = history(
        me(),
        channel,
        membership,
        after=int_arg("after"),
        before=int_arg("before"),
        limit=limit,
        thread_id=thread_id,
    )
    return {"messages": [message_json(m) for m in messages], "has_more": has_more}


def _page_around(
    channel: Channel,
    membership: Membership | None,
    around: int,
    limit: int,
    thread_id: int | None,
) -> Any:
    """`around=ID`: the page holding that message (to open a search result in place)."""
    if int_arg("after") is not None or int_arg("before") is not None:
        raise BadRequest(
            "Use around on its own, without after or before.", code="invalid_parameter"
        )
    messages, has_more, has_newer = history_around(
        me(), channel, membership, around, limit=limit, thread_id=thread_id
    )
    return {
        "messages": [message_json(m) for m in messages],
        "has_more": has_more,
        "has_newer": has_newer,
    }


@bp.post("/channels/<name>/messages")
def post_message(name: str) -> Any:
    data = json_body()
    ratelimit.check("post", f"user:{me().id}")
    message, created = send.check_send_message(
        me(),
        name,
        data.get("body"),
        data.get("client_msg_id"),
        data.get("thread_id"),
        data.get("phi_override_reason"),
        data.get("file_ids"),
        data.get("question", False),
    )
    return {"message": message_json(message)}, 201 if created else 200


@bp.post("/channels/<name>/read")
def mark_read(name: str) -> Any:
    channel, membership = access_channel(me(), name)
    message_id = require_int(json_body().get("message_id"), "message_id") or 0
    if membership is None:
        raise Invalid(f"You are not a member of #{channel.name}.", code="not_a_member")
    message = db.session.get(Message, message_id) if message_id else None
    if message is None or message.channel_id != channel.id:
        raise Invalid(f"Message {message_id} is not in #{channel.name}.", code="unknown_message")
    read_marks.do_mark_read(me(), membership, message_id)
    return {"last_read_id": membership.last_read_id}


@bp.get("/messages/<int:message_id>")
def get_message(message_id: int) -> Any:
    message, _ = access_message(me(), message_id)
    return {"message": message_json(message)}


@bp.patch("/messages/<int:message_id>")
def edit_message(message_id: int) -> Any:
    data = json_body()
    message = edit.check_edit_message(
        me(), message_id, data.get("body"), data.get("phi_override_reason")
    )
    return {"message": message_json(message)}


@bp.delete("/messages/<int:message_id>")
def delete_message(message_id: int) -> Any:
    message = edit.check_delete_message(me(), message_id)
    return {"message": message_json(message)}


@bp.get("/messages/<int:message_id>/edits")
def message_edits(message_id: int) -> Any:
    message, _ = access_message(me(), message_id)
    edits = db.session.scalars(
        select(MessageEdit).where(MessageEdit.message_id == message.id).order_by(MessageEdit.id)
    ).all()
    return {"edits": [{"body": e.previous_body, "replaced_at": iso(e.edited_at)} for e in edits]}


@bp.post("/messages/<int:message_id>/reactions")
def toggle_reaction(message_id: int) -> Any:
    message, added = reactions.check_toggle_reaction(me(), message_id, json_body().get("emoji"))
    return {"message": message_json(message), "added": added}
