"""Turn a parsed query into an evaluation plan: analyzed terms, synonyms, names resolved.

Words run through the same analysis as the index; consecutive words are matched against
the synonym list (longest first); a prefix expands to the most frequent indexed words
that start with it; `in:` and `from:` names become ids, a channel only if the person may
read it (a hidden channel reads exactly like a missing one).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from physnet.extensions import db
from physnet.models import Channel, User
from physnet.search.analysis import ANALYZER, fold
from physnet.search.evaluate import FilterUnit, Leaf, Plan, Unit
from physnet.search.querying import ParsedQuery
from physnet.search.schema import month_tag
from physnet.search.synonyms import Phrase, Synonyms

MAX_PREFIX_TERMS = 64
TEXT_FIELDS = ("body", "title")
TAG_OF_IS = {"thread": "is:thread", "pinned": "is:pinned", "tip": "type:tip"}


@dataclass
class Planned:
    plan: Plan | None  # None: nothing can match
    marks: set[str] = field(default_factory=set)  # analyzed words to highlight
    by_date: bool = False  # operators only: newest first


def _text(raw: Any) -> str:
    return raw.decode("utf-8") if isinstance(raw, bytes) else str(raw)


def text_fields(searcher: Any) -> tuple[str, ...]:
    """The text fields worth querying: no title clauses while nothing has a title."""
    return TEXT_FIELDS if searcher.reader().field_length("title") else ("body",)


def _unit(alternatives: list[Phrase], fields: tuple[str, ...]) -> Unit:
    return tuple(Leaf(f, alt) for alt in alternatives for f in fields)


def prefix_terms(searcher: Any, text: str) -> list[str]:
    """The most frequent indexed words starting with `text` (or with its stem)."""
    reader = searcher.reader()
    word = fold(text.strip())
    prefixes = {word, ANALYZER.stem(word)} if word.isalpha() else {word}
    found: dict[str, int] = {}
    for prefix in prefixes:
        for count, raw in enumerate(reader.expand_prefix("body", prefix)):
            if count >= 2000:
                break
            term = _text(raw)
            found[term] = reader.doc_frequency("body", term)
    return sorted(found, key=lambda t: -found[t])[:MAX_PREFIX_TERMS]


def _text_units(
    parsed: ParsedQuery, searcher: Any, synonyms: Synonyms, plan: Plan, marks: set[str]
) -> bool:
    """Add the scored units and exclusions of the words; False when nothing can match."""
    fields = text_fields(searcher)
    run: list[str] = []  # consecutive plain words: a synonym may span them

    def flush_run() -> None:
        for alternatives in synonyms.expand(run):
            plan.units.append(_unit(alternatives, fields))
            marks.update(term for alt in alternatives for term in alt)
        run.clear()

    possible = True
    for clause in parsed.clauses:
        if clause.kind == "word" and not clause.negated:
            run.extend(ANALYZER.terms(clause.text))
            continue
        flush_run()
        if clause.kind == "prefix":
            terms = prefix_terms(searcher, clause.text)
            if not terms:
                possible = possible and clause.negated
                continue
            unit = _unit([(t,) for t in terms], fields)
        elif clause.kind == "phrase":
            words = tuple(ANALYZER.terms(clause.text))
            if not words:
                continue
            unit = _unit([words], fields)
        else:  # a negated word: leave out its synonyms too
            units = synonyms.expand(ANALYZER.terms(clause.text))
            unit = tuple(leaf for alts in units for leaf in _unit(alts, fields))
            if not unit:
                continue
        if clause.negated:
            plan.negatives.append(unit)
        else:
            plan.units.append(unit)
            marks.update(term for leaf in unit for term in leaf.terms)
    flush_run()
    return possible


def _filters(
    parsed: ParsedQuery, readable: bytearray, warnings: list[str]
) -> list[FilterUnit] | None:
    """Filter units for in:/from:/has:/is:; None when they can match nothing."""
    filters: list[FilterUnit] = []
    if parsed.channels:
        rows = db.session.execute(
            select(Channel.id, Channel.name).where(Channel.name.in_(parsed.channels))
        ).all()
        ids = {r.name: r.id for r in rows if r.id < len(readable) and readable[r.id]}
        for name in parsed.channels:
            if name not in ids:  # hidden and missing channels read the same
                warnings.append(f"There is no channel #{name} that you can see.")
        if not ids:
            return None
        filters.append(tuple(("channel", str(i)) for i in ids.values()))
    if parsed.authors:
        users = db.session.execute(
            select(User.id, User.username).where(User.username.in_(parsed.authors))
        ).all()
        for name in sorted(set(parsed.authors) - {u.username for u in users}):
            warnings.append(f"There is no user @{name}.")
        if not users:
            return None
        filters.append(tuple(("author", str(u.id)) for u in users))
    filters += [(("tags", f"has:{value}"),) for value in sorted(parsed.has)]
    filters += [(("tags", TAG_OF_IS[value]),) for value in sorted(parsed.is_)]
    return filters


def _months(parsed: ParsedQuery, searcher: Any) -> FilterUnit:
    """The month tags overlapping the date range: a first cut for dates alone."""
    low = month_tag(parsed.since) if parsed.since else ""
    high = month_tag(parsed.until) if parsed.until else "m:9999"
    tags = (_text(raw) for raw in searcher.reader().expand_prefix("tags", "m:"))
    return tuple(("tags", tag) for tag in tags if low <= tag <= high)


def plan_query(
    parsed: ParsedQuery,
    searcher: Any,
    synonyms: Synonyms,
    readable: bytearray,
    warnings: list[str],
) -> Planned:
    plan = Plan()
    marks: set[str] = set()
    possible = _text_units(parsed, searcher, synonyms, plan, marks)
    filters = _filters(parsed, readable, warnings)
    if filters is None or not possible:
        return Planned(None, marks)
    plan.filters = filters
    if parsed.since:
        plan.since = parsed.since.timestamp()
    if parsed.until:
        plan.until = parsed.until.timestamp()
    if not plan.units and not plan.filters:
        if plan.since == -math.inf and plan.until == math.inf:
            if parsed.negative:
                warnings.append("Add a word to search for; - only leaves words out.")
            return Planned(None, marks)
        plan.filters = [_months(parsed, searcher)]
    return Planned(plan, marks, by_date=not plan.units)
