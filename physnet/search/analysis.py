"""Text analysis for clinicians: stemming, with clinical tokens kept whole.

`HbA1c`, `q6h`, `COVID-19`, `ICD-10` and `I50.9` are single terms: a word joined by `.`, `-`
or `/` that contains a digit is kept whole (lowercased, unstemmed), and at index time its
parts are indexed too, at the same position, so `covid` and `icd` also find them. Joined
words without a digit (`best-practice`, `and/or`) are split into their words. Plain words
are lowercased, folded to ASCII (`Sjögren` = `sjogren`) and Porter-stemmed; a short list of
stop words is dropped (but not `not`, `us`, `no`: they mean something in a chart).

Synonyms are expanded at query time (physnet/search/synonyms.py), so an admin's new synonym
works without a reindex.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import Any

from whoosh.analysis import Analyzer, Token
from whoosh.fields import TEXT
from whoosh.formats import Positions
from whoosh.lang.porter import stem as porter_stem
from whoosh.system import _INT_SIZE, pack_uint

TOKEN = re.compile(r"\w+(?:[./-]\w+)*")
JOINERS = re.compile(r"[./-]")
HAS_DIGIT = re.compile(r"\d")
MAX_TOKEN = 40
_STOP_LIST = (
    "a an and are as at be by for from had has have i if in is it its of on or that the "
    "their this to was were will with"
)
STOP_WORDS = frozenset(_STOP_LIST.split())
_STEM_CACHE_LIMIT = 100_000


def fold(word: str) -> str:
    """Lowercase and drop accents."""
    word = word.lower()
    if word.isascii():
        return word
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


class ClinicalAnalyzer(Analyzer):
    """The analyzer of every text field; one pass, no filter chain (indexing speed)."""

    def __init__(self) -> None:
        self._stems: dict[str, str] = {}

    def __getstate__(self) -> dict[str, Any]:
        return {}  # the schema is pickled into the index: leave the cache out

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._stems = {}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ClinicalAnalyzer)

    def __hash__(self) -> int:
        return hash(ClinicalAnalyzer)

    def stem(self, word: str) -> str:
        stems = self._stems
        found = stems.get(word)
        if found is None:
            found = porter_stem(word) if word.isalpha() and len(word) > 3 else word
            if len(stems) >= _STEM_CACHE_LIMIT:
                stems.clear()
            stems[word] = found
        return found

    def _compound(
        self, raw: str, start: int, pos: int, index: bool, removestops: bool
    ) -> tuple[list[tuple[str, int, int, int]], int]:
        """The terms of a token that is not plain letters, and the next position."""
        out = []
        joined = JOINERS.search(raw) is not None
        if joined and HAS_DIGIT.search(raw):
            out.append((fold(raw)[:MAX_TOKEN], pos, start, start + len(raw)))
            if index:
                offset = start
                for part in JOINERS.split(raw):
                    if part:
                        out.append((fold(part)[:MAX_TOKEN], pos, offset, offset + len(part)))
                    offset += len(part) + 1
            return out, pos + 1
        offset = start
        for part in JOINERS.split(raw) if joined else (raw,):
            word = fold(part)
            end = offset + len(part)
            if word and not (removestops and word in STOP_WORDS):
                if not HAS_DIGIT.search(word) and "_" not in word:
                    word = self.stem(word)
                out.append((word[:MAX_TOKEN], pos, offset, end))
                pos += 1
            offset = end + 1
        return out, pos

    def spans(
        self, text: str, index: bool = True, removestops: bool = True
    ) -> Iterator[tuple[str, int, int, int]]:
        """Yield (term, position, startchar, endchar) for each term of `text`.

        At index time a kept-whole token is followed by its parts at the same position.
        """
        pos = 0
        stems = self._stems
        for match in TOKEN.finditer(text):
            raw = match.group()
            if len(raw) > 3 * MAX_TOKEN:
                continue
            if raw.isalpha():  # the common case, kept fast
                word = raw.lower() if raw.isascii() else fold(raw)
                if removestops and word in STOP_WORDS:
                    continue
                yield stems.get(word) or self.stem(word), pos, match.start(), match.end()
                pos += 1
                continue
            found, pos = self._compound(raw, match.start(), pos, index, removestops)
            yield from found

    def bitmaps(self, text: str) -> dict[str, int]:
        """Index-time terms of `text` with their positions as a bitmap (bit p: the term is
        at position p); the fast path for indexing. A term is never twice at one position
        (a kept-whole token's parts that repeat a word are at its position), so a bitmap's
        bit count is the term's frequency."""
        bitmaps: dict[str, int] = {}
        pos = 0
        stems = self._stems
        for raw in TOKEN.findall(text):
            if raw.isalpha() and len(raw) <= MAX_TOKEN:
                word = raw.lower() if raw.isascii() else fold(raw)
                if word in STOP_WORDS:
                    continue
                term = stems.get(word) or self.stem(word)
                bitmaps[term] = bitmaps.get(term, 0) | 1 << pos
                pos += 1
                continue
            if len(raw) > 3 * MAX_TOKEN:
                continue
            terms, pos = self._compound(raw, 0, pos, True, True)
            for term, at, _, _ in terms:
                bitmaps[term] = bitmaps.get(term, 0) | 1 << at
        return bitmaps

    def terms(self, text: str) -> list[str]:
        """The query-time terms of `text`, in order."""
        return [term for term, _, _, _ in self.spans(text, index=False)]

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        index = mode != "query"
        for term, pos, startchar, endchar in self.spans(value, index, removestops):
            token.text = term
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = value[startchar:endchar]
            if positions:
                token.pos = start_pos + pos
            if chars:
                token.startchar = start_char + startchar
                token.endchar = start_char + endchar
            yield token


class ClinicalPositions(Positions):
    """Positions stored as a count then a bitmap (bit p set: the term is at position p).

    Whoosh pickles a list of deltas instead; a phrase search reads positions for every
    document holding all its words, and with bitmaps "b follows a" is one shift and one
    AND of two integers (see evaluate.py). Indexing takes a fast path for
    ClinicalAnalyzer (no Token objects).
    """

    def word_values(self, value: str, analyzer: Any, **kwargs: Any) -> Iterator[Any]:
        if not isinstance(analyzer, ClinicalAnalyzer):
            yield from super().word_values(value, analyzer, **kwargs)
            return
        boost = self.field_boost
        for term, bits in analyzer.bitmaps(value).items():
            count = bits.bit_count()
            yield term, count, count * boost, self.encode_bitmap(bits, count)

    def encode(self, poslist: list[int]) -> bytes:
        bits = 0
        for pos in poslist:
            bits |= 1 << pos
        return self.encode_bitmap(bits, len(poslist))

    @staticmethod
    def encode_bitmap(bits: int, count: int) -> bytes:
        return pack_uint(count) + bits.to_bytes((bits.bit_length() + 7) // 8, "little")

    @staticmethod
    def bitmap(valuestring: bytes) -> int:
        return int.from_bytes(valuestring[_INT_SIZE:], "little")

    def decode_positions(self, valuestring: bytes) -> list[int]:
        bits = self.bitmap(valuestring)
        positions = []
        while bits:
            lowest = bits & -bits
            positions.append(lowest.bit_length() - 1)
            bits ^= lowest
        return positions

    def decode_position_boosts(self, valuestring: bytes) -> list[tuple[int, float]]:
        return [(pos, 1.0) for pos in self.decode_positions(valuestring)]


class ClinicalText(TEXT):
    """A TEXT field analyzed by ClinicalAnalyzer, with positions (for "exact phrases")."""

    def __init__(self, field_boost: float = 1.0) -> None:
        super().__init__(analyzer=ANALYZER, phrase=True, field_boost=field_boost)
        self.format = ClinicalPositions(field_boost=field_boost)


ANALYZER = ClinicalAnalyzer()
