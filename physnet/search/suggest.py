"""Did you mean ...: spelling corrections drawn only from what the person may read.

The index's word list holds words from every channel, private ones included, so a word
from it is never offered as such: a correction must match a document the person may read
(counted through the same permission filter as results), is spelled as it appears in such
a document, and the corrected query as a whole must find something.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from physnet.search import fuzzy
from physnet.search.analysis import ANALYZER
from physnet.search.evaluate import Leaf, Plan, evaluate
from physnet.search.planning import text_fields, vocabularies
from physnet.search.querying import ParsedQuery, parse
from physnet.search.schema import parse_key
from physnet.search.sources import SOURCES

MAX_CANDIDATES = 8


def _readable_hit(term: str, ctx: Any) -> tuple[int, int | None]:
    """(readable documents with `term`, one of them)."""
    plan = Plan(units=[tuple(Leaf(f, (term,)) for f in text_fields(ctx.searcher))])
    deadline = time.monotonic() + max(0.01, ctx.seconds_left() - 0.3)
    found = evaluate(  # by date: any readable document will do, none needs a score
        ctx.searcher,
        plan,
        ctx.columns,
        ctx.readable,
        1,
        deadline,
        by_date=True,
        readable_docs=ctx.readable_docs,
    )
    return found.total, (found.docnums[0] if found.docnums else None)


def _spelling(term: str, docnum: int, ctx: Any) -> str | None:
    """How `term` is written in that (readable) document."""
    doc_type, doc_id = parse_key(ctx.searcher.stored_fields(docnum)["key"])
    shown = SOURCES[doc_type].shown([doc_id]).get(doc_id) if doc_type in SOURCES else None
    if shown is None:
        return None
    for found, _, start, end in ANALYZER.spans(shown.text):
        if found == term:
            return shown.text[start:end].lower()
    return None


def _correction(term: str, ctx: Any) -> str | None:
    """The nearest candidate to `term` found in a readable document: fewest edits first,
    then the most frequent in the index (only the order; the hit must be readable)."""
    reader = ctx.searcher.reader()
    fields = text_fields(ctx.searcher)
    words = vocabularies(ctx.searcher, ctx.columns)
    for candidate, _ in fuzzy.index_corrections(reader, words, term, fields, MAX_CANDIDATES):
        if ctx.seconds_left() < 0.3:
            return None
        _, docnum = _readable_hit(candidate, ctx)
        if docnum is not None:
            return _spelling(candidate, docnum, ctx)
    return None


def did_you_mean(
    text: str, parsed: ParsedQuery, ctx: Any, run_query: Callable[..., Any]
) -> str | None:
    """A corrected query that finds something readable, or None."""
    corrected = text
    changed = False
    for clause in parsed.positive:
        if clause.kind != "word":
            continue
        terms = ANALYZER.terms(clause.text)
        if len(terms) != 1 or not fuzzy.wants_correction(terms[0]):
            continue
        if _readable_hit(terms[0], ctx)[0] > 0:
            continue
        better = _correction(terms[0], ctx)
        if better is None or better == clause.text.lower():
            continue
        pattern = re.compile(r"(?<![\w-])" + re.escape(clause.text) + r"(?![\w-])", re.I)
        corrected, count = pattern.subn(better, corrected, count=1)
        changed = changed or count > 0
    if not changed or ctx.seconds_left() < 0.3:
        return None
    if _words_only(parsed):  # loose words: the corrected word's readable hit is found
        return corrected
    found, _ = run_query(parse(corrected), ctx, 1, [])
    return corrected if found.total > 0 else None


def _words_only(parsed: ParsedQuery) -> bool:
    """Plain words and nothing that could leave a match out (filters, phrases, -words)."""
    plain = all(c.kind == "word" and not c.negated for c in parsed.clauses)
    return plain and not parsed.has_filters and not (parsed.since or parsed.until)
