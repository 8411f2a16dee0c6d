"""A term's postings in one segment as numpy arrays: ids, weights, position slots.

Segments written by ColumnarCodec (physnet/search/codec.py) are read without decoding:
the arrays are views of the memory-mapped postings file. Older segments (W3 blocks) are
decoded block by block through Whoosh's matcher into the same arrays.
"""

from __future__ import annotations

import pickle
import struct
from typing import Any, NamedTuple

import numpy as np
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import TermNotFound

from physnet.search.analysis import ClinicalPositions
from physnet.search.codec import (
    HEADER,
    MAGIC,
    POSITIONAL,
    SLOT,
    ColumnarCodec,
    columnar,
    encode_positions,
)
from physnet.search.engine import SegmentArrays


class Postings(NamedTuple):
    """A term's postings in one segment, deleted documents included."""

    ids: np.ndarray  # sorted document numbers
    weights: np.ndarray  # term frequency (times the field boost)
    slots: np.ndarray | None  # (n, 2) uint64: the positions bitmap below 128
    overflow: dict[int, bytes]  # index -> the whole value, where it has more positions


_NO_IDS = np.zeros(0, dtype=np.uint32)
EMPTY = Postings(_NO_IDS, np.zeros(0, dtype=np.float32), np.zeros((0, 2), np.uint64), {})


def read_postings(reader: Any, arrays: SegmentArrays, fieldname: str, text: str, positions: bool):
    """The postings of a term in one segment (positions only when asked for)."""
    try:
        fieldobj = reader.schema[fieldname]
    except KeyError:
        return EMPTY
    tbytes = reader._text_to_bytes(fieldname, text)
    try:
        terminfo = reader._terms.term_info(fieldname, tbytes)
    except (TermNotFound, KeyError):
        return EMPTY
    buffer = arrays.postings_file(reader)
    fast = (
        buffer
        and not terminfo.is_inlined()
        and isinstance(reader.segment().codec(), ColumnarCodec)
        and columnar(fieldobj.format)
    )
    if not fast:
        return _decoded(reader, fieldname, text, positions)
    offset, _ = terminfo.extent()
    magic, n, flags, _, _, _ = HEADER.unpack_from(buffer, offset)
    if magic != MAGIC:
        raise ValueError(f"postings of {fieldname}:{text} are not columnar")
    start = offset + HEADER.size
    ids = np.frombuffer(buffer, dtype="<u4", count=n, offset=start)
    weights = np.frombuffer(buffer, dtype="<f4", count=n, offset=start + 4 * n)
    if not positions or not flags & POSITIONAL:
        return Postings(ids, weights, None, {})
    slots = np.frombuffer(buffer, dtype="<u8", count=2 * n, offset=start + 8 * n).reshape(n, 2)
    at = start + 8 * n + SLOT * n
    (extra,) = struct.unpack_from("<I", buffer, at)
    overflow = pickle.loads(buffer[at + 4 : at + 4 + extra]) if extra else {}
    return Postings(ids, weights, slots, overflow)


def _decoded(reader: Any, fieldname: str, text: str, positions: bool) -> Postings:
    """A term's postings from Whoosh's own block format, decoded block by block."""
    matcher = reader.postings(fieldname, text)
    if isinstance(matcher, FilterMatcher):  # deletions: the evaluation drops them
        matcher = matcher.child
    ids: list[int] = []
    weights: list[float] = []
    values: list[bytes] = []
    while matcher.is_active():
        if isinstance(matcher, W3LeafMatcher):  # a block (up to 128 postings) at a time
            matcher._read_ids()
            matcher._read_weights()
            ids.extend(matcher._ids)
            weights.extend(matcher._weights)
            if positions:
                matcher._read_values()
                values.extend(matcher._values)
            matcher._next_block()
            continue
        ids.append(matcher.id())
        weights.append(matcher.weight())
        if positions:
            values.append(matcher.value())
        matcher.next()
    slots: Any = None
    overflow: dict[int, Any] = {}
    if positions and isinstance(reader.schema[fieldname].format, ClinicalPositions):
        raw, overflow = encode_positions(values)
        slots = np.frombuffer(raw, dtype="<u8").reshape(len(ids), 2)
    return Postings(
        np.array(ids, dtype=np.uint32), np.array(weights, dtype=np.float32), slots, overflow
    )
