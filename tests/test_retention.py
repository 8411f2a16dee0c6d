"""Retention: old messages leave the database and the search index; pins and tips stay."""

from __future__ import annotations

import dataclasses
import shutil
import time
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from physnet import create_app
from physnet.actions.messages.edit import do_edit_message
from physnet.actions.messages.reactions import do_toggle_reaction
from physnet.actions.messages.send import do_send_message
from physnet.actions.retention import apply_retention
from physnet.actions.tips.edit import check_promote_message
from physnet.extensions import db
from physnet.models import (
    AuditEvent,
    ChangeLog,
    Channel,
    Mention,
    Message,
    MessageEdit,
    Reaction,
    User,
    utcnow,
)
from physnet.search import service
from physnet.search.schema import parse_key
from physnet.search.searching import search

from conftest import ApiClient, Factory, _settings

API = "/api/v1"


class World:
    """Channels with messages of chosen ages, made through the actions."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.factory = Factory(app)
        self.ids: dict[str, int] = {}

    def post(
        self, key: str, channel: str, body: str, days_ago: float = 0, parent: str | None = None
    ) -> int:
        with self.app.app_context():
            user = db.session.scalar(select(User).where(User.username == "alice"))
            where = db.session.scalar(select(Channel).where(Channel.name == channel))
            root = db.session.get(Message, self.ids[parent]) if parent else None
            at = utcnow() - timedelta(days=days_ago)
            message = do_send_message(user, where, body, None, root, created_at=at)
            self.ids[key] = message.id
            return message.id

    def message(self, key: str) -> Message | None:
        with self.app.app_context():
            found = db.session.get(Message, self.ids[key])
            if found is not None:
                db.session.expunge(found)
            return found

    def alive(self) -> set[str]:
        with self.app.app_context():
            ids = set(db.session.scalars(select(Message.id)))
        return {k for k, v in self.ids.items() if v in ids}

    def search(self, words: str) -> set[str]:
        service(self.app).indexer.catch_up()
        with self.app.app_context():
            user = db.session.scalar(select(User).where(User.username == "alice"))
            found = search(service(self.app), user, words).to_json()
        by_id = {v: k for k, v in self.ids.items()}
        return {by_id[r["id"]] for r in found["results"]}

    def indexed(self) -> set[str]:
        """The messages the Whoosh index itself holds (search results are also filtered
        through the database, so this is the way to see what the index still has)."""
        service(self.app).indexer.catch_up()
        _, ix = service(self.app).store.open()
        with ix.searcher() as searcher:
            ids = {parse_key(fields["key"])[1] for fields in searcher.all_stored_fields()}
        by_id = {v: k for k, v in self.ids.items()}
        return {by_id[i] for i in ids if i in by_id}

    def pin(self, key: str) -> None:
        # Pinning is built on another branch; its column (migration 0004) is set directly.
        with self.app.app_context():
            db.session.execute(
                update(Message).where(Message.id == self.ids[key]).values(pinned_at=utcnow())
            )
            db.session.commit()

    def apply(self, **kwargs: Any) -> Any:
        with self.app.app_context():
            return apply_retention(**kwargs)


def make_app(tmp_path: Any, request: Any, backend: str, **retention: Any) -> Any:
    if backend == "sqlite":
        path = tmp_path / "r.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("pg_url")
    return create_app(_settings(tmp_path, url, retention=retention))


@pytest.fixture
def world(backend: str, tmp_path: Any, request: Any) -> Any:
    """Retention of 30 days; alice and bob in #ehr-tips and #archive."""
    app = make_app(tmp_path, request, backend, days=30)
    app.config["TESTING"] = True
    w = World(app)
    w.factory.user("alice")
    w.factory.user("bob")
    w.factory.user("root", role="admin")
    w.factory.channel("ehr-tips", members=("alice", "bob"))
    w.factory.channel("archive", members=("alice",))
    yield w
    service(app).close()
    if backend == "postgresql":
        from conftest import _truncate_all

        _truncate_all(app)
    else:
        with app.app_context():
            db.engine.dispose()


def test_old_messages_leave_the_database_and_the_search_index(world):
    world.post("old", "ehr-tips", "Vancomycin dosing via the pharmacy order set", days_ago=45)
    world.post("new", "ehr-tips", "Vancomycin trough timing in the new order set", days_ago=5)
    with world.app.app_context():
        alice = db.session.scalar(select(User).where(User.username == "alice"))
        bob = db.session.scalar(select(User).where(User.username == "bob"))
        old = db.session.get(Message, world.ids["old"])
        do_edit_message(alice, old, "Vancomycin dosing via the pharmacy order set @bob")
        do_toggle_reaction(bob, old, "👍")
        assert db.session.scalar(select(func.count()).select_from(Mention)) == 1
    assert world.search("vancomycin") == {"old", "new"}
    assert world.indexed() == {"old", "new"}

    report = world.apply()

    assert world.alive() == {"new"}
    assert world.search("vancomycin") == {"new"}
    assert world.indexed() == {"new"}
    with world.app.app_context():
        for model in (MessageEdit, Reaction, Mention):
            assert db.session.scalar(select(func.count()).select_from(model)) == 0, model
    # Every row is applied here, so this host's prune empties the log (on PostgreSQL once
    # the ids below the first row are known to be gaps: about a second).
    deadline = time.monotonic() + 30  # a long transaction anywhere on the server holds it
    left = -1
    while left and time.monotonic() < deadline:
        service(world.app).indexer.catch_up()
        with world.app.app_context():
            service(world.app).indexer.prune()
            documents = select(func.count()).where(ChangeLog.doc_type != "event")
            left = db.session.scalar(documents)  # events stay an hour, for catch-ups
            db.session.remove()
        time.sleep(0.1)
    assert left == 0
    assert (report.deleted, report.edits, report.reactions, report.mentions) == (1, 1, 1, 1)
    assert report.channels == {"ehr-tips": 1}


def test_pinned_messages_are_kept_unless_the_policy_says_otherwise(world):
    world.post("pinned", "ehr-tips", "Downtime procedure for the ED", days_ago=90)
    world.post("plain", "ehr-tips", "Old chatter about the cafeteria", days_ago=90)
    world.pin("pinned")
    report = world.apply()
    assert world.alive() == {"pinned"}
    assert report.kept_pinned == 1

    settings = world.app.config["PHYSNET"]
    world.app.config["PHYSNET"] = dataclasses.replace(settings, retention_keep_pinned=False)
    world.apply()
    assert world.alive() == set()


def test_a_thread_goes_with_its_root_and_a_kept_thread_loses_only_old_replies(world):
    world.post("root", "ehr-tips", "Sepsis bundle timer question", days_ago=60)
    world.post("late-reply", "ehr-tips", "It starts at triage", days_ago=2, parent="root")
    world.post("kept", "ehr-tips", "Order set index", days_ago=60)
    world.post("old-reply", "ehr-tips", "Updated last spring", days_ago=50, parent="kept")
    world.post("new-reply", "ehr-tips", "And again this week", days_ago=1, parent="kept")
    world.pin("kept")

    report = world.apply()

    assert world.alive() == {"kept", "new-reply"}
    kept = world.message("kept")
    assert kept is not None and kept.reply_count == 1
    assert report.replies == 1  # the late reply went with its root
    assert report.deleted == 3


def test_a_channel_override_wins_over_the_default(world):
    admin = ApiClient(world.app.test_client(), "root")
    alice = ApiClient(world.app.test_client(), "alice")
    assert alice.put(f"{API}/admin/channels/archive/retention", json={"days": 0}).status_code == 403
    response = admin.put(f"{API}/admin/channels/archive/retention", json={"days": 0})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.json == {"channel": "archive", "retention_days": 0}
    assert (
        admin.put(f"{API}/admin/channels/ehr-tips/retention", json={"days": 7}).status_code == 200
    )
    for bad in ({"days": -1}, {"days": "7"}, {"days": True}, {}):
        answer = admin.put(f"{API}/admin/channels/ehr-tips/retention", json=bad)
        assert answer.status_code in (400, 422), bad
    missing = admin.put(f"{API}/admin/channels/nope/retention", json={"days": 3})
    assert missing.status_code == 404

    world.post("forever", "archive", "Go-live checklist from 2019", days_ago=2000)
    world.post("week-old", "ehr-tips", "Print queue workaround", days_ago=10)
    world.post("fresh", "ehr-tips", "New print queue fix", days_ago=1)
    world.apply()
    assert world.alive() == {"forever", "fresh"}

    with world.app.app_context():
        [change] = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "channel.retention_set")
        ).all()[:1]
        assert (change.actor, change.target) == ("user:root", "channel:archive")
        assert change.details == {"before": None, "after": 0}


def test_dry_run_counts_and_changes_nothing(world):
    world.post("old", "ehr-tips", "Old note on insulin drips", days_ago=31)
    world.post("reply", "ehr-tips", "Newer reply", days_ago=3, parent="old")
    world.post("other", "archive", "Old archive note", days_ago=100)
    result = world.app.test_cli_runner().invoke(args=["retention", "apply", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Would delete 3 messages (1 thread replies)" in result.output
    assert world.alive() == {"old", "reply", "other"}
    with world.app.app_context():
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action.like("retention%"))
            )
            == 0
        )

    result = world.app.test_cli_runner().invoke(args=["retention", "apply"])
    assert result.exit_code == 0, result.output
    assert "Deleted 3 messages (1 thread replies)" in result.output
    assert world.alive() == set()
    with world.app.app_context():
        [event] = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "retention.applied")
        ).all()
        assert event.details["deleted"] == 3
        assert event.details["channels"] == {"archive": 1, "ehr-tips": 2}


def test_large_runs_go_in_batches(world, monkeypatch):
    from physnet.actions import retention

    monkeypatch.setattr(retention, "BATCH", 3)
    for i in range(8):
        world.post(f"m{i}", "ehr-tips", f"Old message {i}", days_ago=40)
    world.post("keep", "ehr-tips", "Recent", days_ago=1)
    steps: list[str] = []
    report = world.apply(progress=steps.append)
    assert report.deleted == 8
    assert len(steps) == 3  # 3 + 3 + 2
    assert world.alive() == {"keep"}


def test_tip_sources_are_kept(world):
    """A message promoted to a tip outlives retention (keep_tips, the default)."""
    world.post("source", "ehr-tips", "Great SmartPhrase for discharge", days_ago=100)
    world.post("plain", "ehr-tips", "Thanks!", days_ago=100)
    with world.app.app_context():
        alice = db.session.scalar(select(User).where(User.username == "alice"))
        check_promote_message(alice, world.ids["source"], "Discharge SmartPhrase", ["epic"])
    report = world.apply()
    assert world.alive() == {"source"}
    assert report.kept_tips == 1


def test_no_policy_means_nothing_is_deleted(app, factory, runner):
    factory.user("alice")
    factory.channel("town", members=("alice",))
    w = World(app)
    w.post("ancient", "town", "From long ago", days_ago=5000)
    result = runner.invoke(args=["retention", "apply"])
    assert result.exit_code == 0
    assert "No retention policy applies" in result.output
    assert w.alive() == {"ancient"}


def test_members_cannot_change_retention_through_garbage(app, factory, login):
    factory.user("root", role="admin")
    factory.channel("town")
    root = login("root")
    for body in ("not json", "[]", '{"days": 1e9}', '{"days": null}'):
        response = root.put(
            f"{API}/admin/channels/town/retention",
            data=body,
            headers={"Content-Type": "application/json"},
        )
        assert response.status_code < 500, body
    with app.app_context():
        assert db.session.scalar(select(Channel.retention_days)) is None


def hold(world: World, **subject: str) -> int:
    """Place a legal hold as root through the actions; its id."""
    from physnet.actions.legal_holds import check_place_hold

    with world.app.app_context():
        root = db.session.scalar(select(User).where(User.username == "root"))
        return check_place_hold(root, {**subject, "reason": "Records request 2026-14"}).id


def test_held_messages_outlive_retention_until_the_hold_is_released(world):
    world.factory.user("carol")
    world.post("channel-held", "archive", "Old archive note", days_ago=100)
    world.post("plain", "ehr-tips", "Old note on insulin drips", days_ago=100)
    with world.app.app_context():  # a message by carol, the person under a hold
        carol = db.session.scalar(select(User).where(User.username == "carol"))
        where = db.session.scalar(select(Channel).where(Channel.name == "ehr-tips"))
        at = utcnow() - timedelta(days=100)
        world.ids["person-held"] = do_send_message(
            carol, where, "Carol's tip", None, None, created_at=at
        ).id
    world.post("reply-to-held", "ehr-tips", "Old reply", days_ago=90, parent="person-held")
    on_channel = hold(world, channel="archive")
    hold(world, username="carol")

    result = world.app.test_cli_runner().invoke(args=["retention", "apply", "--dry-run"])
    assert "2 under a legal hold" in result.output, result.output
    report = world.apply()
    # The held root keeps its thread; alice's reply in it is old and not held, so it goes.
    assert world.alive() == {"channel-held", "person-held"}
    assert report.kept_held == 2

    from physnet.actions.legal_holds import check_release_hold

    with world.app.app_context():
        root = db.session.scalar(select(User).where(User.username == "root"))
        check_release_hold(root, on_channel)
    world.apply()
    assert world.alive() == {"person-held"}
