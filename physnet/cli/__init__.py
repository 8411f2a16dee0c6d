"""The `physnet` command line (the same commands run under `flask --app physnet`)."""

from __future__ import annotations

import sys
from typing import Any

import click
from flask import Flask
from flask.cli import FlaskGroup

from physnet.config import ConfigError


def register(app: Flask) -> None:
    from physnet.cli.audit import audit_group
    from physnet.cli.channels import channels_group
    from physnet.cli.demo import demo
    from physnet.cli.digest import digest_group
    from physnet.cli.export import export_group
    from physnet.cli.files import files_group
    from physnet.cli.insights import insights_group
    from physnet.cli.ldap import ldap_group
    from physnet.cli.questions import questions_group
    from physnet.cli.retention import retention_group
    from physnet.cli.search import search_group
    from physnet.cli.server import run_command
    from physnet.cli.tips import tips_group
    from physnet.cli.users import tokens, users

    app.cli.add_command(run_command)
    app.cli.add_command(demo)
    app.cli.add_command(users)
    app.cli.add_command(tokens)
    app.cli.add_command(ldap_group)
    app.cli.add_command(search_group)
    app.cli.add_command(tips_group)
    app.cli.add_command(audit_group)
    app.cli.add_command(retention_group)
    app.cli.add_command(channels_group)
    app.cli.add_command(export_group)
    app.cli.add_command(files_group)
    app.cli.add_command(insights_group)
    app.cli.add_command(questions_group)
    app.cli.add_command(digest_group)
    app.cli.add_command(doctor_command)


def _create_app(*args: Any) -> Flask:
    from physnet import create_app

    return create_app()


cli = FlaskGroup(
    create_app=_create_app,
    add_default_commands=False,
    add_version_option=False,
    help="PhysNet: the collaboration network for physicians.",
)
from physnet.cli.doctor import doctor_command  # noqa: E402  (after `cli`: no cycle)

# Also on the group itself, so `physnet doctor` runs (and reports) when the app cannot load.
cli.add_command(doctor_command)


def main() -> None:
    try:
        cli.main(prog_name="physnet")
    except ConfigError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)
