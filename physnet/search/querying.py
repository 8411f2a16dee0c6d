"""Parse what a person types into the search box. No Whoosh query syntax reaches Whoosh.

    vanc trough "pharmacy to dose" order* -heparin in:#ehr-tips from:@alice
    before:2026-01-31 after:2025-12-31 on:2026-01-15 has:link has:code is:thread is:tip

Words are ANDed; `"..."` is an exact phrase; `word*` a prefix (at least 2 letters); a
leading `-` excludes a word or phrase; `in:` and `from:` may repeat (either channel, either
author). Dates are YYYY-MM-DD (UTC days), `today` or `yesterday`; `before:` and `after:` exclude
the day itself, as in Slack. Anything else that looks like `name:value` is searched as
words, with a warning. Problems a person can fix raise BadRequest with a sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from physnet.errors import BadRequest

MAX_QUERY_CHARS = 500
MAX_CLAUSES = 16
MIN_PREFIX = 2
OPERATORS = ("in", "from", "before", "after", "on", "has", "is")
HAS_VALUES = ("link", "code", "file", "image", "pdf")
IS_VALUES = ("thread", "pinned", "tip", "question", "open", "answered")
_PIECE = re.compile(r'(-?)"([^"]*)("?)|(\S+)')
_OPERATOR = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*):(.*)$", re.S)


@dataclass
class Clause:
    kind: str  # "word" | "phrase" | "prefix"
    text: str
    negated: bool = False


@dataclass
class ParsedQuery:
    clauses: list[Clause] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive
    has: set[str] = field(default_factory=set)
    is_: set[str] = field(default_factory=set)
    warnings: list[str] = field(default_factory=list)

    @property
    def positive(self) -> list[Clause]:
        return [c for c in self.clauses if not c.negated]

    @property
    def negative(self) -> list[Clause]:
        return [c for c in self.clauses if c.negated]

    @property
    def has_filters(self) -> bool:
        return bool(self.channels or self.authors or self.has or self.is_)


def parse_day(operator: str, value: str, today: date) -> date:
    word = value.strip().lower()
    if word == "today":
        return today
    if word == "yesterday":
        return today - timedelta(days=1)
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", word):
            raise ValueError(word)
        return date.fromisoformat(word)
    except ValueError:
        raise BadRequest(
            f"{operator}: needs a date like 2026-01-31, not {value[:40]!r}.",
            code="invalid_date",
        ) from None


def _day_start(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _operator(parsed: ParsedQuery, name: str, value: str, today: date) -> None:
    value = value.strip()
    if not value:
        parsed.warnings.append(f"{name}: needs a value; it was left out.")
        return
    if name in ("in", "from"):
        target = value.lstrip("#@").lower()
        if not target:
            parsed.warnings.append(f"{name}: needs a value; it was left out.")
        elif name == "in":
            parsed.channels.append(target)
        else:
            parsed.authors.append(target)
    elif name in ("before", "after", "on"):
        day = parse_day(name, value, today)
        start = _day_start(day)
        if name == "before":
            parsed.until = min(filter(None, [parsed.until, start]))
        elif name == "after":
            after = start + timedelta(days=1)
            parsed.since = max(filter(None, [parsed.since, after]))
        else:
            parsed.since = max(filter(None, [parsed.since, start]))
            parsed.until = min(filter(None, [parsed.until, start + timedelta(days=1)]))
    elif name == "has":
        if value.lower() not in HAS_VALUES:
            raise BadRequest(
                f"has: takes {' or '.join(HAS_VALUES)}, not {value[:40]!r}.", code="invalid_query"
            )
        parsed.has.add(value.lower())
    elif name == "is":
        if value.lower() not in IS_VALUES:
            raise BadRequest(
                f"is: takes {', '.join(IS_VALUES)}, not {value[:40]!r}.", code="invalid_query"
            )
        parsed.is_.add(value.lower())


def _word(parsed: ParsedQuery, text: str, negated: bool) -> None:
    if text.endswith("*"):
        stem = text.rstrip("*").replace("*", "")
        if len(re.sub(r"\W", "", stem)) < MIN_PREFIX:
            parsed.warnings.append(
                f"A prefix search needs at least {MIN_PREFIX} letters before the *."
            )
            return
        parsed.clauses.append(Clause("prefix", stem, negated))
        return
    text = text.replace("*", " ").strip()
    if text:
        parsed.clauses.append(Clause("word", text, negated))


def parse(text: str, today: date | None = None) -> ParsedQuery:
    """Parse a query; raises BadRequest for a query too long or an operator value that
    cannot mean anything (an invalid date, an unknown has:/is: value)."""
    if len(text) > MAX_QUERY_CHARS:
        raise BadRequest(
            f"A search is at most {MAX_QUERY_CHARS} characters; this one has {len(text)}.",
            code="query_too_long",
        )
    today = today or datetime.now(UTC).date()
    parsed = ParsedQuery()
    for match in _PIECE.finditer(text):
        if len(parsed.clauses) >= MAX_CLAUSES:
            parsed.warnings.append(f"Only the first {MAX_CLAUSES} words were searched.")
            break
        negated_phrase, phrase, _closing, piece = match.groups()
        if piece is None:  # a quoted phrase; an unclosed quote runs to the end
            if phrase.strip():
                parsed.clauses.append(Clause("phrase", phrase.strip(), bool(negated_phrase)))
            continue
        negated = piece.startswith("-") and len(piece) > 1
        body = piece[1:] if negated else piece
        operator = _OPERATOR.match(body)
        if operator and not negated and not operator.group(2).startswith("//"):
            name, value = operator.group(1).lower(), operator.group(2)
            if name in OPERATORS:
                _operator(parsed, name, value, today)
                continue
            if not value.strip():  # "Note:" is a word, not an operator
                _word(parsed, name, False)
                continue
            parsed.warnings.append(f"{name}: is not a search operator; it was searched as words.")
            body = f"{operator.group(1)} {value}"
            for word in body.split():
                _word(parsed, word, False)
            continue
        _word(parsed, body.strip('"'), negated)
    if parsed.since and parsed.until and parsed.since >= parsed.until:
        parsed.warnings.append("The dates leave no day to search.")
    return parsed
