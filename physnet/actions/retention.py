"""Retention: delete messages older than the global or per-channel policy.

A message goes with its edit history, reactions, mentions, thread replies and search
entry. Pinned messages (keep_pinned), the sources of tips (keep_tips) and messages under a
legal hold (their channel's or their author's) stay, and so does the root of a thread with
such a reply. The audit log is not subject to retention.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.orm import aliased

from physnet.actions.audit import actor_of, record_audit
from physnet.actions.files.remove import remove_message_files
from physnet.actions.legal_holds import held
from physnet.db.change_log import queue
from physnet.db.transaction import atomic
from physnet.errors import Forbidden, Invalid, NotFound
from physnet.extensions import db
from physnet.models import (
    CHANNEL_NAME_RE,
    Channel,
    Mention,
    Message,
    MessageEdit,
    Reaction,
    Tip,
    User,
    utcnow,
)
from physnet.reads import runtime_settings

BATCH = 500
MAX_DAYS = 36_500


@dataclass
class RetentionReport:
    dry_run: bool
    deleted: int = 0  # messages, replies included
    replies: int = 0  # of which replies in a deleted message's thread
    edits: int = 0
    reactions: int = 0
    mentions: int = 0
    files: int = 0  # attachments, their bytes removed from storage
    kept_pinned: int = 0
    kept_tips: int = 0
    kept_held: int = 0  # under a legal hold (and not pinned or a tip source)
    channels: dict[str, int] = field(default_factory=dict)

    def counts(self) -> dict[str, Any]:
        return {
            "deleted": self.deleted,
            "replies": self.replies,
            "edits": self.edits,
            "reactions": self.reactions,
            "mentions": self.mentions,
            "files": self.files,
            "kept_pinned": self.kept_pinned,
            "kept_tips": self.kept_tips,
            "kept_held": self.kept_held,
            "channels": dict(self.channels),
        }

    def summary(self) -> str:
        verb = "Would delete" if self.dry_run else "Deleted"
        where = ", ".join(f"#{name} {n}" for name, n in sorted(self.channels.items())) or "none"
        return (
            f"{verb} {self.deleted} messages ({self.replies} thread replies), {self.edits} "
            f"earlier versions, {self.reactions} reactions, {self.mentions} mentions, "
            f"{self.files} attached files; kept "
            f"{self.kept_pinned} pinned, {self.kept_tips} tip sources and {self.kept_held} "
            f"under a legal hold. Per channel: {where}."
        )


class _Policy:
    """Which old messages a run keeps: SQL conditions over a messages alias."""

    def __init__(self, keep_pinned: bool, keep_tips: bool) -> None:
        self.keep_pinned = keep_pinned
        self.keep_tips = keep_tips

    def pinned(self, m: Any) -> Any:
        return m.pinned_at.is_not(None) if self.keep_pinned else sa.false()

    def tip(self, m: Any) -> Any:
        if not self.keep_tips:
            return sa.false()
        return m.id.in_(select(Tip.source_message_id).where(Tip.source_message_id.is_not(None)))

    def kept(self, m: Any) -> Any:
        return sa.or_(self.pinned(m), self.tip(m), held(m))

    def expired(self, channel_id: int, cutoff: datetime) -> Any:
        """Conditions on Message: old, not kept, and not the root of a kept reply."""
        reply = aliased(Message)
        return sa.and_(
            Message.channel_id == channel_id,
            Message.created_at < cutoff,
            sa.not_(self.kept(Message)),
            ~exists().where(reply.thread_id == Message.id, self.kept(reply)),
        )


def channel_cutoffs(now: datetime) -> list[tuple[int, str, datetime]]:
    """(channel id, name, cutoff) for every channel with a retention policy."""
    default = runtime_settings.retention_days()
    out = []
    for cid, name, days in db.session.execute(
        select(Channel.id, Channel.name, Channel.retention_days).order_by(Channel.id)
    ):
        days = default if days is None else days
        if days:
            out.append((cid, name, now - timedelta(days=days)))
    return out


def apply_retention(
    *,
    dry_run: bool = False,
    now: datetime | None = None,
    progress: Callable[[str], None] | None = None,
) -> RetentionReport:
    """Delete (or with dry_run, count) what the policies say has expired, in batches.

    Each batch is its own transaction, so a long run never holds the write lock for long and
    an interrupted run can simply be started again. The run is audited with its counts.
    """
    settings = current_app.config["PHYSNET"]
    now = now or utcnow()
    policy = _Policy(settings.retention_keep_pinned, settings.retention_keep_tips)
    report = RetentionReport(dry_run=dry_run)
    for cid, name, cutoff in channel_cutoffs(now):
        old = sa.and_(Message.channel_id == cid, Message.created_at < cutoff)
        report.kept_pinned += _count(select(func.count()).where(old, policy.pinned(Message)))
        report.kept_tips += _count(
            select(func.count()).where(old, policy.tip(Message), sa.not_(policy.pinned(Message)))
        )
        report.kept_held += _count(
            select(func.count()).where(
                old,
                held(Message),
                sa.not_(policy.pinned(Message)),
                sa.not_(policy.tip(Message)),
            )
        )
        expired = policy.expired(cid, cutoff)
        if dry_run:
            _count_expired(report, name, expired)
        else:
            while _delete_batch(report, name, expired):
                if progress:
                    progress(f"#{name}: {report.channels[name]} messages deleted")
    if not dry_run:
        with atomic():
            record_audit(
                "system",
                "retention.applied",
                "",
                **report.counts(),
                default_days=runtime_settings.retention_days(),
            )
    return report


def _count(query: Any) -> int:
    return int(db.session.scalar(query.select_from(Message)) or 0)


def _with_replies(ids_query: Any) -> Any:
    """The ids of `ids_query` plus the replies of those messages."""
    return select(Message.id).where(
        sa.or_(Message.id.in_(ids_query), Message.thread_id.in_(ids_query))
    )


def _count_expired(report: RetentionReport, name: str, expired: Any) -> None:
    ids = select(Message.id).where(expired).correlate(None)
    gone = _with_replies(ids).correlate(None)
    total = int(db.session.scalar(select(func.count()).select_from(gone.subquery())) or 0)
    report.deleted += total
    report.replies += total - _count(select(func.count()).where(expired))
    report.channels[name] = total
    for model, attr in ((MessageEdit, "edits"), (Reaction, "reactions"), (Mention, "mentions")):
        n = db.session.scalar(
            select(func.count()).select_from(model).where(model.message_id.in_(gone))
        )
        setattr(report, attr, getattr(report, attr) + int(n or 0))


def _delete_batch(report: RetentionReport, name: str, expired: Any) -> bool:
    """Delete one batch of expired messages with everything hanging off them."""
    with atomic():
        ids = list(
            db.session.scalars(select(Message.id).where(expired).order_by(Message.id).limit(BATCH))
        )
        if not ids:
            return False
        replies = list(
            db.session.scalars(
                select(Message.id).where(Message.thread_id.in_(ids), Message.id.not_in(ids))
            )
        )
        gone = ids + replies
        roots = set(
            db.session.scalars(
                select(Message.thread_id).where(Message.id.in_(ids), Message.thread_id.is_not(None))
            )
        ) - set(gone)
        for model, attr in ((MessageEdit, "edits"), (Reaction, "reactions"), (Mention, "mentions")):
            result = db.session.execute(delete(model).where(model.message_id.in_(gone)))
            setattr(report, attr, getattr(report, attr) + result.rowcount)  # type: ignore[attr-defined]
        # Each file audited, its row deleted now and its bytes once this batch commits.
        report.files += remove_message_files(gone, "retention", "retention")
        db.session.execute(delete(Message).where(Message.id.in_(replies)))
        db.session.execute(delete(Message).where(Message.id.in_(ids)))
        if roots:  # kept threads lose the replies that expired
            reply = aliased(Message)
            live = (
                select(func.count())
                .where(reply.thread_id == Message.id, reply.deleted_at.is_(None))
                .scalar_subquery()
            )
            db.session.execute(
                update(Message).where(Message.id.in_(roots)).values(reply_count=live)
            )
        queue(db.session(), "message", gone)  # bulk deletes bypass the change-log hook
        db.session.expire_all()
    report.deleted += len(gone)
    report.replies += len(replies)
    report.channels[name] = report.channels.get(name, 0) + len(gone)
    return True


def check_set_channel_retention(admin: User, name: Any, days: Any) -> Channel:
    """An admin sets a channel's retention: days, 0 to keep forever, None for the default."""
    if not admin.is_admin:
        raise Forbidden("Only admins set retention.", code="admin_only")
    known = isinstance(name, str) and CHANNEL_NAME_RE.fullmatch(name) is not None
    channel = db.session.scalar(select(Channel).where(Channel.name == name)) if known else None
    if channel is None:
        raise NotFound(f"There is no channel #{name}.", code="unknown_channel")
    if days is not None and (isinstance(days, bool) or not isinstance(days, int)):
        raise Invalid(
            "days must be a whole number of days, 0 (keep forever) or null.", code="invalid_type"
        )
    if days is not None and not 0 <= days <= MAX_DAYS:
        raise Invalid(f"days must be between 0 and {MAX_DAYS}.", code="out_of_range")
    with atomic():
        before = channel.retention_days
        channel.retention_days = days
        record_audit(
            actor_of(admin),
            "channel.retention_set",
            f"channel:{channel.name}",
            before=before,
            after=days,
        )
    return channel
