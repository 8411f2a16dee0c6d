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
from physnet.directory.plan import DISABLED, diff_user, membership_changes
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

    def summary(self) -> str:
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

    Raises Forbidden (not an admin), NotFound (no such account, or no such login in the
    directory), Conflict (a local account, or the login now names another directory
    entry) and SyncFailed (no directory configured, or it cannot be asked).
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
    if person is None or user is None:
        raise NotFound(
            f"{name} was not found in the directory ({settings.login_attr}={name}); if they "
            "were renamed or removed there, run a full sync.",
            code="not_in_directory",
        )
    if person.directory_id != user.directory_id:
        raise Conflict(
            f"The directory entry with the login {name} is another person now; run a full sync.",
            code="directory_id_mismatch",
        )
    return _apply(actor, user, person, settings)


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
