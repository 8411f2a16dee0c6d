"""Accounts under IT's hand: deactivate, reactivate, change role, reset a password.

Local accounts are changed here; a directory account's active flag, role and password
belong to the directory (409 directory_managed). The same checks serve the API, the
console and the CLI; the CLI acts as "system" (actor None) and skips the admin check.
"""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import func, select

from physnet.actions import users as user_actions
from physnet.actions import validate
from physnet.actions.audit import actor_of, record_audit
from physnet.actions.directory import do_deactivate_user, do_reactivate_user
from physnet.db.transaction import atomic
from physnet.errors import BadRequest, Conflict, Forbidden, Invalid, NotFound
from physnet.extensions import db
from physnet.models import ROLES, User

# The fields of an account the directory owns when the account comes from it.
DIRECTORY_FIELDS = ("active", "role", "password")


def target_account(actor: User | None, username: Any) -> User:
    """The account an admin (or the CLI, actor None) acts on."""
    if actor is not None and not actor.is_admin:
        raise Forbidden("Only admins manage accounts.", code="admin_only")
    name = validate.existing_username(username)
    user = db.session.scalar(select(User).where(User.username == name))
    if user is None:
        raise NotFound(f"There is no user {name}.", code="unknown_user")
    return user


def refuse_directory(user: User, field: str) -> None:
    if user.source == "directory":
        raise Conflict(
            f"{user.username} comes from the directory, which manages their {field}; "
            "change it there and sync.",
            code="directory_managed",
            field=field,
        )


def _active_admins() -> int:
    query = select(func.count()).select_from(User).where(User.role == "admin", User.active)
    return int(db.session.scalar(query) or 0)


def _refuse_losing_admin(actor: User | None, user: User) -> None:
    """Keep someone able to administer: not oneself, and never the last active admin."""
    if actor is not None and actor.id == user.id:
        raise Conflict(
            "You cannot deactivate yourself or take away your own admin role; ask another admin.",
            code="self_lockout",
        )
    if user.is_admin and user.active and _active_admins() <= 1:
        raise Conflict(
            f"{user.username} is the last active admin; make someone else an admin first.",
            code="last_admin",
        )


def check_update_user(actor: User | None, username: Any, data: Any) -> User:
    """Apply `{active?, role?}` to an account; nothing changes unless every field passes."""
    if not isinstance(data, dict) or not data:
        raise BadRequest("Send a JSON object with active and/or role.", code="invalid_json")
    unknown = sorted(set(data) - {"active", "role"})
    if unknown:
        raise BadRequest(
            f"Unknown field {unknown[0]}: only active and role can be changed here.",
            code="unknown_field",
        )
    user = target_account(actor, username)
    active, role = data.get("active"), data.get("role")
    if "active" in data and not isinstance(active, bool):
        raise BadRequest("Field active must be true or false.", code="invalid_type")
    if "role" in data and role not in ROLES:
        raise Invalid(f"Role must be one of {', '.join(ROLES)}.", code="invalid_role")
    for field in ("active", "role"):
        if field in data and data[field] != getattr(user, field):
            refuse_directory(user, field)
    losing = (active is False and user.active) or (
        "role" in data and role != "admin" and user.is_admin
    )
    if losing:
        _refuse_losing_admin(actor, user)
    with atomic():
        if "role" in data and role != user.role:
            do_set_role(actor, user, str(role))
        if active is False and user.active:
            do_deactivate_user(user, "admin", actor_of(actor))
        elif active is True and not user.active:
            do_reactivate_user(user, actor_of(actor))
    return user


def check_set_active(actor: User | None, username: Any, active: bool) -> User:
    return check_update_user(actor, username, {"active": active})


def check_set_role(actor: User | None, username: Any, role: Any) -> User:
    return check_update_user(actor, username, {"role": role})


def do_set_role(actor: User | None, user: User, role: str) -> None:
    with atomic():
        before = user.role
        user.role = role
        record_audit(
            actor_of(actor), "user.role_set", f"user:{user.username}", before=before, after=role
        )


def check_set_password(actor: User | None, username: Any, password: Any) -> User:
    """Set a local account's password; every session and socket of theirs ends."""
    user = target_account(actor, username)
    refuse_directory(user, "password")
    secret = validate.require_str(password, "password") or ""
    if len(secret) < user_actions.MIN_PASSWORD:
        raise Invalid(
            f"A password needs at least {user_actions.MIN_PASSWORD} characters.",
            code="weak_password",
        )
    with atomic():
        user.password_hash = user_actions.hash_password(secret)
        user_actions.do_end_sessions(user)
        record_audit(actor_of(actor), "user.password_set", f"user:{user.username}")
    return user


def check_reset_password(actor: User | None, username: Any) -> tuple[User, str]:
    """Give a local account a temporary password, returned once (it is stored hashed)."""
    temporary = secrets.token_urlsafe(12)
    return check_set_password(actor, username, temporary), temporary
