"""The secret key that signs sessions: generated once, and refused when it is guessable."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

MIN_BYTES = 32
# The placeholder in deploy/physnet.env.example: public, so never a key.
EXAMPLE_KEY = "replace-with-the-output-of-python3-c-import-secrets-print-secrets.token_hex-32"
HOW = 'make one with: python3 -c "import secrets; print(secrets.token_hex(32))"'


def generated_key(instance: Path) -> str:
    """Return the instance's secret key, generating it on first use."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def weak_key_problem(key: str, secure_cookies: bool, database_url: str) -> str | None:
    """Why `key` may not sign sessions here, or None.

    Production is any installation with secure cookies or a database other than SQLite;
    there, the example key and any key shorter than MIN_BYTES are refused. (The embedded
    default on SQLite may keep a short key for a demo.)
    """
    if not secure_cookies and database_url.startswith("sqlite"):
        return None
    if key.strip() == EXAMPLE_KEY:
        return (
            "Setting PHYSNET_SECRET_KEY (secret_key) is still the example from "
            f"deploy/physnet.env.example, which anyone can read; {HOW}."
        )
    if len(key.encode()) < MIN_BYTES:
        return (
            f"Setting PHYSNET_SECRET_KEY (secret_key) is {len(key.encode())} bytes long; with "
            f"secure cookies or PostgreSQL it must be at least {MIN_BYTES}: {HOW}."
        )
    return None
