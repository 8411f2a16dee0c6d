"""Read everything a sync needs from the directory, once: people, their state, their groups."""

from __future__ import annotations

import contextlib
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import ldap
from ldap.ldapobject import LDAPObject

from physnet.directory.connection import (
    DirectoryError,
    paged_search,
    read_all_values,
    service_connection,
)
from physnet.directory.disabled import disabled_test
from physnet.directory.entries import (
    BadEntry,
    Person,
    directory_id,
    lower_keys,
    person_of,
    text,
    wanted_attributes,
)
from physnet.directory.settings import DirectorySettings, normalize_dn

Progress = Callable[[str], None]


@dataclass
class Snapshot:
    people: list[Person] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # one sentence per bad entry
    # Every stable id read, skipped entries too: a skipped entry is not a leaver.
    seen_ids: set[str] = field(default_factory=set)
    entries_read: int = 0


def _quiet(_: str) -> None:
    pass


def _ids(conn: LDAPObject, settings: DirectorySettings, filterstr: str) -> set[str]:
    ids = set()
    for _, entry in paged_search(conn, settings, settings.user_base, filterstr, [settings.id_attr]):
        try:
            ids.add(directory_id(entry, settings.id_attr))
        except BadEntry:
            continue
    return ids


def _drop_duplicates(snapshot: Snapshot) -> None:
    """Skip every entry that shares a username or an email with another: who owns it?"""
    for key, label in (
        (lambda p: p.username, "username"),
        (lambda p: (p.profile.get("email") or "").lower(), "email"),
    ):
        keys = [key(person) for person in snapshot.people]
        counts = Counter(keys)
        if all(n == 1 or not value for value, n in counts.items()):
            continue  # the usual case: nothing shared
        groups: dict[str, list[Person]] = defaultdict(list)
        for person, value in zip(snapshot.people, keys, strict=True):
            if value and counts[value] > 1:
                groups[value].append(person)
        dropped = set()
        for value, people in groups.items():
            for person in people:
                dropped.add(id(person))
                snapshot.skipped.append(
                    f"{person.dn} shares the {label} {value!r} with "
                    f"{len(people) - 1} other entries; skipped"
                )
        snapshot.people = [p for p in snapshot.people if id(p) not in dropped]


def _attach_groups(conn: LDAPObject, settings: DirectorySettings, people: list[Person]) -> None:
    """Read each configured group's members (AD ranges followed) into Person.groups."""
    by_dn = {normalize_dn(p.dn): p for p in people}
    for group in sorted(settings.mapped_groups):
        members = read_all_values(conn, settings, group, settings.member_attr)
        if members is None:
            raise DirectoryError(
                f"The group {group} named in [ldap.groups] or [ldap.channels] does not exist "
                "in the directory; nothing was changed. Fix the DN or remove it."
            )
        for member in members:
            person = by_dn.get(normalize_dn(text(member)))
            if person is not None:
                person.groups.add(group)


def sync_attributes(settings: DirectorySettings) -> list[str]:
    """What the sync's one paged search asks for: the mapped attributes, and those that
    decide `disabled_filter` when it can be evaluated on the entries (directory.disabled)."""
    test = disabled_test(settings.disabled_filter)
    extra = list(test.attributes) if test is not None else []
    return list(dict.fromkeys([*wanted_attributes(settings), *extra]))


def read_snapshot(settings: DirectorySettings, progress: Progress = _quiet) -> Snapshot:
    """Read the people under user_base matching user_filter, page by page.

    `disabled_filter` is decided from the same entries when it is a simple form
    (directory.disabled); otherwise, or when an entry leaves it uncertain, by a second
    paged search for `(&user_filter disabled_filter)`, as the directory decides it.

    Raises DirectoryError (DirectoryUnavailable when unreachable) with a sentence for IT.
    """
    snapshot = Snapshot()
    test = disabled_test(settings.disabled_filter)
    flagged: set[str] = set()  # disabled by the filter, decided here
    uncertain = False
    with service_connection(settings) as conn:
        try:
            for dn, entry in paged_search(
                conn,
                settings,
                settings.user_base,
                settings.user_filter,
                sync_attributes(settings),
            ):
                snapshot.entries_read += 1
                if snapshot.entries_read % settings.page_size == 0:
                    progress(f"Read {snapshot.entries_read:,} directory entries...")
                entry = lower_keys(entry)  # attribute names lowercased once, for every lookup
                try:
                    person = person_of(dn, entry, settings)
                except BadEntry as exc:
                    snapshot.skipped.append(f"{dn} {exc}; skipped")
                    with contextlib.suppress(BadEntry):  # an id protects from deactivation
                        snapshot.seen_ids.add(directory_id(entry, settings.id_attr))
                    continue
                if test is not None and not uncertain:
                    verdict = test.test(entry)
                    if verdict is None:
                        uncertain = True
                    elif verdict:
                        flagged.add(person.directory_id)
                snapshot.seen_ids.add(person.directory_id)
                snapshot.people.append(person)
            if settings.disabled_filter and (test is None or uncertain):
                flagged = _ids(
                    conn, settings, f"(&{settings.user_filter}{settings.disabled_filter})"
                )
        except ldap.NO_SUCH_OBJECT:
            raise DirectoryError(
                f"The user base {settings.user_base} does not exist in the directory."
            ) from None
        progress(f"Read {snapshot.entries_read:,} directory entries.")
        for person in snapshot.people:
            person.disabled = person.disabled or person.directory_id in flagged
        _drop_duplicates(snapshot)
        if settings.mapped_groups and not settings.member_of_attr:
            _attach_groups(conn, settings, snapshot.people)
    return snapshot
