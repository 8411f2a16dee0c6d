"""`physnet tips remind`: the daily job that reminds people of tips due for review."""

from __future__ import annotations

from datetime import date

import click
from flask.cli import with_appcontext
from sqlalchemy.exc import DBAPIError

from physnet.actions.tips.reviews import do_remind_due_tips


@click.group("tips")
def tips_group() -> None:
    """Knowledge tips."""


@tips_group.command("remind")
@click.option(
    "--date",
    "on",
    default=None,
    metavar="YYYY-MM-DD",
    help="Act as if today were this date (default: today, UTC).",
)
@with_appcontext
def remind(on: str | None) -> None:
    """Remind owners and channel moderators of tips past their review date.

    Run it daily (cron or a systemd timer); each person is reminded once per tip and
    review date, however often it runs.
    """
    day = None
    if on is not None:
        try:
            day = date.fromisoformat(on)
        except ValueError:
            raise click.ClickException(f"--date must be YYYY-MM-DD, not {on!r}.") from None
    try:
        summary = do_remind_due_tips(day)
    except DBAPIError as exc:
        raise click.ClickException(
            f"The database did not answer: {str(exc.orig).strip().splitlines()[0]}"
        ) from None
    click.echo(str(summary))
