"""What a sync would change, computed from a directory snapshot and the database (reads only)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Row, func, select

from physnet.directory.entries import Person, resize_photo, same_photo
from physnet.directory.settings import DirectorySettings
from physnet.directory.snapshot import Snapshot
from physnet.extensions import db
from physnet.models import Channel, Membership, User

GONE = "no longer found under ldap.user_base with ldap.user_filter"
DISABLED = "disabled in the directory"


@dataclass
class UserChange:
    action: str  # create | update | deactivate | reactivate
    username: str
    person: Person | None = None
    user_id: int | None = None
    diffs: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    reason: str = ""


@dataclass
class MembershipChange:
    action: str  # add | remove
    username: str
    channel: str
    directory_id: str


@dataclass
class SyncPlan:
    changes: list[UserChange] = field(default_factory=list)
    memberships: list[MembershipChange] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    active_directory_users: int = 0
    entries_read: int = 0

    def of(self, action: str) -> list[UserChange]:
        return [c for c in self.changes if c.action == action]

    def counts(self) -> dict[str, int]:
        return {
            "entries": self.entries_read,
            "created": len(self.of("create")),
            "updated": len(self.of("update")),
            "deactivated": len(self.of("deactivate")),
            "reactivated": len(self.of("reactivate")),
            "memberships_added": sum(m.action == "add" for m in self.memberships),
            "memberships_removed": sum(m.action == "remove" for m in self.memberships),
            "skipped": len(self.skipped),
        }

    def deactivate_fraction(self) -> float:
        deactivations = len(self.of("deactivate"))
        return deactivations / self.active_directory_users if deactivations else 0.0

    def summary(self) -> str:
        c = {k: f"{v:,}" for k, v in self.counts().items()}
        return (
            f"{c['entries']} entries read: {c['created']} created, {c['updated']} updated, "
            f"{c['deactivated']} deactivated, {c['reactivated']} reactivated, "
            f"{c['memberships_added']} memberships added, "
            f"{c['memberships_removed']} memberships removed, {c['skipped']} skipped."
        )

    def lines(self) -> list[str]:
        """The plan, one change per line: creates, updates, reactivations, deactivations,
        memberships, then what was skipped."""
        out = []
        order = ("create", "update", "reactivate", "deactivate")
        for change in sorted(self.changes, key=lambda c: order.index(c.action)):
            if change.action == "create":
                assert change.person is not None
                name = change.person.profile.get("display_name") or ""
                out.append(f"+ create {change.username} ({name}) role={change.diffs['role'][1]}")
            elif change.action == "update":
                diffs = "; ".join(
                    f"{k}: {_show(k, a)} -> {_show(k, b)}" for k, (a, b) in change.diffs.items()
                )
                out.append(f"~ update {change.username}: {diffs}")
            else:
                reason = f": {change.reason}" if change.reason else ""
                out.append(
                    f"{'-' if change.action == 'deactivate' else '^'} "
                    f"{change.action} {change.username}{reason}"
                )
        for m in self.memberships:
            verb = "add to" if m.action == "add" else "remove from"
            out.append(f"{'+' if m.action == 'add' else '-'} {verb} #{m.channel}: {m.username}")
        out += [f"! skipped: {s}" for s in self.skipped]
        out += [f"! warning: {w}" for w in self.warnings]
        return out


def _show(name: str, value: Any) -> str:
    if name == "photo":
        return "(none)" if value is None else "(photo)"
    return repr(value)


def role_for(person: Person, settings: DirectorySettings) -> str:
    if not person.groups.isdisjoint(settings.admin_groups):
        return "admin"
    if not person.groups.isdisjoint(settings.moderator_groups):
        return "moderator"
    return "member"


def diff_user(user: Any, person: Person, settings: DirectorySettings) -> dict[str, Any]:
    """Field -> (old, new) for every directory-driven field that differs (photo: raw bytes).

    `user` is a User or a row with the same column names (compute_plan's `_accounts`).
    """
    diffs: dict[str, Any] = {}
    if user.username != person.username:
        diffs["username"] = (user.username, person.username)
    for name, value in person.profile.items():
        old = getattr(user, name)
        if name == "photo":
            # An unreadable photo is stored as none: don't offer the same update every sync.
            unusable = old is None and value is not None and resize_photo(value) is None
            if not same_photo(old, value) and not unusable:
                diffs[name] = (old, value)
        elif (old or "") != value:
            diffs[name] = (old, value)
    if user.directory_dn != person.dn:
        diffs["directory_dn"] = (user.directory_dn, person.dn)
    if settings.manages_roles and user.role != role_for(person, settings):
        diffs["role"] = (user.role, role_for(person, settings))
    return diffs


def desired_channels(person: Person, settings: DirectorySettings) -> set[str]:
    return {name for group in person.groups for name in settings.channels.get(group, ())}


def _drop_name_clashes(plan: SyncPlan, taken: dict[str, int]) -> None:
    """Drop creates and renames whose username another account keeps, until none is left."""
    while True:
        renamed_away = {
            c.user_id for c in plan.changes if c.action == "update" and "username" in c.diffs
        }
        clash = None
        for change in plan.changes:
            wanted = (
                change.username
                if change.action == "create"
                else change.diffs.get("username", (None, None))[1]
            )
            holder = taken.get(wanted) if wanted else None
            if holder is not None and holder != change.user_id and holder not in renamed_away:
                clash = change
                break
        if clash is None:
            return
        if clash.action == "create":
            plan.changes.remove(clash)
            plan.skipped.append(
                f"{clash.person.dn if clash.person else clash.username}: "
                f"username {clash.username!r} belongs to another account; "
                "not created"
            )
        else:
            old, new = clash.diffs.pop("username")
            clash.username = old
            plan.skipped.append(
                f"{old}: cannot be renamed to {new!r}, which belongs to "
                "another account; other changes kept"
            )
            if not clash.diffs:
                plan.changes.remove(clash)


def _accounts(settings: DirectorySettings) -> list[Row[Any]]:
    """Every directory account as a row (id, directory_id, active, username, *key): the
    key is what `_key` makes of a person when diff_user would find nothing to change.
    Rows, not ORM objects: a sync reads tens of thousands."""
    key: list[Any] = [User.directory_dn]
    for name in settings.attributes:
        column = getattr(User, name)
        key.append(column.is_(None) if name == "photo" else func.coalesce(column, ""))
    if settings.manages_roles:
        key.append(User.role)
    query = select(User.id, User.directory_id, User.active, User.username, *key)
    return list(db.session.execute(query.where(User.source == "directory")))


def _key(person: Person, settings: DirectorySettings) -> tuple[Any, ...]:
    """The person as `_accounts` keys an unchanged account. A photo in the directory never
    matches (None is neither true nor false): diff_user compares it."""
    profile = person.profile
    key: list[Any] = [person.username, person.dn]
    for name in settings.attributes:
        key.append((True if profile[name] is None else None) if name == "photo" else profile[name])
    if settings.manages_roles:
        key.append(role_for(person, settings))
    return tuple(key)


def _compared(ids: list[int], settings: DirectorySettings) -> dict[int, Row[Any]]:
    """The accounts diff_user needs, by id, with the columns it compares. A photo is read as
    its first 512 bytes, where the tag that `same_photo` looks for is."""
    columns: list[Any] = [User.id, User.username, User.directory_dn, User.role]
    for name in settings.attributes:
        column = getattr(User, name)
        columns.append(
            func.substr(column, 1, 512, type_=column.type).label(name)
            if name == "photo"
            else column
        )
    found: dict[int, Row[Any]] = {}
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        found.update(
            (r.id, r) for r in db.session.execute(select(*columns).where(User.id.in_(chunk)))
        )
    return found


def compute_plan(snapshot: Snapshot, settings: DirectorySettings) -> SyncPlan:
    """Compare the directory with the database; reads only, changes nothing."""
    plan = SyncPlan(skipped=list(snapshot.skipped), entries_read=snapshot.entries_read)
    users = _accounts(settings)
    by_id = {u.directory_id: u for u in users if u.directory_id}
    plan.active_directory_users = sum(u.active for u in users)
    will_be_active: list[tuple[Person, Any]] = []
    # Most people are unchanged: one tuple comparison each; diff_user for the others.
    changed = [
        user.id
        for person in snapshot.people
        if (user := by_id.get(person.directory_id)) is not None
        and tuple(user[3:]) != _key(person, settings)
    ]
    compared = _compared(changed, settings)

    for person in snapshot.people:
        user = by_id.get(person.directory_id)
        if user is None:
            if not person.disabled:
                role = role_for(person, settings) if settings.manages_roles else "member"
                plan.changes.append(
                    UserChange("create", person.username, person, diffs={"role": (None, role)})
                )
                will_be_active.append((person, None))
            continue
        full = compared.get(user.id)
        diffs = {} if full is None else diff_user(full, person, settings)
        if diffs:
            plan.changes.append(UserChange("update", user.username, person, user.id, diffs))
        if person.disabled and user.active:
            plan.changes.append(
                UserChange("deactivate", user.username, person, user.id, reason=DISABLED)
            )
        elif not person.disabled:
            if not user.active:
                plan.changes.append(UserChange("reactivate", user.username, person, user.id))
            will_be_active.append((person, user))

    for user in users:
        if user.active and user.directory_id not in snapshot.seen_ids:
            plan.changes.append(UserChange("deactivate", user.username, None, user.id, reason=GONE))
    if any(c.action == "create" or "username" in c.diffs for c in plan.changes):
        taken = {name: uid for uid, name in db.session.execute(select(User.id, User.username))}
        _drop_name_clashes(plan, taken)
    created = {c.person.directory_id for c in plan.of("create") if c.person}
    will_be_active = [(p, u) for p, u in will_be_active if u or p.directory_id in created]
    _plan_memberships(plan, will_be_active, settings)
    return plan


def _mapped_channels(settings: DirectorySettings) -> set[str]:
    """The mapped channels that exist."""
    names = {n for channels in settings.channels.values() for n in channels}
    return set(db.session.scalars(select(Channel.name).where(Channel.name.in_(names))))


def membership_changes(
    person: Person,
    username: str,
    have: dict[str, str],
    settings: DirectorySettings,
    existing: set[str] | None = None,
) -> list[MembershipChange]:
    """Joins for the person's mapped groups; leaves for directory memberships they lost.

    `have` maps each channel the person belongs to onto its membership source; manual
    memberships are never removed.
    """
    if existing is None:
        existing = _mapped_channels(settings)
    want = desired_channels(person, settings) & existing
    changes = [
        MembershipChange("add", username, name, person.directory_id)
        for name in sorted(want - set(have))
    ]
    changes += [
        MembershipChange("remove", username, name, person.directory_id)
        for name, source in sorted(have.items())
        if source == "directory" and name not in want
    ]
    return changes


def _plan_memberships(
    plan: SyncPlan, people: list[tuple[Person, Any]], settings: DirectorySettings
) -> None:
    names = {n for channels in settings.channels.values() for n in channels}
    existing = _mapped_channels(settings)
    for name in sorted(names - existing):
        plan.warnings.append(f"channel #{name} in [ldap.channels] does not exist; create it")
    held: dict[int, dict[str, str]] = {}
    rows = db.session.execute(
        select(Membership.user_id, Channel.name, Membership.source)
        .join(Channel, Channel.id == Membership.channel_id)
        .join(User, User.id == Membership.user_id)
        .where(User.source == "directory")
    )
    for user_id, channel, source in rows:
        held.setdefault(user_id, {})[channel] = source
    renamed = {
        c.user_id: c.diffs["username"][1] for c in plan.of("update") if "username" in c.diffs
    }
    channel_groups = set(settings.channels)
    for person, user in people:
        have = held.get(user.id, {}) if user is not None else {}
        if not have and not (person.groups & channel_groups):
            continue  # no channel to join or leave: the usual case
        username = person.username if user is None else renamed.get(user.id, user.username)
        plan.memberships += membership_changes(person, username, have, settings, existing)
