"""`physnet insights rollup`: the job that keeps the insights fast on a large database."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from physnet.actions.insights import do_rollup_insights


@click.group("insights")
def insights_group() -> None:
    """The figures at /admin/insights."""


@insights_group.command("rollup")
@with_appcontext
def rollup() -> None:
    """Count who posted in which week, and the searches per day, since the last run.

    Run it daily (cron or a systemd timer) or more often; the insights count anything
    not rolled up yet directly from the messages and search records, so they are right
    either way, only slower on a large database when it has not run for a long time.
    """
    read, days = do_rollup_insights()
    click.echo(f"Rolled up {read} message ids and {days} days of searches.")
