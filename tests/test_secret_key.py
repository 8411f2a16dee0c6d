"""A guessable secret key stops a production start-up, with one line naming the setting."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from physnet.config import ConfigError, load_settings
from physnet.config.secret_key import EXAMPLE_KEY

ROOT = Path(__file__).resolve().parent.parent
PG = "postgresql://postgres@127.0.0.1:5432/test"
STRONG = "a-strong-key-of-more-than-32-bytes-" + "x" * 10


def example_key() -> str:
    """The key deploy/physnet.env.example ships with."""
    for line in (ROOT / "deploy" / "physnet.env.example").read_text().splitlines():
        if line.startswith("PHYSNET_SECRET_KEY="):
            return line.split("=", 1)[1].strip()
    raise AssertionError("the example env file has no PHYSNET_SECRET_KEY")


def settings(tmp_path: Path, **values: object) -> object:
    return load_settings(values, environ={"PHYSNET_INSTANCE": str(tmp_path / "instance")})


def test_the_example_key_is_the_one_refused() -> None:
    assert example_key() == EXAMPLE_KEY


@pytest.mark.parametrize(
    "values",
    [
        {"database_url": PG},
        {"database_url": "sqlite:///x.db", "secure_cookies": True},
    ],
)
def test_weak_keys_are_refused_in_production(tmp_path: Path, values: dict[str, object]) -> None:
    for key, words in [
        (example_key(), "still the example from deploy/physnet.env.example"),
        ("short-key", "is 9 bytes long"),
        ("x" * 31, "at least 32"),
    ]:
        with pytest.raises(ConfigError) as caught:
            settings(tmp_path, secret_key=key, **values)
        message = str(caught.value)
        assert "PHYSNET_SECRET_KEY" in message and words in message
        assert "\n" not in message
    assert settings(tmp_path, secret_key="x" * 32, **values)
    assert settings(tmp_path, secret_key=STRONG, **values)


def test_the_embedded_default_keeps_working(tmp_path: Path) -> None:
    # SQLite without secure cookies: a demo; a short key is allowed, and with none at all
    # a strong one is generated into the instance folder.
    assert settings(tmp_path, secret_key="demo", database_url="sqlite:///x.db")
    generated = settings(tmp_path, database_url=PG)
    assert len(generated.secret_key) == 64  # type: ignore[attr-defined]


def test_the_command_line_says_why_in_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PHYSNET_")}
    env.update(
        PHYSNET_INSTANCE=str(tmp_path / "instance"),
        PHYSNET_DATABASE_URL=PG,
        PHYSNET_SECRET_KEY=example_key(),
    )
    done = subprocess.run(
        [sys.executable, "-m", "physnet", "db", "upgrade"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("Error: Setting PHYSNET_SECRET_KEY")
