"""Whoosh's W3 codec, writing each term's postings as flat arrays that searches map as is.

Whoosh's W3 format pickles each block of 128 postings (ids as deltas, weights, values); a
search unpickles every block it reads, about a third of a microsecond per posting, and at
a million messages a common word has a million postings. `ColumnarCodec` writes a term's
postings (of fields whose values are fixed-size or ClinicalPositions) as one record:

    "PNC1" | n u32 | flags u32 | max weight f32 | min, max length bytes |
    ids u32[n] | weights f32[n] | values

all little-endian. Values: none (Existence), n fixed-size values (Frequency), or for
ClinicalPositions a 16-byte slot per posting holding the positions bitmap below 128 and,
after it, a pickled {index: value} of the postings whose value does not fit a slot (a
position of 128 or more). physnet/search/evaluate.py reads these with numpy straight from
a memory map of the postings file, no decoding; Whoosh itself reads them through
`ColumnarMatcher` (merges, the writer's deletions, its own searches), which rebuilds the
same ids, weights and value bytes it wrote.

Codecs are pickled into each segment, so segments written before (FastW3Codec) keep being
read the old way, and both classes must stay importable under these names.
"""

from __future__ import annotations

import pickle
import struct
import sys
from array import array
from typing import Any

from whoosh.codec.whoosh3 import (
    LENGTHS_COLUMN,
    W3Codec,
    W3FieldWriter,
    W3LeafMatcher,
    W3PostingsWriter,
    _lenfield,
)
from whoosh.system import _INT_SIZE, pack_uint
from whoosh.util.numeric import byte_to_length, length_to_byte

from physnet.search.analysis import ClinicalPositions

_LENGTH_OF_BYTE = [byte_to_length(b) for b in range(256)]
MAGIC = b"PNC1"
HEADER = struct.Struct("<4sIIfBB")  # magic, count, flags, max weight, min/max length
SLOT = 16  # bytes of positions bitmap kept per posting (positions 0-127)
POSITIONAL = 1  # flags: values are position slots plus overflow
FIXED = 2  # flags: values are fixed-size, `size` bytes each (the format's)
_LITTLE = sys.byteorder == "little"


def columnar(format_: Any) -> bool:
    """True for the field formats ColumnarCodec writes as one flat record per term."""
    size = format_.fixed_value_size()
    return isinstance(format_, ClinicalPositions) or (size is not None and size >= 0)


def _le(values: array[Any]) -> bytes:
    if not _LITTLE:
        values = array(values.typecode, values)
        values.byteswap()
    return values.tobytes()


def _from_le(typecode: str, raw: bytes) -> array[Any]:
    values = array(typecode)
    values.frombytes(raw)
    if not _LITTLE:
        values.byteswap()
    return values


def encode_positions(values: list[bytes]) -> tuple[bytes, dict[int, bytes]]:
    """ClinicalPositions values as 16-byte bitmap slots, and those that need more room."""
    slots = []
    overflow: dict[int, bytes] = {}
    for i, value in enumerate(values):
        bits = value[_INT_SIZE:]
        if (
            len(bits) > SLOT
            or int.from_bytes(value[:_INT_SIZE], "big")
            != int.from_bytes(bits, "little").bit_count()
        ):
            overflow[i] = value
            bits = bits[:SLOT]
        slots.append(bits.ljust(SLOT, b"\0"))
    return b"".join(slots), overflow


def decode_position(slot: bytes) -> bytes:
    """The ClinicalPositions value of a slot that held all of it."""
    bits = int.from_bytes(slot, "little")
    return pack_uint(bits.bit_count()) + bits.to_bytes((bits.bit_length() + 7) // 8, "little")


def positions_tail(slots: bytes, overflow: dict[int, bytes]) -> bytes:
    """The values part of a ClinicalPositions record: the slots, then the overflow."""
    extra = pickle.dumps(overflow, 4) if overflow else b""
    return slots + struct.pack("<I", len(extra)) + extra


class ColumnarPostingsWriter(W3PostingsWriter):
    """Buffers a whole term (no block limit) and writes it as one flat record."""

    _encoded: tuple[int, bytes] | None = None  # (flags, values part) given by add_term()

    def __init__(self, postfile: Any) -> None:
        super().__init__(postfile, blocklimit=2**31 - 1, compression=0, inlinelimit=1)

    def add_term(
        self,
        ids: array[int],
        weights: array[float],
        maxweight: float,
        lengths: tuple[int | None, int],
        encoded: tuple[int, bytes],
    ) -> None:
        """A whole term's postings at once, values already encoded (a reindex's writer,
        physnet/search/bulk.py): the record is the one add_posting() for each posting
        would write, without a Python call per posting."""
        self._ids, self._weights, self._maxweight = ids, weights, maxweight
        self._minlength, self._maxlength = lengths
        self._encoded = encoded

    def _new_block(self) -> None:
        super()._new_block()
        self._encoded = None

    def _values_part(self) -> tuple[int, bytes]:
        """The flags and values part of the record for the postings buffered one by one."""
        values, n = self._values, len(self._ids)
        if isinstance(self._format, ClinicalPositions):
            if len(values) != n:
                raise ValueError("every position posting needs a value")
            return POSITIONAL, positions_tail(*encode_positions(values))
        size = self._format.fixed_value_size()
        if size:
            if len(values) != n or any(len(v) != size for v in values):
                raise ValueError("fixed-size values of another size")
            return FIXED, b"".join(values)
        return 0, b""

    def _write_block(self, last: bool = False) -> None:
        self._terminfo.add_block(self)
        flags, tail = self._encoded or self._values_part()
        head = HEADER.pack(
            MAGIC,
            len(self._ids),
            flags,
            self._maxweight,
            length_to_byte(self._minlength),
            length_to_byte(self._maxlength),
        )
        ids = self._ids if isinstance(self._ids, array) else array("I", self._ids)
        self._postfile.write(head + _le(ids) + _le(self._weights) + tail)
        self._blockcount += 1
        self._new_block()


class ColumnarMatcher(W3LeafMatcher):
    """Whoosh's matcher interface over a flat record: a single block holding every posting."""

    # Whoosh (untyped) sets these; the reads below fill them lazily.
    _length: Any
    _data: Any
    _ids: Any
    _weights: Any
    _values: Any

    def _read_header(self) -> None:
        if isinstance(self._length, tuple):  # W3TermInfo.from_bytes leaves it a 1-tuple
            self._length = self._length[0]
        self._baseoffset = self._startoffset

    def _goto(self, position: int) -> None:
        self._data = self._ids = self._weights = self._values = None
        self._i = 0
        raw = self._postfile.get(position, HEADER.size)
        magic, n, flags, maxweight, minlen, maxlen = HEADER.unpack(raw)
        if magic != MAGIC:
            raise ValueError(f"not a columnar postings record: {magic!r}")
        self._flags = flags
        self._blocklength = n
        self._dataoffset = position + HEADER.size
        self._maxweight = maxweight
        self._compression = 0
        self._minlength = byte_to_length(minlen)
        self._maxlength = byte_to_length(maxlen)
        self._lastblock = True
        self._nextoffset = self._startoffset + self._length
        last = self._postfile.get(self._dataoffset + 4 * (n - 1), 4)
        self._maxid = struct.unpack("<I", last)[0]

    def _read_data(self) -> None:
        self._data = ()

    def _read_ids(self) -> None:
        n = self._blocklength
        self._ids = _from_le("I", self._postfile.get(self._dataoffset, 4 * n))

    def _read_weights(self) -> None:
        n = self._blocklength
        self._weights = _from_le("f", self._postfile.get(self._dataoffset + 4 * n, 4 * n))

    def _read_values(self) -> None:
        n = self._blocklength
        start = self._dataoffset + 8 * n
        if self._flags & POSITIONAL:
            slots = self._postfile.get(start, SLOT * n)
            (extra,) = struct.unpack("<I", self._postfile.get(start + SLOT * n, 4))
            overflow = (
                pickle.loads(self._postfile.get(start + SLOT * n + 4, extra)) if extra else {}
            )
            self._values = tuple(
                overflow.get(i) or decode_position(slots[i * SLOT : (i + 1) * SLOT])
                for i in range(n)
            )
        elif self._flags & FIXED:
            size = self._fixedsize
            raw = self._postfile.get(start, size * n)
            self._values = tuple(raw[i : i + size] for i in range(0, len(raw), size))
        else:
            self._values = (None,) * n


class _Lengths:
    """doc_field_length() from whole columns held in memory."""

    def __init__(self, reader: Any, schema: Any) -> None:
        self._reader = reader
        self._scorable = {name for name, field in schema.items() if field.scorable}
        self._columns: dict[str, bytes] = {}

    def _column(self, fieldname: str) -> bytes:
        found = self._columns.get(fieldname)
        if found is None:
            column = self._reader._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
            if column is None:
                found = b""
            else:
                found = column._dbfile.get(column._basepos, column._count * column._fixedlen)
            self._columns[fieldname] = found
        return found

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int | None:
        if fieldname not in self._scorable:
            return default
        column = self._column(fieldname)
        if not column:
            return default  # no length column at all (as W3PerDocReader)
        if docnum >= len(column) or not column[docnum]:
            return None  # as W3PerDocReader: "no length" for an empty field
        return _LENGTH_OF_BYTE[column[docnum]]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._reader, name)


class _FieldWriter(W3FieldWriter):
    """Reads field lengths from memory while writing postings (a seek and a read per
    posting otherwise: a third of a commit's time for messages)."""

    def add_postings(self, schema: Any, lengths: Any, items: Any) -> Any:
        if lengths is not None:
            lengths = _Lengths(lengths, schema)
        return super().add_postings(schema, lengths, items)


class _ColumnarFieldWriter(_FieldWriter):
    def start_field(self, fieldname: str, fieldobj: Any) -> None:
        super().start_field(fieldname, fieldobj)
        if columnar(fieldobj.format):
            self._postwriter = ColumnarPostingsWriter(self._postfile)

    def add_whole_term(
        self,
        btext: bytes,
        ids: array[int],
        weights: array[float],
        maxweight: float,
        lengths: tuple[int | None, int],
        encoded: tuple[int, bytes],
    ) -> None:
        """A term and all its postings (see ColumnarPostingsWriter.add_term)."""
        self.start_term(btext)
        self._postwriter.add_term(ids, weights, maxweight, lengths, encoded)
        self.finish_term()


class FastW3Codec(W3Codec):
    """The previous format (W3 blocks, uncompressed): still read in older segments."""

    def field_writer(self, storage: Any, segment: Any) -> Any:
        return _FieldWriter(self, storage, segment)


class ColumnarCodec(FastW3Codec):
    """W3 with columnar postings for the fields `columnar()` accepts."""

    def field_writer(self, storage: Any, segment: Any) -> Any:
        return _ColumnarFieldWriter(self, storage, segment)

    def postings_reader(
        self, dbfile: Any, terminfo: Any, format_: Any, term: Any = None, scorer: Any = None
    ) -> Any:
        if terminfo.is_inlined() or not columnar(format_):
            return super().postings_reader(dbfile, terminfo, format_, term=term, scorer=scorer)
        offset, length = terminfo.extent()
        return ColumnarMatcher(dbfile, offset, length, format_, term=term, scorer=scorer)


CODEC = ColumnarCodec(compression=0)
# Writers are also given compound=False: opening a file inside a compound segment copies
# the whole file into memory (whoosh.filedb.structfile.BufferFile), tens of megabytes for
# a large segment's postings, every time a searcher or writer opens the index.
