"""`physnet demo load`: the demo channels, people, messages and tips."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.group()
def demo() -> None:
    """Demo channels, users and messages."""


@demo.command("load")
@with_appcontext
def demo_load() -> None:
    """Load the demo data; running it again changes nothing."""
    from physnet.demo.load import load_demo

    summary = load_demo(progress=lambda text: click.echo(text, err=True))
    click.echo(summary)
