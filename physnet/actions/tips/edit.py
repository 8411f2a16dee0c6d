"""Creating, promoting, editing and deleting tips."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from physnet import markdown
from physnet.access import (
    access_channel,
    access_message,
    access_tip,
    can_moderate,
    check_can_post,
    is_hidden,
    shown_to_readers,
)
from physnet.actions import validate
from physnet.actions.audit import record_audit
from physnet.actions.broadcast import queue_event
from physnet.actions.phi import PhiOverride, check_phi, record_phi_override
from physnet.actions.tips.broadcast import insert_ignoring_duplicates, queue_tip_event
from physnet.actions.tips.input import flag, review_date, tip_tags, validate_tip_text
from physnet.db.transaction import atomic
from physnet.errors import Conflict, Forbidden, Invalid
from physnet.extensions import db
from physnet.models import MAX_BODY, Channel, Membership, Message, Tag, Tip, TipEdit, User, utcnow
from physnet.models.tips import today
from physnet.realtime import rooms

REVIEW_PERIOD = timedelta(days=365)  # EHR vendors ship upgrades about yearly


def default_review_date() -> date:
    return today() + REVIEW_PERIOD


def actor_of(user: User) -> str:
    return f"user:{user.username}"


def check_can_add_tip(user: User, channel: Channel, membership: Membership | None) -> None:
    """Members add tips where they may post (read access already checked): a tip is
    published to the channel, so the posting rule decides (archived channels take none,
    announcement channels take them from moderators only)."""
    check_can_post(user, channel, membership)


def check_can_edit_tip(user: User, tip: Tip, membership: Membership | None) -> None:
    if tip.owner_id != user.id and not can_moderate(user, membership):
        raise Forbidden(
            "Only the tip's owner, the channel's moderators and staff can change a tip.",
            code="not_tip_owner",
        )


def check_create_tip(
    user: User,
    channel_name: Any,
    title: Any,
    body: Any,
    tags: Any,
    review_at: Any = None,
    override_reason: Any = None,
) -> Tip:
    text_title, text_body = validate_tip_text(title, body)
    names = tip_tags(tags)
    review = review_date(review_at)
    channel, membership = access_channel(user, validate.require_str(channel_name, "channel") or "")
    check_can_add_tip(user, channel, membership)
    override = check_phi(
        user,
        channel,
        {"title": text_title, "body": text_body},
        override_reason,
        action="tip.create",
    )
    return do_create_tip(user, channel, text_title, text_body, names, review, phi_override=override)


def check_promote_message(
    user: User,
    message_id: Any,
    title: Any,
    tags: Any,
    whole_thread: Any = False,
    review_at: Any = None,
    body: Any = None,
    override_reason: Any = None,
) -> Tip:
    """Turn a message (or its whole thread) into a tip; the body defaults to the text with
    its authors. A message in a channel `user` cannot read is reported as unknown."""
    mid = validate.require_int(message_id, "id") or 0
    names = tip_tags(tags)
    review = review_date(review_at)
    thread = flag(whole_thread, "thread")
    message, membership = access_message(user, mid)
    if message.deleted_at is not None:
        raise Invalid("A deleted message cannot become a tip.", code="message_deleted")
    if is_hidden(message):  # a moderator sees it, but a tip is for everyone
        raise Conflict(
            "A reported message cannot become a tip until a moderator releases it.",
            code="message_hidden",
        )
    check_can_add_tip(user, message.channel, membership)
    root_id = message.thread_id or message.id
    if body is None:
        body = quoted_conversation(_thread_messages(root_id) if thread else [message])
    text_title, text_body = validate_tip_text(title, body)
    override = check_phi(
        user,
        message.channel,
        {"title": text_title, "body": text_body},
        override_reason,
        action="tip.promote",
    )
    return do_create_tip(
        user,
        message.channel,
        text_title,
        text_body,
        names,
        review,
        source_message_id=message.id,
        thread_id=root_id,
        phi_override=override,
    )


def _thread_messages(root_id: int) -> list[Message]:
    return list(
        db.session.scalars(
            select(Message)
            .where(
                (Message.id == root_id) | (Message.thread_id == root_id),
                Message.deleted_at.is_(None),
                shown_to_readers(),  # a reported message is copied into no tip
            )
            .order_by(Message.id)
        )
    )


def quoted_conversation(messages: list[Message]) -> str:
    """The messages' text, each under its author's name, cut to fit a tip's body."""
    parts: list[str] = []
    used = 0
    for index, message in enumerate(messages):
        name = message.author.display_name or message.author.username
        part = f"**{name}** (@{message.author.username}):\n\n{message.body}"
        left = len(messages) - index
        room = MAX_BODY - used - 80  # keep space for the note below
        if len(part) > room:
            if not parts:
                parts.append(part[: max(room, 0)].rstrip() + " …")
                left -= 1
            if left:
                parts.append(f"*({left} more message(s) in the conversation.)*")
            break
        parts.append(part)
        used += len(part) + 2
    return "\n\n".join(parts)


def do_create_tip(
    owner: User,
    channel: Channel,
    title: str,
    body: str,
    tags: list[str],
    review_at: date | None = None,
    source_message_id: int | None = None,
    thread_id: int | None = None,
    created_at: datetime | None = None,
    phi_override: PhiOverride | None = None,
) -> Tip:
    """Store a tip and announce it to the channel. Precondition: `owner` may add tips there;
    a `phi_override` (from check_phi) is audited in the same transaction."""
    now = created_at or utcnow()
    html = markdown.render(body)  # before the transaction: keep the write lock short
    with atomic():
        tip = Tip(
            channel=channel,
            owner=owner,
            title=title,
            body=body,
            html=html,
            source_message_id=source_message_id,
            thread_id=thread_id,
            review_at=review_at or default_review_date(),
            created_at=now,
            updated_at=now,
        )
        tip.tags = resolve_tags(tags)
        db.session.add(tip)
        db.session.flush()
        record_audit(
            actor_of(owner),
            "tip.promoted" if source_message_id else "tip.created",
            f"tip:{tip.id}",
            channel=channel.name,
            title=title,
            tags=tags,
            source_message_id=source_message_id,
        )
        record_phi_override(phi_override, f"tip:{tip.id}")
        queue_tip_event("tip", tip)
    return tip


def resolve_tags(names: list[str]) -> list[Tag]:
    """The Tag rows of these names, created when new (a tag added by two people at once is
    stored once), in the order given."""
    if not names:
        return []
    insert_ignoring_duplicates(Tag.__table__, [{"name": n} for n in names])
    found = {t.name: t for t in db.session.scalars(select(Tag).where(Tag.name.in_(names)))}
    return [found[n] for n in names]


def check_edit_tip(user: User, tip_id: Any, changes: Mapping[str, Any]) -> Tip:
    """Change any of title, body, tags and review_at (keys present in `changes`)."""
    tid = validate.require_int(tip_id, "id") or 0
    tip, membership = access_tip(user, tid)
    check_can_edit_tip(user, tip, membership)
    title, body = validate_tip_text(changes.get("title", tip.title), changes.get("body", tip.body))
    tags = tip_tags(changes["tags"]) if "tags" in changes else tip.tag_names
    review = review_date(changes.get("review_at")) or tip.review_at
    override = None
    if (title, body) != (tip.title, tip.body):  # unchanged text was scanned when stored
        override = check_phi(
            user,
            tip.channel,
            {"title": title, "body": body},
            changes.get("phi_override_reason"),
            action="tip.edit",
        )
    return do_edit_tip(user, tip, title, body, tags, review, phi_override=override)


def do_edit_tip(
    editor: User,
    tip: Tip,
    title: str,
    body: str,
    tags: list[str],
    review_at: date,
    phi_override: PhiOverride | None = None,
) -> Tip:
    """Apply the changes, keep the previous version in the history, and broadcast; a
    `phi_override` (from check_phi) is audited in the same transaction."""
    content_changed = (title, body, sorted(tags)) != (tip.title, tip.body, sorted(tip.tag_names))
    if not content_changed and review_at == tip.review_at:
        return tip
    html = markdown.render(body) if body != tip.body else tip.html
    with atomic():
        changed = [
            name
            for name, old, new in (
                ("title", tip.title, title),
                ("body", tip.body, body),
                ("tags", sorted(tip.tag_names), sorted(tags)),
                ("review_at", tip.review_at, review_at),
            )
            if old != new
        ]
        if content_changed:
            db.session.add(
                TipEdit(
                    tip_id=tip.id,
                    editor_id=editor.id,
                    previous_title=tip.title,
                    previous_body=tip.body,
                    previous_tags=" ".join(tip.tag_names),
                )
            )
        tip.title, tip.body, tip.html, tip.review_at = title, body, html, review_at
        tip.tags = resolve_tags(tags)
        tip.updated_at = utcnow()  # also marks the row changed for the change log
        record_audit(
            actor_of(editor),
            "tip.edited",
            f"tip:{tip.id}",
            channel=tip.channel.name,
            changed=changed,
            title=title,
        )
        record_phi_override(phi_override, f"tip:{tip.id}")
        queue_tip_event("tip_updated", tip)
    return tip


def check_delete_tip(user: User, tip_id: Any) -> Tip:
    tid = validate.require_int(tip_id, "id") or 0
    tip, membership = access_tip(user, tid)
    check_can_edit_tip(user, tip, membership)
    do_delete_tip(user, tip)
    return tip


def do_delete_tip(user: User, tip: Tip) -> None:
    """Hide the tip everywhere (its row and history stay for the audit trail)."""
    with atomic():
        tip.deleted_at = utcnow()
        record_audit(
            actor_of(user),
            "tip.deleted",
            f"tip:{tip.id}",
            channel=tip.channel.name,
            title=tip.title,
        )
        queue_event(
            "tip_deleted",
            {"id": tip.id, "channel": tip.channel.name},
            rooms.channel_room(tip.channel_id),
        )
