"""Open searchers, and per-segment arrays of what ranking and filtering read per document.

A segment never changes once written (deletions aside), so its columns (channel, creation
time, static boost) and field lengths are read once, in bulk, into arrays, and kept while
the segment is in use.
"""

from __future__ import annotations

import math
import mmap
import sys
import threading
import time
from array import array
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
from whoosh import scoring
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.index import FileIndex
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length

from physnet.search.store import IndexStore

RECENCY_WEIGHT = 0.5  # a brand-new message scores up to 1.5x an old one
RECENCY_HALF_LIFE_DAYS = 60.0
RECENCY_REFRESH_SECONDS = 6 * 3600  # recency factors are recomputed this often
READABLE_KEPT = 16  # per segment: the readable documents of the last few channel sets
_LENGTH_OF_BYTE = [byte_to_length(b) for b in range(256)]
_EMPTY_INT = np.zeros(0, dtype=np.int32)
_EMPTY_F = np.zeros(0, dtype=np.float64)


def _load_column(reader: Any, field: str, typecode: str, default: float) -> array[Any]:
    """A segment's whole numeric column as an array, read in one go."""
    column = reader.column_reader(field, translate=False)
    doccount = reader.doc_count_all()
    try:
        count = column._count
        raw = column._dbfile.get(column._basepos, count * column._fixedlen)
        values: array[Any] = array(typecode)
        values.frombytes(raw)
        if sys.byteorder == "little":
            values.byteswap()  # Whoosh writes columns big-endian
    except AttributeError:  # an empty column, or a Whoosh without these internals
        values = array(typecode, (column[i] for i in range(min(doccount, len(column)))))
    if len(values) < doccount:
        values.extend([default] * (doccount - len(values)))
    return values


def _load_lengths(reader: Any, field: str) -> bytes:
    """The segment's length bytes of `field` (Whoosh's encoding), one per document."""
    column = reader._perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN)
    doccount = reader.doc_count_all()
    raw = b"" if column is None else column._dbfile.get(column._basepos, column._count)
    return raw + bytes(doccount - len(raw))


class SegmentArrays:
    """Channel, creation time, static boost and field lengths of one segment's documents."""

    def __init__(self, reader: Any) -> None:
        self.chan = _load_column(reader, "chan", "i", 0)
        self.created = _load_column(reader, "created", "d", 0.0)
        self.boost = _load_column(reader, "boost", "f", 1.0)
        self.max_chan = max(self.chan, default=0)
        # numpy views of the same memory (not copies), for the evaluation
        self.chan_np = np.frombuffer(self.chan, dtype=np.int32) if self.chan else _EMPTY_INT
        self.created_np = (
            np.frombuffer(self.created, dtype=np.float64) if self.created else _EMPTY_F
        )
        self._lengths: dict[str, bytes] = {}
        self._lengths_np: dict[str, np.ndarray] = {}
        self._postings: Any = None
        self._multiplier: tuple[float, np.ndarray] | None = None
        self._vocabulary: frozenset[str] | None = None
        self._readable: dict[bytes, np.ndarray] = {}
        self._lock = threading.Lock()

    def readable_channels(self, mask: np.ndarray) -> np.ndarray:
        """Which documents are in a channel readable under `mask` (mask[channel id]): a
        read-only boolean array, kept for the last few masks (one per reader's set of
        channels), so that a person's next search skips the gather over every document."""
        key = mask.tobytes()
        found = self._readable.get(key)
        if found is None:
            found = mask[self.chan_np]
            found.flags.writeable = False
            with self._lock:
                if len(self._readable) >= READABLE_KEPT:
                    self._readable.pop(next(iter(self._readable)))
                self._readable[key] = found
        return found

    def vocabulary(self, reader: Any) -> frozenset[str]:
        """The words of the segment's text fields (for typo tolerance: fuzzy.py)."""
        if self._vocabulary is None:
            words: set[str] = set()
            for fieldname in ("body", "title"):
                try:
                    terms = reader.lexicon(fieldname)
                    words.update(t.decode("utf-8") if isinstance(t, bytes) else t for t in terms)
                except Exception:  # a field with no terms in this segment
                    continue
            self._vocabulary = frozenset(words)
        return self._vocabulary

    def lengths(self, reader: Any, field: str) -> bytes:
        """Field lengths; `reader` is this segment's (open) reader."""
        found = self._lengths.get(field)
        if found is None:
            found = self._lengths[field] = _load_lengths(reader, field)
        return found

    def lengths_np(self, reader: Any, field: str) -> np.ndarray:
        found = self._lengths_np.get(field)
        if found is None:
            found = self._lengths_np[field] = np.frombuffer(
                self.lengths(reader, field), dtype=np.uint8
            )
        return found

    def postings_file(self, reader: Any) -> Any:
        """The segment's postings file as one read-only buffer (a memory map when it is a
        real file: it stays readable after a merge deletes the file)."""
        if self._postings is None:
            with self._lock:
                if self._postings is None:
                    postfile = reader._terms._postfile
                    try:
                        self._postings = mmap.mmap(postfile.fileno(), 0, access=mmap.ACCESS_READ)
                    except (AttributeError, OSError, ValueError):  # not a plain file
                        self._postings = False
        return self._postings

    def multiplier(self) -> np.ndarray:
        """Static boost times recency, per document (recomputed every few hours)."""
        now = time.time()
        cached = self._multiplier
        if cached is None or now - cached[0] > RECENCY_REFRESH_SECONDS:
            with self._lock:
                decay = math.log(2) / (RECENCY_HALF_LIFE_DAYS * 86400)
                boost = np.frombuffer(self.boost, dtype=np.float32) if self.boost else _EMPTY_F
                age = np.maximum(0.0, now - self.created_np)
                values = boost.astype(np.float64) * (1.0 + RECENCY_WEIGHT * np.exp(-decay * age))
                cached = self._multiplier = (now, values)
        return cached[1]

    @staticmethod
    def norm_table(avgdl: float, k1: float, b: float) -> list[float]:
        """BM25's length normalization for each of Whoosh's 256 length codes."""
        return [k1 * ((1 - b) + b * _LENGTH_OF_BYTE[code] / avgdl) for code in range(256)]


class ColumnCache:
    """SegmentArrays by segment id, for the segments in use."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_segment: dict[str, SegmentArrays] = {}
        self._vocabulary: tuple[tuple[str, ...], frozenset[str]] | None = None

    def get(self, reader: Any) -> SegmentArrays:
        key = reader.segment().segment_id()
        found = self._by_segment.get(key)
        if found is None:
            with self._lock:
                found = self._by_segment.get(key) or SegmentArrays(reader)
                self._by_segment[key] = found
        return found

    def vocabulary(self, readers: list[Any]) -> frozenset[str]:
        """The words of all these segments' text fields, as one set (typo tolerance looks
        up thousands of candidate spellings: once in one set, not once per segment); kept
        until the set of segments changes."""
        key = tuple(reader.segment().segment_id() for reader in readers)
        cached = self._vocabulary
        if cached is not None and cached[0] == key:
            return cached[1]
        words = frozenset().union(*(self.get(r).vocabulary(r) for r in readers))
        self._vocabulary = (key, words)
        return words

    def keep_only(self, segment_ids: set[str]) -> None:
        with self._lock:
            for key in list(self._by_segment):
                if key not in segment_ids:
                    del self._by_segment[key]


def _segment_ids(searcher: Searcher) -> list[str]:
    return [
        leaf.reader().segment().segment_id()
        for leaf, _ in searcher.leaf_searchers()
        if leaf.reader().doc_count_all()
    ]


class SearcherPool:
    """Open searchers on the current generation, reused across requests and refreshed
    when the index changes. Raises IndexUnavailable when there is no usable index."""

    def __init__(self, store: IndexStore) -> None:
        self.store = store
        self.columns = ColumnCache()
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._ix: FileIndex | None = None
        self._idle: list[Searcher] = []

    def _index(self) -> FileIndex:
        stamp = self.store.current_stamp()
        with self._lock:
            if self._ix is None or stamp != self._stamp:
                _, ix = self.store.open()
                for searcher in self._idle:
                    searcher.close()
                self._idle, self._ix, self._stamp = [], ix, stamp
            return self._ix

    @contextmanager
    def searcher(self) -> Iterator[Searcher]:
        ix = self._index()
        with self._lock:
            searcher = self._idle.pop() if self._idle else None
        if searcher is not None and not searcher.up_to_date():
            # Not searcher.refresh(): in whoosh-reloaded 2.7.5 it keeps the segments a
            # merge replaced, so an edited or deleted message would come back.
            searcher.close()
            searcher = None
        if searcher is None:
            searcher = self._open(ix)
        try:
            yield searcher
        except BaseException:
            searcher.close()  # it may be broken; never hand it out again
            raise
        in_use = [searcher, *self._idle_now()]
        self.columns.keep_only({key for s in in_use for key in _segment_ids(s)})
        with self._lock:
            if ix is self._ix and len(self._idle) < 4:
                self._idle.append(searcher)
            else:
                searcher.close()

    def _open(self, ix: FileIndex) -> Searcher:
        """A new searcher with every file it will read already open.

        The writer deletes the files of segments it merged away; an open file survives that
        (POSIX), but Whoosh opens some lazily (stored fields, columns), and a searcher
        opened before a merge would fail on first use after it."""
        for attempt in range(3):
            searcher = ix.searcher(weighting=scoring.BM25F())
            try:
                for leaf, _ in searcher.leaf_searchers():
                    reader = leaf.reader()
                    if reader.doc_count_all():
                        reader.stored_fields(0)
                        arrays = self.columns.get(reader)
                        arrays.lengths(reader, "body")
                        arrays.lengths(reader, "title")
                return searcher
            except Exception:  # a merge finished between reading the TOC and here
                searcher.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _idle_now(self) -> list[Searcher]:
        with self._lock:
            return list(self._idle)

    def close(self) -> None:
        with self._lock:
            for searcher in self._idle:
                searcher.close()
            self._idle, self._ix, self._stamp = [], None, None
