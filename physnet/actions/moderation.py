"""Reporting a message, quarantining it at once, and a moderator's release or delete.

A quarantined message is hidden from everyone but the channel's moderators and staff:
history, catch-up and threads skip it (`physnet/reads/channels.py`), `access_message` answers 404,
the search source treats it as absent (the change log reindexes it, since the row changed), and
mention counts leave it out. Open screens get `message_deleted` with `"quarantined": true`
and drop it; its author gets `message_quarantined` in their own room.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from physnet.access import access_message, can_moderate, can_read
from physnet.actions import validate
from physnet.actions.audit import record_audit
from physnet.actions.broadcast import queue_event, queue_message_event
from physnet.actions.messages.edit import do_delete_message
from physnet.actions.report_policy import report_hides_at_once
from physnet.db.transaction import atomic
from physnet.errors import BadRequest, Conflict, Invalid, NotFound
from physnet.extensions import db
from physnet.models import (
    REPORT_KINDS,
    Channel,
    Membership,
    Message,
    MessageReport,
    User,
    utcnow,
)
from physnet.reads.json import report_json
from physnet.realtime import rooms

MAX_REASON = 500


def check_report_message(user: User, message_id: Any, data: Any) -> MessageReport:
    """Anyone who can read a message may report it; it is quarantined at once."""
    mid = validate.require_int(message_id, "id") or 0
    if not isinstance(data, dict):
        raise BadRequest("Send a JSON object with kind and reason.", code="invalid_json")
    kind = data.get("kind", "phi")
    if kind not in REPORT_KINDS:
        raise Invalid("A report's kind is phi or other.", code="invalid_report_kind")
    reason = (validate.require_str(data.get("reason", ""), "reason") or "").strip()
    if len(reason) > MAX_REASON or "\x00" in reason:
        raise Invalid(f"A reason is at most {MAX_REASON} characters.", code="invalid_reason")
    message, _ = access_message(user, mid)
    if message.deleted_at is not None:
        raise Invalid("A deleted message cannot be reported.", code="message_deleted")
    existing = db.session.scalar(
        select(MessageReport).where(
            MessageReport.message_id == message.id,
            MessageReport.reporter_id == user.id,
            MessageReport.status == "open",
        )
    )
    if existing is not None:  # a second click reports nothing new
        return existing
    return do_report_message(user, message, kind, reason)


def do_report_message(user: User, message: Message, kind: str, reason: str) -> MessageReport:
    """Record the report and quarantine the message (if it is not already), unless the
    channel queues reports from newcomers and `user` is one (`report_policy`)."""
    with atomic():
        report = MessageReport(message=message, reporter=user, kind=kind, reason=reason)
        db.session.add(report)
        hide = report_hides_at_once(user, message)
        if hide and message.quarantined_at is None:
            message.quarantined_at = utcnow()
            _queue_quarantine_events(message, kind)
        db.session.flush()
        # The reason stays on the report, for moderators; the trail keeps who, what, where.
        record_audit(
            user.username,
            "message.report",
            f"message:{message.id}",
            report=report.id,
            kind=kind,
            channel=message.channel.name,
            hidden=message.quarantined_at is not None,
        )
    return report


def _queue_quarantine_events(message: Message, kind: str) -> None:
    channel = message.channel.name
    queue_event(
        "message_deleted",
        {"id": message.id, "channel": channel, "thread_id": message.thread_id, "quarantined": True},
        rooms.channel_room(message.channel_id),
    )
    what = "patient information" if kind == "phi" else "a problem"
    queue_event(
        "message_quarantined",
        {
            "id": message.id,
            "channel": channel,
            "kind": kind,
            "message": f"Your message in #{channel} was reported as containing {what}. "
            "It is hidden until a moderator reviews it.",
        },
        rooms.user_room(message.author_id),
    )


def _moderated_channel_ids(user: User, channel_ids: set[int]) -> set[int]:
    """Of these channels, the ones `user` may read and moderate."""
    memberships = {
        m.channel_id: m
        for m in db.session.scalars(
            select(Membership).where(
                Membership.user_id == user.id, Membership.channel_id.in_(channel_ids)
            )
        )
    }
    allowed = set()
    for report_channel in channel_ids:
        membership = memberships.get(report_channel)
        channel = membership.channel if membership else db.session.get(Channel, report_channel)
        if (
            channel is not None
            and can_read(user, channel, membership)
            and can_moderate(user, membership)
        ):
            allowed.add(report_channel)
    return allowed


def reports_for(user: User, status: str = "open") -> list[dict[str, Any]]:
    """The reports `user` reviews: staff everywhere they can read, moderators in their channels."""
    reports = db.session.scalars(
        select(MessageReport)
        .where(MessageReport.status == status)
        .order_by(MessageReport.id.desc())
        .limit(500)
    ).all()
    allowed = _moderated_channel_ids(user, {r.message.channel_id for r in reports})
    return [report_json(r) for r in reports if r.message.channel_id in allowed]


def check_resolve_report(user: User, report_id: Any, outcome: str) -> MessageReport:
    """Release (restore) or delete a reported message; its channel's moderators and staff."""
    rid = validate.require_int(report_id, "id") or 0
    report = db.session.get(MessageReport, rid) if rid else None
    if report is None or not _moderated_channel_ids(user, {report.message.channel_id}):
        raise NotFound(f"There is no report {rid} that you can review.", code="unknown_report")
    if report.status != "open":
        raise Conflict(f"Report {rid} was already {report.status}.", code="report_closed")
    do_resolve_report(user, report.message, outcome)
    return report


def do_resolve_report(user: User, message: Message, outcome: str) -> None:
    """Close every open report of `message`; restore it, or delete it for good."""
    with atomic():
        now = utcnow()
        for report in db.session.scalars(
            select(MessageReport).where(
                MessageReport.message_id == message.id, MessageReport.status == "open"
            )
        ):
            report.status = outcome
            report.resolved_at = now
            report.resolved_by_id = user.id
        was_hidden = message.quarantined_at is not None
        message.quarantined_at = None  # a tombstone needs no hiding; a release shows it again
        if outcome == "deleted":
            do_delete_message(message)
        elif was_hidden:  # a queued report's message never left the screens
            db.session.flush()
            queue_message_event("message", message)  # visible again: back on every screen
        record_audit(
            user.username,
            "message.report_" + ("delete" if outcome == "deleted" else "release"),
            f"message:{message.id}",
            channel=message.channel.name,
        )
