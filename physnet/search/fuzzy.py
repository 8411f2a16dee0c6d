"""Typo tolerance: a word the index has never seen matches its nearest indexed words.

Only for a plain word (letters only, at least 4 of them) that no document holds: its
candidates are the index's own words within 1 edit (2 from 7 letters on) sharing the
first letter (Whoosh's term dictionary does the search), the closest and then the most
frequent first; and the lexicon's one-word entries within the same distance, so that a
misspelled brand name still reaches its generic. A correction counts for less than a word
typed right (WEIGHTS), so a document with the real word ranks above one reached through
a guess.
"""

from __future__ import annotations

from typing import Any

MIN_LETTERS = 4
TWO_EDITS_FROM = 7
MAX_CORRECTIONS = 3
WEIGHTS = {1: 0.8, 2: 0.6}  # by edit distance


def distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance of `a` and `b`, or limit + 1 once it exceeds `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def max_edits(term: str) -> int:
    return 2 if len(term) >= TWO_EDITS_FROM else 1


def wants_correction(term: str) -> bool:
    return term.isalpha() and term.isascii() and len(term) >= MIN_LETTERS


def in_vocabulary(reader: Any, term: str, fields: tuple[str, ...]) -> bool:
    return any(reader.doc_frequency(f, term) for f in fields)


def index_corrections(reader: Any, term: str, fields: tuple[str, ...]) -> list[tuple[str, int]]:
    """The nearest indexed words to `term`: [(word, edits)], at most MAX_CORRECTIONS."""
    limit = max_edits(term)
    frequency: dict[str, int] = {}
    for fieldname in fields:
        for raw in reader.terms_within(fieldname, term, limit, prefix=1):
            word = raw.decode("utf-8") if isinstance(raw, bytes) else str(raw)
            if word != term and word.isalpha():
                frequency[word] = frequency.get(word, 0) + reader.doc_frequency(fieldname, word)
    ranked = sorted((distance(term, w, limit), -n, w) for w, n in frequency.items())
    return [(w, d) for d, _, w in ranked if d <= limit][:MAX_CORRECTIONS]


def lexicon_corrections(by_initial: dict[str, list[str]], term: str) -> list[tuple[str, int]]:
    """The lexicon's one-word entries nearest to `term`: [(entry, edits)]."""
    limit = max_edits(term)
    found = []
    for entry in by_initial.get(term[0], ()):
        if entry != term:
            edits = distance(term, entry, limit)
            if edits <= limit:
                found.append((edits, entry))
    return [(e, d) for d, e in sorted(found)][:MAX_CORRECTIONS]
