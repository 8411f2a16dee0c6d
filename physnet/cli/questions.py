"""`physnet questions offer-help`: the job that offers unanswered questions to people who
may know ("Can you help?")."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy.exc import DBAPIError

from physnet.actions.help_offers import do_offer_help


@click.group("questions")
def questions_group() -> None:
    """Questions and answers."""


@questions_group.command("offer-help")
@with_appcontext
def offer_help() -> None:
    """Offer open questions with no reply after [questions] help_after_hours (default 24)
    to people whose expertise or specialty matches.

    Run it hourly (cron or a systemd timer); each person is offered a question once,
    however often it runs.
    """
    try:
        summary = do_offer_help()
    except DBAPIError as exc:
        raise click.ClickException(
            f"The database did not answer: {str(exc.orig).strip().splitlines()[0]}"
        ) from None
    click.echo(str(summary))
