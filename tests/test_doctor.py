"""`physnet doctor` against real installations: nginx (the shipped config), gunicorn,
PostgreSQL and Redis; and against broken ones, where it must name what is wrong."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fault_support import GunicornServer, physnet_cli, physnet_env
from proxy_support import SHIPPED, SNIPPET, Nginx

from physnet.doctor import EXAMPLE_SECRET

from conftest import free_port

pytestmark = [pytest.mark.live, pytest.mark.xdist_group("proxy")]


def said(result: Any) -> str:
    """The doctor's stdout with its column padding squeezed to one space."""
    return "\n".join(" ".join(line.split()) for line in result.stdout.splitlines())


@dataclass
class Install:
    env: dict[str, str]
    nginx: Nginx

    def doctor(self, **env: str) -> Any:
        return physnet_cli(
            {**self.env, **env}, "doctor", "--ca-file", str(self.nginx.cert), "--timeout", "5"
        )


def _install(
    tmp_path: Path, pg_url: str, redis_url: str, snippet: str | None, source: str | None = None
) -> Iterator[Install]:
    https_port = free_port()
    env = physnet_env(
        tmp_path,
        pg_url,
        PHYSNET_REDIS_URL=redis_url,
        PHYSNET_PROXY_HOPS="1",
        PHYSNET_SECURE_COOKIES="on",
        PHYSNET_PUBLIC_URL=f"https://127.0.0.1:{https_port}",
        PHYSNET_SECRET_KEY=secrets.token_hex(32),
    )
    server = GunicornServer("web", tmp_path, env).start()
    nginx = None
    try:
        nginx = Nginx(
            tmp_path / "nginx", [server.port], https_port, free_port(), source, snippet
        ).start()
        yield Install(env, nginx)
    finally:
        if nginx is not None:
            nginx.stop()
        server.stop()


@pytest.fixture
def install(tmp_path: Path, fresh_pg_url: str, redis_url: str) -> Iterator[Install]:
    yield from _install(tmp_path, fresh_pg_url, redis_url, snippet=None)


@pytest.fixture
def install_with_host_dropping_port(
    tmp_path: Path, fresh_pg_url: str, redis_url: str
) -> Iterator[Install]:
    """nginx sends `Host $host` (no port), as deploy/nginx.conf did before issue 21."""
    snippet = SNIPPET.read_text().replace("Host $http_host", "Host $host")
    assert snippet.count("Host $host;") == 2
    yield from _install(tmp_path, fresh_pg_url, redis_url, snippet=snippet)


@pytest.fixture
def install_whose_socket_location_sets_its_own_headers(
    tmp_path: Path, fresh_pg_url: str, redis_url: str
) -> Iterator[Install]:
    """The socket location sets only Upgrade and Connection, as deploy/nginx.conf did before
    issue 21: nginx then sends it none of the other proxy headers."""
    source = SHIPPED.read_text()
    own = (
        "        proxy_set_header Upgrade $http_upgrade;\n"
        "        proxy_set_header Connection $connection_upgrade;\n"
    )
    include = "        include snippets/physnet-proxy-headers.conf;\n"
    socket_block = source.index("location /socket.io/")
    at = source.index(include, socket_block)
    source = source[:at] + own + source[at + len(include) :]
    yield from _install(tmp_path, fresh_pg_url, redis_url, snippet=None, source=source)


def test_doctor_passes_on_a_good_installation(install: Install) -> None:
    result = install.doctor()
    assert result.returncode == 0, result.stdout + result.stderr
    out = said(result)
    for name in ("configuration", "database", "migrations", "redis", "search index", "clock"):
        assert any(line.startswith(f"✓ {name}") for line in out.splitlines()), (name, out)
    assert "✓ secret key" in out
    assert f"✓ public_url {install.nginx.url}: the proxy forwards Host 127.0.0.1:" in out
    assert "is the one index writer" in out  # the gunicorn process holds indexer.lock
    assert "– directory" in out  # not configured: not a failure
    assert "✗" not in out
    assert out.rstrip().endswith("Every check passed.")


def test_doctor_names_the_port_the_proxy_drops_and_the_nginx_fix(
    install_with_host_dropping_port: Install,
) -> None:
    result = install_with_host_dropping_port.doctor()
    assert result.returncode == 1
    out = said(result)
    [line] = [line for line in out.splitlines() if line.startswith("✗")]
    assert line.startswith("✗ public_url")
    assert "the proxy dropped the port: the app saw Host '127.0.0.1' in location /socket.io/" in out
    assert f"public_url is {install_with_host_dropping_port.nginx.url}" in out
    assert "fix: include snippets/physnet-proxy-headers.conf" in out
    assert "Host $http_host" in out
    assert result.stderr.strip().splitlines()[-1] == "Error: 1 check(s) failed: public_url."


def test_doctor_names_a_location_that_lost_the_proxy_headers(
    install_whose_socket_location_sets_its_own_headers: Install,
) -> None:
    result = install_whose_socket_location_sets_its_own_headers.doctor()
    assert result.returncode == 1
    out = said(result)
    assert (
        "✗ public_url location /socket.io/ sends no proxy headers: the app saw Host 'physnet' "
        "and no X-Forwarded-Host"
    ) in out
    assert "fix: include snippets/physnet-proxy-headers.conf" in out


def test_doctor_names_a_public_url_nothing_listens_on_and_the_servers_other_setting(
    install: Install,
) -> None:
    elsewhere = f"https://127.0.0.1:{free_port()}"
    result = install.doctor(PHYSNET_PUBLIC_URL=elsewhere)
    assert result.returncode == 1
    assert f"✗ public_url {elsewhere} cannot be reached from here" in said(result)
    assert "names the host and port nginx listens on" in said(result)

    # Through the real proxy, but the running servers were started with another public_url.
    same_place = install.nginx.url + "/"
    changed = install.doctor(PHYSNET_PUBLIC_URL=same_place.replace("127.0.0.1", "localhost"))
    assert changed.returncode == 1
    assert "the server processes run with public_url " + install.nginx.url in said(changed)


def test_doctor_refuses_the_example_secret_and_a_missing_schema(
    tmp_path: Path, fresh_pg_url: str
) -> None:
    # On PostgreSQL the configuration itself refuses a guessable key (start-up would stop).
    env = physnet_env(tmp_path, fresh_pg_url + "_nope", PHYSNET_SECRET_KEY=EXAMPLE_SECRET)
    result = physnet_cli(env, "doctor")
    assert result.returncode == 1
    out = said(result)
    assert "✗ configuration Setting PHYSNET_SECRET_KEY (secret_key) is still the example" in out
    assert "secrets.token_hex(32)" in out
    short = said(physnet_cli({**env, "PHYSNET_SECRET_KEY": "short"}, "doctor"))
    assert "✗ configuration Setting PHYSNET_SECRET_KEY (secret_key) is 5 bytes long" in short
    # With a strong key the configuration loads, and the missing database is named.
    strong = said(physnet_cli({**env, "PHYSNET_SECRET_KEY": "k" * 64}, "doctor"))
    assert "✗ database" in strong and "does not answer" in strong
    assert "– public_url" in strong  # no proxy, no public_url: nothing to compare
    # On the embedded SQLite default a weak key still starts, and doctor flags it.
    demo = physnet_env(tmp_path, f"sqlite:///{tmp_path / 'demo.db'}", PHYSNET_SECRET_KEY="short")
    assert "✗ secret key it is too weak (5 bytes; at least 32 random)" in said(
        physnet_cli(demo, "doctor")
    )


def test_doctor_reports_a_configuration_that_does_not_load(tmp_path: Path) -> None:
    env = physnet_env(tmp_path, "sqlite:///x.db", PHYSNET_CONFIG=str(tmp_path / "none.toml"))
    result = physnet_cli(env, "doctor")
    assert result.returncode == 1
    assert said(result).startswith(f"✗ configuration Configuration file {tmp_path / 'none.toml'}")
    assert "fix: " in result.stdout


def test_the_env_example_sets_public_url_names_no_missing_file_and_its_key_is_refused() -> None:
    example = Path(__file__).resolve().parent.parent / "deploy" / "physnet.env.example"
    settings = dict(
        line.split("=", 1)
        for line in example.read_text().splitlines()
        if line and not line.startswith("#")
    )
    assert settings["PHYSNET_PUBLIC_URL"].startswith("https://")
    assert "PHYSNET_CONFIG" not in settings  # commented out until the file is created
    assert settings["PHYSNET_SECRET_KEY"] == EXAMPLE_SECRET  # the doctor knows the placeholder
