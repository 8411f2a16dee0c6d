"""Where indexed documents come from: one source per document type.

A source turns database rows into index documents (by id, for the change log, and in bulk,
for a reindex) and loads what a result needs to be shown. Messages and tips
(`TipSource`: key "tip:<id>", tags "type:tip", a title, boost schema.TIP_BOOST); the
rest of search picks up whatever is in SOURCES: `is:tip` filters on "type:tip".
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select

from physnet.access import shown_to_readers
from physnet.extensions import db
from physnet.models import Channel, File, Message, Question, Tag, Tip, User
from physnet.models.tips import tip_tags
from physnet.search.schema import TIP_BOOST, key_of, message_document, month_tag, substance


def _live() -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """The messages in the index: not deleted, not hidden by a report (the access rule)."""
    return Message.deleted_at.is_(None), shown_to_readers()


@dataclass(frozen=True)
class Shown:
    """What a search result shows of one document."""

    doc_type: str
    doc_id: int
    channel_id: int
    channel: str
    author: dict[str, str]
    created_at: datetime
    text: str
    thread_id: int | None


def _shown(doc_type: str, row: Any) -> Shown:
    """A result's display fields from a row of id, channel_id, name (the channel's),
    username, display_name, created_at, body and thread_id."""
    return Shown(
        doc_type,
        row.id,
        row.channel_id,
        row.name,
        {"username": row.username, "display_name": row.display_name or row.username},
        row.created_at,
        row.body,
        row.thread_id,
    )


_FILE_TAGS = {"image": "has:image", "pdf": "has:pdf"}


def _add_files(docs: dict[int, dict[str, object]]) -> None:
    """Attachments are searched with their message: their names and the words read out of
    them join its text; `has:file` (and `has:image`, `has:pdf`) its tags."""
    if not docs:
        return
    rows = db.session.execute(
        select(File.message_id, File.name, File.kind, File.text)
        .where(File.message_id.in_(list(docs)))
        .order_by(File.id)
    ).all()
    for row in rows:
        doc = docs[row.message_id]
        tags = str(doc["tags"]).split()
        for tag in ("has:file", _FILE_TAGS.get(row.kind)):
            if tag and tag not in tags:
                tags.append(tag)
        doc["tags"] = " ".join(tags)
        doc["body"] = f"{doc['body']}\n{row.name}\n{row.text}"


def attachment_names(ids: Iterable[int]) -> dict[int, list[str]]:
    """The names of the files attached to these messages, for results that name them."""
    names: dict[int, list[str]] = {}
    rows = db.session.execute(
        select(File.message_id, File.name).where(File.message_id.in_(list(ids))).order_by(File.id)
    )
    for row in rows:
        names.setdefault(row.message_id, []).append(row.name)
    return names


class MessageSource:
    doc_type = "message"
    model = Message
    _columns = (
        Message.id,
        Message.channel_id,
        Message.author_id,
        Message.body,
        Message.html,
        Message.created_at,
        Message.thread_id,
        Message.reply_count,
        Message.pinned_at,
        Question.status,
    )

    @staticmethod
    def _document(row: Any) -> dict[str, object]:
        return message_document(*row)

    def documents(self, ids: Iterable[int]) -> dict[int, dict[str, object] | None]:
        """The current document of each id; None for a deleted, quarantined or missing one."""
        wanted = set(ids)
        found: dict[int, dict[str, object] | None] = dict.fromkeys(wanted)
        rows = db.session.execute(
            select(*self._columns)
            .outerjoin(Question, Question.message_id == Message.id)
            .where(
                Message.id.in_(wanted),
                *_live(),
            )
        )
        for row in rows:
            found[row.id] = self._document(row)
        _add_files({k: v for k, v in found.items() if v is not None})
        return found

    def count(self) -> int:
        return db.session.scalar(select(func.count()).select_from(Message).where(*_live())) or 0

    def batches(self, size: int = 2000) -> Iterator[list[dict[str, object]]]:
        """Every live message as documents, in id order, `size` at a time."""
        last = 0
        while True:
            rows = db.session.execute(
                select(*self._columns)
                .outerjoin(Question, Question.message_id == Message.id)
                .where(
                    Message.id > last,
                    *_live(),
                )
                .order_by(Message.id)
                .limit(size)
            ).all()
            if not rows:
                return
            last = rows[-1].id
            docs = {row.id: self._document(row) for row in rows}
            _add_files(docs)
            yield list(docs.values())

    def shown(self, ids: Iterable[int]) -> dict[int, Shown]:
        """Load live messages for display, keyed by id."""
        rows = db.session.execute(
            select(
                Message.id,
                Message.channel_id,
                Channel.name,
                User.username,
                User.display_name,
                Message.created_at,
                Message.body,
                Message.thread_id,
            )
            .join(Channel, Channel.id == Message.channel_id)
            .join(User, User.id == Message.author_id)
            .where(
                Message.id.in_(list(ids)),
                *_live(),
            )
        )
        return {row.id: _shown("message", row) for row in rows}


def tip_document(
    tip_id: int,
    channel_id: int,
    owner_id: int,
    title: str,
    body: str,
    html: str,
    created_at: datetime,
    verified: bool,
    tags: list[str],
) -> dict[str, object]:
    """The index document of one live tip: its tags' words weigh like its title's."""
    flags = ["type:tip", month_tag(created_at)]
    if "<a " in html:
        flags.append("has:link")
    if "<code" in html:
        flags.append("has:code")
    if verified:
        flags.append("is:verified")
    return {
        "key": key_of("tip", tip_id),
        "tags": " ".join(flags),
        "channel": str(channel_id),
        "author": str(owner_id),
        "title": " ".join([title, *(t.replace("-", " ") for t in tags)]),
        "body": body,
        "chan": channel_id,
        "created": created_at.timestamp(),
        "boost": TIP_BOOST * substance(body, html, 0),
    }


class TipSource:
    doc_type = "tip"
    model = Tip
    _columns = (
        Tip.id,
        Tip.channel_id,
        Tip.owner_id,
        Tip.title,
        Tip.body,
        Tip.html,
        Tip.created_at,
        Tip.verified_at,
    )

    def _documents(self, where: Any, size: int | None = None) -> list[dict[str, object]]:
        query = select(*self._columns).where(where, Tip.deleted_at.is_(None)).order_by(Tip.id)
        rows = db.session.execute(query.limit(size) if size else query).all()
        names: dict[int, list[str]] = {}
        if rows:
            tagged = db.session.execute(
                select(tip_tags.c.tip_id, Tag.name)
                .join(Tag, Tag.id == tip_tags.c.tag_id)
                .where(tip_tags.c.tip_id.in_([row.id for row in rows]))
                .order_by(Tag.name)
            )
            for tip_id, name in tagged.tuples():
                names.setdefault(tip_id, []).append(name)
        return [
            tip_document(
                row.id,
                row.channel_id,
                row.owner_id,
                row.title,
                row.body,
                row.html,
                row.created_at,
                row.verified_at is not None,
                names.get(row.id, []),
            )
            for row in rows
        ]

    def documents(self, ids: Iterable[int]) -> dict[int, dict[str, object] | None]:
        """The current document of each id; None for a deleted or missing tip."""
        wanted = set(ids)
        found: dict[int, dict[str, object] | None] = dict.fromkeys(wanted)
        for document in self._documents(Tip.id.in_(wanted)):
            found[int(str(document["key"]).partition(":")[2])] = document
        return found

    def count(self) -> int:
        return (
            db.session.scalar(select(func.count()).select_from(Tip).where(Tip.deleted_at.is_(None)))
            or 0
        )

    def batches(self, size: int = 2000) -> Iterator[list[dict[str, object]]]:
        """Every live tip as documents, in id order, `size` at a time."""
        last = 0
        while True:
            batch = self._documents(Tip.id > last, size)
            if not batch:
                return
            last = int(str(batch[-1]["key"]).partition(":")[2])
            yield batch

    def shown(self, ids: Iterable[int]) -> dict[int, Shown]:
        """Load live tips for display, keyed by id: the owner is shown as the author."""
        rows = db.session.execute(
            select(
                Tip.id,
                Tip.channel_id,
                Channel.name,
                User.username,
                User.display_name,
                Tip.created_at,
                Tip.body,
                Tip.thread_id,
            )
            .join(Channel, Channel.id == Tip.channel_id)
            .join(User, User.id == Tip.owner_id)
            .where(Tip.id.in_(list(ids)), Tip.deleted_at.is_(None))
        )
        return {row.id: _shown("tip", row) for row in rows}


SOURCES: dict[str, MessageSource | TipSource] = {"message": MessageSource(), "tip": TipSource()}
WATCHED = {source.model: source.doc_type for source in SOURCES.values()}
