"""Map the checkout's top-level folders into the package; everything else is in pyproject.toml.

The repo keeps templates/, static/ and migrations/ at the top. Wheels, sdists and
non-editable installs carry them as physnet/templates, physnet/static and
physnet/migrations (an editable install maps the same names onto the checkout), and the
app finds them with importlib.resources (physnet/config/shipped.py). MANIFEST.in lists the files.
"""

from setuptools import find_namespace_packages, find_packages, setup

SHIPPED = ("templates", "static", "migrations")


def shipped_packages() -> list[str]:
    """Each shipped folder and its subfolders, as package names under physnet."""
    names = []
    for folder in SHIPPED:
        names.append(f"physnet.{folder}")
        subfolders = find_namespace_packages(where=folder, exclude=["*__pycache__*"])
        names += [f"physnet.{folder}.{sub}" for sub in subfolders]
    return names


setup(
    packages=find_packages(include=["physnet", "physnet.*"]) + shipped_packages(),
    package_dir={f"physnet.{folder}": folder for folder in SHIPPED},
)
