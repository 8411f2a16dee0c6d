"""What an IT admin does, for real: build the package, install it into a fresh venv the way
docs/install.md says, then migrate, create the first admin, serve, sign in, post and search
from folders that are not the checkout.

Slow (a fresh venv with every dependency, about half a minute with pip's cache warm), so the
venv is made once for the module; marked `live`, and it runs in `make test`.
"""

from __future__ import annotations

import re
import secrets
import shutil
import subprocess
import sys
import tarfile
import time
import uuid
import zipfile
from collections.abc import Iterator
from importlib.metadata import distributions
from pathlib import Path
from typing import Any

import psycopg
import pytest
import requests
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from conftest import PG_ADMIN, free_port

pytestmark = [pytest.mark.live, pytest.mark.xdist_group("install"), pytest.mark.timeout(900)]

CHECKOUT = Path(__file__).resolve().parent.parent
# Never copied into the "release": what a developer's checkout has beyond the sources.
LOCAL_ONLY = shutil.ignore_patterns(
    ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", "*.pyc", "instance",
    "search_index", ".pytest_cache", ".ruff_cache", ".mypy_cache", ".hypothesis",
    "test-results", "results",
)  # fmt: skip
ADMIN_PASSWORD = "a-long-break-glass-passphrase"
SHIPPED = ("templates", "static", "migrations")  # setup.py maps these into the package


def run(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """Run a command; on failure, fail the test with its output."""
    done = subprocess.run(command, capture_output=True, text=True, **kwargs)
    assert done.returncode == 0, (
        f"{' '.join(command)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    )
    return done


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the checkout's sources: what an admin unpacks (and pip never writes into ours)."""
    target = tmp_path_factory.mktemp("release") / "physnet"
    shutil.copytree(CHECKOUT, target, ignore=LOCAL_ONLY)
    return target


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory, release: Path) -> Path:
    """A fresh venv with the locked dependencies and a non-editable install of the release."""
    folder = tmp_path_factory.mktemp("opt") / ".venv"
    run([sys.executable, "-m", "venv", str(folder)])
    pip = [str(folder / "bin" / "pip"), "--quiet", "--disable-pip-version-check"]
    run([*pip, "install", "--require-hashes", "-r", str(release / "requirements.lock")])
    run([*pip, "install", "--no-deps", str(release)])
    run([*pip, "check"])
    unmet = unmet_requirements(folder, "physnet")
    assert not unmet, f"requirements.lock leaves these out: {unmet}"
    return folder


def unmet_requirements(venv: Path, name: str) -> list[str]:
    """What `name` needs, through every dependency and the extras it asks for (gunicorn[gevent]
    needs `packaging`), that the venv lacks. `pip check` does not follow extras."""
    (site,) = (venv / "lib").glob("python3*/site-packages")
    installed = {canonicalize_name(d.metadata["Name"]): d for d in distributions(path=[str(site)])}
    unmet: list[str] = []
    seen: set[tuple[str, frozenset[str]]] = set()
    todo = [(canonicalize_name(name), frozenset[str]())]
    while todo:
        current, extras = todo.pop()
        if (current, extras) in seen:
            continue
        seen.add((current, extras))
        for raw in installed[current].requires or []:
            requirement = Requirement(raw)
            environments = [{"extra": extra} for extra in extras] or [{"extra": ""}]
            if requirement.marker and not any(
                requirement.marker.evaluate(environment) for environment in environments
            ):
                continue
            wanted = canonicalize_name(requirement.name)
            found = installed.get(wanted)
            if found is None or not requirement.specifier.contains(found.version, True):
                unmet.append(f"{raw} (for {current})")
            else:
                todo.append((wanted, frozenset(requirement.extras)))
    return unmet


def admin_env(venv: Path, data: Path, **extra: str) -> dict[str, str]:
    """The environment an /etc/physnet/physnet.env gives: nothing from this test process."""
    return {
        "PATH": f"{venv / 'bin'}:/usr/bin:/bin",
        "HOME": str(data),
        "LANG": "C.UTF-8",
        "PHYSNET_INSTANCE": str(data / "instance"),
        "PHYSNET_SEARCH_INDEX": str(data / "search_index"),
        "PHYSNET_SECRET_KEY": secrets.token_hex(32),
        **extra,
    }


def start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """Start a server process from / (no working directory to lean on)."""
    with log.open("wb") as out:
        return subprocess.Popen(command, env=env, cwd="/", stdout=out, stderr=subprocess.STDOUT)


def wait_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, f"the server exited:\n{log.read_text()}"
        try:
            if requests.get(url + "/healthz", timeout=5).status_code == 200:
                return
        except requests.RequestException:  # refused, or accepted while the worker boots
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url}/healthz never answered 200:\n{log.read_text()}")


def stop(*processes: subprocess.Popen[bytes]) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def csrf_token(html: str) -> str:
    found = re.search(r'name="csrf-token" content="([^"]+)"', html) or re.search(
        r'name="csrf_token"[^>]*value="([^"]+)"', html
    )
    assert found, "no CSRF token in the page"
    return found.group(1)


def sign_in_post_and_find(url: str) -> None:
    """The browser's path: the sign-in form, then the JSON API with the session cookie."""
    http = requests.Session()
    page = http.get(url + "/login", timeout=10)
    assert page.status_code == 200 and "<form" in page.text  # the packaged templates
    css = re.search(r'href="(/static/[^"]+\.css)[^"]*"', page.text)
    assert css, "the sign-in page links no stylesheet"
    assert http.get(url + css.group(1), timeout=10).status_code == 200  # packaged static files
    signed_in = http.post(
        url + "/login",
        data={"username": "chief", "password": ADMIN_PASSWORD, "csrf_token": csrf_token(page.text)},
        allow_redirects=False,
        timeout=10,
    )
    assert signed_in.status_code == 302, signed_in.text
    http.headers["X-CSRFToken"] = csrf_token(http.get(url + "/", timeout=10).text)
    me = http.get(url + "/api/v1/me", timeout=10).json()["user"]
    assert me["username"] == "chief" and me["role"] == "admin"

    created = http.post(
        url + "/api/v1/channels",
        json={"name": "it-install", "title": "IT install", "description": "", "private": False},
        timeout=10,
    )
    assert created.status_code == 201, created.text
    word = "handover" + uuid.uuid4().hex[:8]
    posted = http.post(
        url + "/api/v1/channels/it-install/messages",
        json={"body": f"Downtime {word} checklist is pinned in the EHR tips channel."},
        timeout=10,
    )
    assert posted.status_code == 201, posted.text
    message_id = posted.json()["message"]["id"]

    deadline = time.monotonic() + 30  # the indexer polls the change log
    while True:
        found = http.get(url + "/api/v1/search", params={"q": word}, timeout=10)
        assert found.status_code == 200, found.text
        if any(hit["id"] == message_id for hit in found.json()["results"]):
            return
        assert time.monotonic() < deadline, f"search never found the message: {found.text}"
        time.sleep(0.3)


def migrate_and_create_admin(venv: Path, env: dict[str, str], elsewhere: Path) -> None:
    """`physnet db upgrade` and the first admin, from a folder that is not the checkout."""
    physnet = str(venv / "bin" / "physnet")
    run([physnet, "db", "upgrade"], env=env, cwd=elsewhere)
    created = run(
        [physnet, "users", "create", "chief", "--admin", "--password-stdin"],
        env=env,
        cwd=elsewhere,
        input=ADMIN_PASSWORD + "\n",
    )
    assert "Created admin chief" in created.stdout


@pytest.fixture
def postgres_database() -> Iterator[str]:
    """An empty PostgreSQL database, as the admin creates it (the schema is theirs to make)."""
    name = f"physnet_install_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_the_wheel_and_sdist_carry_templates_static_files_migrations_and_data(
    release: Path, tmp_path: Path
) -> None:
    run([sys.executable, "-m", "build", "--outdir", str(tmp_path), str(release)])
    (wheel,) = tmp_path.glob("physnet-*.whl")
    (sdist,) = tmp_path.glob("physnet-*.tar.gz")
    with zipfile.ZipFile(wheel) as archive:
        in_wheel = set(archive.namelist())
        metadata = archive.read(next(n for n in in_wheel if n.endswith(".dist-info/METADATA")))
    # Every file of the package and of the mapped top-level folders, data files included.
    expected = {"physnet/wsgi.py", "physnet/search/synonyms.txt", "physnet/migrations/env.py"}
    for top, inside in (("physnet", "physnet"), *((d, f"physnet/{d}") for d in SHIPPED)):
        for path in (release / top).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                expected.add(f"{inside}/{path.relative_to(release / top).as_posix()}")
    assert "physnet/templates/login.html" in expected
    assert "physnet/migrations/versions/0001_core_tables.py" in expected
    missing = sorted(expected - in_wheel)
    assert not missing, f"missing from the wheel: {missing}"
    assert not [name for name in in_wheel if "__pycache__" in name or name.endswith(".pyc")]
    for requirement in (b"python-ldap", b"whoosh-reloaded", b"numpy", b"gunicorn[gevent]"):
        assert b"Requires-Dist: " + requirement in metadata, requirement

    root = sdist.name.removesuffix(".tar.gz")
    with tarfile.open(sdist) as archive:
        in_sdist = set(archive.getnames())
    for name in (
        "templates/base.html",
        "static/css/physnet.css",
        "migrations/versions/0001_core_tables.py",
        "physnet/search/synonyms.txt",
        "requirements.lock",
        "deploy/gunicorn.conf.py",
        "deploy/systemd/physnet-web@.service",
        "docs/install.md",
    ):
        assert f"{root}/{name}" in in_sdist, f"{name} is missing from the sdist"


def test_an_admin_installs_migrates_and_serves_with_gunicorn_and_the_indexer(
    venv: Path, release: Path, tmp_path: Path, postgres_database: str
) -> None:
    """docs/install.md's shape: PostgreSQL, gunicorn (gevent) on physnet.wsgi:app from /,
    the one indexer process, and the data in PHYSNET_INSTANCE / PHYSNET_SEARCH_INDEX."""
    data, elsewhere = tmp_path / "var-lib-physnet", tmp_path / "home-admin"
    data.mkdir()
    elsewhere.mkdir()
    env = admin_env(venv, data, PHYSNET_DATABASE_URL=postgres_database)
    migrate_and_create_admin(venv, env, elsewhere)
    etc = tmp_path / "etc-physnet"
    etc.mkdir()
    shutil.copy(release / "deploy" / "gunicorn.conf.py", etc / "gunicorn.conf.py")

    port = free_port()
    web = start(
        [str(venv / "bin" / "gunicorn"), "-c", str(etc / "gunicorn.conf.py"), "physnet.wsgi:app"],
        {**env, "PHYSNET_BIND": f"127.0.0.1:{port}", "PHYSNET_SEARCH_INDEXER": "off"},
        tmp_path / "web.log",
    )
    indexer = start(
        [str(venv / "bin" / "physnet"), "search", "serve"], env, tmp_path / "indexer.log"
    )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, web, tmp_path / "web.log")
        sign_in_post_and_find(url)
        # The gevent worker started: gunicorn[gevent] brought it and `packaging`.
        assert "Using worker: gevent" in (tmp_path / "web.log").read_text()
    finally:
        stop(web, indexer)
    assert (data / "search_index").is_dir()
    assert not list(elsewhere.iterdir()), "a command wrote into the folder it was run from"
    site = next((venv / "lib").glob("python3*/site-packages"))
    assert not (site / "instance").exists() and not (site / "search_index").exists()


def test_physnet_run_from_another_folder_keeps_its_data_in_the_instance_folder(
    venv: Path, tmp_path: Path
) -> None:
    """The embedded shape, installed: SQLite by default, inside PHYSNET_INSTANCE."""
    data, elsewhere = tmp_path / "data", tmp_path / "somewhere"
    data.mkdir()
    elsewhere.mkdir()
    env = admin_env(venv, data)
    migrate_and_create_admin(venv, env, elsewhere)
    assert (data / "instance" / "physnet.db").is_file()

    port = free_port()
    server = start(
        [str(venv / "bin" / "physnet"), "run", "--port", str(port)], env, tmp_path / "run.log"
    )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, server, tmp_path / "run.log")
        sign_in_post_and_find(url)
    finally:
        stop(server)
    assert not list(elsewhere.iterdir()), "a command wrote into the folder it was run from"


def test_an_instance_folder_that_cannot_be_made_is_a_one_line_error(
    venv: Path, tmp_path: Path
) -> None:
    """A unit without PHYSNET_INSTANCE runs from / and cannot create /instance as a user;
    with no secret key set, generating one is the first thing that needs the folder."""
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("")
    env = {**admin_env(venv, tmp_path), "PHYSNET_INSTANCE": str(blocked / "instance")}
    without_key = {k: v for k, v in env.items() if k != "PHYSNET_SECRET_KEY"}
    for environment in (env, without_key):
        done = subprocess.run(
            [str(venv / "bin" / "physnet"), "db", "upgrade"],
            env=environment,
            capture_output=True,
            text=True,
        )
        assert done.returncode != 0
        assert "PHYSNET_INSTANCE" in done.stderr and "Traceback" not in done.stderr


def test_the_lock_matches_pyproject() -> None:
    """`make lock` was run after the last dependency change (tools/lock.py check)."""
    done = subprocess.run(
        [sys.executable, str(CHECKOUT / "tools" / "lock.py"), "check"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr


def test_every_file_the_install_guide_names_is_shipped() -> None:
    """docs/install.md copies files out of the release: each one exists in deploy/."""
    guide = (CHECKOUT / "docs" / "install.md").read_text(encoding="utf-8")
    named = set(re.findall(r"\bdeploy/[\w.@/-]*[\w@]", guide))
    assert "deploy/gunicorn.conf.py" in named and "deploy/physnet.env.example" in named
    for name in named:
        assert list(CHECKOUT.glob(name + "*")), f"docs/install.md names {name}, which is not there"
    assert "requirements.lock" in guide and (CHECKOUT / "requirements.lock").is_file()
