"""The JSON shapes of SPEC: users, channels, messages."""

from __future__ import annotations

from typing import Any

from physnet.access import is_hidden
from physnet.models import Channel, Membership, Message, User
from physnet.models.types import iso


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
    }
