"""Snippets: a window of the text around the matched words, HTML-escaped, matches in <mark>.

Everything but the <mark> tags is escaped with html.escape, so the snippet is safe to
insert as HTML whatever the message contains.
"""

from __future__ import annotations

import html

from physnet.search.analysis import ANALYZER

WIDTH = 200
LEAD = 50  # characters shown before the first match


def _clean(text: str) -> str:
    return " ".join(html.escape(text, quote=True).split())


def _spans(text: str, terms: set[str]) -> list[tuple[int, int]]:
    found = sorted(
        (start, end)
        for term, _, start, end in ANALYZER.spans(text, index=True, removestops=False)
        if term in terms
    )
    merged: list[tuple[int, int]] = []
    for start, end in found:
        if merged and start < merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
            continue
        merged.append((start, end))
    return merged


def _word_start(text: str, at: int) -> int:
    if at <= 0:
        return 0
    space = text.rfind(" ", max(0, at - 15), at)
    return space + 1 if space >= 0 else at


def _word_end(text: str, at: int) -> int:
    if at >= len(text):
        return len(text)
    space = text.find(" ", at, at + 15)
    return space if space >= 0 else at


def snippet(text: str, terms: set[str], width: int = WIDTH) -> str:
    """The best `width`-character window of `text` with the words of `terms` marked."""
    spans = _spans(text, terms) if terms else []
    start = 0
    if spans:
        best, best_count = spans[0][0], 0
        for first, _ in spans:
            begin = max(0, first - LEAD)
            count = sum(1 for s, e in spans if s >= begin and e <= begin + width)
            if count > best_count:
                best, best_count = first, count
        start = _word_start(text, max(0, best - LEAD))
    end = _word_end(text, min(len(text), start + width))
    out = ["…"] if start > 0 else []
    cursor = start
    for s, e in spans:
        if s < start or e > end:
            continue
        out.append(_clean_keep_edges(text[cursor:s]))
        out.append(f"<mark>{html.escape(text[s:e], quote=True)}</mark>")
        cursor = e
    out.append(_clean_keep_edges(text[cursor:end]))
    if end < len(text):
        out.append("…")
    return "".join(out).strip()


def _clean_keep_edges(text: str) -> str:
    """Escape and collapse whitespace, keeping one space at either end if there was one."""
    if not text:
        return ""
    body = _clean(text)
    lead = " " if text[0].isspace() else ""
    trail = " " if text[-1].isspace() and body else ""
    return f"{lead}{body}{trail}"
