"""What the admin console lists: accounts and channels, with their counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select

from physnet.extensions import db
from physnet.models import ApiToken, Channel, Membership, User

PER_PAGE = 50


def _prefix(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


@dataclass
class AccountRow:
    user: User
    live_tokens: int


def accounts(text: str = "", status: str = "", source: str = "") -> list[AccountRow]:
    """Accounts whose username or name starts with `text`, active and inactive, local and
    directory (`status`: active|inactive, `source`: local|directory narrow it)."""
    query = select(User).order_by(User.username).limit(PER_PAGE)
    if text:
        like = _prefix(text.lower())
        query = query.where(
            or_(
                User.username.like(like, escape="\\"),
                func.lower(User.display_name).like(like, escape="\\"),
            )
        )
    if status in ("active", "inactive"):
        query = query.where(User.active.is_(status == "active"))
    if source in ("local", "directory"):
        query = query.where(User.source == source)
    users = db.session.scalars(query).all()
    live = (
        select(ApiToken.user_id, func.count())
        .where(ApiToken.user_id.in_([u.id for u in users]), ApiToken.revoked_at.is_(None))
        .group_by(ApiToken.user_id)
    )
    tokens = dict(db.session.execute(live).tuples().all())
    return [AccountRow(u, tokens.get(u.id, 0)) for u in users]


@dataclass
class ChannelRow:
    channel: Channel
    members: int
    moderators: list[str]
    last_activity: datetime | None


def channels(text: str = "") -> list[ChannelRow]:
    """Every channel but direct conversations, with member counts and moderators."""
    query = select(Channel).where(Channel.kind != "direct").order_by(Channel.name).limit(200)
    if text:
        like = _prefix(text.lower())
        query = query.where(
            or_(
                Channel.name.like(like, escape="\\"),
                func.lower(Channel.title).like(like, escape="\\"),
            )
        )
    found = db.session.scalars(query).all()
    ids = [c.id for c in found]
    counts = dict(
        db.session.execute(
            select(Membership.channel_id, func.count())
            .where(Membership.channel_id.in_(ids))
            .group_by(Membership.channel_id)
        )
        .tuples()
        .all()
    )
    moderators: dict[int, list[str]] = {}
    for cid, username in db.session.execute(
        select(Membership.channel_id, User.username)
        .join(User, User.id == Membership.user_id)
        .where(Membership.channel_id.in_(ids), Membership.role == "moderator")
        .order_by(User.username)
    ):
        moderators.setdefault(cid, []).append(username)
    return [
        ChannelRow(c, counts.get(c.id, 0), moderators.get(c.id, []), c.last_message_at)
        for c in found
    ]
