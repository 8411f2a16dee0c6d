"""The columnar postings codec: what Whoosh reads back, merges, phrases past 128 words."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from whoosh import index

from physnet.search.analysis import ANALYZER
from physnet.search.bulk import BulkMpWriter, BulkWriter
from physnet.search.codec import CODEC, ColumnarCodec, FastW3Codec
from physnet.search.engine import ColumnCache
from physnet.search.evaluate import Leaf, Plan, evaluate
from physnet.search.schema import make_schema
from physnet.search.sources import tip_document

READABLE = bytearray([0, 1, 1])  # channels 1 and 2; channel 0 is not readable
BODIES = [
    "order set for sepsis and the lactate order",
    "sepsis order set, then vancomycin dosing per pharmacy",
    "nothing about it: heparin drip titration protocol",
    "lactate order, sepsis bundle, order set again",
    "the pharmacy order set for vancomycin",
]


def _doc(i: int, body: str, chan: int = 1) -> dict[str, Any]:
    return {
        "key": f"message:{i}",
        "tags": "type:message m:2026-01" + (" has:link" if i % 2 else ""),
        "channel": str(chan),
        "author": str(i % 3),
        "body": body,
        "chan": chan,
        "created": 1.7e9 + i,
        "boost": 1.0,
    }


def _index(folder: Path, batches: list[tuple[Any, list[dict[str, Any]]]]) -> Any:
    folder.mkdir()
    ix = index.create_in(str(folder), make_schema())
    for codec, docs in batches:
        writer = ix.writer(codec=codec, compound=False)
        for doc in docs:
            writer.update_document(**doc)
        writer.commit(merge=False)
    return ix


def _postings(ix: Any) -> dict[tuple[str, bytes], list[tuple[int, float, Any]]]:
    with ix.searcher() as searcher:
        reader = searcher.reader()
        return {
            (fieldname, text): [
                (m.id(), m.weight(), m.value()) for m in [reader.postings(fieldname, text)]
            ]
            + _rest(reader.postings(fieldname, text))
            for fieldname, text in reader.all_terms()
        }


def _rest(matcher: Any) -> list[tuple[int, float, Any]]:
    out = []
    matcher.next()
    while matcher.is_active():
        out.append((matcher.id(), matcher.weight(), matcher.value()))
        matcher.next()
    return out


def _find(ix: Any, plan: Plan, limit: int = 20) -> tuple[list[str], int]:
    with ix.searcher() as searcher:
        found = evaluate(searcher, plan, ColumnCache(), READABLE, limit, time.monotonic() + 10)
        keys = [searcher.stored_fields(d)["key"] for d in found.docnums]
    return keys, found.total


def _term(word: str) -> tuple[Leaf]:
    return (Leaf("body", tuple(ANALYZER.terms(word))),)


def _phrase(*words: str) -> Plan:
    return Plan(units=[(Leaf("body", tuple(ANALYZER.terms(" ".join(words)))),)])


def test_whoosh_reads_back_every_posting_as_written(tmp_path: Path) -> None:
    docs = [_doc(i, body) for i, body in enumerate(BODIES)]
    old = _index(tmp_path / "old", [(FastW3Codec(compression=0), docs)])
    new = _index(tmp_path / "new", [(CODEC, docs)])
    assert _postings(new) == _postings(old)
    with new.searcher() as searcher:
        assert all(isinstance(s.codec(), ColumnarCodec) for s in new._segments())
        assert searcher.doc_frequency("body", ANALYZER.terms("sepsis")[0]) == 3


def test_old_and_new_segments_search_and_merge_the_same(tmp_path: Path) -> None:
    docs = [_doc(i, body, chan=1 + i % 2) for i, body in enumerate(BODIES)]
    ix = _index(tmp_path / "ix", [(FastW3Codec(compression=0), docs[:3]), (CODEC, docs[3:])])
    plans = [
        _phrase("order", "set"),
        Plan(units=[_term("order")], filters=[(("tags", "has:link"),)]),
        Plan(units=[_term("sepsis")], negatives=[_term("lactate")]),
    ]
    before = [_find(ix, plan) for plan in plans]
    assert sorted(before[0][0]) == ["message:0", "message:1", "message:3", "message:4"]
    writer = ix.writer(codec=CODEC, compound=False)
    writer.commit(optimize=True)  # one segment, written from both formats
    assert [type(s.codec()) for s in ix._segments()] == [ColumnarCodec]
    assert [_find(ix, plan) for plan in plans] == before


def test_edits_and_deletions_leave_no_trace(tmp_path: Path) -> None:
    ix = _index(tmp_path / "ix", [(CODEC, [_doc(i, body) for i, body in enumerate(BODIES)])])
    writer = ix.writer(codec=CODEC, compound=False)
    writer.update_document(**_doc(0, "heparin protocol only"))
    writer.delete_by_term("key", "message:4")
    writer.commit(merge=False)
    keys, total = _find(ix, _phrase("order", "set"))
    assert sorted(keys) == ["message:1", "message:3"] and total == 2
    assert _find(ix, Plan(units=[_term("heparin")]))[1] == 2


def test_unreadable_channels_are_never_counted(tmp_path: Path) -> None:
    docs = [_doc(i, body, chan=0 if i < 2 else 1) for i, body in enumerate(BODIES)]
    ix = _index(tmp_path / "ix", [(CODEC, docs)])
    keys, total = _find(ix, _phrase("order", "set"))
    assert sorted(keys) == ["message:3", "message:4"] and total == 2


def test_phrases_past_the_128th_word(tmp_path: Path) -> None:
    filler = " ".join(f"w{i}x" for i in range(126))  # positions 0-125
    docs = [
        _doc(0, f"{filler} alpha beta"),  # 126, 127: inside the 128-bit slot
        _doc(1, f"{filler} gamma alpha beta"),  # 127, 128: across its edge
        _doc(2, f"{filler} kop lam mun nuk alpha beta"),  # 130, 131: past it
        _doc(3, f"{filler} gamma alpha zet eto beta"),  # 127 and 130: not a phrase
        _doc(4, f"alpha {filler} beta alpha"),  # 0, then 127 and 128 reversed
    ]
    ix = _index(tmp_path / "ix", [(CODEC, docs)])
    keys, total = _find(ix, _phrase("alpha", "beta"))
    assert sorted(keys) == ["message:0", "message:1", "message:2"] and total == 3
    assert _find(ix, _phrase("gamma", "alpha", "beta"))[0] == ["message:1"]
    assert _find(ix, _phrase("beta", "alpha"))[0] == ["message:4"]


def _varied_docs() -> list[dict[str, Any]]:
    """Short and long messages (positions past 128), clinical tokens, a boosted and an
    empty one, and tips (titles, tags, boosts)."""
    filler = " ".join(f"w{i}x" for i in range(140))
    bodies = [*BODIES, f"{filler} sepsis COVID-19 q6h alpha", "HbA1c I50.9 best-practice Sjögren"]
    docs = [_doc(i, body, chan=1 + i % 2) for i, body in enumerate(bodies)]
    docs.append({**_doc(50, "sepsis order set"), "_boost": 2.0})
    docs.append(_doc(51, ""))
    when = datetime(2026, 1, 31, tzinfo=UTC)
    for i, body in enumerate(bodies[:4]):
        docs.insert(
            2 * i,
            tip_document(
                i, 2, 3, f"Tip {i}: {body[:20]}", body, "", when, i % 2 == 0, ["ehr-tips"]
            ),
        )
    return docs


def _segment_files(folder: Path) -> dict[str, bytes]:
    """A one-segment index's files by their extension (the segment's name is random)."""
    return {
        path.name.split(".", 1)[1]: path.read_bytes()
        for path in folder.iterdir()
        if path.name.startswith("MAIN_") and "." in path.name
    }


def test_a_reindex_writer_writes_what_whoosh_writes(tmp_path: Path) -> None:
    docs = _varied_docs()
    for name, make in [("whoosh", None), ("bulk", BulkWriter)]:
        (tmp_path / name).mkdir()
        ix = index.create_in(str(tmp_path / name), make_schema())
        writer = (
            make(ix, codec=CODEC, compound=False)
            if make
            else ix.writer(codec=CODEC, compound=False)
        )
        for doc in docs:
            writer.add_document(**doc)
        writer.commit(merge=False)
    whoosh, bulk = _segment_files(tmp_path / "whoosh"), _segment_files(tmp_path / "bulk")
    assert {"pst", "trm", "_body_len.col", "_title_len.col"} <= set(whoosh)
    assert bulk == whoosh


def _postings_by_key(ix: Any) -> dict[tuple[str, bytes], list[tuple[str, float, Any]]]:
    """Every posting, with documents named by their key (segments may come in any order)."""
    with ix.searcher() as searcher:
        keys = {docnum: fields["key"] for docnum, fields in searcher.iter_docs()}
        return {
            term: sorted((keys[docnum], weight, value) for docnum, weight, value in postings)
            for term, postings in _postings(ix).items()
        }


def test_the_parallel_reindex_writer_indexes_every_document_the_same(tmp_path: Path) -> None:
    docs = _varied_docs()
    whoosh = _index(tmp_path / "whoosh", [(CODEC, docs)])
    (tmp_path / "bulk").mkdir()
    ix = index.create_in(str(tmp_path / "bulk"), make_schema())
    writer = BulkMpWriter(ix, procs=2, batchsize=3, codec=CODEC, compound=False)
    for doc in docs:
        writer.add_document(**doc)
    writer.commit(merge=False)
    assert 1 <= len(ix._segments()) <= 2  # one per process that got documents
    assert ix.doc_count() == len(docs)
    assert _postings_by_key(ix) == _postings_by_key(whoosh)
