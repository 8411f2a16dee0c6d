"""Channels under their moderators' and IT's hand: archive, unarchive, title, description,
announcement or not, and who moderates.

Every change is audited and announced to the channel's open sockets as `channel_updated`
(the channel object), so an open composer turns read-only the moment a channel is archived.
The directory owns only the memberships of the channels its groups map to (source
"directory"); nothing here is theirs, so a mapped channel is managed like any other.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from physnet.access import access_channel, can_moderate
from physnet.actions import validate
from physnet.actions.audit import actor_of, record_audit
from physnet.actions.broadcast import queue_event
from physnet.actions.channels import do_add_member
from physnet.db.transaction import atomic
from physnet.errors import BadRequest, Conflict, Forbidden, NotFound
from physnet.extensions import db
from physnet.models import CHANNEL_NAME_RE, Channel, Membership, User, utcnow
from physnet.reads.json import channel_json
from physnet.realtime import rooms


def access_managed_channel(actor: User | None, name: Any) -> tuple[Channel, Membership | None]:
    """A channel `actor` may manage: its moderators, staff, admins (any channel but a direct
    conversation), or the CLI (actor None). Others get 403, or 404 if they cannot see it."""
    if actor is None or actor.is_admin:
        known = isinstance(name, str) and CHANNEL_NAME_RE.fullmatch(name) is not None
        channel = db.session.scalar(select(Channel).where(Channel.name == name)) if known else None
        if channel is None:
            raise NotFound(f"There is no channel #{name}.", code="unknown_channel")
        membership = db.session.get(Membership, (channel.id, actor.id)) if actor else None
    else:
        channel, membership = access_channel(actor, validate.require_str(name, "name") or "")
        if not can_moderate(actor, membership):
            raise Forbidden(
                f"Only the moderators of #{channel.name} and admins manage it.",
                code="moderators_only",
            )
    if channel.kind == "direct":
        raise Forbidden("A direct conversation cannot be managed.", code="direct_channel")
    return channel, membership


def _announce(channel: Channel) -> None:
    queue_event("channel_updated", channel_json(channel), rooms.channel_room(channel.id))


def check_set_archived(actor: User | None, name: Any, archived: bool) -> Channel:
    """Archive (read-only from now on) or unarchive a channel; idempotent, audited once."""
    channel, _ = access_managed_channel(actor, name)
    if (channel.archived_at is not None) == archived:
        return channel
    with atomic():
        channel.archived_at = utcnow() if archived else None
        action = "channel.archived" if archived else "channel.unarchived"
        record_audit(actor_of(actor), action, f"channel:{channel.name}")
        _announce(channel)
    return channel


def check_update_channel(actor: User | None, name: Any, data: Any) -> Channel:
    """Change a channel's `{title?, description?}`; audited with before and after."""
    if not isinstance(data, dict) or not set(data) & {"title", "description"}:
        raise BadRequest("Send a JSON object with title and/or description.", code="invalid_json")
    channel, _ = access_managed_channel(actor, name)
    changes: dict[str, list[str]] = {}
    if "title" in data:
        title = validate.short_text(data["title"], "title", 200) or channel.name
        if title != channel.title:
            changes["title"] = [channel.title, title]
    if "description" in data:
        description = validate.short_text(data["description"], "description", 2000)
        if description != channel.description:
            changes["description"] = [channel.description, description]
    if not changes:
        return channel
    with atomic():
        for field, (_, after) in changes.items():
            setattr(channel, field, after)
        record_audit(actor_of(actor), "channel.updated", f"channel:{channel.name}", changes=changes)
        _announce(channel)
    return channel


def check_set_announcement(actor: User | None, name: Any, announcement: Any) -> Channel:
    """Make a public channel an announcement channel (only moderators and admins post) or
    back; a private channel cannot be one, since everyone may read an announcement channel."""
    if not isinstance(announcement, bool):
        raise BadRequest("Field announcement must be true or false.", code="invalid_type")
    channel, _ = access_managed_channel(actor, name)
    if channel.kind == "private":
        raise Conflict(
            f"#{channel.name} is private; an announcement channel is readable by everyone.",
            code="private_channel",
        )
    kind = "announcement" if announcement else "public"
    if channel.kind == kind:
        return channel
    with atomic():
        before, channel.kind = channel.kind, kind
        record_audit(
            actor_of(actor),
            "channel.kind_set",
            f"channel:{channel.name}",
            before=before,
            after=kind,
        )
        _announce(channel)
    return channel


def check_set_moderator(
    actor: User | None, name: Any, username: Any, moderator: bool
) -> Membership | None:
    """Make `username` a moderator of the channel (joining them if needed) or a plain member
    again; idempotent, audited when something changes. Returns their membership (None when
    someone who is not a member is un-made a moderator)."""
    channel, _ = access_managed_channel(actor, name)
    login = validate.existing_username(username)
    user = db.session.scalar(select(User).where(User.username == login))
    if user is None:
        raise NotFound(f"There is no user {login}.", code="unknown_user")
    membership = db.session.get(Membership, (channel.id, user.id))
    current = membership is not None and membership.role == "moderator"
    if current == moderator:
        return membership
    if moderator and not user.active:
        raise Conflict(f"{user.username} is deactivated.", code="inactive_user")
    with atomic():
        joined = membership is None
        if membership is None:
            membership = do_add_member(channel, user, role="moderator")
        membership.role = "moderator" if moderator else "member"
        action = "channel.moderator_added" if moderator else "channel.moderator_removed"
        detail = {"joined": True} if joined else {}
        record_audit(
            actor_of(actor), action, f"channel:{channel.name}", username=user.username, **detail
        )
        _announce(channel)
        # Their own open tabs learn the new role at once (the room's copy names no one's).
        queue_event("channel_updated", channel_json(channel, membership), rooms.user_room(user.id))
    return membership
