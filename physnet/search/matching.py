"""Why a result matched: which of the question's words it holds, and through what.

Worked out from the result's own text (readable by the person, already checked), never
from the index's word list, so a correction or synonym is only named as it is written in
a document the person may read.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from physnet.extensions import db
from physnet.models import Tag, Tip
from physnet.models.tips import tip_tags
from physnet.search.analysis import ANALYZER


def tip_words(ids: list[int]) -> dict[tuple[str, int], str]:
    """The title and tags of these tips (searched with the body, not shown in it)."""
    if not ids:
        return {}
    text = {
        ("tip", tip_id): f"\n{title}\n"
        for tip_id, title in db.session.execute(select(Tip.id, Tip.title).where(Tip.id.in_(ids)))
    }
    tags = db.session.execute(
        select(tip_tags.c.tip_id, Tag.name)
        .join(Tag, Tag.id == tip_tags.c.tag_id)
        .where(tip_tags.c.tip_id.in_(ids))
    )
    for tip_id, name in tags:
        text[("tip", tip_id)] = text.get(("tip", tip_id), "") + name.replace("-", " ") + " "
    return text


def why(text: str, words: list[Any]) -> dict[str, Any]:
    """{"matched_words", "missing_words", "matched_via"} of a result's text; {} without words.

    `words` are planning.Word: each with its alternatives (terms, kind, weight), the typed
    form first."""
    if not words:
        return {}
    spelled: dict[str, str] = {}
    for term, _, start, end in ANALYZER.spans(text, index=True):
        spelled.setdefault(term, text[start:end])
    matched, missing, via = [], [], []
    for word in words:
        for terms, kind, _ in word.alternatives:
            if all(term in spelled for term in terms):
                matched.append(word.text)
                if kind != "word":
                    shown = " ".join(spelled[term] for term in terms)
                    via.append({"word": word.text, "as": shown, "kind": kind})
                break
        else:
            missing.append(word.text)
    return {"matched_words": matched, "missing_words": missing, "matched_via": via}
