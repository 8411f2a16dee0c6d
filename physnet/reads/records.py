"""Records requests (eDiscovery): the messages of channels or people over a period.

Everything is exported as stored: edited messages carry their earlier versions, deleted
and quarantined ones are marked (a deleted message's text was erased when it was deleted).
Rows stream in id order, one batch at a time, so an export of years of messages holds
only a batch in memory.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from physnet.extensions import db
from physnet.models import Channel, Message, MessageEdit, User
from physnet.models.types import iso

BATCH = 500
FORMATS = ("jsonl", "csv")
CSV_COLUMNS = (
    "id",
    "channel",
    "author",
    "created_at",
    "thread_id",
    "body",
    "edited_at",
    "edits",
    "deleted_at",
    "quarantined_at",
    "attachments",
)


@dataclass
class ExportQuery:
    """Which messages a records request covers: created in [since, until), in any of
    `channels` (all when empty), by any of `usernames` (all when empty)."""

    since: datetime
    until: datetime | None = None
    channels: list[str] = field(default_factory=list)
    usernames: list[str] = field(default_factory=list)

    def parameters(self) -> dict[str, Any]:
        return {
            "since": iso(self.since),
            "until": iso(self.until),
            "channels": list(self.channels),
            "usernames": list(self.usernames),
        }


def message_attachments(message: Message) -> list[dict[str, Any]]:
    """The files attached to `message`, by reference: id, name, type, size, the SHA-256 of
    the stored bytes and where a reader downloads them; never the bytes. A deleted message's
    files were removed with it, so it lists none."""
    return [
        {
            "id": file.id,
            "name": file.name,
            "content_type": file.content_type,
            "size": file.size,
            "sha256": file.digest,
            "url": f"/api/v1/files/{file.id}",
        }
        for file in message.files
    ]


def _record(message: Message, edits: list[MessageEdit]) -> dict[str, Any]:
    return {
        "id": message.id,
        "channel": message.channel.name,
        "author": message.author.username,
        "created_at": iso(message.created_at),
        "thread_id": message.thread_id,
        "body": message.body,
        "edited_at": iso(message.edited_at),
        "edits": [{"edited_at": iso(e.edited_at), "previous_body": e.previous_body} for e in edits],
        "deleted": message.deleted_at is not None,
        "deleted_at": iso(message.deleted_at),
        "quarantined_at": iso(message.quarantined_at),
        "attachments": message_attachments(message),
    }


def export_records(query: ExportQuery) -> Iterator[dict[str, Any]]:
    """The messages `query` covers, oldest id first, as export records."""
    where = [Message.created_at >= query.since]
    if query.until is not None:
        where.append(Message.created_at < query.until)
    if query.channels:
        where.append(
            Message.channel_id.in_(select(Channel.id).where(Channel.name.in_(query.channels)))
        )
    if query.usernames:
        where.append(
            Message.author_id.in_(select(User.id).where(User.username.in_(query.usernames)))
        )
    after = 0
    while True:
        batch = list(
            db.session.scalars(
                select(Message).where(*where, Message.id > after).order_by(Message.id).limit(BATCH)
            ).unique()
        )
        if not batch:
            return
        edits: dict[int, list[MessageEdit]] = {}
        for edit in db.session.scalars(
            select(MessageEdit)
            .where(MessageEdit.message_id.in_([m.id for m in batch]))
            .order_by(MessageEdit.id)
        ):
            edits.setdefault(edit.message_id, []).append(edit)
        for message in batch:
            yield _record(message, edits.get(message.id, []))
        after = batch[-1].id


def export_lines(query: ExportQuery, fmt: str) -> Iterator[str]:
    """The export as text: JSON lines, or CSV with a header (edits and attachments as JSON)."""
    if fmt == "jsonl":
        for record in export_records(query):
            yield json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n"
        return
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for record in export_records(query):
        record["edits"] = json.dumps(record["edits"], ensure_ascii=False)
        record["attachments"] = json.dumps(record["attachments"], ensure_ascii=False)
        writer.writerow([record[c] if record[c] is not None else "" for c in CSV_COLUMNS])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()
