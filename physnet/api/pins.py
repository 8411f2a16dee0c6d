"""Pinned messages: pin, unpin, and a channel's pins."""

from __future__ import annotations

from typing import Any

from physnet.access import access_channel
from physnet.actions import pins as actions
from physnet.api import bp, me
from physnet.reads.json import message_json


@bp.post("/messages/<int:message_id>/pin")
def pin_message(message_id: int) -> Any:
    return {"message": message_json(actions.check_set_pinned(me(), message_id, True))}


@bp.delete("/messages/<int:message_id>/pin")
def unpin_message(message_id: int) -> Any:
    return {"message": message_json(actions.check_set_pinned(me(), message_id, False))}


@bp.get("/channels/<name>/pins")
def list_pins(name: str) -> Any:
    channel, membership = access_channel(me(), name)
    pins = actions.pinned_messages(me(), channel, membership)
    return {"messages": [message_json(m) for m in pins]}
