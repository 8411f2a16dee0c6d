"""Checks of what a person sends for a tip: title and body, tags, review date."""

from __future__ import annotations

from datetime import date
from typing import Any

from physnet.actions.validate import require_str
from physnet.errors import BadRequest, Invalid
from physnet.models import MAX_BODY, MAX_TAGS, MAX_TITLE, TAG_RE
from physnet.models.tips import MAX_TAG


def validate_tip_text(title: Any, body: Any) -> tuple[str, str]:
    """The one check of a tip's title and body, for create, promote and edit alike.

    Returns (title, body) stripped of surrounding blanks; raises Invalid (422) with a code
    and a sentence. Content scanners (the PHI guard) hook in here, so every path runs them.
    """
    text_title = (require_str(title, "title") or "").strip()
    text_body = require_str(body, "body") or ""
    if not text_title:
        raise Invalid("A tip needs a title.", code="empty_title", field="title")
    if len(text_title) > MAX_TITLE:
        raise Invalid(
            f"A tip's title can be at most {MAX_TITLE} characters; this one has "
            f"{len(text_title):,}.",
            code="title_too_long",
            field="title",
        )
    if not text_body.strip():
        raise Invalid("A tip needs some text in its body.", code="empty_body", field="body")
    if len(text_body) > MAX_BODY:
        raise Invalid(
            f"A tip's body can be at most {MAX_BODY:,} characters; this one has "
            f"{len(text_body):,}.",
            code="body_too_long",
            field="body",
        )
    if "\x00" in text_title or "\x00" in text_body:
        raise Invalid("A tip cannot contain NUL characters.", code="invalid_text")
    return text_title, text_body


def tip_tags(value: Any) -> list[str]:
    """Normalized tag names (lowercase, no leading '#', no repeats, in the order given)."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
        raise BadRequest("Field tags must be a list of strings.", code="invalid_type", field="tags")
    names: list[str] = []
    for raw in value:
        name = raw.strip().lstrip("#").lower()
        if len(name) > MAX_TAG or not TAG_RE.fullmatch(name):
            shown = raw if len(raw) <= 60 else raw[:60] + "…"
            raise Invalid(
                f"The tag {shown!r} is not valid: a tag is 1 to {MAX_TAG} lowercase letters "
                "and digits, words joined by single hyphens (e.g. epic-in-basket).",
                code="invalid_tag",
                field="tags",
            )
        if name not in names:
            names.append(name)
    if len(names) > MAX_TAGS:
        raise Invalid(
            f"A tip can have at most {MAX_TAGS} tags; this one has {len(names)}.",
            code="too_many_tags",
            field="tags",
        )
    return names


def review_date(value: Any) -> date | None:
    """An ISO date ("2027-06-30") or None when not given."""
    if value is None:
        return None
    text = require_str(value, "review_at") or ""
    try:
        parsed = date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        parsed = None
    if parsed is None or not 2000 <= parsed.year <= 2999:
        raise Invalid(
            "review_at must be a date written as YYYY-MM-DD, e.g. 2027-06-30.",
            code="invalid_review_at",
            field="review_at",
        )
    return parsed


def flag(value: Any, field: str) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise BadRequest(f"Field {field} must be true or false.", code="invalid_type", field=field)
    return value
