"""The socket's origin rule, and the words that explain a refusal.

A browser sends its page's Origin with the websocket handshake; python-engineio refuses one
it does not accept with a bare 400 before PhysNet sees the connection, and a browser's
WebSocket reports no status at all. So the rule lives here: engineio calls `OriginRule`,
which logs what it got and what it expected, and `OriginCheck` answers the browser's
question "would you accept my origin?" at CHECK_PATH, behind the same proxy location as
the socket itself, so it sees the same Host and X-Forwarded-* headers.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

log = logging.getLogger("physnet.realtime.origins")

CHECK_PATH = "/socket.io/origin-check"
# The same answer outside /socket.io/: a proxy's other locations (`physnet doctor` asks both).
PAGE_CHECK_PATH = "/healthz/proxy"
FIX = (
    "Set public_url (PHYSNET_PUBLIC_URL) to the address people type, and have the proxy send "
    "Host $http_host, X-Forwarded-Host $http_host and X-Forwarded-Proto $scheme in every "
    "location (deploy/physnet-proxy-headers.conf); `physnet doctor` shows what it receives."
)
LOG_EVERY_S = 60.0  # one line per (origin, expected) a minute: a refused ward retries a lot

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def accepted_origins(public_url: str | None, environ: dict[str, Any]) -> list[str]:
    """The origins a socket may come from: the public address when one is configured, else
    the address this request reached (as python-engineio's same-origin default)."""
    if public_url:
        return [public_url]
    host = environ.get("HTTP_HOST")
    if not host:
        return []
    scheme = environ.get("wsgi.url_scheme", "http")
    origins = [f"{scheme}://{host}"]
    if "HTTP_X_FORWARDED_PROTO" in environ or "HTTP_X_FORWARDED_HOST" in environ:
        proto = environ.get("HTTP_X_FORWARDED_PROTO", scheme).split(",")[0].strip()
        fwd_host = environ.get("HTTP_X_FORWARDED_HOST", host).split(",")[0].strip()
        if f"{proto}://{fwd_host}" not in origins:
            origins.append(f"{proto}://{fwd_host}")
    return origins


def seen_by_app(environ: dict[str, Any]) -> dict[str, Any]:
    """What this request looked like once it reached the app (after PHYSNET_PROXY_HOPS)."""
    return {
        "host": environ.get("HTTP_HOST"),
        "scheme": environ.get("wsgi.url_scheme"),
        "x_forwarded_host": environ.get("HTTP_X_FORWARDED_HOST"),
        "x_forwarded_proto": environ.get("HTTP_X_FORWARDED_PROTO"),
        "proxy_fix": "werkzeug.proxy_fix.orig" in environ,
    }


class OriginRule:
    """python-engineio's cors_allowed_origins callable: accept or refuse, and log refusals."""

    def __init__(self, public_url: str | None) -> None:
        self.public_url = public_url
        self._logged: dict[tuple[str, tuple[str, ...]], float] = {}
        self._lock = threading.Lock()

    def __call__(self, origin: str | None, environ: dict[str, Any]) -> bool:
        expected = accepted_origins(self.public_url, environ)
        if origin in expected:
            return True
        self._log_refusal(origin or "", expected, environ)
        return False

    def _log_refusal(self, origin: str, expected: list[str], environ: dict[str, Any]) -> None:
        key = (origin, tuple(expected))
        now = time.monotonic()
        with self._lock:
            if now - self._logged.get(key, -LOG_EVERY_S) < LOG_EVERY_S:
                return
            self._logged[key] = now
            if len(self._logged) > 1000:  # a scan of made-up origins must not grow it forever
                self._logged = {key: now}
        seen = seen_by_app(environ)
        log.warning(
            "socket refused by the origin rule: Origin %r, expected %s "
            "(public_url %s; the app saw Host %r, scheme %r, X-Forwarded-Proto %r). %s",
            origin,
            " or ".join(repr(o) for o in expected) or "nothing (no Host header)",
            self.public_url or "unset",
            seen["host"],
            seen["scheme"],
            seen["x_forwarded_proto"],
            FIX,
        )


class OriginCheck:
    """WSGI middleware answering GET CHECK_PATH?origin=O (and PAGE_CHECK_PATH) with whether a
    socket from O would be accepted, what is expected, and what the app saw of the proxy's
    headers."""

    def __init__(self, app: WSGIApp, public_url: str | None) -> None:
        self.app = app
        self.public_url = public_url

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if environ.get("PATH_INFO") not in (CHECK_PATH, PAGE_CHECK_PATH):
            return self.app(environ, start_response)
        query = parse_qs(environ.get("QUERY_STRING", ""))
        origin = (query.get("origin") or [environ.get("HTTP_ORIGIN") or ""])[0][:300] or None
        expected = accepted_origins(self.public_url, environ)
        body = {
            "origin": origin,
            "accepted": origin in expected if origin else None,
            "accepted_origins": expected,
            "public_url": self.public_url,
            "seen": seen_by_app(environ),
            "fix": FIX,
        }
        payload = json.dumps(body).encode()
        start_response(
            "200 OK",
            [
                ("Content-Type", "application/json"),
                ("Content-Length", str(len(payload))),
                ("Cache-Control", "no-store"),
                ("X-Content-Type-Options", "nosniff"),
            ],
        )
        return [payload]
