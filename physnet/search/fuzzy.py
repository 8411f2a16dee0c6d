"""Typo tolerance: a word the index has never seen matches its nearest indexed words.

Only for a plain word (letters only, at least 4 of them) that no document holds: its
candidates are the words one edit away (a letter dropped, added, changed, or two letters
swapped), and from 7 letters on also those two edits away when one of the two drops or
swaps a letter; the first letter is kept (most misspellings keep it). The candidates are
looked up in each segment's vocabulary (a set of its words, built once per segment and
kept with its other arrays: engine.SegmentArrays) and in the lexicon's one-word entries,
so a misspelled brand name still reaches its generic; the closest and then the most
frequent come first. A correction counts for less than a word typed right (WEIGHTS), so a
document with the real word ranks above one reached through a guess.

Generating the variants and looking them up costs a few thousand set lookups; Whoosh's
`terms_within` walks the term dictionary and took 30-60 ms a word at 100,000 messages.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

MIN_LETTERS = 4
TWO_EDITS_FROM = 7
MAX_CORRECTIONS = 3
WEIGHTS = {1: 0.8, 2: 0.6}  # by edit distance


LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _one_edit(word: str) -> set[str]:
    """Every string one edit from `word` (drop, swap, change, add a letter)."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    out = {a + b[1:] for a, b in splits if b}
    out |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    out |= {a + c + b[1:] for a, b in splits if b for c in LETTERS}
    out |= {a + c + b for a, b in splits for c in LETTERS}
    return out


def _drop_or_swap(word: str) -> set[str]:
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    out = {a + b[1:] for a, b in splits if b}
    return out | {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}


_MEMO: ContextVar[dict[str, dict[str, int]] | None] = ContextVar("fuzzy_memo", default=None)


@contextmanager
def one_search() -> Iterator[None]:
    """Within this block (one search), each word's variants are generated once: the plan
    and "did you mean" ask for the same words. Nothing is kept from one search to the next."""
    token = _MEMO.set({})
    try:
        yield
    finally:
        _MEMO.reset(token)


def variants(term: str) -> dict[str, int]:
    """{string: edits} near `term` (see the module docstring), same first letter."""
    memo = _MEMO.get()
    if memo is None:
        return _near(term)
    found = memo.get(term)
    if found is None:
        found = memo[term] = _near(term)
    return found


def _near(term: str) -> dict[str, int]:
    first = term[0]
    near = {v: 1 for v in _one_edit(term) if v[:1] == first}
    if max_edits(term) >= 2:
        for one in list(near):
            for two in _drop_or_swap(one):
                if two[:1] == first and two not in near:
                    near[two] = 2
    near.pop(term, None)
    return near


def max_edits(term: str) -> int:
    return 2 if len(term) >= TWO_EDITS_FROM else 1


def wants_correction(term: str) -> bool:
    return term.isalpha() and term.isascii() and len(term) >= MIN_LETTERS


def in_vocabulary(reader: Any, term: str, fields: tuple[str, ...]) -> bool:
    return any(reader.doc_frequency(f, term) for f in fields)


def index_corrections(
    reader: Any,
    vocabularies: list[frozenset[str]],
    term: str,
    fields: tuple[str, ...],
    limit: int = MAX_CORRECTIONS,
) -> list[tuple[str, int]]:
    """The nearest indexed words to `term`: [(word, edits)], closest then most frequent
    first, at most `limit`. `vocabularies`: the words of each segment of `reader`."""
    found = [
        (edits, word)
        for word, edits in variants(term).items()
        if any(word in vocabulary for vocabulary in vocabularies)
    ]
    frequency = {w: sum(reader.doc_frequency(f, w) for f in fields) for _, w in found}
    found.sort(key=lambda pair: (pair[0], -frequency[pair[1]], pair[1]))
    return [(word, edits) for edits, word in found[:limit]]


def lexicon_corrections(entries: frozenset[str], term: str) -> list[tuple[str, int]]:
    """The lexicon's one-word entries nearest to `term`: [(entry, edits)]."""
    found = sorted((e, w) for w, e in variants(term).items() if w in entries)
    return [(w, e) for e, w in found[:MAX_CORRECTIONS]]
