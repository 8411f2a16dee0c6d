"""Editing one's own profile: the self-written fields, tags and photo."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from physnet.actions import validate
from physnet.actions.audit import record_audit
from physnet.db.blocking import off_hub_released
from physnet.db.transaction import atomic
from physnet.errors import BadRequest, Conflict, Forbidden, Invalid, NotFound
from physnet.extensions import db
from physnet.models import User, UserPhoto, utcnow
from physnet.people.fields import (
    DIRECTORY_FIELDS,
    NEVER_EDITED,
    TAG_FIELDS,
    TEXT_FIELDS,
    editable_fields,
)
from physnet.people.normalize import tag_key
from physnet.people.photos import read_photo

MAX_TAGS = 20
MAX_TAG = 50
# A tag: letters and digits with a few joiners ("C. diff", "I&O", "HbA1c/eGFR", "SEP-1").
_TAG = re.compile(r"[^\W_][\w .&+/'()#-]*")
# One spelling per well-known EHR, so facets and filters don't split on case or old names.
EHR_NAMES = {
    "epic": "Epic",
    "cerner": "Oracle Health (Cerner)",
    "oracle health": "Oracle Health (Cerner)",
    "oracle cerner": "Oracle Health (Cerner)",
    "oracle health (cerner)": "Oracle Health (Cerner)",
    "meditech": "MEDITECH",
    "meditech expanse": "MEDITECH Expanse",
    "allscripts": "Allscripts (Veradigm)",
    "veradigm": "Allscripts (Veradigm)",
    "athenahealth": "athenahealth",
    "athena": "athenahealth",
    "eclinicalworks": "eClinicalWorks",
    "nextgen": "NextGen",
    "vista": "VistA",
    "cprs": "VistA",
}


def clean_text(value: Any, field: str, limit: int, *, single_line: bool = False) -> str:
    """Plain text: NULs refused, other control characters dropped, at most `limit` chars."""
    text = validate.short_text(value, field, limit * 2) or ""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if single_line:
        text = text.replace("\n", " ").replace("\t", " ")
    text = "".join(c for c in text if c in "\n\t" or unicodedata.category(c) != "Cc")
    text = re.sub(r"\n{3,}", "\n\n", " ".join(text.split()) if single_line else text).strip()
    if len(text) > limit:
        raise Invalid(
            f"Field {field} can be at most {limit:,} characters.", code="too_long", field=field
        )
    return text


def clean_tags(value: Any, field: str) -> str:
    """A list of tags as the comma-separated column stores it, duplicates dropped."""
    if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
        raise BadRequest(
            f"Field {field} must be a list of strings.", code="invalid_type", field=field
        )
    tags: dict[str, str] = {}
    for raw in value:
        tag = " ".join(raw.split())
        if not tag:
            continue
        if len(tag) > MAX_TAG or not _TAG.fullmatch(tag):
            raise Invalid(
                f"The tag {tag[:60]!r} is not valid: a tag is 1 to {MAX_TAG} letters, digits, "
                "spaces or . & + / ' ( ) # - characters, starting with a letter or digit.",
                code="invalid_tag",
                field=field,
            )
        if field == "ehr_systems":
            tag = EHR_NAMES.get(tag_key(tag), tag)
        tags.setdefault(tag_key(tag), tag)
    if len(tags) > MAX_TAGS:
        raise Invalid(
            f"Field {field} can have at most {MAX_TAGS} tags; it has {len(tags)}.",
            code="too_many_tags",
            field=field,
        )
    return ",".join(tags.values())


def _refuse_fields(user: User, data: dict[str, Any]) -> None:
    for name in sorted(data):
        if user.source == "directory" and (name in DIRECTORY_FIELDS or name == "email"):
            raise Forbidden(
                f"{name} comes from the hospital directory and can only be changed there.",
                code="directory_field",
                field=name,
            )
        if name in NEVER_EDITED:
            raise Forbidden(
                f"{name} cannot be changed on a profile.", code="read_only_field", field=name
            )
        if name not in editable_fields(user):
            raise Invalid(
                f"There is no profile field {name[:60]!r}.", code="unknown_field", field=name
            )


def check_update_profile(actor: User, user: User, data: Any) -> User:
    """Change profile fields of `user`, who must be `actor`: nobody edits another's profile."""
    if actor.id != user.id:
        raise Forbidden("Only the person themselves can edit a profile.", code="not_your_profile")
    if not isinstance(data, dict):
        raise BadRequest("The request body must be a JSON object.", code="invalid_json")
    _refuse_fields(user, data)
    changes: dict[str, str] = {}
    for name, value in data.items():
        if name in TAG_FIELDS:
            changes[name] = clean_tags(value, name)
        elif name in TEXT_FIELDS:
            changes[name] = clean_text(value, name, TEXT_FIELDS[name], single_line=name != "bio")
        else:
            changes[name] = clean_text(value, name, DIRECTORY_FIELDS[name], single_line=True)
    if changes.get("display_name") == "":
        raise Invalid("A name cannot be empty.", code="empty_display_name", field="display_name")
    return do_update_profile(user, changes)


def do_update_profile(user: User, changes: dict[str, str]) -> User:
    """Write validated profile fields; the people index follows in the same flush."""
    with atomic():
        changed = sorted(k for k, v in changes.items() if getattr(user, k) != v)
        for name in changed:
            setattr(user, name, changes[name])
        if changed:
            record_audit(user.username, "profile.updated", f"user:{user.username}", fields=changed)
    return user


def check_upload_photo(actor: User, user: User, raw: bytes) -> UserPhoto:
    """Store a photo `actor` uploads for themselves, unless the directory provides one."""
    if actor.id != user.id:
        raise Forbidden(
            "Only the person themselves can change a profile photo.", code="not_your_profile"
        )
    if user.source == "directory" and user.photo is not None:
        raise Conflict(
            "Your photo comes from the hospital directory; it can only be changed there.",
            code="photo_from_directory",
        )
    # Decoding every pixel of a large image is a CPU burst: beside the gevent hub, as
    # Argon2 is, so the process's other sockets go on meanwhile.
    photo = off_hub_released(read_photo, raw)
    with atomic():
        record = db.session.get(UserPhoto, user.id) or UserPhoto(user_id=user.id)
        record.content_type = photo.content_type
        record.data = photo.data
        record.width, record.height = photo.width, photo.height
        record.digest = photo.digest
        record.uploaded_at = utcnow()
        db.session.add(record)
        record_audit(user.username, "profile.photo_uploaded", f"user:{user.username}")
    return record


def check_remove_photo(actor: User, user: User) -> None:
    """Remove the photo `actor` uploaded for themselves."""
    if actor.id != user.id:
        raise Forbidden(
            "Only the person themselves can change a profile photo.", code="not_your_profile"
        )
    record = db.session.get(UserPhoto, user.id)
    if record is None:
        raise NotFound("You have not uploaded a photo.", code="no_photo")
    with atomic():
        db.session.delete(record)
        record_audit(user.username, "profile.photo_removed", f"user:{user.username}")
