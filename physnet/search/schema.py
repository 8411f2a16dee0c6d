"""The Whoosh schema: one document per message (and, once tips land, per tip).

Indexed: `key` ("message:12", unique), `tags` (one keyword field for the document type,
`has:` and `is:` flags and the month, e.g. "type:message has:link is:thread m:2026-05"),
`channel` and `author` ids (for in: and from:), `title` (tips) and `body`.
Per-document columns, read in bulk by the collector: the channel id (the permission
filter), the creation time (date operators, recency) and a static boost (tips and
substantial messages rank above chatter).

Bump SCHEMA_VERSION whenever this changes: an index of another version is rebuilt.
"""

from __future__ import annotations

from datetime import datetime

from whoosh import columns, fields

from physnet.search.analysis import ClinicalText

SCHEMA_VERSION = 7  # 5: the flat postings codec (codec.py) and tip documents; 6: tags in title
# 7: is:question, is:open, is:answered
TIP_BOOST = 1.5  # a tip ranks above a message when equally relevant
TITLE_BOOST = 2.0


def make_schema() -> fields.Schema:
    return fields.Schema(
        key=fields.ID(unique=True, stored=True),
        tags=fields.KEYWORD(lowercase=False, commas=False),
        channel=fields.ID(),
        author=fields.ID(),
        title=ClinicalText(field_boost=TITLE_BOOST),
        body=ClinicalText(),
        chan=fields.COLUMN(columns.NumericColumn("i", default=0)),
        created=fields.COLUMN(columns.NumericColumn("d", default=0.0)),
        boost=fields.COLUMN(columns.NumericColumn("f", default=1.0)),
    )


def key_of(doc_type: str, doc_id: int) -> str:
    return f"{doc_type}:{doc_id}"


def parse_key(key: str) -> tuple[str, int]:
    doc_type, _, doc_id = key.partition(":")
    return doc_type, int(doc_id)


def month_tag(when: datetime) -> str:
    return f"m:{when:%Y-%m}"


def substance(body: str, html: str, replies: int) -> float:
    """A static boost in [1, 1.6]: structure (code, list, link), replies, length."""
    boost = 1.0
    if "<code" in html or "<li" in html or "<a " in html:
        boost += 0.2
    if replies > 0:
        boost += 0.2
    boost += 0.2 * min(1.0, body.count(" ") / 40)
    return boost


def message_document(
    message_id: int,
    channel_id: int,
    author_id: int,
    body: str,
    html: str,
    created_at: datetime,
    thread_id: int | None,
    reply_count: int,
    pinned_at: datetime | None = None,
    question_status: str | None = None,
) -> dict[str, object]:
    """The index document of one live (not deleted) message."""
    tags = ["type:message", month_tag(created_at)]
    if "<a " in html:
        tags.append("has:link")
    if "<code" in html:
        tags.append("has:code")
    if thread_id is not None or reply_count > 0:
        tags.append("is:thread")
    if pinned_at is not None:
        tags.append("is:pinned")
    if question_status is not None:  # "open" or "answered"
        tags += ["is:question", f"is:{question_status}"]
    return {
        "key": key_of("message", message_id),
        "tags": " ".join(tags),
        "channel": str(channel_id),
        "author": str(author_id),
        "body": body,
        "chan": channel_id,
        "created": created_at.timestamp(),
        "boost": substance(body, html, reply_count),
    }
