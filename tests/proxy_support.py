"""A real nginx running the SHIPPED deploy/nginx.conf, in front of real server processes.

Only the lines an administrator must change for a host are changed: the listen ports, the
certificate paths and the upstream servers. `shipped_config` rewrites exactly those lines
and `changed_lines` proves nothing else moved, so a test through this nginx tests the file
we ship. The main nginx.conf around it stands in for Debian's /etc/nginx/nginx.conf.
"""

from __future__ import annotations

import difflib
import re
import shutil
import subprocess
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "deploy" / "nginx.conf"
SNIPPET = ROOT / "deploy" / "physnet-proxy-headers.conf"

# The lines a host-specific copy may change, and nothing else.
ADJUSTABLE = re.compile(
    r"^\s*(listen\s|ssl_certificate\s|ssl_certificate_key\s|server\s+127\.0\.0\.1:\d+\s)"
)


def self_signed_cert(folder: Path) -> tuple[Path, Path]:
    """A throwaway certificate for 127.0.0.1 (openssl CLI); returns (cert, key)."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def shipped_config(
    source: str, https_port: int, http_port: int, cert: Path, key: Path, upstreams: list[int]
) -> str:
    """The shipped file with this host's ports, certificate and upstream servers."""
    out: list[str] = []
    servers_written = False
    for line in source.splitlines():
        indent = line[: len(line) - len(line.lstrip())]
        words = line.split()
        if words[:1] == ["listen"]:
            address, rest = words[1].rstrip(";"), " ".join(words[2:])
            port = https_port if address.endswith("443") else http_port
            host = "[::1]" if address.startswith("[") else "127.0.0.1"
            line = f"{indent}listen {host}:{port}{' ' + rest if rest else ';'}"
        elif words[:1] == ["ssl_certificate"]:
            line = f"{indent}ssl_certificate     {cert};"
        elif words[:1] == ["ssl_certificate_key"]:
            line = f"{indent}ssl_certificate_key {key};"
        elif words[:1] == ["server"] and re.match(r"127\.0\.0\.1:\d+$", words[1]):
            if servers_written:
                continue  # the shipped file lists four; this host has fewer
            servers_written = True
            options = " ".join(words[2:])
            for upstream in upstreams:
                out.append(f"{indent}server 127.0.0.1:{upstream} {options}")
            continue
        out.append(line)
    return "\n".join(out) + "\n"


def changed_lines(before: str, after: str) -> list[str]:
    """Every line the rewrite removed or added (difflib), for the test to check."""
    diff = difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
    return [
        line[1:]
        for line in diff
        if line[:1] in "+-" and not line.startswith(("+++", "---")) and line[1:].strip()
    ]


class Nginx:
    """nginx in the foreground (daemon off) with the shipped config and snippet."""

    def __init__(
        self,
        folder: Path,
        upstreams: list[int],
        https_port: int,
        http_port: int,
        source: str | None = None,
        snippet: str | None = None,
    ) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "tmp").mkdir(exist_ok=True)
        (folder / "snippets").mkdir(exist_ok=True)
        self.port = https_port
        self.url = f"https://127.0.0.1:{https_port}"
        self.cert, key = self_signed_cert(folder)
        self.source = SHIPPED.read_text() if source is None else source
        self.config = shipped_config(self.source, https_port, http_port, self.cert, key, upstreams)
        (folder / "physnet.conf").write_text(self.config)
        # Debian's nginx.conf includes /etc/nginx/snippets relative to its own folder too.
        if SNIPPET.exists():
            (folder / "snippets" / SNIPPET.name).write_text(
                SNIPPET.read_text() if snippet is None else snippet
            )
        (folder / "nginx.conf").write_text(
            f"""daemon off;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
worker_processes 1;
events {{ worker_connections 512; }}
http {{
    access_log {folder}/access.log;
    client_body_temp_path {folder}/tmp;
    proxy_temp_path {folder}/tmp;
    include {folder}/physnet.conf;
}}
"""
        )
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Nginx:
        conf = str(self.folder / "nginx.conf")
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        test = subprocess.run(
            [nginx, "-t", "-c", conf, "-p", str(self.folder)], capture_output=True, text=True
        )
        assert test.returncode == 0, test.stderr
        with (self.folder / "stderr.log").open("wb") as stderr:
            self.process = subprocess.Popen(
                [nginx, "-c", conf, "-p", str(self.folder)],
                stdout=subprocess.DEVNULL,
                stderr=stderr,
            )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            assert self.process.poll() is None, (self.folder / "stderr.log").read_text()
            try:
                requests.get(self.url + "/healthz", verify=str(self.cert), timeout=2)
                return self
            except requests.ConnectionError:
                time.sleep(0.1)
        raise AssertionError("nginx did not answer:\n" + (self.folder / "error.log").read_text())

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
