"""Find expertise tags and specialties named in a text: whole words, in order, case and
accents ignored ("in-basket" matches "the In Basket pool"). The "Can you help?" offers and
the weekly digest match open questions to people with it."""

from __future__ import annotations

from collections.abc import Iterable

from physnet.people.normalize import words

MAX_PHRASE = 6  # words in the longest tag or specialty matched in a text


def phrases(values: Iterable[str]) -> dict[tuple[str, ...], str]:
    """(words of a tag or specialty) -> its stored value, for matching against text."""
    found: dict[tuple[str, ...], str] = {}
    for value in values:
        key = tuple(words(value))
        if key and len(key) <= MAX_PHRASE:
            found.setdefault(key, value)
    return found


def mentioned(text: str, known: dict[tuple[str, ...], str]) -> set[str]:
    """The stored values whose words appear, in order and whole, in `text`."""
    tokens = words(text)
    hits = set()
    for size in range(1, MAX_PHRASE + 1):
        for start in range(0, len(tokens) - size + 1):
            value = known.get(tuple(tokens[start : start + size]))
            if value is not None:
                hits.add(value)
    return hits


def word_runs(text: str) -> set[tuple[str, ...]]:
    """Every run of 1 to MAX_PHRASE consecutive words of `text`: a phrase is named in the
    text when its words are one of them (`mentioned` for many texts and few phrases each)."""
    tokens = words(text)
    return {
        tuple(tokens[start : start + size])
        for size in range(1, MAX_PHRASE + 1)
        for start in range(0, len(tokens) - size + 1)
    }
