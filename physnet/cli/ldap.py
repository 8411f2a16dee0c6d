"""`physnet ldap check` and `physnet ldap sync`."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from physnet.directory.settings import directory_settings
from physnet.errors import PhysNetError

NO_DIRECTORY = "No directory is configured: set ldap.uri in [ldap] or PHYSNET_LDAP_URI."


@click.group("ldap")
def ldap_group() -> None:
    """The hospital directory (LDAP / Active Directory)."""


@ldap_group.command("check")
@click.option("--sample", default=3, show_default=True, help="How many entries to map.")
@with_appcontext
def check_command(sample: int) -> None:
    """Connect, bind, and show how a few directory entries map."""
    from physnet.directory.check import run_check

    settings = directory_settings()
    if settings is None:
        raise click.ClickException(NO_DIRECTORY)
    report = run_check(settings, sample, progress=lambda text: click.echo(text, err=True))
    for line in report.lines:
        click.echo(line)
    if report.problems:
        raise click.ClickException(report.problems[0][:1].upper() + report.problems[0][1:] + ".")
    if report.warnings:
        count = len(report.warnings)
        click.echo(
            f"The directory settings work ({count} warning{'s' if count > 1 else ''} above)."
        )
    else:
        click.echo("The directory settings work.")


@ldap_group.command("sync")
@click.option("--dry-run", is_flag=True, help="Print what would change; change nothing.")
@click.option(
    "--force",
    is_flag=True,
    help="Apply even when more than max_deactivate_fraction would be deactivated.",
)
@click.option("-q", "--quiet", is_flag=True, help="Print only the summary (for cron mail).")
@with_appcontext
def sync_command(dry_run: bool, force: bool, quiet: bool) -> None:
    """Provision from the directory: create, update, deactivate, map groups; print a summary."""
    from physnet.actions.directory import check_ldap_sync

    def progress(text: str) -> None:
        if not quiet:
            click.echo(text, err=True)

    try:
        result = check_ldap_sync(dry_run=dry_run, force=force, progress=progress)
    except PhysNetError as exc:
        raise click.ClickException(exc.message) from None
    if not quiet:
        for line in result.plan.lines():
            click.echo(line)
    prefix = "Dry run, nothing changed: " if dry_run else "Synced: "
    click.echo(prefix + result.plan.summary())
