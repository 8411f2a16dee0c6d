"""Directory sign-in: find the person with the service account, then bind as them."""

from __future__ import annotations

import logging
import uuid

import ldap
from ldap.filter import escape_filter_chars, filter_format
from ldap.ldapobject import LDAPObject

from physnet.directory.connection import bind_as, read_entry, search_one, service_connection
from physnet.directory.entries import BadEntry, Person, get, person_of, wanted_attributes
from physnet.directory.settings import DirectorySettings, normalize_dn

log = logging.getLogger(__name__)


def login_filter(settings: DirectorySettings, username: str) -> str:
    """user_filter AND login_attr=username, the username escaped (`*`, `(`, `)`, `\\`, NUL)."""
    match = filter_format(f"({settings.login_attr}=%s)", [username])
    return f"(&{settings.user_filter}{match})"


def _groups_of(conn: LDAPObject, settings: DirectorySettings, dn: str) -> set[str]:
    """The configured groups that list `dn` as a member."""
    wanted = settings.mapped_groups
    if not wanted:
        return set()
    member = f"({settings.member_attr}={escape_filter_chars(dn)})"
    if settings.group_base:
        found = conn.search_ext_s(
            settings.group_base, ldap.SCOPE_SUBTREE, member, ["1.1"], timeout=settings.timeout_s
        )
        return {normalize_dn(g) for g, _ in found if g is not None} & wanted
    return {g for g in wanted if read_entry(conn, settings, g, ["1.1"], member) is not None}


def _find(conn: LDAPObject, settings: DirectorySettings, username: str) -> Person | None:
    found = search_one(
        conn, settings, login_filter(settings, username), wanted_attributes(settings)
    )
    if len(found) != 1:
        if found:
            log.warning("directory sign-in: %d entries match %r; refusing", len(found), username)
        return None
    dn, entry = found[0]
    try:
        person = person_of(dn, entry, settings)
    except BadEntry as exc:
        log.warning("directory sign-in: entry %s %s", dn, exc)
        return None
    if settings.disabled_filter and not person.disabled:
        disabled = f"(&{settings.user_filter}{settings.disabled_filter})"
        person.disabled = read_entry(conn, settings, dn, ["1.1"], disabled) is not None
    return person


def lookup(settings: DirectorySettings, username: str, password: str | None) -> Person | None:
    """The enabled person with this login (and password, unless None: trusted SSO), else None.

    An empty password is refused before any bind. Raises DirectoryError when the
    directory cannot be asked (DirectoryUnavailable when it is unreachable or slow).
    """
    if password is not None and not password:
        return None
    if not username or "\x00" in username:
        return None
    with service_connection(settings) as conn:
        person = _find(conn, settings, username)
        if person is None or person.disabled:
            return None
        if password is not None and not bind_as(settings, person.dn, password):
            return None
        if not settings.member_of_attr:
            person.groups = _groups_of(conn, settings, person.dn)
        return person


def find(settings: DirectorySettings, username: str) -> Person | None:
    """The person with this login, enabled or disabled, with their mapped groups; None when
    no single entry matches (no bind as them: this is the admin's "sync this person now").

    Raises DirectoryError when the directory cannot be asked.
    """
    if not username or "\x00" in username:
        return None
    with service_connection(settings) as conn:
        person = _find(conn, settings, username)
        if person is not None and not settings.member_of_attr:
            person.groups = _groups_of(conn, settings, person.dn)
        return person


def _id_filter(settings: DirectorySettings, directory_id: str) -> str:
    """user_filter AND id_attr=the stored id, in the form the directory holds it: AD's
    objectGUID as its 16 bytes (escaped), any other id attribute as text."""
    if settings.id_attr.lower() in ("objectguid", "msds-consistencyguid"):
        raw = uuid.UUID(directory_id).bytes_le
        value = "".join(f"\\{b:02x}" for b in raw)
        return f"(&{settings.user_filter}({settings.id_attr}={value}))"
    match = filter_format(f"({settings.id_attr}=%s)", [directory_id])
    return f"(&{settings.user_filter}{match})"


def login_of(settings: DirectorySettings, directory_id: str) -> str | None:
    """The login the entry with this stable id has now; None when no entry under user_base
    with user_filter has that id (the person was removed, or moved out of scope), "" when
    the entry has no login attribute.

    Raises DirectoryError when the directory cannot be asked.
    """
    with service_connection(settings) as conn:
        found = search_one(
            conn, settings, _id_filter(settings, directory_id), [settings.login_attr]
        )
    if not found:
        return None
    values = get(found[0][1], settings.login_attr)
    return values[0].decode("utf-8", "replace") if values else ""
