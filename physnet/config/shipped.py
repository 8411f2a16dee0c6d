"""Find the folders PhysNet ships beside its code: templates, static files, migrations.

A wheel, sdist or non-editable install carries them inside the package (physnet/templates,
...; setup.py maps the checkout's top-level folders there). An editable install or a bare
checkout has them at the top of the checkout instead, next to the package.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def folder(name: str) -> Path:
    """Return the shipped folder `name` ("templates", "static", "migrations") on disk.

    Raises FileNotFoundError when neither the package nor a checkout has it (an install
    that dropped package data, or a zipped package, which Flask and Alembic cannot read).
    """
    packaged = Path(str(files("physnet") / name))
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[2] / name  # physnet/config/shipped.py
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(f"PhysNet's {name}/ folder is missing from {packaged.parent}.")
