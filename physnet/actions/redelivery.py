"""A message committed by a server process that died before announcing it still reaches
every screen.

Broadcasts follow the commit. A process killed between the two (SIGKILL, the OOM killer, a
power cut) leaves a stored message that people connected to the other processes would not
see until their next catch-up. So each server process notes the message id in Redis before
committing (`hold`), and forgets it once the broadcast is published (`release`). When a
process dies, the survivor that reaps it in the presence heartbeat (`physnet.actions.
presence`) announces what it still held (`redeliver`). A message may then arrive twice at a
screen that already had it; clients keep one copy per id (the web app does).

Best effort by design: with Redis down, holding fails quietly and the message is stored and
acknowledged as usual (its broadcast would fail too; clients catch up on reconnect).
"""

from __future__ import annotations

import logging

from sqlalchemy import select

from physnet.access import shown_to_readers
from physnet.actions.broadcast import emit_message_event
from physnet.extensions import db
from physnet.models import Message
from physnet.realtime.cluster_presence import cluster

log = logging.getLogger(__name__)
_node = False


def become_node() -> None:
    """This process serves sockets and takes part in the heartbeat: hold what it sends.
    A CLI job is not a node (nobody would reap it), so it holds nothing."""
    global _node
    _node = True


def hold(message_id: int) -> None:
    if not (_node and cluster.enabled):
        return
    try:
        cluster.hold(message_id)
    except Exception:
        log.warning("redelivery: could not note message %s in Redis", message_id, exc_info=True)


def release(message_id: int) -> None:
    if not (_node and cluster.enabled):
        return
    try:
        cluster.release(message_id)
    except Exception:  # the id expires with the heartbeat's trim
        log.warning("redelivery: could not release message %s", message_id, exc_info=True)


def redeliver(message_ids: list[int]) -> int:
    """Announce the stored, visible ones of these messages (and their threads' new reply
    counts) to their channels; return how many were announced."""
    if not message_ids:
        return 0
    messages = db.session.scalars(
        select(Message)
        .where(Message.id.in_(message_ids), Message.deleted_at.is_(None), shown_to_readers())
        .order_by(Message.id)
    ).all()
    parents = {m.thread_id for m in messages if m.thread_id is not None}
    for message in messages:
        emit_message_event("message", message)
    for parent in db.session.scalars(select(Message).where(Message.id.in_(parents))):
        emit_message_event("message_updated", parent)  # skipped while a report hides it
    if messages:
        log.warning(
            "redelivered %d message(s) a dead server process had not announced", len(messages)
        )
    return len(messages)
