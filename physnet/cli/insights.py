"""`physnet insights rollup`: the job that keeps the insights fast on a large database."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from physnet.actions.insights import do_rollup_activity


@click.group("insights")
def insights_group() -> None:
    """The figures at /admin/insights."""


@insights_group.command("rollup")
@with_appcontext
def rollup() -> None:
    """Record who posted on which day, for messages since the last run.

    Run it daily (cron or a systemd timer) or more often; the insights count anything
    posted since the last run directly from the messages, so they are right either way,
    only slower on a large database when it has not run for a long time.
    """
    read = do_rollup_activity()
    click.echo(f"Rolled up {read} message ids.")
