"""Every JSON shape, in one place: users, people and profiles, channels, messages, reports,
notifications, tips, API tokens, admin accounts and legal holds (SPEC lists them)."""

from __future__ import annotations

from typing import Any

from flask import url_for

from physnet.access import is_hidden
from physnet.extensions import db
from physnet.models import (
    DIGEST_MODES,
    ApiToken,
    Channel,
    Digest,
    File,
    LegalHold,
    Membership,
    Message,
    MessageReport,
    PushSubscription,
    Tip,
    User,
    UserAvailability,
)
from physnet.models.tips import is_out_of_date
from physnet.models.types import iso
from physnet.people.fields import editable_fields, read_only_fields
from physnet.reads.people import has_photo


def user_json(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "display_name": user.display_name or user.username,
        "title": user.title,
        "credentials": user.credentials,
        "specialty": user.specialty,
        "department": user.department,
        "facility": user.facility,
        "phone": user.phone,
        "email": user.email,
        "active": user.active,
        "source": user.source,
        "role": user.role,
        "bio": user.bio,
        "expertise": [t for t in (s.strip() for s in user.expertise.split(",")) if t],
        "ehr_systems": [t for t in (s.strip() for s in user.ehr_systems.split(",")) if t],
        "ask_me_about": user.ask_me_about,
    }


def author_json(user: User) -> dict[str, str]:
    return {"username": user.username, "display_name": user.display_name or user.username}


def channel_json(
    channel: Channel, membership: Membership | None = None, **extra: Any
) -> dict[str, Any]:
    data = {
        "name": channel.name,
        "title": channel.title or channel.name,
        "description": channel.description,
        "kind": channel.kind,
        "private": channel.is_private,
        "archived": channel.archived_at is not None,
        "created_at": iso(channel.created_at),
        "member": membership is not None,
        "role": membership.role if membership else None,
        "last_read_id": membership.last_read_id if membership else None,
        "notifications": membership.notification_level if membership else None,
    }
    data.update(extra)
    return data


def reactions_json(message: Message) -> list[dict[str, Any]]:
    grouped: dict[str, list[str]] = {}
    for reaction in message.reactions:
        grouped.setdefault(reaction.emoji, []).append(reaction.user.username)
    return [{"emoji": e, "count": len(users), "users": users} for e, users in grouped.items()]


def message_json(message: Message) -> dict[str, Any]:
    deleted = message.deleted_at is not None
    return {
        "id": message.id,
        "channel": message.channel.name,
        "author": author_json(message.author),
        "body": "" if deleted else message.body,
        "html": "" if deleted else message.html,
        "created_at": iso(message.created_at),
        "edited_at": iso(message.edited_at),
        "deleted": deleted,
        "thread_id": message.thread_id,
        "reply_count": message.reply_count,
        "reactions": [] if deleted else reactions_json(message),
        "client_msg_id": message.client_msg_id,
        "quarantined": is_hidden(message),
        "pinned_at": iso(message.pinned_at),
        "pinned_by": author_json(message.pinned_by) if message.pinned_by else None,
        "files": [] if deleted else [file_json(f) for f in message.files],
        "question": question_json(message),
    }


def file_json(file: File) -> dict[str, Any]:
    """An attachment: its bytes at `url`, a small PNG at `thumbnail_url` (pictures, PDFs)."""
    return {
        "id": file.id,
        "name": file.name,
        "content_type": file.content_type,
        "kind": file.kind,
        "size": file.size,
        "width": file.width,
        "height": file.height,
        "url": f"/api/v1/files/{file.id}",
        "thumbnail_url": f"/api/v1/files/{file.id}/thumbnail" if file.thumb_digest else None,
        "message_id": file.message_id,
        "created_at": iso(file.created_at),
    }


def question_json(message: Message) -> dict[str, Any] | None:
    """A question's state (issue 17), or None for a message not asked as one."""
    question = message.question
    if question is None:
        return None
    return {
        "status": question.status,
        "answer_id": question.answer_id,
        "asked_at": iso(question.asked_at),
        "answered_at": iso(question.answered_at),
    }


def tip_json(
    tip: Tip,
    endorsements: int,
    endorsed_by_me: bool | None = None,
    permissions: dict[str, bool] | None = None,
) -> dict[str, Any]:
    """A tip as the API and the socket events show it. `endorsed_by_me` is None (and there
    are no `permissions`) in broadcasts, which every reader of the channel receives."""
    data: dict[str, Any] = {
        "id": tip.id,
        "title": tip.title,
        "body": tip.body,
        "html": tip.html,
        "tags": tip.tag_names,
        "channel": tip.channel.name,
        "owner": author_json(tip.owner),
        "source_message_id": tip.source_message_id,
        "thread_id": tip.thread_id,
        "endorsements": endorsements,
        "endorsed_by_me": endorsed_by_me,
        "verified": (
            {"by": author_json(tip.verified_by), "at": iso(tip.verified_at)}
            if tip.verified_at is not None and tip.verified_by is not None
            else None
        ),
        "review_at": tip.review_at.isoformat(),
        "out_of_date": is_out_of_date(tip),
        "created_at": iso(tip.created_at),
        "updated_at": iso(tip.updated_at),
    }
    if permissions is not None:
        data["permissions"] = permissions
    return data


def photo_url(user: User) -> str:
    return url_for("api.user_photo", username=user.username)


def person_json(user: User, has_photo: bool) -> dict[str, Any]:
    """A directory entry: the user object of SPEC and where their photo is (or None)."""
    return {**user_json(user), "photo_url": photo_url(user) if has_photo else None}


def profile_json(user: User, viewer: User) -> dict[str, Any]:
    """A profile: which fields come from the directory, and, for its owner, what they edit."""
    mine, photo = viewer.id == user.id, has_photo(user)
    return {
        **person_json(user, photo),
        "directory_fields": read_only_fields(user),
        "editable_fields": sorted(editable_fields(user)) if mine else [],
        "uploaded_photo": mine and user.photo is None and photo,
        # "off duty until 07:00", "busy" or "" (available): shown beside presence.
        "availability": availability_label(db.session.get(UserAvailability, user.id)),
    }


def channel_ref_json(channel: Channel) -> dict[str, Any]:
    """A channel as a profile lists it: what it is, not the viewer's membership of it."""
    return {
        "name": channel.name,
        "title": channel.title or channel.name,
        "description": channel.description,
        "kind": channel.kind,
        "private": channel.is_private,
    }


def report_json(report: MessageReport) -> dict[str, Any]:
    return {
        "id": report.id,
        "kind": report.kind,
        "reason": report.reason,
        "status": report.status,
        # False: queued without hiding the message (a newcomer's report, see report_policy)
        "message_hidden": is_hidden(report.message),
        "created_at": iso(report.created_at),
        "resolved_at": iso(report.resolved_at),
        "reporter": author_json(report.reporter),
        "message": message_json(report.message),
    }


def notification_json(message: Message, channel: Channel, kind: str) -> dict[str, Any]:
    """The payload: where and who, never what (no body, no excerpt)."""
    author = author_json(message.author)
    who = author["display_name"]
    if channel.kind == "direct":
        texts = {
            "mention": f"{who} mentioned you in a direct message",
            "reply": f"{who} replied to a thread in a direct message",
            "message": f"{who} sent you a direct message",
            "help": f"Can you help? {who} asked a question in a direct message",
        }
    else:
        texts = {
            "mention": f"{who} mentioned you in #{channel.name}",
            "reply": f"{who} replied to a thread in #{channel.name}",
            "message": f"{who} posted in #{channel.name}",
            "help": f"Can you help? {who} asked a question in #{channel.name}",
        }
    return {
        "kind": kind,
        "channel": channel.name,
        "author": author,
        "message_id": message.id,
        "thread_id": message.thread_id,
        "text": texts[kind],
    }


def token_json(record: ApiToken) -> dict[str, Any]:
    return {
        "id": record.id,
        "label": record.label,
        "created_at": iso(record.created_at),
        "last_used_at": iso(record.last_used_at) if record.last_used_at else None,
        "revoked_at": iso(record.revoked_at) if record.revoked_at else None,
    }


def account_json(user: User) -> dict[str, Any]:
    """A user as the admin console and the admin API see them (issue 20)."""
    return {
        **user_json(user),
        "created_at": iso(user.created_at),
        "deactivated_at": iso(user.deactivated_at),
        "directory_managed": user.source == "directory",
    }


def legal_hold_json(hold: LegalHold) -> dict[str, Any]:
    return {
        "id": hold.id,
        "channel": hold.channel.name if hold.channel else None,
        "username": hold.user.username if hold.user else None,
        "reason": hold.reason,
        "created_by": hold.created_by.username if hold.created_by else None,
        "created_at": iso(hold.created_at),
        "released_at": iso(hold.released_at),
        "released_by": hold.released_by.username if hold.released_by else None,
        "active": hold.released_at is None,
    }


def push_subscription_json(sub: PushSubscription) -> dict[str, Any]:
    """A device's subscription; its keys stay on the server."""
    return {
        "id": sub.id,
        "endpoint": sub.endpoint,
        "user_agent": sub.user_agent,
        "created_at": iso(sub.created_at),
        "last_sent_at": iso(sub.last_sent_at),
    }


def availability_json(avail: UserAvailability | None) -> dict[str, Any]:
    """`{status, until, quiet_hours, label}`; label is what a colleague sees beside presence
    ("off duty until 07:00", in the person's own time zone)."""
    if avail is None:
        return {"status": "available", "until": None, "quiet_hours": None, "label": ""}
    quiet = None
    if avail.quiet_start and avail.quiet_end:
        quiet = {"start": avail.quiet_start, "end": avail.quiet_end, "time_zone": avail.time_zone}
    return {
        "status": avail.status,
        "until": iso(avail.until),
        "quiet_hours": quiet,
        "label": availability_label(avail),
    }


def availability_label(avail: UserAvailability | None) -> str:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    if avail is None or avail.status == "available":
        return ""
    if avail.status == "busy":
        return "busy"
    if avail.until is None:
        return "off duty"
    if avail.until <= datetime.now(UTC):
        return ""
    local = avail.until.astimezone(ZoneInfo(avail.time_zone or "UTC"))
    return f"off duty until {local:%H:%M}"


DIGEST_SETTINGS_PATH = "/settings/notifications"


def digest_choice_json(
    mode: str, default: str, has_email: bool, mail_enabled: bool
) -> dict[str, Any]:
    """The weekly digest choice: "off", "app" or "email", the site's default, and whether
    e-mail can be chosen (an address on the profile) and is mailed (the site's relay)."""
    return {
        "mode": mode,
        "default": default,
        "modes": list(DIGEST_MODES),
        "has_email": has_email,
        "mail_enabled": mail_enabled,
    }


def digest_json(digest: Digest, items: dict[str, Any]) -> dict[str, Any]:
    """A digest: tip titles and channel names with links, questions as a channel and a link
    (never their text); `items` holds only what the person may read now."""
    return {
        "id": digest.id,
        "week": digest.week.isoformat(),
        "delivery": digest.delivery,
        "sent_at": digest.sent_at.isoformat() if digest.sent_at else None,
        "unread": digest.read_at is None,
        "url": DIGEST_SETTINGS_PATH,
        "tips": items["tips"],
        "questions": items["questions"],
    }
