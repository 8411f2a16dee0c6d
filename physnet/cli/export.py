"""`physnet export messages`: a records request, streamed to stdout or a file."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import IO

import click
from flask.cli import with_appcontext

from physnet.errors import PhysNetError


@click.group("export")
def export_group() -> None:
    """Records requests (eDiscovery)."""


@export_group.command("messages")
@click.option("--since", required=True, help="From this date (YYYY-MM-DD) or ISO time, UTC.")
@click.option("--until", default=None, help="Up to (not including) this date or time.")
@click.option("--channel", "channels", multiple=True, help="Only this channel (repeatable).")
@click.option("--user", "usernames", multiple=True, help="Only this author (repeatable).")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl")
@click.option("--output", type=click.Path(dir_okay=False, writable=True), default=None)
@with_appcontext
def export_messages(
    since: str,
    until: str | None,
    channels: tuple[str, ...],
    usernames: tuple[str, ...],
    fmt: str,
    output: str | None,
) -> None:
    """Export messages with their edit history and deletions marked; audited."""
    from physnet.actions.records import check_export
    from physnet.reads.records import export_lines

    try:
        query = check_export(None, since, until, list(channels), list(usernames), fmt)
    except PhysNetError as exc:
        raise click.ClickException(exc.message) from None
    if output:
        with open(output, "w", encoding="utf-8", newline="") as target:
            count = _write(target, export_lines(query, fmt))
    else:
        count = _write(sys.stdout, export_lines(query, fmt))
    # CSV ends with one chunk more than it has rows (the header's, or an empty one).
    rows = count - 1 if fmt == "csv" and count else count
    click.echo(f"Exported {max(rows, 0)} messages.", err=True)


def _write(target: IO[str], chunks: Iterable[str]) -> int:
    count = 0
    for chunk in chunks:
        target.write(chunk)
        count += 1
    return count
