"""`physnet digest send`: the weekly digest ("new tips in your specialty, open questions you
could answer"), in the app or by e-mail, once per person per week."""

from __future__ import annotations

from datetime import UTC, datetime

import click
from flask.cli import with_appcontext
from sqlalchemy.exc import DBAPIError

from physnet.actions.digest.send import do_send_digests


@click.group("digest")
def digest_group() -> None:
    """The weekly digest."""


def _moment(text: str | None) -> datetime | None:
    """--now as an ISO date or date and time; UTC unless it names an offset."""
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise click.ClickException(
            f"--now must be an ISO date or time such as 2026-12-07T07:00, not {text!r}."
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@digest_group.command("send")
@click.option("--dry-run", is_flag=True, help="Say who would get what; send and store nothing.")
@click.option(
    "--now", "now", metavar="WHEN", help="Act as if it were this time (default: now, UTC)."
)
@with_appcontext
def send(dry_run: bool, now: str | None) -> None:
    """Send this week's digest to each person who takes it and has something new.

    Run it weekly (the systemd timer: Mondays 07:00); running it again the same week sends
    nobody a second digest, and retries mails that failed. Exit status 1 when a mail failed.
    """
    moment = _moment(now)
    try:
        summary = do_send_digests(moment, dry_run=dry_run)
    except DBAPIError as exc:
        raise click.ClickException(
            f"The database did not answer: {str(exc.orig).strip().splitlines()[0]}"
        ) from None
    click.echo(str(summary))
    if summary.mail_failed:
        raise click.ClickException(
            f"{summary.mail_failed} digest mail(s) failed; run it again to retry them."
        )
