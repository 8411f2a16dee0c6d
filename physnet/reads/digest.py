"""The weekly digest as a person sees it: their choice, and their latest digest, shown only
as far as they may still read it (a tip deleted or a channel left since drops out)."""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import select

from physnet.access import readable_channel_ids, visible_messages
from physnet.extensions import db
from physnet.models import Channel, Digest, DigestChoice, Message, Question, Tip, User, utcnow
from physnet.reads.json import DIGEST_SETTINGS_PATH, digest_choice_json, digest_json


def digest_mode(user: User) -> str:
    """`user`'s choice: "off", "app" or "email" (the site's default if they never chose)."""
    choice = db.session.get(DigestChoice, user.id)
    return choice.mode if choice is not None else current_app.config["PHYSNET"].digest_default


def choice(user: User) -> dict[str, Any]:
    """`user`'s digest choice and what it may be, as the API and the settings page show it."""
    settings = current_app.config["PHYSNET"]
    return digest_choice_json(
        digest_mode(user), settings.digest_default, bool(user.email), bool(settings.mail.host)
    )


def latest_digest(user: User) -> Digest | None:
    """The newest digest that reached `user` (in the app or by mail)."""
    return db.session.scalar(
        select(Digest)
        .where(Digest.user_id == user.id, Digest.status == "sent")
        .order_by(Digest.week.desc())
        .limit(1)
    )


def ids(text: str) -> list[int]:
    return [int(part) for part in text.split() if part.isdecimal()]


def digest_items(user: User, tip_ids: list[int], question_ids: list[int]) -> dict[str, Any]:
    """Tip titles and channel names with links, and open questions as a channel name and a
    link only (never their text: messages are not PHI-screened), that `user` may read now."""
    tips = []
    if tip_ids:
        found = db.session.scalars(
            select(Tip).where(
                Tip.id.in_(tip_ids),
                Tip.deleted_at.is_(None),
                Tip.channel_id.in_(readable_channel_ids(user)),
            )
        ).all()
        tip_by_id = {tip.id: tip for tip in found} if user.active else {}
        tips = [
            {"id": t.id, "title": t.title, "channel": t.channel.name, "url": f"/tips/{t.id}"}
            for t in (tip_by_id.get(i) for i in tip_ids)
            if t is not None
        ]
    questions = []
    if question_ids:
        rows = db.session.execute(
            select(Message.id, Channel.name, Question.status, Question.asked_at)
            .join(Question, Question.message_id == Message.id)
            .join(Channel, Channel.id == Message.channel_id)
            .where(Message.id.in_(question_ids), visible_messages(user))
        ).all()
        row_by_id = {row[0]: row for row in rows}
        questions = [
            {
                "id": row[0],
                "channel": row[1],
                "status": row[2],
                "asked_at": row[3].isoformat(),
                "url": f"/c/{row[1]}/m/{row[0]}",
            }
            for row in (row_by_id.get(i) for i in question_ids)
            if row is not None
        ]
    return {"tips": tips, "questions": questions}


def latest(user: User) -> dict[str, Any] | None:
    """`user`'s newest digest, as far as they may read it now; None if they never had one."""
    digest = latest_digest(user)
    if digest is None:
        return None
    return digest_json(digest, digest_items(user, ids(digest.tip_ids), ids(digest.question_ids)))


def mentions_entry(user: User) -> dict[str, Any] | None:
    """The digest's line in Mentions & replies: the newest one, for the week it belongs to
    and the next (then the following digest takes its place); counts only."""
    digest = latest_digest(user)
    if digest is None or digest.sent_at is None:
        return None
    if (utcnow() - digest.sent_at).days >= 7:
        return None
    return {
        "id": digest.id,
        "week": digest.week.isoformat(),
        "unread": digest.read_at is None,
        "tips": len(ids(digest.tip_ids)),
        "questions": len(ids(digest.question_ids)),
        "url": DIGEST_SETTINGS_PATH,
    }
