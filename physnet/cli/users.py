"""`physnet users create|deactivate|activate|set-role|set-password` and `physnet tokens
create`: local accounts and API tokens."""

from __future__ import annotations

import sys
from typing import Any

import click
from flask.cli import with_appcontext

from physnet.errors import PhysNetError
from physnet.models.users import ROLES


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


def _run(action: Any, *args: Any) -> Any:
    """Call an account action as the command line (audited as "system")."""
    try:
        return action(None, *args)
    except PhysNetError as exc:
        raise click.ClickException(exc.message) from None


@users.command("deactivate")
@click.argument("name")
@with_appcontext
def users_deactivate(name: str) -> None:
    """Turn a local account off: its sessions, tokens and sockets end at once."""
    from physnet.actions.accounts import check_set_active

    user = _run(check_set_active, name, False)
    click.echo(f"Deactivated {user.username}.")


@users.command("activate")
@click.argument("name")
@with_appcontext
def users_activate(name: str) -> None:
    """Let a deactivated local account sign in again."""
    from physnet.actions.accounts import check_set_active

    user = _run(check_set_active, name, True)
    click.echo(f"Activated {user.username}.")


@users.command("set-role")
@click.argument("name")
@click.argument("role", type=click.Choice(ROLES))
@with_appcontext
def users_set_role(name: str, role: str) -> None:
    """Give a local account the role member, moderator, admin or analyst (insights counts)."""
    from physnet.actions.accounts import check_set_role

    user = _run(check_set_role, name, role)
    click.echo(f"{user.username} is now {user.role}.")


@users.command("set-password")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def users_set_password(name: str, password_stdin: bool) -> None:
    """Set a local account's password; the person is signed out everywhere."""
    from physnet.actions.accounts import check_set_password

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif sys.stdin.isatty():
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    else:
        raise click.ClickException("No terminal to ask for a password: pass --password-stdin.")
    user = _run(check_set_password, name, password)
    click.echo(f"Password set for {user.username}; their sessions have ended.")
