"""`physnet users create` and `physnet tokens create`: local accounts and API tokens."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from physnet.errors import PhysNetError


@click.group()
def users() -> None:
    """Local accounts."""


@users.command("create")
@click.argument("name")
@click.option("--admin", is_flag=True, help="Give the account the admin role.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--display-name", default="", help="Name shown to colleagues.")
@with_appcontext
def users_create(name: str, admin: bool, password_stdin: bool, display_name: str) -> None:
    """Create a local account (break-glass admin, demo)."""
    from physnet.actions.users import check_create_local_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        raise click.ClickException("No terminal to ask for a password: pass --password-stdin.")
    try:
        user = check_create_local_user(
            name, password, role="admin" if admin else "member", display_name=display_name or name
        )
    except PhysNetError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"Created {'admin' if admin else 'user'} {user.username}.")


@click.group()
def tokens() -> None:
    """API tokens."""


@tokens.command("create")
@click.argument("name")
@click.option("--label", default="", help="What the token is for.")
@with_appcontext
def tokens_create(name: str, label: str) -> None:
    """Print a new API token for NAME: the token alone on stdout."""
    from physnet.actions.users import check_create_token

    try:
        _, token = check_create_token(name, label)
    except PhysNetError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(token)
