"""Directory sign-in: search, then bind; create or refresh the account; trusted SSO."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import Headers

from physnet.actions.directory import (
    apply_memberships,
    do_create_directory_user,
    do_update_directory_user,
)
from physnet.actions.users import authenticate_local
from physnet.db.blocking import off_hub_released
from physnet.db.transaction import atomic
from physnet.directory import lockout, signin
from physnet.directory.connection import DirectoryError
from physnet.directory.entries import USERNAME, Person
from physnet.directory.plan import diff_user, membership_changes, role_for
from physnet.directory.settings import DirectorySettings, directory_settings
from physnet.errors import Unavailable
from physnet.extensions import db
from physnet.models import Channel, Membership, User

log = logging.getLogger(__name__)
DIRECTORY_DOWN = "The hospital directory is not answering; try again shortly."


def do_provision(person: Person, settings: DirectorySettings, actor: str) -> User | None:
    """Create or refresh the account of a person who just signed in; None if they may not.

    Refuses (None) a deactivated account and a username held by another account: a
    directory entry never takes over a local account.
    """
    user = db.session.scalar(select(User).where(User.directory_id == person.directory_id))
    holder = db.session.scalar(select(User.id).where(User.username == person.username))
    if user is not None and not user.active:
        return None
    if holder is not None and (user is None or holder != user.id):
        log.warning("directory sign-in: username %s belongs to another account", person.username)
        return None
    role = role_for(person, settings) if settings.manages_roles else None
    with atomic():
        if user is None:
            user = do_create_directory_user(person, role or "member", actor)
            have: dict[str, str] = {}
        else:
            diffs = diff_user(user, person, settings)
            if diffs:
                do_update_directory_user(user, diffs, actor)
            have = {
                c: s
                for c, s in db.session.execute(
                    select(Channel.name, Membership.source)
                    .join(Membership)
                    .where(Membership.user_id == user.id)
                )
            }
        changes = membership_changes(person, user.username, have, settings)
        if changes:
            apply_memberships(changes, {person.directory_id: user}, actor)
    return user


def _lookup(username: str, password: str | None) -> Person | None:
    settings = directory_settings()
    assert settings is not None
    try:
        return off_hub_released(signin.lookup, settings, username, password)
    except DirectoryError as exc:
        log.error("directory sign-in for %r failed: %s", username, exc)
        raise Unavailable(DIRECTORY_DOWN, code="directory_unavailable") from None


def sign_in(username: str, password: str) -> User | None:
    """The active account for these credentials, else None.

    Local accounts are checked here and never reach the directory, so break-glass admins
    sign in while it is down; a directory account never signs in with a local password.
    An empty password is refused before any bind. Raises Unavailable (503) when the
    directory must be asked and does not answer, and LockoutGuard (429, no bind sent) when
    one more failure could make the directory lock the account.
    """
    if not username or not password or not USERNAME.match(username):
        return None  # no account has such a name: neither the database nor LDAP is asked
    settings = directory_settings()
    user = db.session.scalar(select(User).where(User.username == username))
    if settings is None or (user is not None and user.source == "local"):
        return authenticate_local(username, password)
    lockout.reserve_bind(settings, username)
    person = _lookup(username, password)
    if person is None:
        lockout.bind_failed(settings, username)
        return None
    lockout.bind_succeeded(settings, username)
    return _provision(person, settings, f"user:{person.username}")


def _provision(person: Person, settings: DirectorySettings, actor: str) -> User | None:
    try:
        return do_provision(person, settings, actor)
    except IntegrityError:  # a first sign-in raced another one: the account exists now
        db.session.rollback()
        return do_provision(person, settings, actor)


def sign_in_from_proxy(
    remote_addr: str | None, headers: Headers | Mapping[str, str]
) -> User | None:
    """The directory account named by a trusted SSO proxy's header, else None.

    Off unless ldap.sso.enabled; the header counts only from ldap.sso.trusted_proxies.
    Local accounts are never signed in this way.
    """
    settings = directory_settings()
    if settings is None or not settings.sso.trusts(remote_addr):
        return None
    name = (headers.get(settings.sso.header) or "").strip()
    if settings.sso.strip_realm:
        name = name.split("@", 1)[0]
    name = name.lower()
    if not USERNAME.match(name):
        return None
    user = db.session.scalar(select(User).where(User.username == name))
    if user is not None and user.source == "local":
        return None
    person = _lookup(name, None)
    return _provision(person, settings, f"sso:{person.username}") if person else None
