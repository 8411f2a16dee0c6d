"""`physnet doctor`: check an installation end to end and say how to fix what is wrong.

Each check returns a Check: passed (True), failed (False) or not applicable (None), a line
saying what it found, and for a failure the fix. The checks run in order; those that need
the app are skipped when the configuration does not load.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from physnet.config import ConfigError, Settings, load_settings
from physnet.doctor.local import (
    EXAMPLE_SECRET,
    clock,
    database,
    directory,
    migrations,
    redis_answers,
    search_index,
    secret_key,
)
from physnet.doctor.proxy import public_url_check
from physnet.doctor.report import Check, failed, render

__all__ = ["EXAMPLE_SECRET", "Check", "failed", "render", "run_checks"]

# Those that need the app (its database engine, its directory settings), in order.
LOCAL_CHECKS: list[tuple[str, Callable[[Settings], Check]]] = [
    ("database", database),
    ("migrations", migrations),
    ("redis", redis_answers),
    ("search index", search_index),
    ("directory", directory),
    ("clock", clock),
]


def run_checks(ca_file: str | None = None, timeout: float = 5.0) -> list[Check]:
    """Every check, in order; never raises for a broken installation (it reports it)."""
    try:
        settings = load_settings()
    except ConfigError as exc:
        return [
            Check(
                "configuration",
                False,
                str(exc),
                "correct that setting in the env file or PHYSNET_CONFIG's TOML file "
                "(docs/deployment.md lists them)",
            )
        ]
    config_file = os.environ.get("PHYSNET_CONFIG") or (
        str(settings.instance_path / "physnet.toml")
        if (settings.instance_path / "physnet.toml").exists()
        else None
    )
    checks = [
        Check(
            "configuration",
            True,
            f"loaded from the environment{f' and {config_file}' if config_file else ''}",
        )
    ]
    try:
        from physnet import create_app

        app = create_app()
    except Exception as exc:  # the checklist must report it, whatever it is
        checks.append(Check("app", False, f"the app does not start: {exc}", "see the error"))
        return checks
    with app.app_context():
        for name, check in LOCAL_CHECKS:
            checks.append(_safely(name, check, settings))
    checks.append(secret_key(settings))
    checks.append(public_url_check(settings, ca_file, timeout))
    return checks


def _safely(name: str, check: Callable[[Settings], Check], settings: Settings) -> Check:
    try:
        return check(settings)
    except Exception as exc:  # one broken check must not hide the others
        return Check(name, False, f"{type(exc).__name__}: {exc}", "see the error above")
