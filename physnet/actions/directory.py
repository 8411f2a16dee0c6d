"""Provisioning from the directory: the sync, planned, guarded and applied as one transaction."""

from __future__ import annotations

import gc
import json
import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from physnet.actions.audit import record_audit
from physnet.actions.channels import do_add_member, do_remove_member
from physnet.actions.directory_bulk import bulk_add_memberships, bulk_create_directory_users
from physnet.actions.users import do_end_sessions
from physnet.db.transaction import atomic
from physnet.directory.connection import DirectoryError
from physnet.directory.entries import Person, resize_photo
from physnet.directory.plan import (
    MembershipChange,
    SyncPlan,
    compute_plan,
)
from physnet.directory.settings import directory_settings
from physnet.directory.snapshot import read_snapshot
from physnet.errors import Conflict, PhysNetError
from physnet.extensions import db
from physnet.models import ApiToken, Channel, DirectorySyncRun, User, utcnow

log = logging.getLogger(__name__)
SYNC_ACTOR = "ldap-sync"


class SyncRefused(Conflict):
    """The sync would deactivate more people than ldap.sync.max_deactivate_fraction allows."""

    code = "sync_refused"


class SyncFailed(PhysNetError):
    """The directory could not be read, or applying the plan failed; nothing changed."""

    status = 503
    code = "sync_failed"


@dataclass
class SyncResult:
    plan: SyncPlan
    run: DirectorySyncRun | None  # None for a dry run


def _audit_value(name: str, value: Any) -> Any:
    return ("(photo)" if value else None) if name == "photo" else value


def _set_fields(user: User, diffs: Mapping[str, tuple[Any, Any]]) -> None:
    for name, (_, new) in diffs.items():
        setattr(user, name, resize_photo(new) if name == "photo" and new else new)


def do_create_directory_user(person: Person, role: str, actor: str) -> User:
    """Create the account of a directory person (precondition: their username is free)."""
    with atomic():
        profile = dict(person.profile)
        if profile.get("photo"):
            profile["photo"] = resize_photo(profile["photo"])
        user = User(
            username=person.username,
            source="directory",
            role=role,
            directory_id=person.directory_id,
            directory_dn=person.dn,
            **profile,
        )
        db.session.add(user)
        db.session.flush()
        record_audit(
            actor,
            "user.created",
            f"user:{user.username}",
            source="directory",
            role=role,
            dn=person.dn,
            **{k: _audit_value(k, v) for k, v in person.profile.items()},
        )
    return user


def do_update_directory_user(user: User, diffs: Mapping[str, tuple[Any, Any]], actor: str) -> None:
    """Apply directory field changes (rename included) and audit each old -> new."""
    with atomic():
        _set_fields(user, diffs)
        record_audit(
            actor,
            "user.updated",
            f"user:{user.username}",
            changes={k: [_audit_value(k, a), _audit_value(k, b)] for k, (a, b) in diffs.items()},
        )


def do_deactivate_user(user: User, reason: str, actor: str) -> None:
    """Deactivate and sign out everywhere at once: sessions, sockets and API tokens."""
    with atomic():
        now = utcnow()
        user.active = False
        user.deactivated_at = now
        db.session.execute(
            update(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        do_end_sessions(user)
        record_audit(actor, "user.deactivated", f"user:{user.username}", reason=reason)


def do_reactivate_user(user: User, actor: str) -> None:
    """Let a returning person in again (their old sessions and tokens stay ended)."""
    with atomic():
        user.active = True
        user.deactivated_at = None
        record_audit(actor, "user.reactivated", f"user:{user.username}")


def apply_memberships(changes: list[MembershipChange], users: dict[str, User], actor: str) -> None:
    """One person's memberships (directory sign-in); a sync uses apply_sync_memberships."""
    names = {m.channel for m in changes}
    channels = {
        c.name: c for c in db.session.scalars(select(Channel).where(Channel.name.in_(names)))
    }
    for m in changes:
        user, channel = users[m.directory_id], channels[m.channel]
        if m.action == "add":
            do_add_member(channel, user, source="directory")
        else:
            do_remove_member(channel, user)
        record_audit(
            actor,
            f"membership.{'added' if m.action == 'add' else 'removed'}",
            f"channel:{channel.name}",
            username=user.username,
            source="directory",
        )


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector while a sync builds and compares its tens of
    thousands of objects (none of them cycles worth collecting early): each collection
    would walk them all again. Restored as it was, even on error."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextmanager
def _roomy_sqlite_cache(kib: int = 256 * 1024) -> Iterator[None]:
    """On SQLite, let this transaction keep up to `kib` of pages in memory, then go back.

    With the default 2 MB, a first sync's inserts spill index pages to the WAL and write
    them again and again as they change; with room, each is written once, at commit. Only
    the pages touched are allocated.
    """
    connection = db.session.connection()
    if connection.dialect.name != "sqlite":
        yield
        return
    before = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    connection.exec_driver_sql(f"PRAGMA cache_size = -{int(kib)}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size = {int(before or -2000)}")


def do_apply_plan(
    plan: SyncPlan,
    *,
    started: datetime,
    forced: bool = False,
    trigger: str = "cli",
    actor: str = SYNC_ACTOR,
) -> DirectorySyncRun:
    """Apply every change of `plan` and record the run, in one transaction: all or nothing."""
    with atomic(), _roomy_sqlite_cache():
        ids = [c.user_id for c in plan.changes if c.user_id is not None]
        users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}
        renames = [c for c in plan.of("update") if "username" in c.diffs]
        for change in renames:  # free every old name first, so swaps and chains work
            users[change.user_id or 0].username = f"~{change.user_id}"
        db.session.flush()
        for change in plan.of("update"):
            do_update_directory_user(users[change.user_id or 0], change.diffs, actor)
        db.session.flush()
        by_directory_id = {u.directory_id: u for u in users.values() if u.directory_id}
        # new accounts in bulk (directory_bulk); loaded below if a membership needs them
        bulk_create_directory_users(plan.of("create"), actor)
        for change in plan.of("reactivate"):
            do_reactivate_user(users[change.user_id or 0], actor)
        for change in plan.of("deactivate"):
            do_deactivate_user(users[change.user_id or 0], change.reason, actor)
        adds = [m for m in plan.memberships if m.action == "add"]
        removes = [m for m in plan.memberships if m.action == "remove"]
        bulk_add_memberships(adds, actor)  # in bulk: a first sync adds thousands
        if removes:
            missing = {m.directory_id for m in removes} - set(by_directory_id)
            for user in db.session.scalars(select(User).where(User.directory_id.in_(missing))):
                by_directory_id[user.directory_id or ""] = user
            apply_memberships(removes, by_directory_id, actor)
        run = DirectorySyncRun(
            started_at=started,
            finished_at=utcnow(),
            status="ok",
            forced=forced,
            trigger=trigger,
            message=plan.summary(),
            counts=json.dumps(plan.counts()),
            errors=json.dumps(plan.skipped + plan.warnings),
        )
        db.session.add(run)
        db.session.flush()
        record_audit(actor, "directory.synced", f"sync:{run.id}", forced=forced, **plan.counts())
    return run


def _record_unsuccessful(
    status: str,
    message: str,
    started: datetime,
    forced: bool,
    trigger: str,
    plan: SyncPlan | None = None,
) -> None:
    """Keep a refused or failed run in the history, in its own transaction."""
    try:
        with atomic():
            db.session.add(
                DirectorySyncRun(
                    started_at=started,
                    finished_at=utcnow(),
                    status=status,
                    forced=forced,
                    trigger=trigger,
                    message=message,
                    counts=json.dumps(plan.counts() if plan else {}),
                    errors=json.dumps((plan.skipped + plan.warnings) if plan else []),
                )
            )
            record_audit(SYNC_ACTOR, f"directory.sync_{status}", "", message=message)
    except Exception:
        log.exception("could not record the %s directory sync", status)


def check_ldap_sync(
    *,
    dry_run: bool = False,
    force: bool = False,
    trigger: str = "cli",
    progress: Callable[[str], None] | None = None,
) -> SyncResult:
    """Read the directory, plan, check the deactivation guard, then apply (unless dry run).

    Raises SyncFailed (directory unreachable or misconfigured, or the apply failed) or
    SyncRefused (too many deactivations without `force`); either way nothing changed.
    """
    settings = directory_settings()
    if settings is None:
        raise SyncFailed(
            "No directory is configured: set ldap.uri in [ldap] or PHYSNET_LDAP_URI.",
            code="no_directory",
        )
    started = utcnow()
    report = progress or (lambda _: None)
    try:
        with _collector_paused():
            plan = compute_plan(read_snapshot(settings, report), settings)
    except DirectoryError as exc:
        db.session.rollback()
        if not dry_run:
            _record_unsuccessful("failed", str(exc), started, force, trigger)
        raise SyncFailed(str(exc)) from None
    db.session.rollback()  # end the read transaction: the apply starts afresh
    fraction = plan.deactivate_fraction()
    if fraction > settings.max_deactivate_fraction and not force:
        message = (
            f"Refusing to deactivate {len(plan.of('deactivate'))} of "
            f"{plan.active_directory_users} active directory users ({fraction:.0%}, above "
            f"ldap.sync.max_deactivate_fraction {settings.max_deactivate_fraction:.0%}); "
            "check ldap.user_base, ldap.user_filter and the directory, or run with --force."
        )
        if dry_run:
            plan.warnings.append(f"a real sync would stop here: {message}")
            return SyncResult(plan, None)
        _record_unsuccessful("refused", message, started, force, trigger, plan)
        raise SyncRefused(message)
    if dry_run:
        return SyncResult(plan, None)
    report(f"Applying {len(plan.changes) + len(plan.memberships):,} changes...")
    try:
        with _collector_paused():
            run = do_apply_plan(plan, started=started, forced=force, trigger=trigger)
    except Exception as exc:
        log.exception("directory sync failed while applying; rolled back")
        _record_unsuccessful(
            "failed",
            f"Applying the sync failed, nothing changed: {exc}",
            started,
            force,
            trigger,
            plan,
        )
        raise SyncFailed(f"Applying the sync failed and was rolled back: {exc}") from exc
    return SyncResult(plan, run)
