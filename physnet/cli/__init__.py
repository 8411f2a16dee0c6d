"""The `physnet` command line (the same commands run under `flask --app physnet`)."""

from __future__ import annotations

import os
import sys
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from physnet.config import ConfigError
from physnet.errors import PhysNetError


def _fail(message: str) -> None:
    raise click.ClickException(message)


def register(app: Flask) -> None:
    from physnet.cli.audit import audit_group
    from physnet.cli.ldap import ldap_group
    from physnet.cli.retention import retention_group
    from physnet.cli.search import search_group
    from physnet.cli.tips import tips_group

    app.cli.add_command(run_command)
    app.cli.add_command(demo)
    app.cli.add_command(users)
    app.cli.add_command(tokens)
    app.cli.add_command(ldap_group)
    app.cli.add_command(search_group)
    app.cli.add_command(tips_group)
    app.cli.add_command(audit_group)
    app.cli.add_command(retention_group)
    app.cli.add_command(doctor_command)


@click.command("run")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--debug", is_flag=True, help="Reload on code changes and show tracebacks.")
@with_appcontext
def run_command(host: str, port: int, debug: bool) -> None:
    """Serve PhysNet with websockets (embedded and development server)."""
    from physnet import prepare_server
    from physnet.extensions import socketio

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    prepare_server(app)
    # Flask refuses app.run() under its CLI; this command is the server, so allow it.
    os.environ.pop("FLASK_RUN_FROM_CLI", None)
    click.echo(f"PhysNet on http://{host}:{port} (database {app.config['PHYSNET'].database_url})")
    socketio.run(
        app,
        host=host,
        port=port,
        debug=debug,
        use_reloader=debug,
        allow_unsafe_werkzeug=True,
        log_output=debug,
    )


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
        _fail("No terminal to ask for a password: pass --password-stdin.")
    try:
        user = check_create_local_user(
            name, password, role="admin" if admin else "member", display_name=display_name or name
        )
    except PhysNetError as exc:
        _fail(exc.message)
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
        _fail(exc.message)
    click.echo(token)


@click.command("doctor")
@click.option(
    "--ca-file",
    type=click.Path(exists=True, dir_okay=False),
    help="CA certificate that signed public_url's certificate (a private or self-signed one).",
)
@click.option("--timeout", default=5.0, show_default=True, help="Seconds per network check.")
def doctor_command(ca_file: str | None, timeout: float) -> None:
    """Check the installation: config, database, Redis, index, directory, secret, proxy, clock."""
    from physnet.doctor import failed, render, run_checks

    checks = run_checks(ca_file=ca_file, timeout=timeout)
    for line in render(checks):
        click.echo(line)
    bad = failed(checks)
    if bad:
        _fail(f"{len(bad)} check(s) failed: {', '.join(c.name for c in bad)}.")
    click.echo("Every check passed.")


def _create_app(*args: Any) -> Flask:
    from physnet import create_app

    return create_app()


cli = FlaskGroup(
    create_app=_create_app,
    add_default_commands=False,
    add_version_option=False,
    help="PhysNet: the collaboration network for physicians.",
)
# Also on the group itself, so `physnet doctor` runs (and reports) when the app cannot load.
cli.add_command(doctor_command)


def main() -> None:
    try:
        cli.main(prog_name="physnet")
    except ConfigError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)
