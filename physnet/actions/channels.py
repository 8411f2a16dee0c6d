"""Creating channels and changing who belongs to them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from physnet.access import access_channel, can_moderate
from physnet.actions import validate
from physnet.actions.audit import actor_of, record_audit
from physnet.actions.broadcast import queue_control, queue_event
from physnet.db.transaction import atomic
from physnet.errors import BadRequest, Conflict, Forbidden, Invalid, NotFound
from physnet.extensions import db
from physnet.models import Channel, Membership, User
from physnet.reads.json import channel_json
from physnet.realtime import rooms

DIRECT_PREFIX = "dm-"  # reserved: direct-message channels are named dm-<id>-<id>


def check_create_channel(user: User, data: Any) -> Channel:
    if not isinstance(data, dict):
        raise BadRequest(
            "Send a JSON object with name, title, description and private.", code="invalid_json"
        )
    name = validate.channel_name(data.get("name"))
    if name.startswith(DIRECT_PREFIX):
        raise Invalid(
            f"Channel names starting with {DIRECT_PREFIX} are reserved for direct messages.",
            code="reserved_channel_name",
        )
    title = validate.short_text(data.get("title"), "title", 200) or name
    description = validate.short_text(data.get("description"), "description", 2000)
    private = data.get("private", False)
    if not isinstance(private, bool):
        raise BadRequest("Field private must be true or false.", code="invalid_type")
    kind = "private" if private else "public"
    if data.get("announcement") is True:
        if not user.is_staff:
            raise Forbidden(
                "Only moderators and admins create announcement channels.", code="staff_only"
            )
        kind = "announcement"
    if db.session.scalar(select(Channel.id).where(Channel.name == name)) is not None:
        raise Conflict(f"A channel named #{name} already exists.", code="channel_exists")
    with atomic():
        channel = do_create_channel(user, name, title, description, kind)
        record_audit(actor_of(user), "channel.created", f"channel:{name}", kind=kind)
    return channel


def do_create_channel(
    creator: User | None, name: str, title: str, description: str, kind: str
) -> Channel:
    """Create a channel; the creator becomes its first member and moderator."""
    with atomic():
        channel = Channel(
            name=name,
            title=title,
            description=description,
            kind=kind,
            created_by_id=creator.id if creator else None,
        )
        db.session.add(channel)
        db.session.flush()
        if creator is not None:
            do_add_member(channel, creator, role="moderator")
    return channel


def do_add_member(
    channel: Channel, user: User, role: str = "member", source: str = "manual"
) -> Membership:
    """Make `user` a member (idempotent) and move their open sockets into the channel."""
    with atomic():
        membership = db.session.get(Membership, (channel.id, user.id))
        if membership is not None:
            return membership
        membership = Membership(channel=channel, user=user, role=role, source=source)
        db.session.add(membership)
        db.session.flush()
        queue_control("enter_channel", user_id=user.id, channel_id=channel.id)
        queue_event("channel_joined", channel_json(channel, membership), rooms.user_room(user.id))
    return membership


def do_remove_member(channel: Channel, user: User) -> None:
    """End a membership and take the person's open sockets out of the channel's room."""
    with atomic():
        membership = db.session.get(Membership, (channel.id, user.id))
        if membership is None:
            return
        db.session.delete(membership)
        queue_control("leave_channel", user_id=user.id, channel_id=channel.id)
        queue_event("channel_left", {"channel": channel.name}, rooms.user_room(user.id))


def check_join(user: User, name: Any) -> Membership:
    channel, membership = access_channel(user, validate.require_str(name, "name") or "")
    if membership is not None:
        return membership
    if channel.kind == "direct" or channel.is_private:
        raise Forbidden(
            f"#{channel.name} is private; a member must add you.", code="private_channel"
        )
    if channel.archived_at is not None:
        raise Forbidden(f"#{channel.name} is archived.", code="channel_archived")
    with atomic():
        membership = do_add_member(channel, user)
        record_audit(actor_of(user), "channel.joined", f"channel:{channel.name}")
    return membership


def check_leave(user: User, name: Any) -> None:
    channel, membership = access_channel(user, validate.require_str(name, "name") or "")
    if membership is None:
        raise Invalid(f"You are not a member of #{channel.name}.", code="not_a_member")
    if channel.kind == "direct":
        raise Forbidden("You cannot leave a direct conversation.", code="direct_channel")
    if membership.source == "directory":
        raise Forbidden(
            f"Your membership of #{channel.name} comes from a directory group; IT manages it.",
            code="directory_membership",
        )
    with atomic():
        do_remove_member(channel, user)
        record_audit(actor_of(user), "channel.left", f"channel:{channel.name}")


def check_add_member(actor: User, name: Any, username: Any) -> Membership:
    channel, membership = access_channel(actor, validate.require_str(name, "name") or "")
    target_name = validate.existing_username(username)
    if membership is None and not actor.is_admin:
        raise Forbidden(f"Join #{channel.name} before adding people to it.", code="not_a_member")
    if channel.kind == "direct":
        raise Forbidden("A direct conversation is between two people.", code="direct_channel")
    if channel.kind == "announcement" and not can_moderate(actor, membership):
        raise Forbidden("Only moderators add people to an announcement channel.", code="staff_only")
    target = db.session.scalar(select(User).where(User.username == target_name))
    if target is None or not target.active:
        raise NotFound(f"There is no active user {target_name}.", code="unknown_user")
    with atomic():
        new = db.session.get(Membership, (channel.id, target.id)) is None
        membership = do_add_member(channel, target)
        if new:
            record_audit(
                actor_of(actor),
                "channel.member_added",
                f"channel:{channel.name}",
                username=target.username,
            )
    return membership


def direct_channel_name(a: User, b: User) -> str:
    low, high = sorted((a.id, b.id))
    return f"{DIRECT_PREFIX}{low}-{high}"


def check_open_direct(user: User, username: Any) -> Channel:
    """Return the private two-person channel between `user` and `username`, creating it."""
    other_name = validate.existing_username(username)
    other = db.session.scalar(select(User).where(User.username == other_name))
    if other is None or not other.active:
        raise NotFound(f"There is no active user {other_name}.", code="unknown_user")
    if other.id == user.id:
        raise Invalid("Pick someone else to message.", code="direct_self")
    name = direct_channel_name(user, other)
    channel = db.session.scalar(select(Channel).where(Channel.name == name))
    if channel is not None:
        if channel.kind != "direct":  # only possible for a name taken before the reservation
            raise Conflict(
                "That conversation's name is taken by another channel; ask an admin to rename it.",
                code="direct_name_taken",
            )
        with atomic():  # both people belong to their conversation, always
            do_add_member(channel, user)
            do_add_member(channel, other)
        return channel
    with atomic():
        title = f"{user.display_name or user.username}, {other.display_name or other.username}"
        channel = do_create_channel(None, name, title, "", "direct")
        do_add_member(channel, user)
        do_add_member(channel, other)
    return channel
