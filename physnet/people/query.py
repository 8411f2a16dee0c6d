"""The people directory query: name prefix and filters, one page, the total and facets.

Every condition can be answered by an index (docs/benchmarks.md shows the plans): name words
by `user_name_tokens` (a range on SQLite, LIKE 'x%' over text_pattern_ops on PostgreSQL),
tags by `user_tags(kind, tag_key, user_id)`, the fields and facet counts by the composite
`users(active, specialty, facility)`-style indexes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, intersect, select, true
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
    named = [select(UserNameToken.user_id).where(name_prefix(w)) for w in filters.words]
    if named:
        # One set of ids for all the words: the planners then start from the few people
        # every word matches instead of walking everyone (PostgreSQL did, with two IN).
        where.append(User.id.in_(named[0] if len(named) == 1 else intersect(*named)))
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


def facet_query(filters: PeopleFilters, names: tuple[str, ...]) -> Any:
    """People matching the filters, grouped by the values of `names` (empty ones included).

    Each facet leaves its own filter out; facets whose filters are both off share one query.
    """
    columns = [getattr(User, name) for name in names]
    skip = names[0] if len(names) == 1 else None
    return select(*columns, func.count()).where(*conditions(filters, skip=skip)).group_by(*columns)


def _tally(rows: Sequence[Any], index: int) -> list[dict[str, Any]]:
    counts: dict[str, int] = {}
    for row in rows:
        if row[index]:
            counts[row[index]] = counts.get(row[index], 0) + row[-1]
    shown = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:MAX_FACET_VALUES]
    return [{"value": value, "count": n} for value, n in shown]


def facet_counts(filters: PeopleFilters) -> tuple[dict[str, list[dict[str, Any]]], int | None]:
    """Each facet's values with their counts, most first; and the number of matching
    people when a facet query counted them all anyway (its own filter off), else None."""
    off = tuple(name for name in FACETS if not getattr(filters, name))
    facets: dict[str, list[dict[str, Any]]] = {}
    total = None
    if off:
        rows = db.session.execute(facet_query(filters, off)).all()
        total = sum(row[-1] for row in rows)
        facets.update({name: _tally(rows, i) for i, name in enumerate(off)})
    for name in FACETS:
        if name not in off:
            facets[name] = _tally(db.session.execute(facet_query(filters, (name,))).all(), 0)
    return {name: facets[name] for name in FACETS}, total


def page_query(filters: PeopleFilters, page: int, per_page: int = PER_PAGE) -> Any:
    # Ids first (sorted by the narrow index), whole rows for the page only.
    ids = (
        select(User.id)
        .where(*conditions(filters))
        .order_by(User.sort_name, User.id)
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    has_photo = User.photo.is_not(None) | exists().where(UserPhoto.user_id == User.id)
    return (
        select(User, has_photo.label("has_photo"))
        .options(defer(User.photo))
        .where(User.id.in_(ids))
        .order_by(User.sort_name, User.id)
    )


def count_query(filters: PeopleFilters) -> Any:
    return select(func.count()).select_from(User).where(*conditions(filters))


def search_people(filters: PeopleFilters, page: int = 1, per_page: int = PER_PAGE) -> PeoplePage:
    """One page of active people matching `filters`, the total, and the facet counts."""
    page = min(max(page, 1), MAX_PAGE)
    facets, total = facet_counts(filters)
    if total is None:  # both facets filtered: neither query counted everyone who matches
        total = db.session.scalar(count_query(filters)) or 0
    rows = db.session.execute(page_query(filters, page, per_page)).all() if total else []
    return PeoplePage([(u, bool(p)) for u, p in rows], total, page, facets)
