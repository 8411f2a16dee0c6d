"""One push on the wire: RFC 8291 aes128gcm encryption and the RFC 8030 POST."""

from __future__ import annotations

import http.client
import os
import socket
from dataclasses import dataclass
from typing import Any

import http_ece
from cryptography.hazmat.primitives.asymmetric import ec

from physnet.actions.push.endpoints import Target
from physnet.actions.push.vapid import b64url_decode

TIMEOUT = 10.0


@dataclass(frozen=True)
class Answer:
    status: int  # 0: no answer (connection failed or timed out)
    retry_after: float | None = None


def encrypt(payload: bytes, p256dh: str, auth: str) -> bytes:
    """The aes128gcm body for one subscription (a fresh sender key and salt each time)."""
    sender = ec.generate_private_key(ec.SECP256R1())
    return bytes(
        http_ece.encrypt(
            payload,
            salt=os.urandom(16),
            private_key=sender,
            dh=b64url_decode(p256dh),
            auth_secret=b64url_decode(auth),
            version="aes128gcm",
        )
    )


def post(target: Target, headers: dict[str, str], body: bytes) -> Answer:
    """POST to the address that was checked (never a fresh DNS lookup); TLS still verifies
    the push service's name."""
    conn: http.client.HTTPConnection
    if target.scheme == "https":
        conn = http.client.HTTPSConnection(target.host, target.port, timeout=TIMEOUT)
    else:
        conn = http.client.HTTPConnection(target.host, target.port, timeout=TIMEOUT)
    address = target.address

    def connect(_addr: Any, timeout: Any = TIMEOUT, source: Any = None) -> socket.socket:
        return socket.create_connection((address, target.port), timeout, source)

    conn._create_connection = connect  # type: ignore[attr-defined]
    try:
        conn.request("POST", target.path, body=body, headers=headers)
        response = conn.getresponse()
        response.read(4096)
        return Answer(response.status, _retry_after(response.getheader("Retry-After")))
    except (OSError, http.client.HTTPException):
        return Answer(0)
    finally:
        conn.close()


def _retry_after(value: str | None) -> float | None:
    if value and value.strip().isdigit():
        return min(float(value.strip()), 3600.0)
    return None
