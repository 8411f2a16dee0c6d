"""Census name lists: is a capitalized word a common surname or first name?

A name list never flags anything alone (most surnames are also words, and colleagues have
surnames too); it lets a weaker context count ("K 6.1 on Whitfield", "refill request for
Dominguez") where any capitalized word would be a guess. The lists are in `data/`, with
their source and licence in data/SOURCE.md: 162,254 surnames from the 2010 US Census
(every surname held by 100 or more people) and 5,163 first names from the 1990 US Census.
"""

from __future__ import annotations

import gzip
from functools import cache
from importlib import resources


@cache
def _surname_buckets() -> dict[str, str]:
    """Surnames grouped by their first three letters, each group one "|a|b|" string.

    162,254 names as a frozenset cost ~17 MB per process; as a few thousand short strings searched
    with `in`, ~1.5 MB and well under a microsecond a lookup.
    """
    # The file has one line per three-letter prefix, its names separated by spaces.
    return {line[:3]: "|" + line.replace(" ", "|") + "|" for line in _lines("surnames-2010.txt.gz")}


@cache
def _first_names() -> frozenset[str]:
    return frozenset(_lines("first-names-1990.txt.gz"))


def _lines(filename: str) -> list[str]:
    data = resources.files("physnet.phi").joinpath("data", filename).read_bytes()
    return gzip.decompress(data).decode("ascii").splitlines()


def is_surname(word: str) -> bool:
    """True when `word` (any case) is a surname of the 2010 Census list."""
    low = word.lower()
    if len(low) < 2 or "|" in low:
        return False
    return f"|{low}|" in _surname_buckets().get(low[:3], "")


def is_first_name(word: str) -> bool:
    """True when `word` (any case) is a first name of the 1990 Census lists."""
    return word.lower() in _first_names()


def load() -> None:
    """Read both lists now (at start-up) rather than on the first message."""
    _surname_buckets()
    _first_names()
