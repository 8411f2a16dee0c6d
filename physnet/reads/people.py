"""Reading people: whether someone has a photo (their JSON shapes are in reads/json.py)."""

from __future__ import annotations

from sqlalchemy import select

from physnet.extensions import db
from physnet.models import User, UserPhoto


def has_photo(user: User) -> bool:
    if user.photo is not None:
        return True
    return (
        db.session.scalar(select(UserPhoto.user_id).where(UserPhoto.user_id == user.id)) is not None
    )
