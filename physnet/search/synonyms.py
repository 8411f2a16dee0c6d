"""Synonyms and abbreviations, expanded at query time.

The shipped lists are physnet/search/synonyms.txt and the clinical lexicon
physnet/search/lexicon.txt (sources and licences in lexicon.md); an admin adds groups in
instance/search_synonyms.txt (same format). All are re-read when they change.

Groups sharing a phrase are joined, except through a short abbreviation (one term of at
most four characters): "MS" on a line with "multiple sclerosis" and on another with
"morphine sulfate" expands to both, while neither meaning expands to the other.
"""

from __future__ import annotations

import logging
import threading
import time
from importlib.resources import files
from pathlib import Path

from physnet.search.analysis import ANALYZER

log = logging.getLogger(__name__)
SHIPPED = Path(str(files("physnet.search") / "synonyms.txt"))  # package data
LEXICON = Path(str(files("physnet.search") / "lexicon.txt"))
SHORT = 4  # a single term this short is an abbreviation that may mean several things
INSTANCE_FILE = "search_synonyms.txt"
RECHECK_SECONDS = 2.0

Phrase = tuple[str, ...]  # analyzed terms of one synonym ("myocardi", "infarct")


def parse_groups(text: str) -> list[list[Phrase]]:
    """Each non-comment line is a group of comma-separated words or phrases."""
    groups = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        group = []
        for entry in line.split(","):
            terms = tuple(ANALYZER.terms(entry))
            if terms and terms not in group:
                group.append(terms)
        if len(group) > 1:
            groups.append(group)
    return groups


def _ambiguous(phrase: Phrase) -> bool:
    return len(phrase) == 1 and len(phrase[0]) <= SHORT


def merge(groups: list[list[Phrase]]) -> dict[Phrase, list[Phrase]]:
    """Map every phrase to the phrases it expands to (itself first).

    Groups sharing a phrase become one, unless that phrase is a short abbreviation: it
    then expands to every group it is in, and the groups stay apart."""
    parent = list(range(len(groups)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first_group: dict[Phrase, int] = {}
    for i, group in enumerate(groups):
        for phrase in group:
            if _ambiguous(phrase):
                continue
            if phrase in first_group:
                parent[root(i)] = root(first_group[phrase])
            else:
                first_group[phrase] = i
    joined: dict[int, list[Phrase]] = {}
    for i, group in enumerate(groups):
        members = joined.setdefault(root(i), [])
        members += [p for p in group if p not in members]
    table: dict[Phrase, list[Phrase]] = {}
    for members in joined.values():
        for phrase in members:
            found = table.setdefault(phrase, [phrase])
            found += [p for p in members if p not in found]
    return table


class Synonyms:
    """The merged synonym table of the shipped file and the instance file."""

    def __init__(self, instance_path: Path | None) -> None:
        self.paths = [SHIPPED, LEXICON]
        self.paths += [instance_path / INSTANCE_FILE] if instance_path else []
        self._lock = threading.Lock()
        self._stamp: tuple[float, ...] | None = None
        self._checked = 0.0
        self.table: dict[Phrase, list[Phrase]] = {}
        self.longest = 1
        self.one_word: frozenset[str] = frozenset()  # one-word phrases, for misspellings

    def _mtimes(self) -> tuple[float, ...]:
        stamps = []
        for path in self.paths:
            try:
                stamps.append(path.stat().st_mtime)
            except OSError:
                stamps.append(0.0)
        return tuple(stamps)

    def current(self) -> dict[Phrase, list[Phrase]]:
        now = time.monotonic()
        if now - self._checked < RECHECK_SECONDS and self._stamp is not None:
            return self.table
        with self._lock:
            self._checked = now
            stamp = self._mtimes()
            if stamp != self._stamp:
                groups: list[list[Phrase]] = []
                for path in self.paths:
                    try:
                        groups += parse_groups(path.read_text(encoding="utf-8"))
                    except FileNotFoundError:
                        continue
                    except (OSError, UnicodeDecodeError) as exc:
                        log.error("cannot read synonyms from %s: %s", path, exc)
                self.table = merge(groups)
                self.longest = max((len(p) for p in self.table), default=1)
                self.one_word = frozenset(
                    p[0] for p in self.table if len(p) == 1 and len(p[0]) > SHORT
                )
                self._stamp = stamp
        return self.table

    def expand(self, terms: list[str]) -> list[list[Phrase]]:
        return [alternatives for _, _, alternatives in self.spans(terms)]

    def spans(self, terms: list[str]) -> list[tuple[int, int, list[Phrase]]]:
        """Group `terms` into units (start, size, alternative phrases), longest match first.

        ["vanc", "trough"] -> [(0, 1, [("vanc",), ("vanco",), ("vancomycin",)]),
                               (1, 1, [("trough",)])]
        """
        table = self.current()
        units: list[tuple[int, int, list[Phrase]]] = []
        i = 0
        while i < len(terms):
            for size in range(min(self.longest, len(terms) - i), 0, -1):
                phrase = tuple(terms[i : i + size])
                if phrase in table:
                    units.append((i, size, table[phrase]))
                    i += size
                    break
            else:
                units.append((i, 1, [(terms[i],)]))
                i += 1
        return units
