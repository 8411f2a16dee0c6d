"""Evaluate a search plan on the index: exact totals, permission filter, BM25 ranking.

Whoosh's collectors step through matcher objects, a few method calls per document per
term, and its block-skipping cannot help here: an exact total behind a permission filter
needs every match, and the recency and static boosts change the scores it relies on. So
this reads each term's postings once per segment (Whoosh's own block reader), combines
document sets with Python's set operations (in C), keeps the readable documents within
the dates (per-segment column arrays), and scores only those: BM25 with Whoosh's formula
and statistics (K1 1.2, B 0.75, its idf and average lengths), times the document's static
boost and recency. A deadline is checked between postings reads and while scoring; past
it, what is done so far is returned, flagged as cut.
"""

from __future__ import annotations

import heapq
import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import accumulate, compress
from typing import Any

from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching.wrappers import FilterMatcher

from physnet.search.analysis import ClinicalPositions
from physnet.search.engine import ColumnCache, SegmentArrays

K1 = 1.2
B = 0.75
CHECK_EVERY = 4096


@dataclass(frozen=True)
class Leaf:
    """One term, or an exact phrase, in one field."""

    field: str
    terms: tuple[str, ...]


Unit = tuple[Leaf, ...]  # alternatives, any of which may match (synonyms, prefixes, fields)
FilterUnit = tuple[tuple[str, str], ...]  # (field, term) alternatives; they do not score


@dataclass
class Plan:
    units: list[Unit] = field(default_factory=list)  # all required, scored
    filters: list[FilterUnit] = field(default_factory=list)  # all required
    negatives: list[Unit] = field(default_factory=list)  # none may match
    since: float = -math.inf
    until: float = math.inf


@dataclass
class Outcome:
    docnums: list[int]  # global document numbers, best first
    total: int
    timed_out: bool


class _Deadline(Exception):
    pass


def read_postings(
    reader: Any, fieldname: str, text: str, values: bool, within: list[int] | None = None
) -> tuple[list[int], list[float], list[bytes] | None]:
    """(ids, weights, values or None) of a term in one segment, deleted documents included.

    With `within` (sorted document numbers), only those documents are returned, and the
    blocks of postings holding none of them are skipped without being decoded.
    """
    ids: list[int] = []
    weights: list[float] = []
    found: list[bytes] | None = [] if values else None
    if (fieldname, text) not in reader or within == []:
        return ids, weights, found
    matcher = reader.postings(fieldname, text)
    if isinstance(matcher, FilterMatcher):  # deletions: the caller drops them
        matcher = matcher.child
    if not isinstance(matcher, W3LeafMatcher):  # short postings inlined in the dictionary
        wanted = None if within is None else set(within)
        while matcher.is_active():
            if wanted is None or matcher.id() in wanted:
                ids.append(matcher.id())
                weights.append(matcher.weight())
                if found is not None:
                    found.append(matcher.value())
            matcher.next()
        return ids, weights, found
    i, n = 0, len(within or ())
    while matcher.is_active():  # a block (up to 128 postings) at a time
        if within is not None:
            if i >= n:
                break
            if within[i] > matcher._maxid:  # nothing wanted in this block
                matcher._next_block()
                continue
        matcher._read_data()
        block = list(accumulate(matcher._data[0]))  # ids are stored as deltas
        matcher._read_weights()
        block_weights = matcher._weights
        if found is not None:
            matcher._read_values()
        if within is None:
            ids.extend(block)
            weights.extend(block_weights)
            if found is not None:
                found.extend(matcher._values)
        else:
            at = {doc: k for k, doc in enumerate(block)}
            while i < n and within[i] <= matcher._maxid:
                k = at.get(within[i])
                if k is not None:
                    ids.append(within[i])
                    weights.append(block_weights[k])
                    if found is not None:
                        found.append(matcher._values[k])
                i += 1
        matcher._next_block()
    return ids, weights, found


class _LeafResult:
    """Documents matching a leaf, and per scoring term (idf, field, tf by document)."""

    def __init__(self, docs: set[int], scoring: list[tuple[float, str, dict[int, float]]]):
        self.docs = docs
        self.scoring = scoring


class _Segment:
    """One segment of the index, for one search: its readers, arrays and the filter."""

    def __init__(
        self, top: Any, leaf_searcher: Any, arrays: SegmentArrays, readable: bytearray, plan: Plan
    ) -> None:
        self.top = top
        self.reader = leaf_searcher.reader()
        self.arrays = arrays
        self.readable = readable
        self.deleted = self.reader.deleted_docs_set if self.reader.has_deletions() else ()
        self.since, self.until = plan.since, plan.until

    def keep(self, docs: Iterable[int]) -> set[int]:
        """The documents in a readable channel, not deleted, within the dates."""
        docs = list(docs)
        readable = self.readable.__getitem__
        kept = set(compress(docs, map(readable, map(self.arrays.chan.__getitem__, docs))))
        if self.deleted:
            kept.difference_update(self.deleted)
        if self.since != -math.inf or self.until != math.inf:
            created, since, until = self.arrays.created, self.since, self.until
            kept = {d for d in kept if since <= created[d] < until}
        return kept

    def size(self, fieldname: str, text: str) -> int:
        try:
            return int(self.reader.doc_frequency(fieldname, text))
        except Exception:  # an unknown field or term
            return 0

    def leaf(self, leaf: Leaf, within: list[int] | None) -> _LeafResult:
        """The documents matching `leaf` (among `within`, when given; else kept ones)."""
        reader = self.reader
        if len(leaf.terms) == 1:
            text = leaf.terms[0]
            ids, weights, _ = read_postings(reader, leaf.field, text, False, within)
            tf = dict(zip(ids, weights, strict=True))
            return _LeafResult(set(tf), [(self.top.idf(leaf.field, text), leaf.field, tf)])
        # A phrase: its rarest word first, then the others only where that one is.
        order = sorted(range(len(leaf.terms)), key=lambda k: self.size(leaf.field, leaf.terms[k]))
        postings: list[Any] = [None] * len(leaf.terms)
        docs: set[int] | None = None
        for k in order:
            restrict = within if docs is None else sorted(docs)
            postings[k] = read_postings(reader, leaf.field, leaf.terms[k], True, restrict)
            found = set(postings[k][0])
            docs = (
                (found if within is not None else self.keep(found))
                if docs is None
                else (docs & found)
            )
            if not docs:
                break
        if docs:
            bitmaps = [dict(zip(ids, vals, strict=True)) for ids, _, vals in postings]
            docs = {d for d in docs if _phrase_at(d, bitmaps)}
        scoring = [
            (self.top.idf(leaf.field, t), leaf.field, dict(zip(p[0], p[1], strict=True)))
            for t, p in zip(leaf.terms, postings, strict=True)
            if p is not None
        ]
        return _LeafResult(docs or set(), scoring)

    def unit_size(self, unit: Unit) -> int:
        return sum(min(self.size(leaf.field, t) for t in leaf.terms) for leaf in unit)

    def filter_size(self, unit: FilterUnit) -> int:
        return sum(self.size(fieldname, text) for fieldname, text in unit)

    def filter_docs(self, unit: FilterUnit, within: list[int] | None) -> set[int]:
        docs: set[int] = set()
        for fieldname, text in unit:
            docs.update(read_postings(self.reader, fieldname, text, False, within)[0])
        return docs


def _phrase_at(doc: int, bitmaps: list[dict[int, bytes]]) -> bool:
    """True when the words are at consecutive positions somewhere in `doc`: shift the
    first word's position bitmap by one and AND it with the next word's, and so on."""
    bitmap = ClinicalPositions.bitmap
    at = bitmap(bitmaps[0][doc])
    for by_doc in bitmaps[1:]:
        at = (at << 1) & bitmap(by_doc[doc])
        if not at:
            return False
    return True


def evaluate(
    searcher: Any,
    plan: Plan,
    columns: ColumnCache,
    readable: bytearray,
    limit: int,
    deadline: float,
    by_date: bool = False,
) -> Outcome:
    """The top `limit` readable matches of `plan` (by score, or newest first), and how many
    readable documents match in all."""
    best: list[tuple[float, int]] = []
    total = 0
    timed_out = False
    norms = {
        f: SegmentArrays.norm_table(searcher.avg_field_length(f) or 1.0, K1, B)
        for f in ("body", "title")
    }
    leaves = [
        (leaf, offset, columns.get(leaf.reader()))
        for leaf, offset in searcher.leaf_searchers()
        if leaf.reader().doc_count_all()
    ]
    # Channel ids beyond the readable ones read as unreadable: pad the mask to cover all.
    widest = max((arrays.max_chan for _, _, arrays in leaves), default=0) + 1
    mask = readable + bytes(max(0, widest - len(readable)))
    for leaf_searcher, offset, arrays in leaves:
        segment = _Segment(searcher, leaf_searcher, arrays, mask, plan)
        try:
            docs, score = _segment_matches(segment, plan, deadline, norms, by_date)
            total += len(docs)
            scored = _scored(docs, score, offset, deadline)
            best = heapq.nlargest(limit, [*best, *heapq.nlargest(limit, scored)])
        except _Deadline:
            timed_out = True
            break
    return Outcome([0 - negated for _, negated in best], total, timed_out)


def _scored(docs: Sequence[int], score: Any, offset: int, deadline: float) -> Iterable[Any]:
    for i, doc in enumerate(docs):
        if i % CHECK_EVERY == CHECK_EVERY - 1 and time.monotonic() > deadline:
            raise _Deadline
        yield score(doc), -(offset + doc)  # ties: the lower document number first
    return


def _segment_matches(
    segment: _Segment,
    plan: Plan,
    deadline: float,
    norms: dict[str, list[float]],
    by_date: bool,
) -> tuple[list[int], Any]:
    """The readable matching documents of one segment, and their scoring function."""

    def check() -> None:
        if time.monotonic() > deadline:
            raise _Deadline

    # Rarest first, then only the readable candidates: each later step reads only the
    # blocks of postings that hold remaining candidates.
    steps = sorted(
        [(segment.unit_size(u), 0, i) for i, u in enumerate(plan.units)]
        + [(segment.filter_size(f), 1, i) for i, f in enumerate(plan.filters)]
    )
    results: list[list[_LeafResult]] = []
    candidates: set[int] | None = None
    for _, is_filter, index in steps:
        within = None if candidates is None else sorted(candidates)
        if is_filter:
            docs = segment.filter_docs(plan.filters[index], within)
        else:
            leaves = [segment.leaf(leaf, within) for leaf in plan.units[index]]
            docs = set().union(*(r.docs for r in leaves))
            results.append(leaves)
        check()
        candidates = segment.keep(docs) if candidates is None else candidates & docs
        if not candidates:
            return [], None
    if candidates is None:
        return [], None
    for unit in plan.negatives:
        within = sorted(candidates)
        for leaf in unit:
            candidates -= segment.leaf(leaf, within).docs
        check()
    arrays = segment.arrays
    if by_date:
        return list(candidates), arrays.created.__getitem__
    scoring = [term for leaves in results for leaf in leaves for term in leaf.scoring]
    mult = arrays.multiplier()
    reader = segment.reader
    terms = [(idf * (K1 + 1), norms[f], arrays.lengths(reader, f), tf) for idf, f, tf in scoring]

    def score(doc: int) -> float:
        total = 0.0
        for idf_k, norm, lengths, tf in terms:
            weight = tf.get(doc)
            if weight:
                total += idf_k * weight / (weight + norm[lengths[doc]])
        return total * mult[doc]

    return list(candidates), score
