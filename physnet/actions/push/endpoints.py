"""Which push endpoints PhysNet may POST to: no request forgery through a subscription.

A subscription's endpoint is a URL a browser (or anyone with a session) hands us, and the
server later POSTs to it. So an endpoint must be on a configured push-service host, use
https (plain http only for a loopback host listed explicitly: tests), and resolve to public
addresses only; the connection then goes to the address that was checked, not to a second
lookup (DNS rebinding).
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from physnet.errors import Invalid

LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}
MAX_ENDPOINT = 2048


class EndpointRefused(Invalid):
    code = "push_endpoint_not_allowed"


@dataclass(frozen=True)
class Target:
    """Where a push goes: the URL's parts and the address checked for it."""

    scheme: str
    host: str
    port: int
    path: str
    address: str


def host_allowed(host: str, allowed: tuple[str, ...]) -> bool:
    """Exact names, or any subdomain of an entry that starts with a dot."""
    host = host.lower().rstrip(".")
    for entry in allowed:
        if entry.startswith("."):
            if host.endswith(entry) and len(host) > len(entry):
                return True
        elif host == entry:
            return True
    return False


def check_endpoint(endpoint: object, allowed: tuple[str, ...]) -> str:
    """The endpoint if its form and host are acceptable; raises EndpointRefused (422)."""
    if not isinstance(endpoint, str) or not endpoint or len(endpoint) > MAX_ENDPOINT:
        raise EndpointRefused("A push endpoint must be a URL of at most 2048 characters.")
    try:
        parts = urlsplit(endpoint)
        if parts.port == 0:
            raise ValueError("port 0")
    except ValueError:
        raise EndpointRefused("That push endpoint is not a valid URL.") from None
    host = (parts.hostname or "").lower()
    if parts.username or parts.password or not host:
        raise EndpointRefused("That push endpoint is not a valid URL.")
    if not host_allowed(host, allowed):
        raise EndpointRefused(
            f"Push endpoints on {host} are not allowed here (setting push_endpoint_hosts)."
        )
    if parts.scheme == "http":
        if host not in LOOPBACK_NAMES:
            raise EndpointRefused("A push endpoint must use https.")
    elif parts.scheme != "https":
        raise EndpointRefused("A push endpoint must use https.")
    return endpoint


def resolve(endpoint: str, allowed: tuple[str, ...]) -> Target:
    """Check the endpoint again (settings may have changed) and pick an address to connect
    to; every address the name resolves to must be public, except a listed loopback host.
    Raises EndpointRefused."""
    check_endpoint(endpoint, allowed)
    parts = urlsplit(endpoint)
    host = (parts.hostname or "").lower()
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError:
        raise EndpointRefused(f"The push service {host} cannot be resolved.") from None
    addresses = [str(info[4][0]) for info in infos]
    loopback_ok = host in LOOPBACK_NAMES
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if ip.is_loopback and loopback_ok:
            continue
        if not ip.is_global or ip.is_multicast:
            raise EndpointRefused(
                f"The push service {host} resolves to a private or reserved address."
            )
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(parts.scheme, host, port, path, addresses[0])
