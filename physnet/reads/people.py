"""Reading people: whether someone has a photo, who is busy or off duty (their JSON shapes
are in reads/json.py)."""

from __future__ import annotations

from sqlalchemy import select

from physnet.extensions import db
from physnet.models import User, UserAvailability, UserPhoto


def has_photo(user: User) -> bool:
    if user.photo is not None:
        return True
    return (
        db.session.scalar(select(UserPhoto.user_id).where(UserPhoto.user_id == user.id)) is not None
    )


def availability_labels(usernames: list[str]) -> dict[str, str]:
    """username -> "busy" / "off duty until 07:00" for those of them not available (one
    query): what a page shows beside their presence."""
    from physnet.reads.json import availability_label  # json.py imports this module

    if not usernames:
        return {}
    rows = db.session.execute(
        select(User.username, UserAvailability)
        .join(UserAvailability, UserAvailability.user_id == User.id)
        .where(User.username.in_(usernames), UserAvailability.status != "available")
    ).all()
    labels = {name: availability_label(avail) for name, avail in rows}
    return {name: label for name, label in labels.items() if label}
