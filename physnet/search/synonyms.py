"""Synonyms and abbreviations, expanded at query time.

The shipped list is physnet/search/synonyms.txt; an admin adds groups in
instance/search_synonyms.txt (same format). Both are re-read when they change.
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


def merge(groups: list[list[Phrase]]) -> dict[Phrase, list[Phrase]]:
    """Map every phrase to its whole group; groups sharing a phrase become one."""
    table: dict[Phrase, list[Phrase]] = {}
    for group in groups:
        members: list[Phrase] = []
        for phrase in group:
            for other in table.get(phrase, [phrase]):
                if other not in members:
                    members.append(other)
        for phrase in members:
            table[phrase] = members
    return table


class Synonyms:
    """The merged synonym table of the shipped file and the instance file."""

    def __init__(self, instance_path: Path | None) -> None:
        self.paths = [SHIPPED] + ([instance_path / INSTANCE_FILE] if instance_path else [])
        self._lock = threading.Lock()
        self._stamp: tuple[float, ...] | None = None
        self._checked = 0.0
        self.table: dict[Phrase, list[Phrase]] = {}
        self.longest = 1

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
                self._stamp = stamp
        return self.table

    def expand(self, terms: list[str]) -> list[list[Phrase]]:
        """Group `terms` into units, each a list of alternative phrases (longest match first).

        ["vanc", "trough"] -> [[("vanc",), ("vanco",), ("vancomycin",)], [("trough",)]]
        """
        table = self.current()
        units: list[list[Phrase]] = []
        i = 0
        while i < len(terms):
            for size in range(min(self.longest, len(terms) - i), 0, -1):
                phrase = tuple(terms[i : i + size])
                if phrase in table:
                    units.append(table[phrase])
                    i += size
                    break
            else:
                units.append([(terms[i],)])
                i += 1
        return units
