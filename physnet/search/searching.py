"""Search for one person: parse, plan, evaluate, show, suggest.

Every count, result, snippet and suggestion comes from documents in channels the person
may read (physnet.access.readable_channel_ids), checked in the index *and* again against
the database rows shown.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

from whoosh.searching import Searcher

from physnet.access import readable_channel_ids
from physnet.errors import BadRequest
from physnet.extensions import db
from physnet.models import User
from physnet.models.types import iso
from physnet.search import fuzzy, suggest
from physnet.search.engine import ColumnCache
from physnet.search.evaluate import Outcome, evaluate
from physnet.search.highlight import snippet
from physnet.search.matching import tip_words, why
from physnet.search.planning import Planned, Word, plan_query
from physnet.search.querying import ParsedQuery, parse
from physnet.search.schema import parse_key
from physnet.search.sources import SOURCES
from physnet.search.store import IndexUnavailable
from physnet.search.synonyms import Synonyms

log = logging.getLogger(__name__)
PER_PAGE = 20
MAX_PAGE = 50
BUDGET_SECONDS = 1.8  # every search answers within 2 s
MAIN_SECONDS = 1.2  # of which the main query may take this much


@dataclass
class Found:
    results: list[dict[str, Any]] = field(default_factory=list)
    total: int = 0
    suggestion: str | None = None
    warnings: list[str] = field(default_factory=list)
    timed_out: bool = False
    any_of: list[str] = field(default_factory=list)  # results matched only some of these

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "results": self.results,
            "total": self.total,
            "suggestion": self.suggestion,
        }
        if self.warnings:
            data["warnings"] = self.warnings
        if self.timed_out:
            data["partial"] = True
        if self.any_of:
            data["any_of"] = self.any_of
        return data


@dataclass
class Context:
    """What one search needs besides the query: who asks, and the open index."""

    searcher: Searcher
    columns: ColumnCache
    synonyms: Synonyms
    readable: bytearray
    deadline: float
    readable_docs: dict[int, Any] = field(default_factory=dict)  # per segment, this search

    def seconds_left(self) -> float:
        return self.deadline - time.monotonic()


def readable_mask(user: User) -> bytearray:
    """readable[channel_id] is 1 for each channel `user` may read."""
    if not user.active:
        return bytearray()
    ids = list(db.session.scalars(readable_channel_ids(user)))
    mask = bytearray(max(ids, default=-1) + 1)
    for channel_id in ids:
        mask[channel_id] = 1
    return mask


def run_query(
    parsed: ParsedQuery, ctx: Context, limit: int, warnings: list[str], seconds: float = 0.0
) -> tuple[Outcome, Planned]:
    """The top `limit` readable matches of a parsed query, and its plan (words to mark)."""
    planned = plan_query(parsed, ctx.searcher, ctx.synonyms, ctx.readable, warnings, ctx.columns)
    if planned.plan is None:
        return Outcome([], 0, False), planned
    budget = min(seconds or MAIN_SECONDS, ctx.seconds_left() - 0.2)
    outcome = evaluate(
        ctx.searcher,
        planned.plan,
        ctx.columns,
        ctx.readable,
        limit,
        time.monotonic() + max(budget, 0.01),
        by_date=planned.by_date,
        readable_docs=ctx.readable_docs,
    )
    return outcome, planned


def page_number(page: int | None) -> int:
    if page is None:
        return 1
    if page < 1 or page > MAX_PAGE:
        raise BadRequest(f"page must be from 1 to {MAX_PAGE}.", code="invalid_parameter")
    return page


def search(service: Any, user: User, text: str, page: int | None = None) -> Found:
    """Search what `user` may read. Raises BadRequest for an unusable query and
    IndexUnavailable when there is no index to search."""
    started = time.monotonic()
    number = page_number(page)
    parsed = parse(text)
    found = Found(warnings=parsed.warnings)
    if not parsed.clauses and not parsed.has_filters and not (parsed.since or parsed.until):
        return found
    readable = readable_mask(user)
    with fuzzy.one_search():
        keys, planned = _search_retried(service, parsed, text, number, readable, found, started)
    found.results = show(keys, planned.marks, readable, planned.words)
    return found


def _search_retried(
    service: Any,
    parsed: ParsedQuery,
    text: str,
    number: int,
    readable: bytearray,
    found: Found,
    started: float,
) -> tuple[list[tuple[str, int]], Planned]:
    for attempt in (1, 2):
        try:
            keys, planned = _search_index(service, parsed, text, number, readable, found, started)
            break
        except (IndexUnavailable, BadRequest):
            raise
        except Exception as exc:
            # A searcher that lost a race with the writer (files of merged segments gone)
            # is dropped by the pool; one retry on a fresh one. Twice: is the index sound?
            if attempt == 2:
                service.store.open()  # raises IndexUnavailable when it is not
                raise
            log.info("search retried on a changing index: %r", exc)
    return keys, planned


def _search_index(
    service: Any,
    parsed: ParsedQuery,
    text: str,
    number: int,
    readable: bytearray,
    found: Found,
    started: float,
) -> tuple[list[tuple[str, int]], Planned]:
    """Fill in `found` (total, cut, suggestion, any_of); return the page's keys and the
    plan (words to mark, words to explain)."""
    with service.searchers.searcher() as searcher:
        ctx = Context(
            searcher,
            service.searchers.columns,
            service.synonyms,
            readable,
            started + BUDGET_SECONDS,
        )
        warnings: list[str] = []
        outcome, planned = run_query(parsed, ctx, number * PER_PAGE, warnings)
        found.total, found.timed_out = outcome.total, outcome.timed_out
        found.warnings = parsed.warnings + warnings
        page = slice((number - 1) * PER_PAGE, number * PER_PAGE)
        keys = [parse_key(searcher.stored_fields(d)["key"]) for d in outcome.docnums[page]]
        if not all(outcome.complete[page]):
            found.any_of = [word.text for word in planned.words]
        unsure = not found.total or planned.corrected
        if unsure and not found.timed_out and parsed.positive and ctx.seconds_left() > 0.4:
            found.suggestion = suggest.did_you_mean(text, parsed, ctx, run_query)
    return keys, planned


def show(
    keys: list[tuple[str, int]],
    marks: set[str],
    readable: bytearray,
    words: list[Word] | None = None,
) -> list[dict]:
    """Result objects in rank order, from the database rows (still readable, not deleted),
    each saying which of `words` it matched and through which synonym or correction."""
    by_type: dict[str, list[int]] = {}
    for doc_type, doc_id in keys:
        by_type.setdefault(doc_type, []).append(doc_id)
    loaded = {
        (doc_type, doc_id): shown
        for doc_type, ids in by_type.items()
        if doc_type in SOURCES
        for doc_id, shown in SOURCES[doc_type].shown(ids).items()
    }
    results = []
    extra = tip_words([doc_id for doc_type, doc_id in keys if doc_type == "tip"])
    for key in keys:
        item = loaded.get(key)
        if item is None or item.channel_id >= len(readable) or not readable[item.channel_id]:
            continue  # deleted or moved since it was indexed
        explained = why(item.text + extra.get(key, ""), words or [])
        results.append(
            {
                **explained,
                "type": item.doc_type,
                "id": item.doc_id,
                "channel": item.channel,
                "author": item.author,
                "created_at": iso(item.created_at),
                "thread_id": item.thread_id,
                "snippet_html": snippet(item.text, marks),
            }
        )
    return results
