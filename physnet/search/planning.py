"""Turn a parsed query into an evaluation plan: analyzed terms, synonyms, names resolved.

Words run through the same analysis as the index; question words ("how do I", "what
is the") are dropped when other words remain; consecutive words are matched against
the synonym list and the clinical lexicon (longest first); a word no document holds
also matches its nearest indexed words (fuzzy.py). Two or more plain words are loose
(the more of them a document matches, the higher it ranks; evaluate.py), and so is a
word beside a phrase or a prefix; a lone word, a phrase and a prefix are required. A
prefix expands to the most frequent indexed words that start with it; `in:` and `from:`
names become ids, a channel only if the person may read it (a hidden channel reads
exactly like a missing one).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from physnet.extensions import db
from physnet.models import Channel, User
from physnet.search import fuzzy
from physnet.search.analysis import ANALYZER, fold
from physnet.search.engine import ColumnCache
from physnet.search.evaluate import FilterUnit, Leaf, Plan, Unit
from physnet.search.querying import ParsedQuery
from physnet.search.schema import month_tag
from physnet.search.synonyms import Phrase, Synonyms

MAX_PREFIX_TERMS = 64
TEXT_FIELDS = ("body", "title")
TAG_OF_IS = {
    "thread": "is:thread",
    "pinned": "is:pinned",
    "tip": "type:tip",
    "question": "is:question",
    "open": "is:open",
    "answered": "is:answered",
}
SYNONYM_WEIGHT = 0.9  # a document using the word typed ranks above one using a synonym
QUESTION_WORDS = frozenset(
    [
        "how",
        "what",
        "which",
        "when",
        "where",
        "who",
        "whom",
        "whose",
        "why",
        "do",
        "does",
        "did",
        "doing",
        "done",
        "can",
        "could",
        "should",
        "would",
        "shall",
        "may",
        "might",
        "must",
        "i",
        "me",
        "my",
        "mine",
        "we",
        "our",
        "you",
        "your",
        "yours",
        "they",
        "them",
        "there",
        "here",
        "way",
        "ways",
        "get",
        "gets",
        "getting",
        "got",
        "anyone",
        "anybody",
        "someone",
        "somebody",
        "please",
        "know",
        "need",
        "want",
        "wants",
        "tell",
        "trying",
        "try",
        "don",
        "doesn",
        "didn",
        "isn",
        "aren",
        "whats",
        "hows",
    ]
)


@dataclass
class Word:
    """A word (or a lexicon phrase) of the question, and what it may match."""

    text: str  # as typed
    alternatives: list[tuple[Phrase, str, float]]  # (terms, "word"/"synonym"/"spelling", weight)


@dataclass
class Planned:
    plan: Plan | None  # None: nothing can match
    marks: set[str] = field(default_factory=set)  # analyzed words to highlight
    by_date: bool = False  # operators only: newest first
    words: list[Word] = field(default_factory=list)  # the plain words, for "why it matched"
    corrected: bool = False  # a misspelled word matched its nearest indexed words


def _text(raw: Any) -> str:
    return raw.decode("utf-8") if isinstance(raw, bytes) else str(raw)


def text_fields(searcher: Any) -> tuple[str, ...]:
    """The text fields worth querying: no title clauses while nothing has a title."""
    return TEXT_FIELDS if searcher.reader().field_length("title") else ("body",)


def _unit(alternatives: list[Phrase], fields: tuple[str, ...]) -> Unit:
    return tuple(Leaf(f, alt) for alt in alternatives for f in fields)


def prefix_terms(searcher: Any, text: str) -> list[str]:
    """The most frequent indexed words starting with `text` (or with its stem)."""
    reader = searcher.reader()
    word = fold(text.strip())
    prefixes = {word, ANALYZER.stem(word)} if word.isalpha() else {word}
    found: dict[str, int] = {}
    for prefix in prefixes:
        for count, raw in enumerate(reader.expand_prefix("body", prefix)):
            if count >= 2000:
                break
            term = _text(raw)
            found[term] = reader.doc_frequency("body", term)
    return sorted(found, key=lambda t: -found[t])[:MAX_PREFIX_TERMS]


CLITICS = frozenset(("s", "t", "d", "ll", "re", "ve", "m"))  # what's, don't, I'd, we'll


def _question_word(text: str) -> bool:
    return (
        re.sub(r"[^\w']", "", text.replace("\u2019", "'")).lower().split("'")[0] in QUESTION_WORDS
    )


def _word_terms(text: str) -> list[str]:
    """The analyzed terms of a typed word, without the clitic of a contraction."""
    terms = ANALYZER.terms(text)
    if "'" in text or "\u2019" in text:
        terms = terms[:1] + [t for t in terms[1:] if t not in CLITICS]
    return terms


def vocabularies(searcher: Any, columns: ColumnCache) -> list[frozenset[str]]:
    """The words of the segments the searcher reads (one set for all of them)."""
    readers = [leaf.reader() for leaf, _ in searcher.leaf_searchers()]
    return [columns.vocabulary([r for r in readers if r.doc_count_all()])]


def _alternatives(
    typed: Phrase,
    found: list[Phrase],
    searcher: Any,
    synonyms: Synonyms,
    planned: Planned,
    columns: ColumnCache,
) -> list[tuple[Phrase, str, float]]:
    """The typed terms, their synonyms, and for a word no document holds its corrections."""
    alternatives = [(typed, "word", 1.0)]
    alternatives += [(alt, "synonym", SYNONYM_WEIGHT) for alt in found if alt != typed]
    term = typed[0]
    if len(found) > 1 or len(typed) > 1 or not fuzzy.wants_correction(term):
        return alternatives
    reader, fields = searcher.reader(), text_fields(searcher)
    if fuzzy.in_vocabulary(reader, term, fields):
        return alternatives
    seen = {typed}
    for word, edits in fuzzy.index_corrections(
        reader, vocabularies(searcher, columns), term, fields
    ):
        seen.add((word,))
        alternatives.append(((word,), "spelling", fuzzy.WEIGHTS[edits]))
    for entry, edits in fuzzy.lexicon_corrections(synonyms.one_word, term):
        for alt in synonyms.table.get((entry,), [(entry,)]):
            if alt not in seen:
                seen.add(alt)
                alternatives.append((alt, "spelling", fuzzy.WEIGHTS[edits] * SYNONYM_WEIGHT))
    planned.corrected = planned.corrected or len(alternatives) > 1
    return alternatives


def _word_unit(word: Word, fields: tuple[str, ...]) -> Unit:
    return tuple(
        Leaf(f, terms, alt, weight)
        for alt, (terms, _, weight) in enumerate(word.alternatives)
        for f in fields
    )


def _text_units(
    parsed: ParsedQuery,
    searcher: Any,
    synonyms: Synonyms,
    plan: Plan,
    planned: Planned,
    columns: ColumnCache,
) -> bool:
    """Add the scored units and exclusions of the words; False when nothing can match."""
    fields = text_fields(searcher)
    marks = planned.marks
    run: list[tuple[str, str]] = []  # consecutive plain words (term, as typed)
    words = [c for c in parsed.clauses if c.kind == "word" and not c.negated]
    drop = any(not _question_word(c.text) for c in words)

    def flush_run() -> None:
        terms = [term for term, _ in run]
        for start, size, found in synonyms.spans(terms):
            typed = " ".join(dict.fromkeys(text for _, text in run[start : start + size]))
            phrase = tuple(terms[start : start + size])
            alternatives = _alternatives(phrase, found, searcher, synonyms, planned, columns)
            word = Word(typed, alternatives)
            planned.words.append(word)
            marks.update(term for alt, _, _ in word.alternatives for term in alt)
        run.clear()

    possible = True
    for clause in parsed.clauses:
        if clause.kind == "word" and not clause.negated:
            if not (drop and _question_word(clause.text)):
                run.extend((term, clause.text) for term in _word_terms(clause.text))
            continue
        flush_run()
        if clause.kind == "prefix":
            terms = prefix_terms(searcher, clause.text)
            if not terms:
                possible = possible and clause.negated
                continue
            unit = _unit([(t,) for t in terms], fields)
        elif clause.kind == "phrase":
            phrase = tuple(ANALYZER.terms(clause.text))
            if not phrase:
                continue
            unit = _unit([phrase], fields)
        else:  # a negated word: leave out its synonyms too
            units = synonyms.expand(ANALYZER.terms(clause.text))
            unit = tuple(leaf for alts in units for leaf in _unit(alts, fields))
            if not unit:
                continue
        if clause.negated:
            plan.negatives.append(unit)
        else:
            plan.units.append(unit)
            marks.update(term for leaf in unit for term in leaf.terms)
    flush_run()
    word_units = [_word_unit(word, fields) for word in planned.words]
    if len(word_units) > 1 or (word_units and plan.units):
        plan.loose = word_units
    else:
        plan.units += word_units
    return possible


def _filters(
    parsed: ParsedQuery, readable: bytearray, warnings: list[str]
) -> list[FilterUnit] | None:
    """Filter units for in:/from:/has:/is:; None when they can match nothing."""
    filters: list[FilterUnit] = []
    if parsed.channels:
        rows = db.session.execute(
            select(Channel.id, Channel.name).where(Channel.name.in_(parsed.channels))
        ).all()
        ids = {r.name: r.id for r in rows if r.id < len(readable) and readable[r.id]}
        for name in parsed.channels:
            if name not in ids:  # hidden and missing channels read the same
                warnings.append(f"There is no channel #{name} that you can see.")
        if not ids:
            return None
        filters.append(tuple(("channel", str(i)) for i in ids.values()))
    if parsed.authors:
        users = db.session.execute(
            select(User.id, User.username).where(User.username.in_(parsed.authors))
        ).all()
        for name in sorted(set(parsed.authors) - {u.username for u in users}):
            warnings.append(f"There is no user @{name}.")
        if not users:
            return None
        filters.append(tuple(("author", str(u.id)) for u in users))
    filters += [(("tags", f"has:{value}"),) for value in sorted(parsed.has)]
    filters += [(("tags", TAG_OF_IS[value]),) for value in sorted(parsed.is_)]
    return filters


def _months(parsed: ParsedQuery, searcher: Any) -> FilterUnit:
    """The month tags overlapping the date range: a first cut for dates alone."""
    low = month_tag(parsed.since) if parsed.since else ""
    high = month_tag(parsed.until) if parsed.until else "m:9999"
    tags = (_text(raw) for raw in searcher.reader().expand_prefix("tags", "m:"))
    return tuple(("tags", tag) for tag in tags if low <= tag <= high)


def plan_query(
    parsed: ParsedQuery,
    searcher: Any,
    synonyms: Synonyms,
    readable: bytearray,
    warnings: list[str],
    columns: ColumnCache | None = None,
) -> Planned:
    """The plan of `parsed`; `columns`: the pool's per-segment arrays (vocabularies)."""
    plan = Plan()
    planned = Planned(plan)
    possible = _text_units(parsed, searcher, synonyms, plan, planned, columns or ColumnCache())
    filters = _filters(parsed, readable, warnings)
    if filters is None or not possible:
        planned.plan = None
        return planned
    plan.filters = filters
    if parsed.since:
        plan.since = parsed.since.timestamp()
    if parsed.until:
        plan.until = parsed.until.timestamp()
    if not plan.units and not plan.loose and not plan.filters:
        if plan.since == -math.inf and plan.until == math.inf:
            if parsed.negative:
                warnings.append("Add a word to search for; - only leaves words out.")
            planned.plan = None
            return planned
        plan.filters = [_months(parsed, searcher)]
    planned.by_date = not plan.units and not plan.loose
    return planned
