"""Where indexed documents come from: one source per document type.

A source turns database rows into index documents (by id, for the outbox, and in bulk,
for a reindex) and loads what a result needs to be shown. Messages are the only type
today; the tips issue adds a `TipSource` (key "tip:<id>", tags "type:tip", a title, boost
schema.TIP_BOOST) to SOURCES, and the rest of search picks it up: `is:tip` already
filters on "type:tip".
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from physnet.extensions import db
from physnet.models import Channel, Message, User
from physnet.search.schema import message_document


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
    )

    @staticmethod
    def _document(row: Any) -> dict[str, object]:
        return message_document(*row)

    def documents(self, ids: Iterable[int]) -> dict[int, dict[str, object] | None]:
        """The current document of each id; None for a deleted, quarantined or missing one."""
        wanted = set(ids)
        found: dict[int, dict[str, object] | None] = dict.fromkeys(wanted)
        rows = db.session.execute(
            select(*self._columns).where(
                Message.id.in_(wanted),
                Message.deleted_at.is_(None),
                Message.quarantined_at.is_(None),
            )
        )
        for row in rows:
            found[row.id] = self._document(row)
        return found

    def count(self) -> int:
        return (
            db.session.scalar(
                select(func.count())
                .select_from(Message)
                .where(Message.deleted_at.is_(None), Message.quarantined_at.is_(None))
            )
            or 0
        )

    def batches(self, size: int = 2000) -> Iterator[list[dict[str, object]]]:
        """Every live message as documents, in id order, `size` at a time."""
        last = 0
        while True:
            rows = db.session.execute(
                select(*self._columns)
                .where(
                    Message.id > last,
                    Message.deleted_at.is_(None),
                    Message.quarantined_at.is_(None),
                )
                .order_by(Message.id)
                .limit(size)
            ).all()
            if not rows:
                return
            last = rows[-1].id
            yield [self._document(row) for row in rows]

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
                Message.deleted_at.is_(None),
                Message.quarantined_at.is_(None),
            )
        )
        return {
            row.id: Shown(
                "message",
                row.id,
                row.channel_id,
                row.name,
                {"username": row.username, "display_name": row.display_name or row.username},
                row.created_at,
                row.body,
                row.thread_id,
            )
            for row in rows
        }


SOURCES: dict[str, MessageSource] = {"message": MessageSource()}
WATCHED = {source.model: source.doc_type for source in SOURCES.values()}
