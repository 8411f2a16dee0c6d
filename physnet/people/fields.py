"""The profile fields: which ones a person writes, which the directory owns, their limits."""

from __future__ import annotations

from physnet.models import User

MAX_BIO = 1000
MAX_ASK = 200
# Fields the directory owns for directory accounts; local accounts edit them here.
DIRECTORY_FIELDS = {
    "display_name": 200,
    "title": 200,
    "department": 200,
    "specialty": 200,
    "facility": 200,
    "phone": 64,
}
NEVER_EDITED = {"username", "email", "role", "source", "active", "photo", "id"}
TAG_FIELDS = ("expertise", "ehr_systems")
TEXT_FIELDS = {"bio": MAX_BIO, "ask_me_about": MAX_ASK, "credentials": 100}


def editable_fields(user: User) -> set[str]:
    """What `user` may change about themselves through PATCH /me."""
    fields = set(TEXT_FIELDS) | set(TAG_FIELDS)
    return fields if user.source == "directory" else fields | set(DIRECTORY_FIELDS)


def read_only_fields(user: User) -> list[str]:
    """The profile fields shown as coming from the directory for `user`."""
    return sorted([*DIRECTORY_FIELDS, "email", "photo"]) if user.source == "directory" else []
