"""Talking to the directory: connect (LDAPS or StartTLS), bind, paged and ranged searches."""

from __future__ import annotations

import contextlib
import logging
import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import ldap
from ldap.controls import SimplePagedResultsControl
from ldap.ldapobject import LDAPObject
from ldapurl import LDAPUrl

from physnet.directory.settings import DirectorySettings

log = logging.getLogger(__name__)
Entry = dict[str, list[bytes]]


class DirectoryError(Exception):
    """The directory refused or failed a request; the message says what, in plain words."""


class DirectoryUnavailable(DirectoryError):
    """The directory cannot be reached, timed out, or the TLS handshake failed."""


def _info(exc: ldap.LDAPError) -> str:
    details = exc.args[0] if exc.args and isinstance(exc.args[0], dict) else {}
    parts = [str(details.get(k, "")) for k in ("desc", "info") if details.get(k)]
    return ": ".join(parts) or exc.__class__.__name__


def _is_tls_problem(exc: ldap.LDAPError) -> bool:
    return bool(re.search(r"TLS|SSL|certificate|handshake", _info(exc), re.IGNORECASE))


def _reachable(settings: DirectorySettings) -> bool:
    """Whether the first URI's host accepts a TCP connection (so a failure is above TCP)."""
    url = LDAPUrl(settings.uri.split()[0])
    host, port = url.hostport or "localhost", ""
    if not host.endswith("]") and ":" in host:
        host, _, port = host.rpartition(":")
    default = 636 if url.urlscheme == "ldaps" else 389
    try:
        with socket.create_connection(
            (host.strip("[]"), int(port or default)), timeout=settings.timeout_s
        ):
            return True
    except (OSError, ValueError):
        return False


def explain(exc: ldap.LDAPError, settings: DirectorySettings) -> DirectoryError:
    """Turn a python-ldap error into a DirectoryError whose message IT can act on."""
    uses_tls = settings.start_tls or settings.uri.startswith("ldaps")
    # libldap reports a refused certificate on ldaps:// as "Can't contact LDAP server":
    # if TCP gets through, the handshake is what failed.
    if (
        _is_tls_problem(exc)
        or isinstance(exc, ldap.CONNECT_ERROR)
        or (uses_tls and isinstance(exc, ldap.SERVER_DOWN) and _reachable(settings))
    ):
        return DirectoryUnavailable(
            f"TLS failure with {settings.uri}: {_info(exc)}. Check ldap.ca_file and that the "
            "server's certificate names the host in ldap.uri."
        )
    if isinstance(exc, ldap.SERVER_DOWN):
        return DirectoryUnavailable(f"Cannot connect to {settings.uri}: {_info(exc)}.")
    if isinstance(exc, ldap.TIMEOUT):
        return DirectoryUnavailable(
            f"The directory at {settings.uri} did not answer within {settings.timeout_s:g} s."
        )
    return DirectoryError(f"The directory at {settings.uri} refused the request: {_info(exc)}.")


def connect(settings: DirectorySettings) -> LDAPObject:
    """An unbound connection with TLS, timeouts and referrals set; StartTLS done if asked."""
    conn = ldap.initialize(settings.uri)
    conn.set_option(ldap.OPT_PROTOCOL_VERSION, 3)
    conn.set_option(ldap.OPT_REFERRALS, 0)  # AD referrals would need another bind: don't chase
    conn.set_option(ldap.OPT_NETWORK_TIMEOUT, settings.timeout_s)
    conn.set_option(ldap.OPT_TIMEOUT, settings.timeout_s)
    conn.set_option(ldap.OPT_X_TLS_REQUIRE_CERT, ldap.OPT_X_TLS_DEMAND)
    if settings.ca_file:
        conn.set_option(ldap.OPT_X_TLS_CACERTFILE, settings.ca_file)
    # libldap reads the TLS options above only when it builds a new context.
    conn.set_option(ldap.OPT_X_TLS_NEWCTX, 0)
    try:
        if settings.start_tls:
            conn.start_tls_s()
    except ldap.LDAPError as exc:
        raise explain(exc, settings) from None
    return conn


def close(conn: LDAPObject) -> None:
    with contextlib.suppress(ldap.LDAPError):
        conn.unbind_s()


def bind_service(conn: LDAPObject, settings: DirectorySettings) -> None:
    """Bind with the service account (or stay anonymous when no bind_dn is configured)."""
    if not settings.bind_dn:
        return
    try:
        conn.simple_bind_s(settings.bind_dn, settings.bind_password)
    except ldap.INVALID_CREDENTIALS:
        raise DirectoryError(
            f"The directory refused the service account bind as {settings.bind_dn}: "
            "check ldap.bind_dn and its password."
        ) from None
    except ldap.LDAPError as exc:
        raise explain(exc, settings) from None


@contextmanager
def service_connection(settings: DirectorySettings) -> Iterator[LDAPObject]:
    """A connection bound as the service account, unbound on exit; errors explained."""
    conn = connect(settings)
    try:
        bind_service(conn, settings)
        yield conn
    except ldap.LDAPError as exc:
        raise explain(exc, settings) from None
    finally:
        close(conn)


def paged_search(
    conn: LDAPObject,
    settings: DirectorySettings,
    base: str,
    filterstr: str,
    attrs: list[str],
    *,
    scope: int = ldap.SCOPE_SUBTREE,
) -> Iterator[tuple[str, Entry]]:
    """Every matching entry, a page at a time (past server size limits, AD's 1,000 too).

    The next page is asked for as soon as a page arrives, before its entries are handed
    out: the server prepares it while the caller works on this one.
    Search references (referrals) are skipped. Raises ldap.NO_SUCH_OBJECT for a missing base.
    """
    control = SimplePagedResultsControl(True, size=settings.page_size, cookie=b"")
    msgid: int | None = conn.search_ext(base, scope, filterstr, attrs, serverctrls=[control])
    try:
        while msgid is not None:
            _, data, _, controls = conn.result3(msgid, timeout=settings.timeout_s)
            msgid = None
            cookie = next(
                (
                    c.cookie
                    for c in controls
                    if c.controlType == SimplePagedResultsControl.controlType
                ),
                b"",
            )
            if cookie:
                control.cookie = cookie
                msgid = conn.search_ext(base, scope, filterstr, attrs, serverctrls=[control])
            for dn, entry in data:
                if dn is not None and isinstance(entry, dict):
                    yield dn, entry
    finally:
        if msgid is not None:  # the caller stopped early: drop the page asked for
            with contextlib.suppress(ldap.LDAPError):
                conn.abandon(msgid)


def read_entry(
    conn: LDAPObject,
    settings: DirectorySettings,
    dn: str,
    attrs: list[str],
    filterstr: str = "(objectClass=*)",
) -> Entry | None:
    """One entry by DN when it matches `filterstr`; None when it does not or does not exist."""
    try:
        result = conn.search_ext_s(
            dn, ldap.SCOPE_BASE, filterstr, attrs, timeout=settings.timeout_s
        )
    except ldap.NO_SUCH_OBJECT:
        return None
    for found_dn, entry in result:
        if found_dn is not None and isinstance(entry, dict):
            return entry
    return None


_RANGE = re.compile(r"^(?P<attr>[^;]+);range=(?P<start>\d+)-(?P<end>\d+|\*)$", re.IGNORECASE)


def ranged_values(entry: Entry, attr: str) -> tuple[list[bytes], int | None]:
    """The values of `attr` in one answer, and where the next range starts (None: done).

    AD returns a large multi-valued attribute as `member;range=0-1499` with the plain
    `member` empty; the last slice ends in `*`.
    """
    for key, values in entry.items():
        match = _RANGE.match(key)
        if match and match["attr"].lower() == attr.lower():
            end = match["end"]
            return list(values), None if end == "*" else int(end) + 1
    for key, values in entry.items():
        if key.lower() == attr.lower():
            return list(values), None
    return [], None


def read_all_values(
    conn: LDAPObject, settings: DirectorySettings, dn: str, attr: str
) -> list[bytes] | None:
    """Every value of `attr` on `dn`, following AD's ranges; None when `dn` does not exist."""
    values: list[bytes] = []
    start: int | None = 0
    while start is not None:
        want = attr if start == 0 else f"{attr};range={start}-*"
        entry = read_entry(conn, settings, dn, [want])
        if entry is None:
            return None if start == 0 else values
        got, start = ranged_values(entry, attr)
        values.extend(got)
    return values


def bind_as(settings: DirectorySettings, dn: str, password: str) -> bool:
    """True when the directory accepts `password` for `dn` (a fresh connection each time).

    An empty password is refused here, before any bind: LDAP treats it as an
    unauthenticated bind that "succeeds".
    """
    if not password or not dn:
        return False
    conn = connect(settings)
    try:
        conn.simple_bind_s(dn, password)
        return True
    except (ldap.INVALID_CREDENTIALS, ldap.UNWILLING_TO_PERFORM, ldap.INVALID_DN_SYNTAX):
        return False
    except ldap.LDAPError as exc:
        raise explain(exc, settings) from None
    finally:
        close(conn)


def search_one(
    conn: LDAPObject, settings: DirectorySettings, filterstr: str, attrs: list[str]
) -> list[tuple[str, Entry]]:
    """At most two entries under user_base: enough to tell one match from an ambiguous one."""
    try:
        result: Any = conn.search_ext_s(
            settings.user_base,
            ldap.SCOPE_SUBTREE,
            filterstr,
            attrs,
            timeout=settings.timeout_s,
            sizelimit=2,
        )
    except ldap.SIZELIMIT_EXCEEDED:
        return [("", {}), ("", {})]
    return [(dn, e) for dn, e in result if dn is not None and isinstance(e, dict)]
