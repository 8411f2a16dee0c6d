"""The people directory query: name prefix and filters, one page, the total and facets.

Every condition is answered by an index (see docs/benchmarks.md for the plans): name words
by `user_name_tokens` (a range on SQLite, LIKE 'x%' over text_pattern_ops on PostgreSQL),
tags by `user_tags(kind, tag_key, user_id)`, the fields and facet counts by the composite
`users(active, specialty, facility)`-style indexes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, select, true
from sqlalchemy.orm import defer

from physnet.extensions import db
from physnet.models import User, UserNameToken, UserPhoto, UserTag
from physnet.people.normalize import query_words, tag_key

PER_PAGE = 50
MAX_PAGE = 1000
FACETS = ("specialty", "facility")
FIELD_FILTERS = ("specialty", "facility", "department")
TAG_FILTERS = {"expertise": "expertise", "ehr": "ehr"}
MAX_FACET_VALUES = 100


@dataclass
class PeopleFilters:
    """What the search box and the filter chips ask for (already length-limited text)."""

    q: str = ""
    specialty: str = ""
    facility: str = ""
    department: str = ""
    expertise: str = ""
    ehr: str = ""

    @property
    def words(self) -> list[str]:
        return query_words(self.q)


@dataclass
class PeoplePage:
    users: list[tuple[User, bool]]  # (user, has a photo)
    total: int
    page: int
    facets: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def name_prefix(word: str) -> ColumnElement[bool]:
    """Token starts with `word` ([a-z0-9]+), in the form each backend's index answers."""
    token = UserNameToken.token
    if db.engine.dialect.name == "sqlite":
        # SQLite's LIKE is case-insensitive, so it skips a binary index; a range does not.
        upper = word[:-1] + chr(ord(word[-1]) + 1)
        return and_(token >= word, token < upper)
    return token.like(word + "%")


def conditions(filters: PeopleFilters, skip: str | None = None) -> list[ColumnElement[bool]]:
    """The WHERE of a search; `skip` leaves one facet's own filter out (for its counts)."""
    where: list[ColumnElement[bool]] = [User.active == true()]
    for word in filters.words:
        where.append(User.id.in_(select(UserNameToken.user_id).where(name_prefix(word))))
    for name in FIELD_FILTERS:
        value = getattr(filters, name)
        if value and name != skip:
            where.append(getattr(User, name) == value)
    for name, kind in TAG_FILTERS.items():
        key = tag_key(getattr(filters, name))
        if key:
            tagged = select(UserTag.user_id).where(UserTag.kind == kind, UserTag.tag_key == key)
            where.append(User.id.in_(tagged))
    return where


def facet_counts(filters: PeopleFilters, name: str) -> list[dict[str, Any]]:
    """Values of `name` with how many people match the other active filters, most first."""
    column = getattr(User, name)
    count = func.count().label("n")
    rows = db.session.execute(
        select(column, count)
        .where(*conditions(filters, skip=name), column != "")
        .group_by(column)
        .order_by(count.desc(), column)
        .limit(MAX_FACET_VALUES)
    ).all()
    return [{"value": value, "count": n} for value, n in rows]


def page_query(filters: PeopleFilters, page: int, per_page: int = PER_PAGE) -> Any:
    has_photo = User.photo.is_not(None) | exists().where(UserPhoto.user_id == User.id)
    return (
        select(User, has_photo.label("has_photo"))
        .options(defer(User.photo))
        .where(*conditions(filters))
        .order_by(User.sort_name, User.id)
        .offset((page - 1) * per_page)
        .limit(per_page)
    )


def count_query(filters: PeopleFilters) -> Any:
    return select(func.count()).select_from(User).where(*conditions(filters))


def search_people(filters: PeopleFilters, page: int = 1, per_page: int = PER_PAGE) -> PeoplePage:
    """One page of active people matching `filters`, the total, and the facet counts."""
    page = min(max(page, 1), MAX_PAGE)
    total = db.session.scalar(count_query(filters)) or 0
    rows = db.session.execute(page_query(filters, page, per_page)).all() if total else []
    facets = {name: facet_counts(filters, name) for name in FACETS}
    return PeoplePage([(u, bool(p)) for u, p in rows], total, page, facets)
