"""Evaluate a search plan on the index: exact totals, permission filter, BM25 ranking.

Per segment, with numpy over whole arrays rather than per document in Python: a term's
postings are arrays mapped straight from the postings file (physnet/search/codec.py), a
set of documents is a boolean array over the segment, the permission filter is one
lookup of every document's channel in the readable-channel mask, a phrase is checked for
all candidates at once on 128-bit position bitmaps, and every matching readable document
is scored (BM25 with Whoosh's formula and statistics: K1 1.2, B 0.75, its idf and average
lengths; times the document's static boost and recency) before the best `limit` are
picked. Whoosh's collectors are not used: they step through matchers a few method calls
per posting. Segments written in Whoosh's own block format (before the columnar codec) are
decoded block by block, slowly but the same. A deadline is checked between postings reads;
past it, the segments done so far are returned, flagged as cut.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from physnet.search.analysis import ClinicalPositions
from physnet.search.engine import ColumnCache, SegmentArrays
from physnet.search.postings import Postings, read_postings
from physnet.search.ranking import K1, TIER, pruned_keys, sort_keys

B = 0.75
PRUNE = True  # skip documents holding one word that cannot reach the page (pruned_keys)


@dataclass(frozen=True)
class Leaf:
    """One term, or an exact phrase, in one field."""

    field: str
    terms: tuple[str, ...]
    alt: int = 0  # which alternative of its unit (a field of one alternative: the same)
    weight: float = 1.0  # a synonym or a spelling correction counts for less


Unit = tuple[Leaf, ...]  # alternatives, any of which may match (synonyms, prefixes, fields)
FilterUnit = tuple[tuple[str, str], ...]  # (field, term) alternatives; they do not score


@dataclass
class Plan:
    units: list[Unit] = field(default_factory=list)  # all required, scored
    loose: list[Unit] = field(default_factory=list)  # words: the more match, the better
    filters: list[FilterUnit] = field(default_factory=list)  # all required
    negatives: list[Unit] = field(default_factory=list)  # none may match
    since: float = -math.inf
    until: float = math.inf


@dataclass
class Outcome:
    docnums: list[int]  # global document numbers, best first
    total: int
    timed_out: bool
    complete: list[bool] = field(default_factory=list)  # per docnum: matched every word


class _Deadline(Exception):
    pass


_NOTHING = np.zeros(0, dtype=np.int64)


_ONE, _HIGH = np.uint64(1), np.uint64(63)


def _phrase_rows(postings: list[Postings], rows: list[np.ndarray]) -> np.ndarray:
    """Which candidate documents (each holding every word; rows[k]: where each is in the
    k-th word's postings) have the words at consecutive positions: shift the first word's
    bitmap by one and AND it with the next word's, and so on, for all documents at once on
    the 128-bit slots; documents with positions beyond those are checked again on their
    whole bitmaps. The slots are gathered with `np.take` (several times faster than fancy
    indexing on the memory-mapped, unaligned arrays) and shifted in place."""
    first = postings[0].slots
    assert first is not None
    at = np.take(first, rows[0], axis=0)
    lo, hi = at[:, 0].copy(), at[:, 1].copy()
    for p, row in zip(postings[1:], rows[1:], strict=True):
        assert p.slots is not None
        nxt = np.take(p.slots, row, axis=0)
        hi <<= _ONE
        hi |= lo >> _HIGH
        hi &= nxt[:, 1]
        lo <<= _ONE
        lo &= nxt[:, 0]
    ok = (lo | hi) != 0
    long = np.zeros(len(ok), dtype=bool)
    for p, row in zip(postings, rows, strict=True):
        if p.overflow:
            long |= np.isin(row, np.fromiter(p.overflow, dtype=np.int64, count=len(p.overflow)))
    for k in np.flatnonzero(long):
        bitmaps = []
        for p, row in zip(postings, rows, strict=True):
            i = int(row[k])
            value = p.overflow.get(i)
            assert p.slots is not None
            bits = (
                ClinicalPositions.bitmap(value)
                if value is not None
                else int(p.slots[i, 0]) | int(p.slots[i, 1]) << 64
            )
            bitmaps.append(bits)
        found = bitmaps[0]
        for bits in bitmaps[1:]:
            found = (found << 1) & bits
        ok[k] = bool(found)
    return ok


class _Segment:
    """One segment of the index, for one search: its reader, arrays and allowed documents."""

    def __init__(
        self,
        idf: Any,
        leaf_searcher: Any,
        arrays: SegmentArrays,
        mask: np.ndarray,
        plan: Plan,
        readable_docs: dict[int, np.ndarray] | None = None,
    ) -> None:
        self.idf = idf
        self.reader = leaf_searcher.reader()
        self.arrays = arrays
        self.count = self.reader.doc_count_all()
        key = id(self.reader)
        readable = readable_docs.get(key) if readable_docs is not None else None
        if readable is None:
            # readable channel (the permission filter); kept across searches (read-only)
            readable = arrays.readable_channels(mask)
            if self.reader.has_deletions():
                deleted = self.reader.deleted_docs_set
                readable = readable.copy()
                readable[np.fromiter(deleted, dtype=np.int64, count=len(deleted))] = False
            if readable_docs is not None:
                readable_docs[key] = readable
        if plan.since != -math.inf or plan.until != math.inf:
            created = arrays.created_np
            readable = readable & (created >= plan.since) & (created < plan.until)
        self.allowed = readable  # never changed in place: it may be shared (readable_docs)

    def postings(self, fieldname: str, text: str, positions: bool) -> Postings:
        return read_postings(self.reader, self.arrays, fieldname, text, positions)

    def rows(self, ids: np.ndarray) -> np.ndarray:
        """rows[doc]: where `doc` is in `ids` (sorted document numbers), or -1."""
        rows = np.full(self.count, -1, dtype=np.int32)
        rows[ids] = np.arange(len(ids), dtype=np.int32)
        return rows

    def size(self, fieldname: str, text: str) -> int:
        try:
            return int(self.reader.doc_frequency(fieldname, text))
        except Exception:  # an unknown field or term
            return 0

    def leaf(self, leaf: Leaf, within: np.ndarray) -> tuple[np.ndarray, list[Any]]:
        """Documents matching `leaf` (a phrase: checked only among `within`), and per word
        (idf, field, rows, weights) for scoring, rows[doc] being where `doc` is in weights
        (or -1)."""
        if len(leaf.terms) == 1:
            p = self.postings(leaf.field, leaf.terms[0], False)
            rows = self.rows(p.ids)
            return rows >= 0, [(self.idf(leaf.field, leaf.terms[0]), leaf.field, rows, p.weights)]
        postings, rows_of = [], []
        candidates = within.copy()
        for text in leaf.terms:
            p = self.postings(leaf.field, text, True)
            if not len(p.ids) or p.slots is None:
                return np.zeros(self.count, dtype=bool), []
            rows = self.rows(p.ids)
            postings.append(p)
            rows_of.append(rows)
            candidates &= rows >= 0
        docs = np.flatnonzero(candidates)
        at = [rows[docs] for rows in rows_of]
        ok = _phrase_rows(postings, at)
        matched = self.rows(docs[ok])
        scoring = [
            (self.idf(leaf.field, t), leaf.field, matched, p.weights[row[ok]])
            for t, p, row in zip(leaf.terms, postings, at, strict=True)
        ]
        return matched >= 0, scoring

    def unit_size(self, unit: Unit) -> int:
        return sum(min(self.size(leaf.field, t) for t in leaf.terms) for leaf in unit)

    def filter_size(self, unit: FilterUnit) -> int:
        return sum(self.size(fieldname, text) for fieldname, text in unit)

    def filter_docs(self, unit: FilterUnit) -> np.ndarray:
        found = np.zeros(self.count, dtype=bool)
        for fieldname, text in unit:
            found[self.postings(fieldname, text, False).ids] = True
        return found


def evaluate(
    searcher: Any,
    plan: Plan,
    columns: ColumnCache,
    readable: bytearray,
    limit: int,
    deadline: float,
    by_date: bool = False,
    readable_docs: dict[int, np.ndarray] | None = None,
) -> Outcome:
    """The top `limit` readable matches of `plan` (by score, or newest first), and how many
    readable documents match in all. `readable_docs`: a cache of each segment's readable
    documents, for several evaluations by one person on one searcher (one search)."""
    keys: list[np.ndarray] = []
    found: list[np.ndarray] = []
    total = 0
    timed_out = False
    norms = {
        f: np.array(SegmentArrays.norm_table(searcher.avg_field_length(f) or 1.0, K1, B))
        for f in ("body", "title")
    }
    leaves = [
        (leaf, offset, columns.get(leaf.reader()))
        for leaf, offset in searcher.leaf_searchers()
        if leaf.reader().doc_count_all()
    ]
    # Channel ids beyond the readable ones read as unreadable: pad the mask to cover all.
    widest = max((arrays.max_chan for _, _, arrays in leaves), default=0) + 1
    mask = np.zeros(max(widest, len(readable)), dtype=bool)
    mask[: len(readable)] = np.frombuffer(bytes(readable), dtype=np.uint8) != 0
    idfs: dict[tuple[str, str], float] = {}

    def idf(fieldname: str, text: str) -> float:  # over the whole index: once per search
        found = idfs.get((fieldname, text))
        if found is None:
            found = idfs[fieldname, text] = searcher.idf(fieldname, text)
        return found

    for leaf_searcher, offset, arrays in leaves:
        segment = _Segment(idf, leaf_searcher, arrays, mask, plan, readable_docs)
        try:
            docs, key, count = _segment_matches(segment, plan, deadline, norms, by_date, limit)
        except _Deadline:
            timed_out = True
            break
        total += count
        if len(docs) > limit:  # the best `limit`, and any tied with the last of them
            cut = np.partition(key, len(key) - limit)[len(key) - limit]
            best = key >= cut
            docs, key = docs[best], key[best]
        keys.append(key)
        found.append(docs.astype(np.int64) + offset)
    if not keys:
        return Outcome([], total, timed_out)
    key, docs = np.concatenate(keys), np.concatenate(found)
    order = np.lexsort((docs, -key))[:limit]  # ties: the lower document number first
    complete = (key[order] >= TIER).tolist() if plan.loose and not by_date else []
    return Outcome(docs[order].tolist(), total, timed_out, complete)


def _segment_matches(
    segment: _Segment,
    plan: Plan,
    deadline: float,
    norms: dict[str, np.ndarray],
    by_date: bool,
    limit: int,
) -> tuple[np.ndarray, np.ndarray, int]:
    """The readable matching documents of one segment worth ranking, their sort keys, and
    how many match in all.

    Required units (phrases, prefixes, a lone word) must all match. Loose units (the words
    of a question) need one match when nothing else is required; a document matching them
    all sorts above any that does not (TIER), and the rest are ranked by BM25F times the
    share of the words' rarity they matched (the coordination factor)."""

    def check() -> None:
        if time.monotonic() > deadline:
            raise _Deadline

    nothing = (_NOTHING, np.zeros(0), 0)
    # Rarest first: a phrase is checked only among the documents still in the running.
    steps = sorted(
        [(segment.unit_size(u), 0, i) for i, u in enumerate(plan.units)]
        + [(segment.filter_size(f), 1, i) for i, f in enumerate(plan.filters)]
    )
    candidates = segment.allowed
    scoring: list[Any] = []
    for size, is_filter, index in steps:
        if not size:
            return nothing
        if is_filter:
            candidates = candidates & segment.filter_docs(plan.filters[index])
        else:
            matched = np.zeros(segment.count, dtype=bool)
            for leaf in plan.units[index]:
                docs, terms = segment.leaf(leaf, candidates)
                matched |= docs
                scoring += [(index, leaf, *term[:1], *term[2:]) for term in terms]
            candidates = candidates & matched
        check()
        if not candidates.any():
            return nothing
    loose_matched: list[np.ndarray] = []
    if plan.loose:
        any_word = np.zeros(segment.count, dtype=bool)
        for j, unit in enumerate(plan.loose):
            matched = np.zeros(segment.count, dtype=bool)
            for leaf in unit:
                if segment.unit_size((leaf,)):
                    docs, terms = segment.leaf(leaf, candidates)
                    matched |= docs
                    scoring += [(len(plan.units) + j, leaf, *t[:1], *t[2:]) for t in terms]
                else:  # keep the unit's rarity in the coordination factor
                    scoring.append((len(plan.units) + j, leaf, leaf_idf(segment, leaf), *_EMPTY))
            matched &= candidates
            loose_matched.append(matched)
            any_word |= matched
            check()
        if not plan.units:
            candidates = candidates & any_word
    for unit in plan.negatives:
        for leaf in unit:
            candidates = candidates & ~segment.leaf(leaf, candidates)[0]
        check()
    docs = np.flatnonzero(candidates)
    count = len(docs)
    arrays = segment.arrays
    if by_date:
        return docs, arrays.created_np[docs], count
    graded = len(plan.loose) > 1 or bool(plan.loose and plan.units)  # words may be missing
    if not graded:
        return docs, sort_keys(segment, docs, scoring, norms, plan, []), count
    complete = np.ones(count, dtype=bool)
    for matched in loose_matched:
        complete &= matched[docs]
    if int(complete.sum()) >= limit:
        docs = docs[complete]  # the rest rank below these
        return docs, sort_keys(segment, docs, scoring, norms, plan, loose_matched), count
    if PRUNE and not plan.units:
        pruned = pruned_keys(segment, docs, scoring, norms, plan, loose_matched, limit)
        if pruned is not None:
            return (*pruned, count)
    return docs, sort_keys(segment, docs, scoring, norms, plan, loose_matched), count


_EMPTY = (np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32))


def leaf_idf(segment: _Segment, leaf: Leaf) -> float:
    return sum(segment.idf(leaf.field, t) for t in leaf.terms)
