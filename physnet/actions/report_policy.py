"""Whether a report hides its message at once, and the channel setting that decides it.

By default every report quarantines the message at once (a report of patient information
must not wait). A channel's moderators can turn on `queue_newcomer_reports`: then a report
from someone with no posting history in the channel (no message of theirs there that is
not deleted) is recorded and queued for the moderators, and the message stays visible
until one of them decides. Reports from people who post there, and from moderators and
staff, still hide at once. It blunts a throwaway account hiding messages it dislikes.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from physnet.access import access_channel, can_moderate
from physnet.actions import validate
from physnet.actions.audit import record_audit
from physnet.db.transaction import atomic
from physnet.errors import Forbidden, Invalid
from physnet.extensions import db
from physnet.models import Channel, Membership, Message, User


def report_hides_at_once(reporter: User, message: Message) -> bool:
    """True unless the channel queues newcomers' reports and `reporter` is a newcomer there."""
    channel = message.channel
    if not channel.queue_newcomer_reports:
        return True
    membership = db.session.get(Membership, (channel.id, reporter.id))
    if can_moderate(reporter, membership):
        return True
    posted = db.session.scalar(
        select(Message.id)
        .where(
            Message.channel_id == channel.id,
            Message.author_id == reporter.id,
            Message.deleted_at.is_(None),
        )
        .limit(1)
    )
    return posted is not None


def check_set_report_policy(user: User, channel_name: Any, queue: Any) -> Channel:
    """Turn queue_newcomer_reports on or off; the channel's moderators and admins only."""
    channel, membership = access_channel(user, validate.require_str(channel_name, "name") or "")
    if not can_moderate(user, membership):
        raise Forbidden(
            f"Only moderators of #{channel.name} and admins change its settings.",
            code="not_moderator",
        )
    if not isinstance(queue, bool):
        raise Invalid(
            "queue_newcomer_reports must be true or false.", code="invalid_queue_newcomer_reports"
        )
    return do_set_report_policy(user, channel, queue)


def do_set_report_policy(user: User, channel: Channel, queue: bool) -> Channel:
    with atomic():
        before = bool(channel.queue_newcomer_reports)
        channel.queue_newcomer_reports = queue
        record_audit(
            user.username,
            "channel.report_policy",
            f"channel:{channel.name}",
            before=before,
            after=queue,
        )
    return channel
