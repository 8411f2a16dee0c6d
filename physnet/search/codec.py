"""Whoosh's W3 codec with a faster way to write postings; same files, same format.

When Whoosh writes a segment's postings it looks up each document's field length once per
posting, each time a seek and a read in the new segment's length column (a third of the
time of a commit, for messages). This codec reads each length column once into memory.
Segments written with it are read like any W3 segment (it is pickled into the segment,
so this module must stay importable under this name).
"""

from __future__ import annotations

from typing import Any

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3Codec, W3FieldWriter, _lenfield
from whoosh.util.numeric import byte_to_length

_LENGTH_OF_BYTE = [byte_to_length(b) for b in range(256)]


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
    def add_postings(self, schema: Any, lengths: Any, items: Any) -> Any:
        if lengths is not None:
            lengths = _Lengths(lengths, schema)
        return super().add_postings(schema, lengths, items)


class FastW3Codec(W3Codec):
    def field_writer(self, storage: Any, segment: Any) -> Any:
        return _FieldWriter(self, storage, segment)


CODEC = FastW3Codec(compression=0)
# Writers are also given compound=False: opening a file inside a compound segment copies
# the whole file into memory (whoosh.filedb.structfile.BufferFile), tens of megabytes for
# a large segment's postings, every time a searcher or writer opens the index.
