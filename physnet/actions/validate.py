"""Input checks shared by the actions: each raises a PhysNetError with a code and a sentence."""

from __future__ import annotations

import re
from typing import Any

from physnet.errors import BadRequest, Invalid, NotFound
from physnet.models import CHANNEL_NAME_RE, MAX_BODY, MAX_ID, USERNAME

_CLIENT_MSG_ID = re.compile(r"[A-Za-z0-9_.:-]{1,64}")


def require_str(value: Any, field: str, *, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise BadRequest(f"Field {field} must be a string.", code="invalid_type", field=field)
    return value


def require_int(value: Any, field: str, *, optional: bool = False) -> int | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadRequest(f"Field {field} must be a whole number.", code="invalid_type", field=field)
    if value < 0 or value > MAX_ID:
        raise Invalid(f"Field {field} is out of range.", code="out_of_range", field=field)
    return value


def message_body(value: Any) -> str:
    body = require_str(value, "body") or ""
    if not body.strip():
        raise Invalid("A message needs some text.", code="empty_body")
    if len(body) > MAX_BODY:
        raise Invalid(
            f"A message can be at most {MAX_BODY:,} characters; this one has {len(body):,}.",
            code="body_too_long",
        )
    if "\x00" in body:
        raise Invalid("A message cannot contain NUL characters.", code="invalid_body")
    return body


def channel_name(value: Any) -> str:
    name = require_str(value, "name") or ""
    if not CHANNEL_NAME_RE.fullmatch(name):
        raise Invalid(
            "A channel name is 2 to 80 characters: lowercase letters, digits and "
            "hyphens, starting with a letter or digit.",
            code="invalid_channel_name",
        )
    return name


def username(value: Any) -> str:
    name = require_str(value, "username") or ""
    if not USERNAME.fullmatch(name):
        raise Invalid(
            "A username is 2 to 64 characters: lowercase letters, digits, dots, "
            "hyphens or underscores, starting with a letter.",
            code="invalid_username",
        )
    return name


def existing_username(value: Any) -> str:
    """A username to look up: one that cannot exist is reported as unknown, unqueried."""
    name = require_str(value, "username") or ""
    if not USERNAME.fullmatch(name):
        raise NotFound(f"There is no active user {name!r}.", code="unknown_user")
    return name


def client_msg_id(value: Any) -> str | None:
    if value is None:
        return None
    cid = require_str(value, "client_msg_id")
    if not cid or not _CLIENT_MSG_ID.fullmatch(cid):
        raise Invalid(
            "client_msg_id is 1 to 64 letters, digits or ._:- characters.",
            code="invalid_client_msg_id",
        )
    return cid


def short_text(value: Any, field: str, limit: int) -> str:
    text = require_str(value, field, optional=True) or ""
    if "\x00" in text:
        raise Invalid(
            f"Field {field} cannot contain NUL characters.", code="invalid_text", field=field
        )
    if len(text) > limit:
        raise Invalid(
            f"Field {field} can be at most {limit} characters.", code="too_long", field=field
        )
    return text.strip()
