"""`physnet audit verify` and `physnet audit export`."""

from __future__ import annotations

import sys
from contextlib import nullcontext

import click
from flask.cli import with_appcontext

from physnet.errors import PhysNetError


@click.group("audit")
def audit_group() -> None:
    """The audit log: verify its hash chain, export it."""


@audit_group.command("verify")
@with_appcontext
def verify_command() -> None:
    """Walk the hash chain; exit non-zero naming the first event that does not fit."""
    from physnet.audit.chain import verify

    verdict = verify()
    if verdict.intact:
        click.echo(f"{verdict.events} events, chain intact")
        return
    where = f"event id {verdict.broken_id}" if verdict.broken_id else "the end of the log"
    raise click.ClickException(
        f"Chain broken at {where}: {verdict.problem} ({verdict.events} events verified before it)."
    )


@audit_group.command("export")
@click.option("--since", required=True, help="First day (YYYY-MM-DD, UTC) to include.")
@click.option("--until", default=None, help="Last day (YYYY-MM-DD, UTC) to include.")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv")
@click.option("--output", type=click.Path(dir_okay=False, writable=True), default=None)
@click.option("--actor", default="", help="Only events by this actor (user:NAME).")
@click.option("--action", default="", help="Only this action; a trailing . or * matches a prefix.")
@with_appcontext
def export_command(
    since: str, until: str | None, fmt: str, output: str | None, actor: str, action: str
) -> None:
    """Write the events of a period as CSV or JSON (to stdout, or --output FILE)."""
    from physnet.actions.audit import record_audit
    from physnet.audit.export import AuditFilter, as_csv, as_json, matching, parse_day
    from physnet.db.transaction import atomic

    try:
        where = AuditFilter(
            actor=actor,
            action=action,
            since=parse_day(since, "--since"),
            until=parse_day(until, "--until", end=True),
        )
    except PhysNetError as exc:
        raise click.ClickException(exc.message) from None
    count = 0

    def counted() -> object:
        nonlocal count
        for row in matching(where):
            count += 1
            yield row

    chunks = (as_csv if fmt == "csv" else as_json)(counted())  # type: ignore[arg-type]
    target = open(output, "w", encoding="utf-8", newline="") if output else nullcontext(sys.stdout)  # noqa: SIM115
    with target as out:
        for chunk in chunks:
            out.write(chunk)
    with atomic():  # exporting the log is itself an event in it
        record_audit(
            "cli",
            "audit.exported",
            output or "stdout",
            format=fmt,
            events=count,
            filters=where.describe(),
        )
    click.echo(f"Exported {count} events.", err=True)
