"""Creating directory accounts in bulk: what `do_create_directory_user` does, for thousands.

A first sync creates every account of the directory. One ORM object, flush and audit event
at a time costs ~0.3 ms each; here the accounts go in a thousand at a time
(db.bulk.insert_rows), their people-index rows (name tokens, tags) in bulk too, and their
`user.created` audit events chained over the whole batch in order
(audit.record_audit_many). On SQLite the ids are given here and the inserts run on a
second thread while this one builds the next rows (db.bulk.inserts_in_background); on
PostgreSQL the ids are read back by directory id. All in the caller's transaction: all or
nothing.

The session's flush hooks do not see Core inserts, so this module does their work itself:
the sort name (people.index.fold_names) and the people index (people.index.write_index).
Users are not search documents, so no search-index work is queued for them.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

from sqlalchemy import func, select, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from physnet.actions.audit import record_audit_many
from physnet.actions.broadcast import queue_events
from physnet.audit.chain import lock_head
from physnet.db.bulk import insert_rows, inserts_in_background
from physnet.directory.entries import resize_photo
from physnet.directory.plan import MembershipChange, UserChange
from physnet.extensions import db
from physnet.models import Channel, Membership, User, utcnow
from physnet.models.channels import default_notification_level
from physnet.people.index import write_index
from physnet.people.normalize import sort_name
from physnet.reads.json import channel_json
from physnet.realtime import rooms

BATCH = 1000


def _audit_value(name: str, value: Any) -> Any:
    return ("(photo)" if value else None) if name == "photo" else value


def _row(change: UserChange, now: Any) -> dict[str, Any]:
    person = change.person
    assert person is not None
    profile = dict(person.profile)
    if profile.get("photo"):
        profile["photo"] = resize_photo(profile["photo"])
    return {
        "username": person.username,
        "source": "directory",
        "role": change.diffs["role"][1],
        "directory_id": person.directory_id,
        "directory_dn": person.dn,
        **profile,
        "sort_name": sort_name(profile.get("display_name") or "", person.username or ""),
        "created_at": now,
    }


def _audit_created(changes: Sequence[UserChange], actor: str) -> None:
    """The `user.created` event of each account, in the order of the changes."""
    events = []
    for change in changes:
        person = change.person
        assert person is not None
        detail = dict(person.profile)  # as _audit_value gives them: a photo as a mark
        if "photo" in detail:
            detail["photo"] = _audit_value("photo", detail["photo"])
        detail.update(source="directory", role=change.diffs["role"][1], dn=person.dn)
        events.append(("user.created", f"user:{person.username}", detail))
    record_audit_many(actor, events)


def bulk_create_directory_users(changes: Sequence[UserChange], actor: str) -> dict[str, int]:
    """Create the accounts of these `create` changes (their usernames are free); returns
    directory id -> new user id."""
    now = utcnow()
    rows = [_row(change, now) for change in changes]
    # An executemany needs the same columns in every row: group rows by their columns
    # (as _row builds them, in the same order for the same columns).
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(row), []).append(row)
    session = db.session()
    connection = session.connection()
    ids: dict[str, int] = {}
    # On SQLite the ids are given here, after the largest so far: the chain head is locked
    # first, which takes SQLite's write lock, so no other writer can take one of them, and
    # no query is needed to learn them. Then every insert runs on a second thread
    # (inserts_in_background) while this one builds the next rows, the audit events first
    # (the same rows, seq and ids as after the accounts: nothing else writes meanwhile).
    # On PostgreSQL the ids come from the sequence and are read back by directory id.
    given = connection.dialect.name == "sqlite"
    if given:
        session.flush()
        lock_head(session)
    last = connection.execute(select(func.max(User.id))).scalar() or 0
    with inserts_in_background(connection):
        if given:  # first: their inserts then run while the accounts' rows are built
            for start in range(0, len(changes), BATCH):
                _audit_created(changes[start : start + BATCH], actor)
        for group in groups.values():
            for start in range(0, len(group), BATCH):
                batch = group[start : start + BATCH]
                if given:
                    for row in batch:
                        last += 1
                        row["id"] = ids[row["directory_id"]] = last
                    insert_rows(connection, User.__table__, batch)
                else:
                    last = connection.execute(select(func.max(User.id))).scalar() or 0
                    insert_rows(connection, User.__table__, batch)
                    query = select(User.directory_id, User.id).where(
                        User.id > last,
                        User.directory_id.in_([row["directory_id"] for row in batch]),
                    )
                    ids.update((d, i) for d, i in connection.execute(query))
                write_index(
                    connection,
                    [
                        SimpleNamespace(
                            id=ids[row["directory_id"]],
                            username=row["username"],
                            display_name=row.get("display_name") or "",
                            expertise=row.get("expertise") or "",
                            ehr_systems=row.get("ehr_systems") or "",
                        )
                        for row in batch
                    ],
                    new=True,
                )
        if not given:
            _audit_created(changes, actor)
    return ids


def bulk_add_memberships(changes: Sequence[MembershipChange], actor: str) -> int:
    """Add these directory memberships (`add` changes) with one INSERT ... ON CONFLICT DO
    NOTHING per thousand, audit each one added (`membership.added`), and log, as
    `do_add_member` does, the events that move each person's open sockets into the channel
    and tell them (published after the commit). A membership that already exists is left
    as it is. Returns how many were added."""
    if not changes:
        return 0
    connection = db.session.connection()
    names = {m.channel for m in changes}
    channels = {
        c.name: c for c in db.session.scalars(select(Channel).where(Channel.name.in_(names)))
    }
    wanted = sorted({m.directory_id for m in changes})
    users: dict[str, tuple[int, str]] = {}
    for start in range(0, len(wanted), BATCH):
        query = select(User.directory_id, User.id, User.username).where(
            User.directory_id.in_(wanted[start : start + BATCH])
        )
        for directory_id, user_id, username in connection.execute(query):
            users[directory_id] = (user_id, username)
    now = utcnow()
    rows = {
        (channels[m.channel].id, users[m.directory_id][0]): {
            "channel_id": channels[m.channel].id,
            "user_id": users[m.directory_id][0],
            "role": "member",
            "source": "directory",
            "last_read_id": 0,
            "joined_at": now,
        }
        for m in changes
    }
    upsert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
    statement = upsert(Membership).on_conflict_do_nothing()
    pairs = list(rows)
    existing: set[tuple[int, int]] = set()
    for start in range(0, len(pairs), BATCH):
        batch = pairs[start : start + BATCH]
        present = select(Membership.channel_id, Membership.user_id).where(
            tuple_(Membership.channel_id, Membership.user_id).in_(batch)
        )
        existing.update((c, u) for c, u in connection.execute(present))
        connection.execute(statement, [rows[p] for p in batch])
    by_id = {c.id: c for c in channels.values()}
    names_of = {user_id: username for user_id, username in users.values()}
    events: list[tuple[str, str, dict[str, Any]]] = []
    logged: list[tuple[str, Any, str | None]] = []
    for channel_id, user_id in pairs:
        if (channel_id, user_id) in existing:
            continue
        channel = by_id[channel_id]
        logged.append(("enter_channel", {"user_id": user_id, "channel_id": channel_id}, None))
        payload = channel_json(
            channel,
            member=True,
            role="member",
            last_read_id=0,
            notifications=default_notification_level(channel.kind),
        )
        logged.append(("channel_joined", payload, rooms.user_room(user_id)))
        detail = {"username": names_of[user_id], "source": "directory"}
        events.append(("membership.added", f"channel:{channel.name}", detail))
    queue_events(logged)  # published after the commit, republished if this process dies
    return record_audit_many(actor, events)
