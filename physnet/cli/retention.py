"""`physnet retention apply [--dry-run]`."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.group("retention")
def retention_group() -> None:
    """Message retention: delete what the policies say has expired."""


@retention_group.command("apply")
@click.option("--dry-run", is_flag=True, help="Count what would be deleted; change nothing.")
@with_appcontext
def apply_command(dry_run: bool) -> None:
    """Delete messages older than [retention] days or their channel's own setting."""
    from physnet.actions.retention import apply_retention, channel_cutoffs
    from physnet.models import utcnow

    if not channel_cutoffs(utcnow()):
        click.echo(
            "No retention policy applies: [retention] days is unset and no channel sets one."
        )
        return
    report = apply_retention(dry_run=dry_run, progress=lambda text: click.echo(text, err=True))
    click.echo(report.summary())
