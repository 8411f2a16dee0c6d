"""`physnet files collect`: remove uploads never attached and bytes no file row names."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.group("files")
def files_group() -> None:
    """Attachments: storage housekeeping."""


@files_group.command("collect")
@with_appcontext
def collect_command() -> None:
    """Delete uploads no message took within a day, and stored bytes no file names."""
    from physnet.actions.files.remove import do_collect

    counts = do_collect("cli")
    click.echo(
        f"Removed {counts['unattached']} uploads never attached and "
        f"{counts['orphans']} orphaned stored files."
    )
