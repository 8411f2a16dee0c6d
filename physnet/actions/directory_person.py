"""Sync one directory account now, from the console: the full sync's rules for one person.

The person is looked up by their login in the directory (no bind as them); their profile,
role, active flag and mapped-channel memberships are brought in line, in one transaction,
audited as `directory.person_synced` by the admin who asked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from physnet.actions import validate
from physnet.actions.audit import actor_of, record_audit
from physnet.actions.directory import (
    SyncFailed,
    apply_memberships,
    do_deactivate_user,
    do_reactivate_user,
    do_update_directory_user,
)
from physnet.db.blocking import off_hub_released
from physnet.db.transaction import atomic
from physnet.directory import signin
from physnet.directory.connection import DirectoryError
from physnet.directory.plan import DISABLED, GONE, diff_user, membership_changes
from physnet.directory.settings import directory_settings
from physnet.errors import Conflict, Forbidden, NotFound
from physnet.extensions import db
from physnet.models import Channel, Membership, User


@dataclass
class PersonSync:
    """What syncing one person changed."""

    user: User
    changed: list[str] = field(default_factory=list)
    status: str | None = None  # "deactivated" | "reactivated" | None
    joined: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)
    gone: bool = False  # no entry has their stable id any more

    def summary(self) -> str:
        if self.gone:
            state = "deactivated" if self.status else "already inactive"
            return f"{self.user.username} is no longer in the directory: {state}."
        parts = []
        if self.changed:
            parts.append(f"updated {', '.join(self.changed)}")
        if self.status:
            parts.append(self.status)
        if self.joined:
            parts.append("joined " + ", ".join(f"#{c}" for c in self.joined))
        if self.left:
            parts.append("left " + ", ".join(f"#{c}" for c in self.left))
        if not parts:
            return f"{self.user.username} already matches the directory."
        return f"{self.user.username} synced from the directory: {'; '.join(parts)}."


def check_sync_person(actor: User | None, username: Any) -> PersonSync:
    """Sync one directory account now.

    Someone whose stable id is no longer under user_base with user_filter is deactivated.
    Raises Forbidden (not an admin), NotFound (no such account), Conflict (a local account,
    the login now names another directory entry, or their entry has another login now)
    and SyncFailed (no directory configured, or it cannot be asked).
    """
    if actor is not None and not actor.is_admin:
        raise Forbidden("Only admins manage accounts.", code="admin_only")
    name = validate.existing_username(username)
    user = db.session.scalar(select(User).where(User.username == name))
    if user is None:
        raise NotFound(f"There is no user {name}.", code="unknown_user")
    if user.source != "directory":
        raise Conflict(
            f"{name} is a local account; the directory does not manage it.", code="local_account"
        )
    settings = directory_settings()
    if settings is None:
        raise SyncFailed(
            "No directory is configured: set ldap.uri in [ldap] or PHYSNET_LDAP_URI.",
            code="no_directory",
        )
    try:
        person = off_hub_released(signin.find, settings, name)
    except DirectoryError as exc:
        raise SyncFailed(str(exc)) from None
    user = db.session.scalar(select(User).where(User.username == name))  # reloaded after release
    if user is None:
        raise NotFound(f"There is no user {name}.", code="unknown_user")
    if person is None:
        return _not_found_by_login(actor, user, settings)
    if person.directory_id != user.directory_id:
        raise Conflict(
            f"The directory entry with the login {name} is another person now; run a full sync.",
            code="directory_id_mismatch",
        )
    return _apply(actor, user, person, settings)


def _not_found_by_login(actor: User | None, user: User, settings: Any) -> PersonSync:
    """No entry has their login: ask by their stable id. Still there under another login:
    a rename, which the full sync carries out. Gone from user_base and user_filter: they
    are deactivated now, as the full sync would (the urgent off-boarding case)."""
    name = user.username
    if not user.directory_id:
        raise NotFound(
            f"{name} was not found in the directory ({settings.login_attr}={name}); run a "
            "full sync.",
            code="not_in_directory",
        )
    try:
        login = off_hub_released(signin.login_of, settings, user.directory_id)
    except DirectoryError as exc:
        raise SyncFailed(str(exc)) from None
    reloaded = db.session.get(User, user.id)  # reloaded after release
    if reloaded is None:
        raise NotFound(f"There is no user {name}.", code="unknown_user")
    if login is not None:
        now = f" is {login} in the directory now" if login else " has no login in the directory"
        raise Conflict(
            f"{name}'s directory entry{now}; run a full sync to carry the rename over.",
            code="directory_renamed",
        )
    who = actor_of(actor)
    result = PersonSync(reloaded, gone=True)
    with atomic():
        if reloaded.active:
            do_deactivate_user(reloaded, GONE, who)
            result.status = "deactivated"
        record_audit(
            who,
            "directory.person_synced",
            f"user:{name}",
            changed=[],
            status=result.status,
            joined=[],
            left=[],
            gone=True,
        )
    return result


def _apply(actor: User | None, user: User, person: Any, settings: Any) -> PersonSync:
    who = actor_of(actor)
    result = PersonSync(user)
    with atomic():
        diffs = diff_user(user, person, settings)
        if diffs:
            do_update_directory_user(user, diffs, who)
            result.changed = sorted(diffs)
        if person.disabled and user.active:
            do_deactivate_user(user, DISABLED, who)
            result.status = "deactivated"
        elif not person.disabled and not user.active:
            do_reactivate_user(user, who)
            result.status = "reactivated"
        have = dict(
            db.session.execute(
                select(Channel.name, Membership.source)
                .join(Membership, Membership.channel_id == Channel.id)
                .where(Membership.user_id == user.id)
            )
            .tuples()
            .all()
        )
        # As in the full sync, a disabled person's memberships are left as they are.
        changes = (
            [] if person.disabled else membership_changes(person, user.username, have, settings)
        )
        if changes:
            apply_memberships(changes, {person.directory_id: user}, who)
        result.joined = [c.channel for c in changes if c.action == "add"]
        result.left = [c.channel for c in changes if c.action == "remove"]
        record_audit(
            who,
            "directory.person_synced",
            f"user:{user.username}",
            changed=result.changed,
            status=result.status,
            joined=result.joined,
            left=result.left,
        )
    return result
