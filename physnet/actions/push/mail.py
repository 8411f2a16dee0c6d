"""The e-mail fallback for people with no push device: content-free, after a delay, only
if still unread ("3 new mentions in #ehr-tips"), through the site's SMTP relay ([mail])."""

from __future__ import annotations

import logging
import smtplib
from datetime import timedelta
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import exists, func, select, update
from sqlalchemy.exc import IntegrityError

from physnet.actions.audit import record_audit
from physnet.db.transaction import atomic
from physnet.extensions import db
from physnet.models import Channel, MailMark, Mention, Message, PushSubscription, User, utcnow

log = logging.getLogger(__name__)


def send_due() -> int:
    """Mail everyone whose mentions stayed unread past the delay; returns mails sent.

    One mail per person per run, naming channels and counts only. The mark moves past what
    was mailed, so a mention is mailed at most once; pushes are for people with a device.
    """
    settings = current_app.config["PHYSNET"]
    mail = settings.mail
    if not mail.host:
        return 0
    due = utcnow() - timedelta(minutes=mail.delay_minutes)
    mark = func.coalesce(
        select(MailMark.mailed_up_to).where(MailMark.user_id == Mention.user_id).scalar_subquery(),
        0,
    )
    rows = db.session.execute(
        select(Mention.user_id, Channel.name, func.count(), func.max(Message.id))
        .join(Message, Message.id == Mention.message_id)
        .join(Channel, Channel.id == Message.channel_id)
        .join(User, User.id == Mention.user_id)
        .where(
            Mention.read_at.is_(None),
            Message.created_at <= due,
            Message.id > mark,
            User.active.is_(True),
            User.email != "",
            ~exists().where(PushSubscription.user_id == Mention.user_id),
        )
        .group_by(Mention.user_id, Channel.name)
    ).all()
    db.session.rollback()
    by_user: dict[int, list[tuple[str, int, int]]] = {}
    for user_id, channel, count, newest in rows:
        by_user.setdefault(user_id, []).append((channel, count, newest))
    sent = 0
    link = (mail.public_url or settings.public_url or "").rstrip("/") + "/"
    for user_id, channels in by_user.items():
        user = db.session.get(User, user_id)
        if user is None or not _claim(user_id, max(n for _, _, n in channels)):
            continue  # another process (or thread) mails this person
        message = _compose(user, channels, mail.sender, link)
        try:
            relay(message)
        except (OSError, smtplib.SMTPException):
            # At most once: these mentions stay in the app; the next ones are mailed again.
            log.warning("mail fallback: the SMTP relay %s:%s failed", mail.host, mail.port)
            continue
        with atomic():
            record_audit("system", "push.mailed", f"user:{user.username}", channels=len(channels))
        sent += 1
    return sent


def relay(message: EmailMessage) -> None:
    """Hand one mail to the site's SMTP relay (`[mail]`, host set); raises OSError or
    smtplib.SMTPException when the relay is unreachable or refuses it. The e-mail fallback
    and the weekly digest both send through here."""
    mail = current_app.config["PHYSNET"].mail
    with smtplib.SMTP(mail.host, mail.port, timeout=10) as smtp:
        if mail.starttls:
            smtp.starttls()
        smtp.send_message(message)


def _claim(user_id: int, newest: int) -> bool:
    """Move the person's mark to `newest`; True if this caller moved it (one mail, however
    many processes run the fallback)."""
    try:
        with atomic():
            moved = db.session.execute(
                update(MailMark)
                .where(MailMark.user_id == user_id, MailMark.mailed_up_to < newest)
                .values(mailed_up_to=newest)
            )
            if getattr(moved, "rowcount", 0) == 1:
                return True
            if db.session.get(MailMark, user_id) is not None:
                return False
            db.session.add(MailMark(user_id=user_id, mailed_up_to=newest))
        return True
    except IntegrityError:  # created by another process at the same moment
        return False


def _compose(
    user: User, channels: list[tuple[str, int, int]], sender: str, link: str
) -> EmailMessage:
    """Counts and channel names only: never who said what, never the message."""
    channels = sorted(channels, key=lambda c: -c[1])
    total = sum(count for _, count, _ in channels)
    noun = "mention" if total == 1 else "mentions"
    where = f"#{channels[0][0]}" if len(channels) == 1 else f"{len(channels)} channels"
    message = EmailMessage()
    message["From"] = sender
    message["To"] = user.email
    message["Subject"] = f"{total} new {noun} in {where}"
    lines = [
        f"{count} new {'mention' if count == 1 else 'mentions'} in #{name}"
        for name, count, _ in channels
    ]
    message.set_content(
        "\n".join(
            [
                f"Hello {user.display_name or user.username},",
                "",
                *lines,
                "",
                f"Open PhysNet to read them: {link}"
                if link != "/"
                else "Open PhysNet to read them.",
                "",
                "You get this mail because these mentions are unread and no device of yours",
                "receives PhysNet pushes.",
            ]
        )
    )
    return message
