"""The installable app: the web app manifest, the service worker (root scope), the offline page."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import current_app, render_template, url_for
from werkzeug.wrappers import Response

from physnet.web import bp

THEME = "#0f766e"
BACKGROUND = "#f6f7f9"
# What the service worker caches: the shell only (no page with someone's data in it, no
# API answer, no uploaded file, no profile photo).
SHELL_FOLDERS = ("css", "js", "img", "vendor", "fonts")
SHELL_SUFFIXES = {".css", ".js", ".svg", ".png", ".woff2", ".woff"}


@bp.get("/manifest.webmanifest")
def manifest() -> Any:
    icon = lambda name: url_for("static", filename=f"img/{name}")  # noqa: E731
    data = {
        "name": "PhysNet",
        "short_name": "PhysNet",
        "description": "Physicians helping each other with the EHR.",
        "id": "/",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME,
        "background_color": BACKGROUND,
        "icons": [
            {
                "src": icon("icon-192.png"),
                "sizes": "192x192",
                "type": "image/png",
                "purpose": "any",
            },
            {
                "src": icon("icon-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "any",
            },
            {
                "src": icon("icon-maskable-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
    }
    response = current_app.json.response(data)
    response.mimetype = "application/manifest+json"
    return response


@bp.get("/sw.js")
def service_worker() -> Response:
    """The worker, with the shell's file list and a version that changes with any of them
    (so a new release replaces the old cache)."""
    shell, version = _shell()
    source = Path(current_app.static_folder or "", "js", "push", "sw.js").read_text("utf-8")
    head = (
        f"const VERSION = {version!r};\n"
        f"const SHELL = {current_app.json.dumps(shell)};\n"
        f"const OFFLINE_URL = {url_for('web.offline')!r};\n"
    )
    response = Response(head + source, mimetype="text/javascript")
    response.headers["Service-Worker-Allowed"] = "/"
    response.headers["Cache-Control"] = "no-cache"  # browsers check for a new worker
    return response


@bp.get("/offline")
def offline() -> str:
    """The page the worker shows when the network is gone; it holds nobody's data."""
    return render_template("offline.html")


def _shell() -> tuple[list[str], str]:
    urls, version = _shell_for(current_app.static_folder or "", url_for("static", filename=""))
    return [url_for("web.offline"), *urls], version


@lru_cache(maxsize=4)
def _shell_for(folder: str, prefix: str) -> tuple[list[str], str]:
    root = Path(folder)
    files = sorted(
        path
        for sub in SHELL_FOLDERS
        if (root / sub).is_dir()
        for path in (root / sub).rglob("*")
        if path.is_file() and path.suffix in SHELL_SUFFIXES and path.name != "sw.js"
    )
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    urls = [prefix + path.relative_to(root).as_posix() for path in files]
    return urls, digest.hexdigest()[:16]
