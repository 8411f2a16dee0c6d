"""Markdown rendering: the plain-text fast path gives exactly the full renderer's HTML."""

from __future__ import annotations

import random
import string

import pytest

from physnet import markdown

# Plain words, and text one character away from Markdown or a link.
PLAIN = [
    "Sepsis bundle order set updated",
    "it's in the 3 h column, (yes) really; fine? no! 3.5 mg",
    "bench sat-1 12 4567.123456",
    "Dr. Kim knows the shortcut",
    "Update: vitals flowsheet at 10:30",
    "two  spaces kept",
    "100% of the order sets",
]
NOT_PLAIN = [
    ("1. first step", "<ol>"),
    ("2) second step", "<ol"),
    ("see notes.md for it", "<a href"),
    ("www.example.org", "<a href"),
    ("the co.uk order set", "<a href"),
    ("**bold** order set", "<strong>"),
    ("ask @member0", "mention"),
    ("- a list item", "<ul>"),
    ("# a heading", "<h1>"),
    ("a & b", "&amp;"),
    ("line one\nline two", "<br>"),
    ("    indented code", "<pre>"),
    ("mg/kg via https://example.org/x", "<a href"),
]


@pytest.mark.parametrize("body", PLAIN)
def test_plain_text_takes_the_fast_path_with_the_same_html(body: str) -> None:
    assert markdown._plain(body)
    assert markdown.render(body) == markdown._render(body) == f"<p>{body}</p>"


@pytest.mark.parametrize(("body", "mark"), NOT_PLAIN)
def test_text_with_markup_or_a_link_is_parsed(body: str, mark: str) -> None:
    assert not markdown._plain(body)
    assert mark in markdown.render(body)


def test_random_plain_text_renders_as_the_parser_would() -> None:
    """Strings built from the fast path's alphabet and from pieces that look like links,
    list markers and domains: wherever the fast path is taken, its HTML is the parser's."""
    alphabet = string.ascii_letters + string.digits + " ,.;:'?!()%-"
    pieces = ["com", "org", "md", "uk", "www", "http", "mailto", "localhost", "xn--p1ai"]
    pieces += ["1.", "1)", "10.0.0.1", "Dr.", "a.", "-", "--", "---", "(", ")", "  ", "ftp:"]
    rnd = random.Random(19)
    taken = 0
    for _ in range(6000):
        parts = [
            rnd.choice(pieces)
            if rnd.random() < 0.4
            else "".join(rnd.choice(alphabet) for _ in range(rnd.randint(1, 6)))
            for _ in range(rnd.randint(1, 8))
        ]
        body = rnd.choice(["", " "]).join(parts)
        if markdown._plain(body):
            taken += 1
            assert markdown.render(body) == markdown._render(body), body
    assert taken > 1000  # the comparison really ran
