"""Attaching uploaded files to the message being sent."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from physnet.errors import BadRequest, Invalid
from physnet.extensions import db
from physnet.models import MAX_ID, Channel, File, User

MAX_FILES = 10


def parse_file_ids(value: Any) -> list[int]:
    """`file_ids` from a request: a list of up to MAX_FILES distinct ids (or absent)."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) and 0 < v <= MAX_ID for v in value
    ):
        raise BadRequest(
            "file_ids must be a list of file ids.", code="invalid_type", field="file_ids"
        )
    if len(value) > MAX_FILES:
        raise Invalid(f"A message can carry at most {MAX_FILES} files.", code="too_many_files")
    return list(dict.fromkeys(value))


def check_attachable(user: User, channel: Channel, file_ids: list[int]) -> list[File]:
    """The files, each uploaded by `user` into `channel` and not yet attached; else 422."""
    if not file_ids:
        return []
    files = db.session.scalars(
        select(File).where(
            File.id.in_(file_ids),
            File.uploader_id == user.id,
            File.channel_id == channel.id,
            File.message_id.is_(None),
        )
    ).all()
    if len(files) != len(file_ids):
        raise Invalid(
            "Attach only files you uploaded to this channel and have not attached yet.",
            code="unknown_file",
        )
    by_id = {f.id: f for f in files}
    return [by_id[i] for i in file_ids]
