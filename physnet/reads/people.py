"""The JSON of a person in the directory and on their profile page."""

from __future__ import annotations

from typing import Any

from flask import url_for
from sqlalchemy import select

from physnet.extensions import db
from physnet.models import Channel, User, UserPhoto
from physnet.people.fields import editable_fields, read_only_fields
from physnet.reads.json import user_json


def photo_url(user: User) -> str:
    return url_for("api.user_photo", username=user.username)


def person_json(user: User, has_photo: bool) -> dict[str, Any]:
    """A directory entry: the user object of SPEC and where their photo is (or None)."""
    return {**user_json(user), "photo_url": photo_url(user) if has_photo else None}


def has_photo(user: User) -> bool:
    if user.photo is not None:
        return True
    return (
        db.session.scalar(select(UserPhoto.user_id).where(UserPhoto.user_id == user.id)) is not None
    )


def profile_json(user: User, viewer: User) -> dict[str, Any]:
    """A profile: which fields come from the directory, and, for its owner, what they edit."""
    mine, photo = viewer.id == user.id, has_photo(user)
    return {
        **person_json(user, photo),
        "directory_fields": read_only_fields(user),
        "editable_fields": sorted(editable_fields(user)) if mine else [],
        "uploaded_photo": mine and user.photo is None and photo,
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
