"""Uploading a file: type and size checks, the words read out of it, the PHI guard, storage.

Nothing of a refused file is kept: it is read in memory (OCR through a pipe), refused
before the store sees it, and neither its text nor its name goes into a log or the audit.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from typing import Any

from flask import current_app

from physnet.access import access_channel, check_can_post
from physnet.actions import validate
from physnet.actions.audit import record_audit
from physnet.actions.phi import (
    PhiOverride,
    channel_policy,
    check_override_reason,
    check_phi,
    record_phi_override,
)
from physnet.config.files import FileSettings
from physnet.db.transaction import atomic
from physnet.errors import Invalid
from physnet.extensions import db
from physnet.files import ReadFile, read_file
from physnet.files.store import file_store
from physnet.models import Channel, File, User
from physnet.phi import KIND_LABELS

MAX_NAME = 255


def file_settings() -> FileSettings:
    settings: FileSettings = current_app.config["PHYSNET"].files
    return settings


def clean_name(value: Any) -> str:
    """The file's own name, without folders or control characters; "file" when none is left."""
    name = value if isinstance(value, str) else ""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip(" .")
    return name[:MAX_NAME] or "file"


def check_upload_file(
    user: User, channel_name: Any, name: Any, raw: bytes, override_reason: Any = None
) -> File:
    """Check, read, screen and store an upload into a channel `user` may post in.

    Raises NotFound/Forbidden (channel), FileTooLarge 413, UnsupportedFile 415, Invalid 422
    (`invalid_file`, `possible_phi`, `unreadable_file`, `invalid_override_reason`).
    """
    channel, membership = access_channel(user, validate.require_str(channel_name, "channel") or "")
    check_can_post(user, channel, membership)
    filename = clean_name(name)
    settings = file_settings()
    read = read_file(raw, filename, settings)
    override = _screen(user, channel, filename, read, override_reason, settings)
    return do_store_file(user, channel, filename, read, phi_override=override)


def _screen(
    user: User,
    channel: Channel,
    name: str,
    read: ReadFile,
    override_reason: Any,
    settings: FileSettings,
) -> PhiOverride | None:
    """The PHI guard on the file's name and words, then the site's rule for unread text."""
    try:
        override = check_phi(
            user, channel, {"name": name, "text": read.text}, override_reason, action="file.upload"
        )
    except Invalid as exc:
        if exc.code != "possible_phi":
            raise
        findings = [
            {**f, "label": KIND_LABELS.get(f["kind"], f["kind"])} for f in exc.extra["findings"]
        ]
        raise Invalid(
            exc.message.replace("This looks like", f"The text read from {name} looks like", 1)
            .replace("remove it and send again", "this file cannot be shared", 1)
            .replace("Remove it, or send again", "Crop it out, or upload again", 1),
            code="possible_phi",
            findings=findings,
            policy=exc.extra["policy"],
        ) from None
    if read.readable or settings.unreadable == "allow":
        return override
    explained = (
        f"PhysNet could not read all the text in {name}, so it cannot check it for patient "
        "information."
    )
    if settings.unreadable == "block":
        raise Invalid(f"{explained} Share it as text instead.", code="unreadable_file")
    if override_reason is None:
        raise Invalid(
            f"{explained} Upload again with phi_override_reason saying why it holds no "
            "patient information.",
            code="unreadable_file",
        )
    kinds = Counter(override.kinds if override else {})
    kinds["unreadable"] += 1
    return PhiOverride(
        actor=user.username,
        action="file.upload",
        channel=channel.name,
        policy=override.policy if override else channel_policy(channel),
        kinds=dict(kinds),
        reason=check_override_reason(override_reason),
    )


def do_store_file(
    user: User,
    channel: Channel,
    name: str,
    read: ReadFile,
    phi_override: PhiOverride | None = None,
) -> File:
    """Store the bytes (durably), then the row and its audit event. Precondition: `read`
    passed the guard, or `phi_override` records why it is stored anyway."""
    store = file_store()
    digest = store.put(read.data)
    thumb = store.put(read.thumbnail) if read.thumbnail is not None else None
    with atomic():
        stored = File(
            channel_id=channel.id,
            uploader_id=user.id,
            name=name,
            content_type=read.content_type,
            kind=read.kind,
            size=len(read.data),
            digest=digest,
            thumb_digest=thumb,
            width=read.width,
            height=read.height,
            text=read.text,
        )
        db.session.add(stored)
        db.session.flush()
        record_audit(
            user.username,
            "file.uploaded",
            f"file:{stored.id}",
            channel=channel.name,
            kind=read.kind,
            size=stored.size,
            sha256=digest,
        )
        record_phi_override(phi_override, f"file:{stored.id}")
    return stored
