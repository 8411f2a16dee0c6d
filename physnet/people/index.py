"""Keep the people directory's index tables in step with the users table.

Whatever writes a user (profile edit, directory sync, demo load, account creation), a
`before_flush` hook folds their sort name on the row, and an `after_flush` hook rewrites
their name tokens and tag rows when their name, username, expertise or EHR systems
change: in the same transaction as the change. Bulk statements that bypass the unit of
work call `reindex_users` themselves.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, inspect, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from physnet.db.bulk import insert_rows
from physnet.models import User, UserNameToken, UserTag
from physnet.people.normalize import name_tokens, sort_name, tag_key

_NAME_FIELDS = ("display_name", "username")
_TAG_FIELDS = {"expertise": "expertise", "ehr_systems": "ehr"}


def split_tags(stored: str) -> list[str]:
    """The tags of a comma-separated profile column, in the order the person gave them."""
    return [t for t in (s.strip() for s in (stored or "").split(",")) if t]


def tag_rows(user_id: int, kind: str, stored: str) -> list[dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    for tag in split_tags(stored):
        key = tag_key(tag)
        if key:
            rows.setdefault(key, {"user_id": user_id, "kind": kind, "tag_key": key, "tag": tag})
    return list(rows.values())


def token_rows(user_id: int, display_name: str, username: str) -> list[dict[str, Any]]:
    tokens = name_tokens(display_name or "", username or "")
    return [{"user_id": user_id, "token": t} for t in sorted(tokens)]


def write_index(
    connection: Connection,
    users: Iterable[Any],
    *,
    names: bool = True,
    tags: bool = True,
    new: bool = False,
) -> None:
    """Replace the index rows of `users` (objects or rows with the user columns); `new`
    when they were created in this transaction, so they have none to delete yet."""
    users = list(users)
    ids = [u.id for u in users]
    if not ids:
        return
    if names:
        if not new:
            connection.execute(delete(UserNameToken).where(UserNameToken.user_id.in_(ids)))
        rows = [r for u in users for r in token_rows(u.id, u.display_name, u.username)]
        insert_rows(connection, UserNameToken.__table__, rows)
    if tags:
        if not new:
            connection.execute(delete(UserTag).where(UserTag.user_id.in_(ids)))
        rows = [
            r
            for u in users
            for column, kind in _TAG_FIELDS.items()
            for r in tag_rows(u.id, kind, getattr(u, column))
        ]
        insert_rows(connection, UserTag.__table__, rows)


def reindex_users(connection: Connection, ids: Iterable[int] | None = None) -> int:
    """Rebuild the index rows of these users (all when None); returns how many."""
    query = select(User.id, User.username, User.display_name, User.expertise, User.ehr_systems)
    if ids is not None:
        query = query.where(User.id.in_(list(ids)))
    rows = connection.execute(query).all()
    for start in range(0, len(rows), 1000):
        write_index(connection, rows[start : start + 1000])
    for row in rows:
        folded = sort_name(row.display_name, row.username)
        connection.execute(update(User).where(User.id == row.id).values(sort_name=folded))
    return len(rows)


def _changed(user: User, fields: Iterable[str]) -> bool:
    state: Any = inspect(user)
    return any(state.attrs[f].history.has_changes() for f in fields)


def fold_names(session: Session, flush_context: Any, instances: Any) -> None:
    for user in [*session.new, *session.dirty]:
        if isinstance(user, User) and (user in session.new or _changed(user, _NAME_FIELDS)):
            user.sort_name = sort_name(user.display_name or "", user.username or "")


def index_people(session: Session, flush_context: Any) -> None:
    new = [u for u in session.new if isinstance(u, User)]
    dirty = [u for u in session.dirty if isinstance(u, User) and u not in session.deleted]
    renamed = [u for u in dirty if _changed(u, _NAME_FIELDS)]
    retagged = [u for u in dirty if _changed(u, _TAG_FIELDS)]
    if new or renamed or retagged:
        connection = session.connection()
        write_index(connection, new)
        write_index(connection, renamed, tags=False)
        write_index(connection, retagged, names=False)
