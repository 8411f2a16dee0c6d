"""The events that carry a message to its channel's screens, held to the visibility rule.

Every event whose payload is a message (or describes one) goes through here, so a message a
report keeps hidden (`physnet.access.is_hidden`) is never in a payload sent to a channel:
not as itself, not as the parent a reply updates, not when redelivered.
"""

from __future__ import annotations

from typing import Any

from physnet.access import is_hidden
from physnet.db.transaction import after_commit
from physnet.models import Message
from physnet.reads.json import message_json
from physnet.realtime import rooms


def queue_message_event(event: str, message: Message, payload: Any = None) -> None:
    """After commit, send `event` (`message`, `message_updated`, `reaction`...) about
    `message` to its channel; the payload defaults to the message itself. Nothing is sent
    for a hidden message."""
    if is_hidden(message):
        return
    data = message_json(message) if payload is None else payload
    after_commit(rooms.emit, event, data, rooms.channel_room(message.channel_id))


def emit_message_event(event: str, message: Message) -> bool:
    """Send `event` with `message` now (outside a transaction: redelivery); False when the
    message is hidden and nothing was sent."""
    if is_hidden(message):
        return False
    rooms.emit(event, message_json(message), rooms.channel_room(message.channel_id))
    return True
