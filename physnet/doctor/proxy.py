"""The public_url check: call this installation through its proxy and compare what the app
saw (Host, scheme, origin rule) with public_url."""

from __future__ import annotations

import json
import ssl
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import quote, urlsplit

from physnet.config import Settings
from physnet.doctor.report import Check

HEADERS_FIX = (
    "include snippets/physnet-proxy-headers.conf (deploy/physnet-proxy-headers.conf) in every "
    "nginx location that passes to PhysNet, so each sends Host $http_host, X-Forwarded-Host "
    "$http_host and X-Forwarded-Proto $scheme; then `nginx -s reload`"
)


def public_url_check(settings: Settings, ca_file: str | None, timeout: float) -> Check:
    """Call this installation through its public URL, and compare what the app saw."""
    from physnet.realtime.origins import CHECK_PATH, PAGE_CHECK_PATH

    public = settings.public_url
    if not public:
        if settings.proxy_hops:
            return Check(
                "public_url",
                False,
                "unset, behind a proxy (PHYSNET_PROXY_HOPS): sockets then accept only what "
                "the proxy forwards",
                "set PHYSNET_PUBLIC_URL to the address people type (https://host[:port])",
            )
        return Check("public_url", None, "not set: no proxy, the address served is the public one")
    parts = urlsplit(public)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/"):
        return Check(
            "public_url",
            False,
            f"{public!r} is not scheme://host[:port]",
            "set PHYSNET_PUBLIC_URL to the address people type, e.g. https://physnet.example.org",
        )
    for path, where in ((CHECK_PATH, "/socket.io/"), (PAGE_CHECK_PATH, "/")):
        problem = _proxy_problem(settings, path, where, ca_file, timeout)
        if problem is not None:
            return problem
    return Check(
        "public_url",
        True,
        f"{public}: the proxy forwards Host {parts.netloc} and {parts.scheme} to the app "
        "in the page and socket locations, and the socket accepts the public origin",
    )


def _proxy_problem(
    settings: Settings, path: str, where: str, ca_file: str | None, timeout: float
) -> Check | None:
    public = settings.public_url or ""
    parts = urlsplit(public)
    url = f"{public}{path}?origin={quote(public, safe='')}"
    context = ssl.create_default_context(cafile=ca_file) if parts.scheme == "https" else None
    try:
        with urllib.request.urlopen(url, timeout=timeout, context=context) as answer:
            seen: dict[str, Any] = json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        return Check(
            "public_url",
            False,
            f"{public}{path} answered HTTP {exc.code}, not PhysNet's check",
            f"the proxy must pass location {where} to the PhysNet processes",
        )
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return Check(
            "public_url",
            False,
            f"{public} cannot be reached from here: {reason}",
            "check that public_url names the host and port nginx listens on, that nginx runs "
            "(systemctl status nginx) and, for a private CA, pass --ca-file",
        )
    host, scheme = seen.get("seen", {}).get("host"), seen.get("seen", {}).get("scheme")
    if seen.get("public_url") != public:
        return Check(
            "public_url",
            False,
            f"the server processes run with public_url {seen.get('public_url')}, "
            f"this configuration says {public}",
            "use one env file for every unit and restart the servers after changing it",
        )
    if host != parts.netloc:
        if parts.port and host == parts.hostname:
            found = (
                f"the proxy dropped the port: the app saw Host {host!r} in location {where}, "
                f"public_url is {public} (nginx `proxy_set_header Host $host`)"
            )
        elif not seen.get("seen", {}).get("x_forwarded_host"):
            found = (
                f"location {where} sends no proxy headers: the app saw Host {host!r} and no "
                "X-Forwarded-Host (a location that sets a proxy_set_header of its own drops "
                f"every server-level one); public_url is {public}"
            )
        else:
            found = f"the app saw Host {host!r} in location {where}, public_url is {public}"
        return Check("public_url", False, found, HEADERS_FIX)
    if scheme != parts.scheme:
        hops = seen.get("seen", {}).get("proxy_fix")
        fix = (
            HEADERS_FIX
            if hops
            else "set PHYSNET_PROXY_HOPS=1 on the server processes so they believe the "
            "proxy's X-Forwarded-Proto, and " + HEADERS_FIX
        )
        return Check(
            "public_url",
            False,
            f"the app saw scheme {scheme!r} in location {where}, public_url is {parts.scheme}",
            fix,
        )
    if seen.get("accepted") is False:
        return Check(
            "public_url",
            False,
            f"the socket's origin rule refuses {public}; it expects "
            f"{' or '.join(seen.get('accepted_origins') or ['nothing'])}",
            HEADERS_FIX,
        )
    return None
