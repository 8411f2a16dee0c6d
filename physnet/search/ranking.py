"""Ranking within a segment: BM25F per word, the coordination factor, the all-words tier.

A document's key is its BM25F score (Whoosh's formula and statistics; a word scores its
best alternative: as typed, a synonym or a correction, times that alternative's weight),
times the share of the question's rarity it holds raised to COORD_POWER, plus TIER when it
holds every loose word, times its static multiplier (tip boost, recency).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from physnet.search.evaluate import Leaf, Plan, _Segment

K1 = 1.2
TIER = 1e6  # added to the key of a document matching every word: it sorts above the rest
COORD_POWER = 2.0  # how hard a document matching a smaller share of the words falls


def unit_scores(
    segment: _Segment,
    docs: np.ndarray,
    scoring: list[tuple[int, Leaf, float, np.ndarray, np.ndarray]],
    norms: dict[str, np.ndarray],
) -> dict[int, np.ndarray]:
    """BM25F per unit: an alternative's terms and fields add up; a unit scores its best
    alternative (times the alternative's weight), so a word and its synonym never count
    twice."""
    reader, arrays = segment.reader, segment.arrays
    by_alt: dict[tuple[int, int], np.ndarray] = {}
    weight_of: dict[tuple[int, int], float] = {}
    for unit_no, leaf, idf, rowmap, weights in scoring:
        key = (unit_no, leaf.alt)
        weight_of[key] = leaf.weight
        total = by_alt.get(key)
        if total is None:
            total = by_alt[key] = np.zeros(len(docs))
        if not len(weights):
            continue
        rows = rowmap[docs]
        weight = np.where(rows >= 0, weights[rows].astype(np.float64), 0.0)
        norm = norms[leaf.field][arrays.lengths_np(reader, leaf.field)[docs]]
        total += idf * (K1 + 1) * weight / (weight + norm)
    units: dict[int, np.ndarray] = {}
    for (unit_no, alt), total in by_alt.items():
        scored = total * weight_of[unit_no, alt]
        best = units.get(unit_no)
        units[unit_no] = scored if best is None else np.maximum(best, scored)
    return units


def sort_keys(
    segment: _Segment,
    docs: np.ndarray,
    scoring: list[Any],
    norms: dict[str, np.ndarray],
    plan: Plan,
    loose_matched: list[np.ndarray],
) -> np.ndarray:
    """Sort keys of `docs`: BM25F (times the coordination factor and the TIER bonus when
    `loose_matched`, the documents of each loose unit, is given), times the multiplier."""
    units = unit_scores(segment, docs, scoring, norms)
    score = np.zeros(len(docs))
    for unit_score in units.values():
        score += unit_score
    complete = np.ones(len(docs), dtype=bool)
    if loose_matched:
        rarity = unit_rarity(scoring, len(plan.units))
        have = np.zeros(len(docs))
        for j, matched in enumerate(loose_matched):
            have += rarity.get(len(plan.units) + j, 0.0) * matched[docs]
            complete &= matched[docs]
        share = have / max(sum(rarity.values()), 1e-9)
        score = score * share**COORD_POWER
    key = score * segment.arrays.multiplier()[docs]
    return key + TIER * complete if loose_matched else key


def pruned_keys(
    segment: _Segment,
    docs: np.ndarray,
    scoring: list[Any],
    norms: dict[str, np.ndarray],
    plan: Plan,
    loose_matched: list[np.ndarray],
    limit: int,
) -> tuple[np.ndarray, np.ndarray] | None:
    """The same best `limit` without scoring every document that holds only one word: the
    documents holding two or more are scored first; a document holding only word j cannot
    score above (best score of j alone) x (j's share of the rarity)^COORD_POWER x the
    highest multiplier, so those words whose bound is below the limit-th key found are
    skipped. None when fewer than `limit` documents hold two or more words."""
    held = np.zeros(len(docs), dtype=np.int32)
    which = np.zeros(len(docs), dtype=np.int32)
    for j, matched in enumerate(loose_matched):
        hit = matched[docs]
        held += hit
        which[hit] = j
    several = held >= 2
    if int(several.sum()) < limit:
        return None
    top = docs[several]
    top_keys = sort_keys(segment, top, scoring, norms, plan, loose_matched)
    threshold = np.partition(top_keys, len(top_keys) - limit)[len(top_keys) - limit]
    rarity = unit_rarity(scoring, 0)
    total_rarity = max(sum(rarity.values()), 1e-9)
    best_alt: dict[tuple[int, int], float] = {}
    for unit_no, leaf, idf, _, _ in scoring:
        key = (unit_no, leaf.alt)
        best_alt[key] = best_alt.get(key, 0.0) + idf * (K1 + 1) * leaf.weight
    ceiling = float(segment.arrays.multiplier()[docs].max())
    bound = np.zeros(len(loose_matched))
    for (unit_no, _), value in best_alt.items():
        share = rarity.get(unit_no, 0.0) / total_rarity
        bound[unit_no] = max(bound[unit_no], value * share**COORD_POWER * ceiling)
    alone = ~several & (bound[which] >= threshold)
    rest = docs[alone]
    rest_keys = sort_keys(segment, rest, scoring, norms, plan, loose_matched)
    return np.concatenate([top, rest]), np.concatenate([top_keys, rest_keys])


def unit_rarity(scoring: list[Any], first_loose: int) -> dict[int, float]:
    """Each loose unit's weight in the coordination factor: its rarest alternative's idf
    (times the alternative's weight)."""
    rarity: dict[int, float] = {}
    for unit_no, leaf, idf, _, _ in scoring:
        if unit_no >= first_loose:
            rarity[unit_no] = max(rarity.get(unit_no, 0.0), idf * leaf.weight)
    return rarity
