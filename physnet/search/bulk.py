"""Writers for a reindex: each term's postings gathered in arrays, written whole.

Whoosh's SegmentWriter turns every posting into a tuple (field, term bytes, document,
weight, value bytes), pools the tuples of a whole segment, sorts them at commit and
hands them to the codec one call at a time. Profiled in one process at 50,000 messages
(1.9 million postings): 6 s adding documents and 7 s committing, most of it per-posting
work (encoding positions to bytes, the pool's size estimate, the sort, three calls and a
field-length lookup per posting while writing).

BulkWriter keeps, for each term, its document numbers, weights and values in arrays as
documents arrive. Documents are numbered in the order they are added, so every term's
postings are already sorted and only the terms need sorting at commit. A ClinicalText
term's positions go straight from the analyzer into the 16-byte slot the codec stores
(physnet/search/codec.py), and each term is written with one call
(ColumnarPostingsWriter.add_term). The segment files are the ones SegmentWriter writes,
byte for byte (tests/test_search_codec.py).

These writers only add documents to a fresh generation (physnet/search/rebuild.py): no
deletions, no merges, no other readers' postings. Live indexing keeps Whoosh's writer.
"""

from __future__ import annotations

from array import array
from operator import itemgetter
from typing import Any

import numpy as np
from whoosh import multiproc
from whoosh.analysis import IDTokenizer, RegexTokenizer
from whoosh.formats import Existence, Frequency
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.system import pack_uint
from whoosh.writing import SegmentWriter

from physnet.search.analysis import ClinicalAnalyzer, ClinicalPositions
from physnet.search.codec import (
    _LENGTH_OF_BYTE,
    FIXED,
    POSITIONAL,
    SLOT,
    _Lengths,
    columnar,
    encode_positions,
    positions_tail,
)

_SLOT_BITS = 8 * SLOT


class _Term:
    """One term's postings in a segment being written, in document order."""

    __slots__ = ("ids", "overflow", "values", "weights")

    def __init__(self) -> None:
        self.ids = array("I")
        self.weights = array("f")
        self.values = bytearray()  # position slots, or fixed-size values, back to back
        self.overflow: dict[int, bytes] = {}  # index -> whole positions value (see codec)

    def add(self, docnum: int, weight: float, value: bytes, whole: bytes | None = None) -> None:
        if whole is not None:
            self.overflow[len(self.ids)] = whole
        self.ids.append(docnum)
        self.weights.append(weight)
        self.values += value

    def maxweight(self) -> float:
        """The postings writer's maximum: it starts at 0 and compares the weights before
        they are stored as float32, which gives the same float32 (rounding is monotonic)."""
        return max(0.0, max(self.weights))


class TermPool:
    """What a BulkWriter collects instead of Whoosh's sorting pool: field -> term -> _Term.

    Terms of positional fields are keyed by their text, others by their bytes (what
    Whoosh's field.index() yields for them).
    """

    def __init__(self, schema: Any) -> None:
        self.schema = schema
        self.fields: dict[str, dict[Any, _Term]] = {}

    @property
    def fieldnames(self) -> set[str]:
        return {name for name, terms in self.fields.items() if terms}

    def terms(self, fieldname: str) -> dict[Any, _Term]:
        found = self.fields.get(fieldname)
        if found is None:
            found = self.fields[fieldname] = {}
        return found

    def add(self, item: tuple[str, bytes, int, float, bytes]) -> None:
        """A posting as Whoosh's pool takes it: (field, term bytes, docnum, weight, value)."""
        fieldname, tbytes, docnum, weight, vbytes = item
        fmt = self.schema[fieldname].format
        if isinstance(fmt, ClinicalPositions):
            (slot, overflow) = encode_positions([vbytes])
            key: Any = tbytes.decode("utf-8")
            value, whole = slot, overflow.get(0)
        else:
            key, whole = tbytes, None
            value = vbytes or b""
            if len(value) != (fmt.fixed_value_size() or 0):
                raise ValueError(f"{fieldname}: a value of {len(value)} bytes")
        terms = self.terms(fieldname)
        term = terms.get(key)
        if term is None:
            term = terms[key] = _Term()
        term.add(docnum, weight, value, whole)

    def cleanup(self) -> None:
        self.fields = {}


class BulkWriter(SegmentWriter):
    """A SegmentWriter that only adds documents, and writes whole terms at commit."""

    def __init__(self, ix: Any, **kwargs: Any) -> None:
        for name, field in ix.schema.items():  # checked before the index is locked
            if field.indexed and not columnar(field.format):
                raise ValueError(f"BulkWriter writes columnar postings only, not {name}'s")
            if field.vector or (field.indexed and field.separate_spelling()):
                raise ValueError(f"BulkWriter does not write vectors or spellings ({name})")
        super().__init__(ix, **kwargs)
        self.pool = TermPool(self.schema)
        # Fields whose terms and positions come from ClinicalAnalyzer.bitmaps() directly
        # (what ClinicalPositions.word_values does for a string, less the bytes per term).
        self._fast = {
            name
            for name, field in self.schema.items()
            if field.indexed
            and isinstance(field.format, ClinicalPositions)
            and isinstance(field.analyzer, ClinicalAnalyzer)
        }

    def add_reader(self, reader: Any) -> None:
        raise NotImplementedError("BulkWriter only adds documents (a reindex)")

    def add_document(self, **fields: Any) -> None:
        """SegmentWriter.add_document, with the postings going to the TermPool."""
        self._check_state()
        perdocwriter = self.perdocwriter
        docnum = self.docnum
        docboost = self._doc_boost(fields)
        fieldnames = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(self.schema, fieldnames)
        perdocwriter.start_doc(docnum)
        try:
            for fieldname in fieldnames:
                value = fields.get(fieldname)
                if value is None:
                    continue
                field = self.schema[fieldname]
                length = 0
                if field.indexed:
                    boost = self._field_boost(fields, fieldname, docboost)
                    length = self._index(fieldname, field, value, docnum, boost)
                stored = fields.get(f"_stored_{fieldname}", value)
                perdocwriter.add_field(fieldname, field, stored if field.stored else None, length)
                if field.column_type and stored is not None:
                    column_value = field.to_column_value(stored)
                    perdocwriter.add_column_value(fieldname, field.column_type, column_value)
        except Exception:
            perdocwriter.cancel_doc()
            raise
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1

    def _index(self, fieldname: str, field: Any, value: Any, docnum: int, boost: float) -> int:
        """Add one field's postings; return its length (the sum of the frequencies)."""
        tokens = None if fieldname in self._fast else _plain_tokens(field, value)
        if fieldname in self._fast and isinstance(value, str):
            length = self._index_positions(fieldname, field, value, docnum, boost)
        elif tokens is not None:
            length = self._index_tokens(fieldname, field, tokens, docnum, boost)
        else:
            length = 0
            for tbytes, freq, weight, vbytes in field.index(value):
                self.pool.add((fieldname, tbytes, docnum, weight * boost, vbytes))
                length += freq
        return length if field.scorable else 0

    def _index_positions(
        self, fieldname: str, field: Any, value: str, docnum: int, boost: float
    ) -> int:
        """ClinicalPositions postings of a string: the positions bitmap goes into its slot
        as is; one with positions past the slot is also kept whole (as encode_positions)."""
        terms = self.pool.terms(fieldname)
        fmt = field.format
        field_boost = fmt.field_boost
        length = 0
        for text, bits in field.analyzer.bitmaps(value).items():
            count = bits.bit_count()
            term = terms.get(text)
            if term is None:
                term = terms[text] = _Term()
            if bits >> _SLOT_BITS:
                term.overflow[len(term.ids)] = fmt.encode_bitmap(bits, count)
                bits &= (1 << _SLOT_BITS) - 1
            # _Term.add() inlined (the hot loop of a reindex). The weight as Whoosh computes
            # it: word_values' count * field boost, then add_document's boost.
            term.ids.append(docnum)
            term.weights.append(count * field_boost * boost)
            term.values += bits.to_bytes(SLOT, "little")
            length += count
        return length

    def _index_tokens(
        self, fieldname: str, field: Any, tokens: list[str], docnum: int, boost: float
    ) -> int:
        """Existence or Frequency postings of an ID or keyword field, as their
        word_values() give them, without Whoosh's Token objects."""
        counts: dict[str, int] = {}
        for token in tokens:
            counts[token] = counts.get(token, 0) + 1
        terms = self.pool.terms(fieldname)
        field_boost = field.format.field_boost
        existence = type(field.format) is Existence
        length = 0
        for text, count in counts.items():
            key = text.encode("utf-8")
            term = terms.get(key)
            if term is None:
                term = terms[key] = _Term()
            term.ids.append(docnum)
            if existence:  # (word, 1, field boost, b"")
                term.weights.append(field_boost * boost)
                length += 1
            else:  # (word, count, count * field boost, pack_uint(count))
                term.weights.append(float(count) * field_boost * boost)
                term.values += pack_uint(count)
                length += count
        return length

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        lengths = self.per_document_reader()
        try:
            self._write_terms(_Lengths(lengths, self.schema))
        finally:
            lengths.close()
        self.fieldwriter.close()

    def _write_terms(self, lengths: _Lengths) -> None:
        """Every term, fields and terms in byte order, as FieldWriter.add_postings would."""
        fieldwriter = self.fieldwriter
        for fieldname in sorted(self.pool.fieldnames):
            field = self.schema[fieldname]
            column = (
                np.frombuffer(lengths._column(fieldname), dtype=np.uint8)
                if field.scorable
                else None
            )
            fieldwriter.start_field(fieldname, field)
            terms = self.pool.fields[fieldname]
            named = ((_as_bytes(key), term) for key, term in terms.items())
            for btext, term in sorted(named, key=itemgetter(0)):
                fieldwriter.add_whole_term(
                    btext,
                    term.ids,
                    term.weights,
                    term.maxweight(),
                    _length_range(column, term.ids),
                    _encoded(field.format, term),
                )
            fieldwriter.finish_field()


def _plain_tokens(field: Any, value: Any) -> list[str] | None:
    """The tokens of a string in an ID or keyword field (Whoosh's IDTokenizer, or its
    RegexTokenizer without filters, and the Existence or Frequency format), exactly as
    its analyzer yields them; None for any other field."""
    analyzer: Any = getattr(field, "analyzer", None)
    if not isinstance(value, str) or type(field.format) not in (Existence, Frequency):
        return None
    if type(analyzer) is IDTokenizer:
        return [value]
    if type(analyzer) is RegexTokenizer and not analyzer.gaps:
        return [match.group(0) for match in analyzer.expression.finditer(value)]
    return None


def _as_bytes(key: str | bytes) -> bytes:
    return key.encode("utf-8") if isinstance(key, str) else key


def _encoded(fmt: Any, term: _Term) -> tuple[int, bytes]:
    """The flags and values part of a term's record (ColumnarPostingsWriter's format)."""
    if isinstance(fmt, ClinicalPositions):
        return POSITIONAL, positions_tail(bytes(term.values), term.overflow)
    if fmt.fixed_value_size():
        return FIXED, bytes(term.values)
    return 0, b""


def _length_range(column: np.ndarray | None, ids: array[int]) -> tuple[int | None, int]:
    """The shortest and longest field length among a term's documents, as the postings
    writer tracks them from doc_field_length(): documents without a length are skipped."""
    if column is None or not len(column):
        return None, 0
    docs = np.frombuffer(ids, dtype=np.uint32)
    if docs[-1] >= len(column):
        docs = docs[docs < len(column)]
    found = column[docs]
    found = found[found > 0]
    if not len(found):
        return None, 0
    return _LENGTH_OF_BYTE[found.min()], _LENGTH_OF_BYTE[found.max()]


class _BulkTask(SubWriterTask):
    def run(self) -> None:
        # SubWriterTask.run() creates its writer by the module-level name SegmentWriter;
        # this runs in the worker process, so the name changes there and nowhere else.
        multiproc.SegmentWriter = BulkWriter
        super().run()


class BulkMpWriter(MpWriter):
    """Whoosh's multiprocessing writer (one segment per process) with BulkWriters."""

    def __init__(self, ix: Any, procs: int, **kwargs: Any) -> None:
        super().__init__(ix, procs=procs, multisegment=True, **kwargs)

    def _new_task(self) -> SubWriterTask:
        task = _BulkTask(
            self.storage,
            self.indexname,
            self.jobqueue,
            self.resultqueue,
            self.subargs,
            self.multisegment,
        )
        self.tasks.append(task)
        task.start()
        return task
