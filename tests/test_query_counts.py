"""Hot paths run a fixed number of queries, however much data there is (no N+1)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event, select

from physnet.access import access_channel
from physnet.actions.messages.reactions import check_toggle_reaction
from physnet.actions.messages.send import check_send_message
from physnet.extensions import db
from physnet.models import ChangeLog, Channel, Membership, Message, User
from physnet.reads.channels import channel_listing, history
from physnet.reads.json import message_json


@contextmanager
def count_queries() -> Iterator[list[str]]:
    """Statements this thread runs (background threads, such as push delivery, are not the
    caller's cost)."""
    statements: list[str] = []
    caller = threading.get_ident()

    def record(conn, cursor, statement, parameters, context, executemany):
        if threading.get_ident() == caller:
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def _user(name: str) -> User:
    user = db.session.scalar(select(User).where(User.username == name))
    assert user is not None
    return user


def _fill(app, factory, messages: int) -> None:
    for name in ("alice", "bob", "carol"):
        factory.user(name)
    for channel in ("ehr-tips", "cardiology", "sepsis-protocol"):
        factory.channel(channel, members=("alice", "bob", "carol"))
    with app.app_context():
        alice, bob = _user("alice"), _user("bob")
        for i in range(messages):
            message, _ = check_send_message(alice, "ehr-tips", f"Tip {i} for @bob", f"t{i}")
            check_toggle_reaction(bob, message.id, "👍")
            check_toggle_reaction(alice, message.id, "✅")


def _history_queries(app) -> int:
    with app.app_context():
        reader = _user("carol")
        channel, membership = access_channel(reader, "ehr-tips")
        with count_queries() as statements:
            page, _ = history(reader, channel, membership, limit=50)
            [message_json(m) for m in page]
        return len(statements)


def test_history_page_costs_the_same_for_5_or_40_messages(app, factory):
    _fill(app, factory, 5)
    small = _history_queries(app)
    with app.app_context():
        alice = _user("alice")
        for i in range(35):
            check_send_message(alice, "ehr-tips", f"More {i}", f"m{i}")
    large = _history_queries(app)
    assert small == large
    assert large <= 3  # messages (with author and channel joined), then their reactions


def test_channel_list_costs_the_same_for_any_number_of_channels(app, factory):
    _fill(app, factory, 3)
    with app.app_context():
        carol = _user("carol")
        with count_queries() as few:
            channel_listing(carol)
    for i in range(10):
        factory.channel(f"extra-{i}", members=("carol",))
    with app.app_context():
        carol = _user("carol")
        with count_queries() as many:
            listing = channel_listing(carol)
    assert len(listing) == 13
    assert len(few) == len(many) <= 5


def test_posting_a_message_runs_a_bounded_number_of_queries(app, factory):
    _fill(app, factory, 1)
    with app.app_context():
        alice = _user("alice")
        with count_queries() as statements:
            check_send_message(alice, "ehr-tips", "Order set favorites: star them", "q1")
        # access (channel, membership) with the idempotency lookup, lock, insert, its
        # change-log row, read marker, the event's change-log row, who is notified: never
        # proportional to the channel, and no SELECT after the insert for a new message's
        # (empty) attachments or question. On PostgreSQL the lock, the insert, its
        # change-log row and the read marker are one statement (data-modifying WITHs).
        bound = 4 if db.engine.dialect.name == "postgresql" else 7
        assert len(statements) <= bound, statements
        assert not any(
            s.lstrip().upper().startswith("SELECT") and ("FROM files" in s or "FROM questions" in s)
            for s in statements
        ), statements


def test_a_send_changes_the_channel_and_read_markers_only_as_it_should(app, factory):
    """The send's one statement on PostgreSQL (and its several on SQLite) touch the
    channel's last_message_at, the author's read marker and nothing else of theirs."""
    _fill(app, factory, 1)
    with app.app_context():
        channel = db.session.scalar(select(Channel).where(Channel.name == "ehr-tips"))
        before = {c.key: getattr(channel, c.key) for c in Channel.__table__.c}
        marks = dict(
            db.session.execute(
                select(Membership.user_id, Membership.last_read_id).where(
                    Membership.channel_id == channel.id
                )
            ).all()
        )
        db.session.remove()
        alice = _user("alice")
        message, created = check_send_message(alice, "ehr-tips", "Sepsis order set: v2", "q9")
        assert created
        message_id, sent_at, alice_id = message.id, message.created_at, alice.id
        db.session.remove()

        channel = db.session.scalar(select(Channel).where(Channel.name == "ehr-tips"))
        after = {c.key: getattr(channel, c.key) for c in Channel.__table__.c}
        assert after.pop("last_message_at") == sent_at
        before.pop("last_message_at")
        assert after == before
        now_marks = dict(
            db.session.execute(
                select(Membership.user_id, Membership.last_read_id).where(
                    Membership.channel_id == channel.id
                )
            ).all()
        )
        assert now_marks == {**marks, alice_id: message_id}
        stored = db.session.get(Message, message_id)
        assert stored is not None and stored.created_at == sent_at
        assert (stored.channel_id, stored.author_id) == (channel.id, alice_id)
        assert stored.client_msg_id == "q9" and stored.reply_count == 0
        logged = db.session.scalar(
            select(ChangeLog.id).where(
                ChangeLog.doc_type == "message", ChangeLog.doc_id == message_id
            )
        )
        assert logged is not None
