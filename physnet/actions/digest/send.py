"""`physnet digest send`: each person's weekly digest, once a week, in the app or by mail.

A week starts on Monday 00:00 UTC; a person gets at most one digest per week (the unique
`digests` row is claimed before anything is sent, so two runs, or two hosts, never send one
twice). A digest covers the 7 days before the run, or less if the last one reached later
(nothing is listed twice). Nothing new: nothing sent, and no row, so a later run the same
week still looks. A mail that fails is recorded as failed and retried by the next run of the
same week; after MAX_ATTEMPTS it is shown in the app instead. Either way the run reports it.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from email.utils import formataddr
from typing import Any

from flask import current_app, render_template
from sqlalchemy import delete, func, select, true, update
from sqlalchemy.exc import IntegrityError

from physnet.actions.audit import record_audit
from physnet.actions.broadcast import queue_event
from physnet.actions.digest.choice import unsubscribe_token
from physnet.actions.digest.content import load_candidates, pick
from physnet.actions.push.mail import relay
from physnet.db.transaction import atomic
from physnet.extensions import db
from physnet.models import Digest, DigestChoice, User, utcnow
from physnet.reads.digest import digest_items
from physnet.reads.json import DIGEST_SETTINGS_PATH as SETTINGS_PATH
from physnet.realtime import rooms

log = logging.getLogger(__name__)

PERIOD = timedelta(days=7)
MAX_ATTEMPTS = 3
KEEP_WEEKS = 12  # digests older than this are deleted by the job (the page shows the latest)
STALE_CLAIM = timedelta(minutes=30)  # a "sending" row this old died with its process


def week_of(moment: datetime) -> date:
    """The Monday (UTC) that starts the week of `moment`."""
    return moment.date() - timedelta(days=moment.weekday())


@dataclass
class DigestSummary:
    week: date
    dry_run: bool = False
    people: int = 0  # people whose choice is in the app or by e-mail
    in_app: int = 0
    mailed: int = 0
    nothing_new: int = 0
    already_sent: int = 0
    mail_failed: int = 0  # retried by the next run this week
    moved_to_app: int = 0  # failed MAX_ATTEMPTS times: shown in the app instead
    notes: list[str] = field(default_factory=list)
    planned: list[str] = field(default_factory=list)  # --dry-run: who would get what

    def __str__(self) -> str:
        verb = "would send" if self.dry_run else "sent"
        lines = [
            *self.planned,
            f"Week of {self.week.isoformat()}: {self.people} person(s) take the digest; "
            f"{verb} {self.in_app} in the app and "
            f"{self.mailed} by e-mail; {self.nothing_new} had nothing new; "
            f"{self.already_sent} already had this week's.",
            *self.notes,
        ]
        if self.mail_failed:
            lines.append(
                f"{self.mail_failed} digest mail(s) failed; the next run this week retries them."
            )
        if self.moved_to_app:
            lines.append(
                f"{self.moved_to_app} digest(s) failed {MAX_ATTEMPTS} times by mail; "
                "shown in the app instead."
            )
        return "\n".join(lines)


def _base_url() -> str:
    settings = current_app.config["PHYSNET"]
    return (settings.mail.public_url or settings.public_url or "").rstrip("/")


def do_send_digests(
    now: datetime | None = None, *, dry_run: bool = False, only: Collection[int] | None = None
) -> DigestSummary:
    """Send this week's digest to everyone who takes it and has something new (or to the
    people with the user ids in `only`)."""
    now = now or utcnow()
    settings = current_app.config["PHYSNET"]
    week = week_of(now)
    summary = DigestSummary(week=week, dry_run=dry_run)
    mode = func.coalesce(DigestChoice.mode, settings.digest_default)
    people = db.session.execute(
        select(User, mode)
        .outerjoin(DigestChoice, DigestChoice.user_id == User.id)
        .where(User.active.is_(True), mode != "off")
        .where(User.id.in_(only) if only is not None else true())
        .order_by(User.id)
    ).all()
    this_week = {
        d.user_id: d for d in db.session.scalars(select(Digest).where(Digest.week == week))
    }
    reached: dict[int, datetime] = {
        user_id: until
        for user_id, until in db.session.execute(
            select(Digest.user_id, func.max(Digest.covered_until))
            .where(Digest.status == "sent", Digest.week < week)
            .group_by(Digest.user_id)
        )
    }
    mail_ready = bool(settings.mail.host and _base_url())
    if not mail_ready and any(m == "email" for _, m in people):
        summary.notes.append(
            "E-mail digests went to the app: set [mail] host and public_url to mail them."
        )
    candidates = load_candidates(now - PERIOD, now)
    for user, chosen in people:
        summary.people += 1
        existing = this_week.get(user.id)
        if existing is not None and not _retryable(existing, now):
            summary.already_sent += 1
            continue
        if existing is not None:
            since = existing.covered_from
        else:
            since = max(now - PERIOD, reached.get(user.id) or now - PERIOD)
        tip_ids, question_ids = pick(user, candidates, since, now)
        if not tip_ids and not question_ids:
            summary.nothing_new += 1
            continue
        delivery = "email" if chosen == "email" and user.email and mail_ready else "app"
        if dry_run:
            summary.planned.append(
                f"{user.username}: {len(tip_ids)} tip(s), {len(question_ids)} question(s), "
                f"{'by e-mail' if delivery == 'email' else 'in the app'}"
            )
            summary.in_app += delivery == "app"
            summary.mailed += delivery == "email"
            continue
        _deliver(user, existing, week, since, now, delivery, tip_ids, question_ids, summary)
    db.session.rollback()
    if not dry_run:
        with atomic():
            db.session.execute(
                delete(Digest).where(Digest.week < week - timedelta(weeks=KEEP_WEEKS))
            )
    return summary


def _retryable(digest: Digest, now: datetime) -> bool:
    if digest.status == "failed":
        return True
    return digest.status == "sending" and digest.created_at < now - STALE_CLAIM


def _deliver(
    user: User,
    existing: Digest | None,
    week: date,
    since: datetime,
    now: datetime,
    delivery: str,
    tip_ids: list[int],
    question_ids: list[int],
    summary: DigestSummary,
) -> None:
    digest = _claim(user, existing, week, since, now, delivery, tip_ids, question_ids)
    if digest is None:
        summary.already_sent += 1  # another run claimed it a moment ago
        return
    if delivery == "app":  # delivered with the claim
        summary.in_app += 1
        return
    error = _mail(user, tip_ids, question_ids)
    with atomic():
        digest = db.session.get(Digest, digest.id)
        assert digest is not None
        if error is None:
            digest.status, digest.sent_at = "sent", now
            record_audit("system", "digest.mailed", f"user:{user.username}", week=week.isoformat())
            summary.mailed += 1
            return
        digest.last_error = error[:200]
        if digest.attempts >= MAX_ATTEMPTS:
            digest.delivery = "app"
            record_audit(
                "system", "digest.mail_failed", f"user:{user.username}", attempts=digest.attempts
            )
            _finish_in_app(user, digest, now)
            summary.moved_to_app += 1
        else:
            digest.status = "failed"
            summary.mail_failed += 1


def _claim(
    user: User,
    existing: Digest | None,
    week: date,
    since: datetime,
    now: datetime,
    delivery: str,
    tip_ids: list[int],
    question_ids: list[int],
) -> Digest | None:
    """Take this person's digest of the week for this run; None if another run has it.
    In the app, the claim and the delivery are one transaction."""
    try:
        with atomic():
            digest = _take(user, existing, week, since, now, delivery, tip_ids, question_ids)
            if digest is not None and delivery == "app":
                _finish_in_app(user, digest, now)
        return digest
    except IntegrityError:
        return None


def _take(
    user: User,
    existing: Digest | None,
    week: date,
    since: datetime,
    now: datetime,
    delivery: str,
    tip_ids: list[int],
    question_ids: list[int],
) -> Digest | None:
    listed = {
        "delivery": delivery,
        "status": "sending",
        "covered_from": since,
        "covered_until": now,
        "tip_ids": " ".join(map(str, tip_ids)),
        "question_ids": " ".join(map(str, question_ids)),
    }
    if existing is not None:
        taken = db.session.execute(
            update(Digest)
            .where(
                Digest.id == existing.id,
                Digest.status == existing.status,
                Digest.attempts == existing.attempts,
            )
            .values(**listed, attempts=existing.attempts + 1, created_at=now)
            .execution_options(synchronize_session=False)
        )
        if getattr(taken, "rowcount", 0) != 1:
            return None
        db.session.refresh(existing)
        return existing
    digest = Digest(user_id=user.id, week=week, attempts=1, created_at=now, **listed)
    db.session.add(digest)
    db.session.flush()
    return digest


def _finish_in_app(user: User, digest: Digest, now: datetime) -> None:
    """Mark it sent and tell the person's open tabs (a content-free `notification`)."""
    with atomic():
        digest.status, digest.sent_at = "sent", now
        tips, questions = len(digest.tip_ids.split()), len(digest.question_ids.split())
        queue_event(
            "notification",
            {
                "kind": "digest",
                "channel": None,
                "message_id": None,
                "thread_id": None,
                "url": SETTINGS_PATH,
                "text": f"Your weekly digest: {_counted(tips, 'new tip')}, "
                f"{_counted(questions, 'open question')} you could answer",
            },
            rooms.user_room(user.id),
        )


def _counted(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _mail(user: User, tip_ids: list[int], question_ids: list[int]) -> str | None:
    """Send the digest mail; None when the relay took it, else the reason it failed."""
    mail = current_app.config["PHYSNET"].mail
    try:
        relay(compose(user, tip_ids, question_ids))
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("digest: the SMTP relay %s:%s failed: %s", mail.host, mail.port, exc)
        return f"{type(exc).__name__}: {exc}"
    return None


def compose(user: User, tip_ids: list[int], question_ids: list[int]) -> EmailMessage:
    """A plain-text part and a simple HTML part: tip titles, channel names and links only;
    the unsubscribe link (and RFC 8058 one-click headers) turns the digest off."""
    settings = current_app.config["PHYSNET"]
    base = _base_url()
    items = digest_items(user, tip_ids, question_ids)
    token = unsubscribe_token(user)
    context: dict[str, Any] = {
        "site": settings.site_name,
        "name": user.display_name or user.username,
        "base": base,
        "tips": items["tips"],
        "questions": items["questions"],
        "settings_url": f"{base}{SETTINGS_PATH}",
        "unsubscribe_url": f"{base}/digest/unsubscribe/{token}",
    }
    message = EmailMessage()
    message["From"] = formataddr((settings.site_name, settings.mail.sender))
    message["To"] = user.email
    message["Subject"] = (
        f"{settings.site_name} weekly digest: {_counted(len(items['tips']), 'new tip')}, "
        f"{_counted(len(items['questions']), 'open question')}"
    )
    message["List-Unsubscribe"] = f"<{context['unsubscribe_url']}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(render_template("mail/digest.txt", **context))
    message.add_alternative(render_template("mail/digest.html", **context), subtype="html")
    return message
