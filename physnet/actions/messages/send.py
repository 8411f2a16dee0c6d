"""Posting a message: validation, the PHI guard, idempotent client ids, the broadcast."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, literal, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from physnet import markdown
from physnet.access import (
    SENT_WITH_CLIENT_ID,
    access_channel_to_post,
    can_see,
    check_can_post,
)
from physnet.actions import notifications, questions, validate
from physnet.actions.broadcast import queue_message_event
from physnet.actions.files.attach import check_attachable, parse_file_ids
from physnet.actions.messages.mentions import queue_mention_events, record_mentions
from physnet.actions.phi import PhiOverride, check_phi, record_phi_override
from physnet.actions.tips.input import flag
from physnet.db import change_log, failpoints
from physnet.db.transaction import after_commit, atomic
from physnet.errors import Conflict, Invalid
from physnet.extensions import db
from physnet.models import (
    ChangeLog,
    Channel,
    File,
    Membership,
    Message,
    User,
    utcnow,
)


def check_send_message(
    user: User,
    channel_name: Any,
    body: Any,
    client_msg_id: Any = None,
    thread_id: Any = None,
    phi_override_reason: Any = None,
    file_ids: Any = None,
    question: Any = False,
) -> tuple[Message, bool]:
    """Validate raw input, then post. Returns (message, created); created is False for a
    repeated client_msg_id, whose first message is returned unchanged. With `file_ids`
    (files this user uploaded to the channel) the body may be empty. `question`: a
    top-level message asked as a question (issue 17)."""
    name = validate.require_str(channel_name, "channel") or ""
    attach_ids = parse_file_ids(file_ids)
    text = "" if attach_ids and body in (None, "") else validate.message_body(body)
    cid = validate.client_msg_id(client_msg_id)
    parent_id = validate.require_int(thread_id, "thread_id", optional=True)
    asked = flag(question, "question")
    if asked and parent_id is not None:
        raise Invalid("Only a top-level message can be a question.", code="invalid_question")
    channel, membership, repeat_id = access_channel_to_post(user, name, cid)
    if repeat_id is not None:
        existing = db.session.get(Message, repeat_id)
        if existing is not None:
            return _same_send(user, existing, channel, membership), False
    check_can_post(user, channel, membership)
    parent = None
    if parent_id is not None:
        parent = db.session.get(Message, parent_id)
        if parent is not None and parent.thread_id is not None:  # a reply to a reply joins
            parent = db.session.get(Message, parent.thread_id)  # the same thread
        if (
            parent is None
            or parent.channel_id != channel.id
            or parent.deleted_at is not None
            or not can_see(user, parent, membership)
        ):
            raise Invalid("That thread does not exist in this channel.", code="unknown_thread")
    files = check_attachable(user, channel, attach_ids)
    override = check_phi(user, channel, text, phi_override_reason, action="message.send")
    try:
        message = do_send_message(
            user, channel, text, cid, parent, phi_override=override, files=files, asked=asked
        )
        return message, True
    except IntegrityError:
        # The same client_msg_id raced in on another connection, and that one won.
        existing = _by_client_id(user, cid) if cid else None
        if existing is None:
            raise
        return _same_send(user, existing, channel, membership), False


def _same_send(
    user: User, existing: Message, channel: Channel, membership: Membership | None
) -> Message:
    """A repeated client_msg_id is the same send only in the same channel; anywhere else it
    is a client error (and must not reveal where the first message went). A first message
    that a report has hidden since is not handed back, not even to its author."""
    if existing.channel_id != channel.id:
        raise Conflict(
            "This client_msg_id was already used for another message; generate a "
            "new one for each message.",
            code="client_msg_id_reused",
        )
    if not can_see(user, existing, membership):
        raise Conflict(
            "That message was reported and is hidden until a moderator reviews it.",
            code="message_hidden",
        )
    return existing


# The statements every send runs, built once: building one costs more CPU than SQLite
# takes to run it. Their parameters are bound per call.
_TOUCH_CHANNEL = (
    update(Channel)
    .where(Channel.id == bindparam("b_channel"))
    .values(last_message_at=bindparam("b_now"))
)
_READ_OWN = (
    update(Membership)
    .where(
        Membership.channel_id == bindparam("b_channel"),
        Membership.user_id == bindparam("b_user"),
        Membership.last_read_id < bindparam("b_message"),
    )
    .values(last_read_id=bindparam("b_message"))
)


_COLUMNS = (
    "channel_id",
    "author_id",
    "body",
    "html",
    "thread_id",
    "client_msg_id",
    "reply_count",
    "created_at",
    "edited_at",
    "deleted_at",
    "pinned_at",
    "pinned_by_id",
    "quarantined_at",
)
_INSERT_MESSAGE = insert(Message).returning(Message.id)


def _write_in_one_statement() -> Any:
    """PostgreSQL: the channel's row lock, the message, its search change-log row and the
    author's read marker in one statement (data-modifying CTEs), one round trip instead of
    four. SQLite has no INSERT or UPDATE in a WITH: it runs them one by one.

    The order still holds: the message's row is selected FROM the channel's UPDATE, so its
    id (the sequence's next value) is drawn only once the channel's row lock is held, and
    ids in a channel are handed out in commit order as before."""
    touched = (
        update(Channel)
        .where(Channel.id == bindparam("b_channel"))
        .values(last_message_at=bindparam("b_now"))
        .returning(Channel.id)
        .cte("touched_channel")
    )
    columns = Message.__table__.c
    new = (
        insert(Message)
        .from_select(
            list(_COLUMNS),
            # "m_" names: a parameter named like a column of an UPDATE's table (created_at,
            # channel_id) would become a SET of that UPDATE.
            select(
                *(bindparam(f"m_{name}", type_=columns[name].type) for name in _COLUMNS)
            ).select_from(touched),
        )
        .returning(Message.id)
        .cte("new_message")
    )
    logged = insert(ChangeLog).from_select(
        ["doc_type", "doc_id", "created_at"],
        select(literal("message"), new.c.id, bindparam("b_now", type_=ChangeLog.created_at.type)),
    )
    read_own = (
        update(Membership)
        .where(
            Membership.channel_id == bindparam("b_channel"),
            Membership.user_id == bindparam("b_user"),
            Membership.last_read_id < new.c.id,
        )
        .values(last_read_id=new.c.id)
    )
    return select(new.c.id).add_cte(logged.cte("new_message_logged"), read_own.cte("read_own"))


_WRITE_MESSAGE = _write_in_one_statement()


def _insert_message(
    user: User,
    channel: Channel,
    body: str,
    html: str,
    client_msg_id: str | None,
    parent: Message | None,
    now: datetime,
) -> Message:
    """Lock the channel's row, INSERT the message, move the author's read marker, and hand
    back the loaded message as if the ORM had flushed it: the unit of work's bookkeeping
    for one new row cost more CPU than the statements. The search change-log row the flush
    hook would have written is queued here. Raises IntegrityError for a repeated
    client_msg_id, as a flush would."""
    session = db.session()
    values: dict[str, Any] = {
        "channel_id": channel.id,
        "author_id": user.id,
        "body": body,
        "html": html,
        "thread_id": parent.id if parent else None,
        "client_msg_id": client_msg_id,
        "reply_count": 0,
        "created_at": now,
        "edited_at": None,
        "deleted_at": None,
        "pinned_at": None,
        "pinned_by_id": None,
        "quarantined_at": None,
    }
    keys = {"b_channel": channel.id, "b_now": now, "b_user": user.id}
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        named = {f"m_{name}": value for name, value in values.items()}
        message_id = connection.execute(_WRITE_MESSAGE, {**named, **keys}).scalar_one()
        change_log.note_queued(session)
    else:
        # The channel's row first: SQLite's write lock, taken before the id is handed out.
        connection.execute(_TOUCH_CHANNEL, keys)
        message_id = connection.execute(_INSERT_MESSAGE, values).scalar_one()
        change_log.queue(session, "message", [message_id])
        connection.execute(_READ_OWN, {**keys, "b_message": message_id})
    set_committed_value(channel, "last_message_at", now)
    own = session.identity_map.get(session.identity_key(Membership, (channel.id, user.id)))
    if own is not None and own.last_read_id < message_id:  # the author has read it
        set_committed_value(own, "last_read_id", message_id)
    message = Message(id=message_id, **values)
    make_transient_to_detached(message)  # a row that exists: attached with no INSERT
    session.add(message)
    # A message that did not exist a moment ago has no attachments, question or
    # reactions yet: say so, rather than let message_json load each with a SELECT.
    for name, loaded in (
        ("channel", channel),
        ("author", user),
        ("pinned_by", None),
        ("reactions", []),
        ("files", []),
        ("question", None),
    ):
        set_committed_value(message, name, loaded)
    return message


def _by_client_id(user: User, cid: str) -> Message | None:
    # The id alone, on the session's connection: almost always there is none, and the ORM's
    # machinery for loading a row costs more than the lookup (it loads the rare repeat).
    found = db.session.connection().scalar(SENT_WITH_CLIENT_ID, {"user_id": user.id, "cid": cid})
    return None if found is None else db.session.get(Message, found)


def do_send_message(
    user: User,
    channel: Channel,
    body: str,
    client_msg_id: str | None,
    parent: Message | None,
    created_at: Any = None,
    phi_override: PhiOverride | None = None,
    files: list[File] | None = None,
    asked: bool = False,
) -> Message:
    """Store a message and queue its broadcast. Precondition: `user` may post in `channel`;
    a `phi_override` (from check_phi) is audited in the same transaction; `files` (from
    check_attachable) are attached to it."""
    now = created_at or utcnow()
    html = markdown.render(body)  # before the transaction: keep the write lock short
    with atomic():
        # The channel's row is locked first, so ids within a channel are handed out in
        # commit order and a client catching up "after id N" can never miss a message
        # committed later. (Core statements on the session's connection: the ORM's
        # bulk-update path costs more than the UPDATE; loaded rows are kept in step by hand.)
        message = _insert_message(user, channel, body, html, client_msg_id, parent, now)
        if parent is not None:
            parent.reply_count = Message.reply_count + 1
            db.session.flush()
        for attached in files or ():
            attached.message_id = message.id
        if files:
            db.session.flush()
            db.session.refresh(message, ["files"])
        if asked:
            questions.record_question(message)
        elif parent is not None:
            questions.note_reply(parent, user, now)
        mentioned = record_mentions(message, skip=set())
        record_phi_override(phi_override, f"message:{message.id}")
        after_commit(failpoints.reach, "message.committed")  # fault tests only
        queue_message_event("message", message)
        if parent is not None:
            db.session.refresh(parent)
            queue_message_event("message_updated", parent)  # its new reply count
        queue_mention_events(message, mentioned)
        notifications.queue_message_notifications(message, parent, mentioned)
    return message
