"""Reading tips: the JSON shape, and the listings (by channel, tag, owner, helpful, verified)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import selectinload

from physnet.access import can_moderate, readable_channel_ids
from physnet.extensions import db
from physnet.models import Channel, Membership, Tag, Tip, TipEndorsement, TipReminder, User
from physnet.models.tips import tip_tags, today
from physnet.reads.json import tip_json

PER_PAGE = 20
SORTS = ("recent", "helpful", "verified")


def endorsement_counts(tip_ids: Sequence[int]) -> dict[int, int]:
    if not tip_ids:
        return {}
    rows = db.session.execute(
        select(TipEndorsement.tip_id, func.count())
        .where(TipEndorsement.tip_id.in_(tip_ids))
        .group_by(TipEndorsement.tip_id)
    )
    return {tip_id: count for tip_id, count in rows.tuples()}


def tips_for(user: User, tips: Sequence[Tip]) -> list[dict[str, Any]]:
    """The JSON of each tip as `user` sees it (their endorsement, what they may do), in
    three queries whatever the number of tips."""
    ids = [tip.id for tip in tips]
    counts = endorsement_counts(ids)
    mine = (
        set(
            db.session.scalars(
                select(TipEndorsement.tip_id).where(
                    TipEndorsement.tip_id.in_(ids), TipEndorsement.user_id == user.id
                )
            )
        )
        if ids
        else set()
    )
    channel_ids = {tip.channel_id for tip in tips}
    memberships = (
        {
            m.channel_id: m
            for m in db.session.scalars(
                select(Membership).where(
                    Membership.user_id == user.id, Membership.channel_id.in_(channel_ids)
                )
            )
        }
        if channel_ids
        else {}
    )
    result = []
    for tip in tips:
        moderator = can_moderate(user, memberships.get(tip.channel_id))
        permissions = {"edit": moderator or tip.owner_id == user.id, "verify": moderator}
        result.append(tip_json(tip, counts.get(tip.id, 0), tip.id in mine, permissions))
    return result


def tip_for(user: User, tip: Tip) -> dict[str, Any]:
    return tips_for(user, [tip])[0]


@dataclass
class TipFilter:
    """What a listing asks for; each field is already validated."""

    channel: Channel | None = None
    tag: str | None = None
    owner: User | None = None
    sort: str = "recent"
    review_due: bool = False
    page: int = 1


def list_tips(user: User, wanted: TipFilter) -> tuple[list[Tip], int]:
    """One page of the live tips `user` may read that match, and how many match in all."""
    query = _matching(user, wanted)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    if wanted.sort == "helpful":
        count = (
            select(func.count())
            .select_from(TipEndorsement)
            .where(TipEndorsement.tip_id == Tip.id)
            .scalar_subquery()
        )
        query = query.order_by(count.desc(), Tip.created_at.desc(), Tip.id.desc())
    elif wanted.sort == "verified":
        query = query.order_by(Tip.verified_at.desc(), Tip.id.desc())
    elif wanted.review_due:
        query = query.order_by(Tip.review_at, Tip.id)
    else:
        query = query.order_by(Tip.created_at.desc(), Tip.id.desc())
    tips = db.session.scalars(
        query.options(selectinload(Tip.tags)).offset((wanted.page - 1) * PER_PAGE).limit(PER_PAGE)
    ).all()
    return list(tips), total


def _matching(user: User, wanted: TipFilter) -> Select[tuple[Tip]]:
    query = select(Tip).where(
        Tip.deleted_at.is_(None), Tip.channel_id.in_(readable_channel_ids(user))
    )
    if wanted.channel is not None:
        query = query.where(Tip.channel_id == wanted.channel.id)
    if wanted.owner is not None:
        query = query.where(Tip.owner_id == wanted.owner.id)
    if wanted.tag is not None:
        tagged = (
            select(tip_tags.c.tip_id)
            .join(Tag, Tag.id == tip_tags.c.tag_id)
            .where(Tag.name == wanted.tag)
        )
        query = query.where(Tip.id.in_(tagged))
    if wanted.sort == "verified":
        query = query.where(Tip.verified_at.is_not(None))
    if wanted.review_due:
        # Tips I was reminded about whose review is still outstanding (a review moves the
        # date, which ends that reminder's period).
        query = query.where(
            Tip.review_at < today(),
            exists().where(
                TipReminder.tip_id == Tip.id,
                TipReminder.user_id == user.id,
                TipReminder.due_on == Tip.review_at,
            ),
        )
    return query


def add_tip_titles(results: list[dict[str, Any]]) -> None:
    """Give each search result of type "tip" its title (results are already access-checked)."""
    ids = [r["id"] for r in results if r.get("type") == "tip"]
    if not ids:
        return
    rows = db.session.execute(select(Tip.id, Tip.title).where(Tip.id.in_(ids)))
    titles = {tip_id: title for tip_id, title in rows.tuples()}
    for result in results:
        if result.get("type") == "tip":
            result["title"] = titles.get(result["id"], "")
