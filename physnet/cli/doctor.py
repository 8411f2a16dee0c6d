"""`physnet doctor`: check the installation, even when the app cannot load."""

from __future__ import annotations

import click


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
        raise click.ClickException(f"{len(bad)} check(s) failed: {', '.join(c.name for c in bad)}.")
    click.echo("Every check passed.")
