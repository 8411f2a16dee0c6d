"""`physnet ldap check`: find what is wrong with the directory settings, in plain words."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import islice

import ldap
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from physnet.directory.connection import (
    DirectoryError,
    bind_service,
    close,
    connect,
    explain,
    paged_search,
    read_all_values,
    read_entry,
)
from physnet.directory.entries import BadEntry, get, person_of, wanted_attributes
from physnet.directory.settings import DirectorySettings
from physnet.extensions import db
from physnet.models import Channel


@dataclass
class CheckReport:
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def ok(self, text: str) -> None:
        self.lines.append(f"ok       {text}")

    def note(self, text: str) -> None:
        self.lines.append(f"note     {text}")

    def warning(self, text: str) -> None:
        """Worth a look, but PhysNet works: the check still passes."""
        self.lines.append(f"WARNING  {text}")
        self.warnings.append(text)

    def problem(self, text: str) -> None:
        self.lines.append(f"PROBLEM  {text}")
        self.problems.append(text)


def _sample_lines(
    report: CheckReport,
    settings: DirectorySettings,
    sample: list[tuple[str, dict[str, list[bytes]]]],
) -> None:
    report.lines.append(f"Sample of {len(sample)} entries, as PhysNet maps them:")
    missing = {name: 0 for name in settings.attributes}
    for dn, entry in sample:
        report.lines.append(f"  {dn}")
        try:
            person = person_of(dn, entry, settings)
        except BadEntry as exc:
            report.problem(f"entry {dn} {exc}: sync would skip it")
            continue
        report.lines.append(f"    {'username':<13} {person.username}  ({settings.login_attr})")
        report.lines.append(f"    {'id':<13} {person.directory_id}  ({settings.id_attr})")
        if not person.profile.get("display_name", "-"):
            report.problem(f"entry {dn} has no name (its display name attribute or cn)")
        for name, attr in settings.attributes.items():
            value = person.profile.get(name)
            if not get(entry, attr):
                missing[name] += 1
                shown = f"{value} (from cn)" if value else "-- missing"
            elif name == "photo":
                shown = f"{len(value or b''):,} bytes"
            else:
                shown = str(value)
            report.lines.append(f"    {name:<13} {shown}  ({attr})")
        if person.disabled:
            report.lines.append("    (disabled: userAccountControl)")
    for name, count in missing.items():
        attr = settings.attributes[name]
        if sample and count == len(sample):
            # Profile fields are optional (most AD users have no photo): PhysNet works
            # without them, so this is a warning. Login, id and name are required above.
            effect = "names come from cn" if name == "display_name" else f"{name} stays empty"
            report.warning(
                f"mapped attribute {attr} (ldap.attributes.{name}) is missing on all "
                f"{len(sample)} sampled entries, so {effect}: fine if your directory has "
                f'none; otherwise check its name (or set it to "" to map nothing)'
            )
        elif count:
            report.note(
                f"{name} ({attr}) is missing on {count} of {len(sample)} sampled "
                "entries; those profiles leave it empty"
            )


def _groups(
    report: CheckReport, conn: ldap.ldapobject.LDAPObject, settings: DirectorySettings
) -> None:
    for group in sorted(settings.mapped_groups):
        members = read_all_values(conn, settings, group, settings.member_attr)
        if members is None:
            report.problem(f"group {group} (in [ldap.groups] or [ldap.channels]) was not found")
        else:
            report.ok(f"group {group}: {len(members)} values of {settings.member_attr}")
    names = {n for channels in settings.channels.values() for n in channels}
    try:
        existing = set(db.session.scalars(select(Channel.name).where(Channel.name.in_(names))))
    except SQLAlchemyError:
        db.session.rollback()
        report.note("the database is not ready, so mapped channels were not checked")
        return
    for name in sorted(names):
        if name not in existing:
            report.note(f"channel #{name} in [ldap.channels] does not exist yet; sync skips it")


def run_check(
    settings: DirectorySettings, sample_size: int = 3, progress: Callable[[str], None] | None = None
) -> CheckReport:
    """Connect, bind, find the base and the people, and map a few entries; stop at the
    first failure that makes the rest meaningless."""
    report = CheckReport()
    tls = (
        "StartTLS"
        if settings.start_tls
        else ("LDAPS" if settings.uri.startswith("ldaps") else "no TLS")
    )
    report.lines.append(f"Directory {settings.uri} ({tls}, timeout {settings.timeout_s:g} s)")
    try:
        conn = connect(settings)
        if settings.bind_dn:
            bind_service(conn, settings)
        else:
            conn.simple_bind_s("", "")  # anonymous: still proves we can connect
    except DirectoryError as exc:
        report.problem(str(exc))
        return report
    except ldap.LDAPError as exc:
        report.problem(str(explain(exc, settings)))
        return report
    report.ok(f"connected to {settings.uri}" + (" and started TLS" if settings.start_tls else ""))
    report.ok(f"bound as {settings.bind_dn}" if settings.bind_dn else "bound anonymously")
    try:
        if read_entry(conn, settings, settings.user_base, ["1.1"]) is None:
            report.problem(
                f"the base DN {settings.user_base} (ldap.user_base) was not found, "
                "or the service account may not read it"
            )
            return report
        report.ok(f"base DN {settings.user_base} exists")
        total = 0
        for _ in paged_search(conn, settings, settings.user_base, settings.user_filter, ["1.1"]):
            total += 1
            if progress and total % 10_000 == 0:
                progress(f"Counted {total:,} entries...")
        if not total:
            report.problem(
                f"the filter {settings.user_filter} (ldap.user_filter) matches "
                f"nothing under {settings.user_base}"
            )
            return report
        report.ok(f"filter {settings.user_filter} matches {total:,} entries")
        if settings.disabled_filter:
            disabled = sum(
                1
                for _ in paged_search(
                    conn,
                    settings,
                    settings.user_base,
                    f"(&{settings.user_filter}{settings.disabled_filter})",
                    ["1.1"],
                )
            )
            report.ok(f"disabled filter {settings.disabled_filter} matches {disabled:,} of them")
        entries = paged_search(
            conn, settings, settings.user_base, settings.user_filter, wanted_attributes(settings)
        )
        _sample_lines(report, settings, list(islice(entries, sample_size)))
        _groups(report, conn, settings)
    except ldap.LDAPError as exc:
        report.problem(str(explain(exc, settings)))
    finally:
        close(conn)
    return report
