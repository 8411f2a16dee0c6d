"""Whether an entry matches `disabled_filter`, decided from the entry the sync already read.

The sync used to make a second paged search for `(&user_filter disabled_filter)`. For the
simple forms most directories use, the answer is in the entry itself once the filter's
attribute is asked for: an equality on a case-ignoring string attribute
(`(employeeType=disabled)`), a presence (`(employeeType=*)`), AD's bit tests on
userAccountControl (`:1.2.840.113556.1.4.803:=2` AND, `...804:=` OR), and `&` / `|` of
these. Any other filter (substrings, negation, ordering, other attributes or matching
rules) is not parsed: the sync asks the directory, as before. An entry whose answer is not
certain here (a non-ASCII value, spacing the server might ignore, a value that is not a
number) makes the sync ask the directory too, so the result is always the server's.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from physnet.directory.connection import Entry
from physnet.directory.entries import LowerKeys

# Attributes whose equality rule ignores case (caseIgnoreMatch in OpenLDAP's core, cosine
# and inetorgperson schemas; Unicode String in AD): a disabled flag usually lives in one.
CASE_IGNORE = {
    "businesscategory",
    "company",
    "department",
    "departmentnumber",
    "description",
    "employeenumber",
    "employeetype",
    "l",
    "o",
    "ou",
    "physicaldeliveryofficename",
    "st",
    "title",
    *(f"extensionattribute{n}" for n in range(1, 16)),
}
_BIT_RULES = {
    "1.2.840.113556.1.4.803": "and",
    "integerbitandmatch": "and",
    "1.2.840.113556.1.4.804": "or",
    "integerbitormatch": "or",
}
_ITEM = re.compile(r"^([A-Za-z][A-Za-z0-9-]*)(?::([A-Za-z0-9.]+):)?=(.*)$", re.DOTALL)
_ESCAPE = re.compile(r"\\([0-9A-Fa-f]{2})")

Verdict = bool | None  # None: not certain from the entry; ask the directory
Test = Callable[[Entry], Verdict]


@dataclass(frozen=True)
class DisabledTest:
    """The filter as a function of one entry, and the attributes it needs."""

    test: Test
    attributes: tuple[str, ...]


def _values(entry: Entry, attr: str) -> list[bytes]:
    """Every value of `attr` (lowercase) and of its subtypes (`description;lang-en`), any
    case."""
    if isinstance(entry, LowerKeys) and not entry.has_options:
        return entry.get(attr, [])
    found: list[bytes] = []
    for key, values in entry.items():
        if key.partition(";")[0].lower() == attr:
            found.extend(values)
    return found


def _equality(attr: str, wanted: str) -> Test:
    collapsed = " ".join(wanted.lower().split())

    def test(entry: Entry) -> Verdict:
        verdict: Verdict = False
        for raw in _values(entry, attr):
            try:
                value = raw.decode("utf-8")
            except UnicodeDecodeError:
                return None
            if not value.isascii():
                verdict = None
            elif value.lower() == wanted.lower():
                return True
            elif " ".join(value.lower().split()) == collapsed:
                verdict = None  # the server may ignore this spacing: ask it
        return verdict

    return test


def _presence(attr: str) -> Test:
    return lambda entry: bool(_values(entry, attr))


def _bits(attr: str, rule: str, mask: int) -> Test:
    def test(entry: Entry) -> Verdict:
        verdict: Verdict = False
        for raw in _values(entry, attr):
            try:
                value = int(raw)
            except ValueError:
                return None
            if (value & mask == mask) if rule == "and" else bool(value & mask):
                verdict = True
        return verdict

    return test


def _item(body: str) -> tuple[Test, str] | None:
    match = _ITEM.match(body)
    if match is None:
        return None
    attr, rule, raw = match[1].lower(), (match[2] or "").lower(), match[3]
    if rule:
        if attr != "useraccountcontrol" or rule not in _BIT_RULES or not raw.isdigit():
            return None
        return _bits(attr, _BIT_RULES[rule], int(raw)), match[1]
    if raw == "*":
        return _presence(attr), match[1]
    if "*" in raw or attr not in CASE_IGNORE or "\\" in _ESCAPE.sub("", raw):
        return None
    try:
        value = _ESCAPE.sub(lambda m: chr(int(m[1], 16)), raw)
    except ValueError:
        return None
    if not value.strip() or not value.isascii():
        return None
    return _equality(attr, value), match[1]


def _split(inner: str) -> list[str] | None:
    """The parenthesized filters of an `&` or `|` body, or None if unbalanced."""
    parts, depth, start = [], 0, 0
    for i, char in enumerate(inner):
        if char == "(":
            if depth == 0:
                start = i
            depth += 1
        elif char == ")":
            depth -= 1
            if depth < 0:
                return None
            if depth == 0:
                parts.append(inner[start : i + 1])
        elif depth == 0 and not char.isspace():
            return None
    return parts if depth == 0 and parts else None


def _parse(text: str) -> tuple[Test, list[str]] | None:
    text = text.strip()
    if not (text.startswith("(") and text.endswith(")")):
        return None
    body = text[1:-1].strip()
    if body[:1] in ("&", "|"):
        parts = _split(body[1:])
        if parts is None:
            return None
        parsed = [_parse(p) for p in parts]
        if any(p is None for p in parsed):
            return None
        tests = [p[0] for p in parsed if p is not None]
        attrs = [a for p in parsed if p is not None for a in p[1]]
        return (_all(tests) if body[0] == "&" else _any(tests)), attrs
    if "(" in body or ")" in body or body[:1] == "!":
        return None
    item = _item(body)
    return None if item is None else (item[0], [item[1]])


def _all(tests: list[Test]) -> Test:
    def test(entry: Entry) -> Verdict:
        verdicts = [t(entry) for t in tests]
        if False in verdicts:
            return False
        return None if None in verdicts else True

    return test


def _any(tests: list[Test]) -> Test:
    def test(entry: Entry) -> Verdict:
        verdicts = [t(entry) for t in tests]
        if True in verdicts:
            return True
        return None if None in verdicts else False

    return test


def disabled_test(disabled_filter: str) -> DisabledTest | None:
    """The filter as a test on entries, or None when it is not one of the simple forms."""
    if not disabled_filter:
        return None
    parsed = _parse(disabled_filter)
    if parsed is None:
        return None
    return DisabledTest(parsed[0], tuple(dict.fromkeys(parsed[1])))
