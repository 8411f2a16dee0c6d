"""`physnet channels archive|unarchive NAME`."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from physnet.errors import PhysNetError


@click.group("channels")
def channels_group() -> None:
    """Channels under IT's hand."""


def _set_archived(name: str, archived: bool) -> None:
    from physnet.actions.channel_admin import check_set_archived

    try:
        channel = check_set_archived(None, name, archived)
    except PhysNetError as exc:
        raise click.ClickException(exc.message) from None
    state = "archived (read-only)" if archived else "open for posting again"
    click.echo(f"#{channel.name} is {state}.")


@channels_group.command("archive")
@click.argument("name")
@with_appcontext
def archive_command(name: str) -> None:
    """Make a channel read-only: its history stays readable, nobody can post."""
    _set_archived(name, True)


@channels_group.command("unarchive")
@click.argument("name")
@with_appcontext
def unarchive_command(name: str) -> None:
    """Open an archived channel for posting again."""
    _set_archived(name, False)
