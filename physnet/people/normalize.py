"""Fold names and tags into the keys the people directory searches and facets by."""

from __future__ import annotations

import re
import unicodedata

# "Dr." leads many directory display names; as a token it would match everybody on "d".
_HONORIFICS = {"dr", "prof"}
# Credentials after a comma ("Miriam Okafor, MD") are not names either.
_CREDENTIALS = {"md", "do", "phd", "mbbs", "mbchb", "mph", "ms", "msc", "facp", "facc", "rn"}
_APOSTROPHES = str.maketrans("", "", "'’`")
_SEPARATOR = re.compile(r"[^a-z0-9]+")
_SPACES = re.compile(r"\s+")
MAX_TOKENS = 12
MAX_TOKEN = 64


def fold(text: str) -> str:
    """Lowercase ASCII letters and digits: accents dropped, apostrophes removed."""
    if text.isascii():  # nothing to decompose (most names): the same result, sooner
        return text.lower().translate(_APOSTROPHES)
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return plain.translate(_APOSTROPHES)


def words(text: str) -> list[str]:
    """The [a-z0-9] words of `text`, in order ("O'Brien-Kim" -> ["obrien", "kim"])."""
    return _plain_words(fold(text))


def _plain_words(folded: str) -> list[str]:
    """The words of text folded already."""
    return [w for w in _SEPARATOR.split(folded) if w]


def _ascii_name_tokens(display_name: str, username: str) -> set[str]:
    """name_tokens for ASCII names (most of them), folding each name once: folding ASCII
    only lowercases and drops apostrophes, so the folded parts need no folding again."""
    folded = display_name.lower().translate(_APOSTROPHES)
    head, _, tail = folded.partition(",")
    found = [w for w in _plain_words(head) if w not in _HONORIFICS]
    found += [w for w in _plain_words(tail) if w not in _CREDENTIALS and w not in _HONORIFICS]
    for part in _SPACES.split(folded):
        if part.isalnum():  # one word: nothing to join
            continue
        split = _plain_words(part)
        joined = "".join(split)
        if joined and joined not in found and len(split) > 1:
            found.append(joined)
    login = _plain_words(username.lower().translate(_APOSTROPHES))
    found += login
    found.append("".join(login))
    return {t[:MAX_TOKEN] for t in found[: MAX_TOKENS * 2] if t}


def name_tokens(display_name: str, username: str) -> set[str]:
    """Every token a name-prefix search should find this person by."""
    if display_name.isascii() and username.isascii():
        return _ascii_name_tokens(display_name, username)
    return _any_name_tokens(display_name, username)


def _any_name_tokens(display_name: str, username: str) -> set[str]:
    head, _, tail = display_name.partition(",")
    found = [w for w in words(head) if w not in _HONORIFICS]
    # "Okafor, Miriam" is a name; "Miriam Okafor, MD" ends in credentials.
    found += [w for w in words(tail) if w not in _CREDENTIALS and w not in _HONORIFICS]
    for part in _SPACES.split(fold(display_name)):
        split = words(part)
        joined = "".join(split)  # "al-rashid" is also found as "alrashid"
        if joined and joined not in found and len(split) > 1:
            found.append(joined)
    login = words(username)
    found += login
    found.append("".join(login))
    return {t[:MAX_TOKEN] for t in found[: MAX_TOKENS * 2] if t}


def sort_name(display_name: str, username: str) -> str:
    """The name as the directory orders it: "Dr. Zoë Ömar" sorts as "zoe omar"."""
    found = [w for w in words(display_name) if w not in _HONORIFICS]
    return " ".join(found)[:200] or username


def query_words(q: str, limit: int = 5) -> list[str]:
    """The words of a search box entry, each matched as a prefix of some name token."""
    found = [w for w in words(q) if w not in _HONORIFICS]
    return [w[:MAX_TOKEN] for w in found[:limit]]


def tag_key(tag: str) -> str:
    """What makes two tags the same: case and spacing ignored ("In  Basket" = "in basket")."""
    return " ".join(fold(tag).split())[:50]
