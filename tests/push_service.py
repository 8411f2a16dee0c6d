"""A local stand-in for a browser's push service (RFC 8030), with real cryptography.

It plays both sides a browser's push service sees: `subscribe()` makes a subscription the
way PushManager.subscribe() does (a P-256 key pair and a 16-byte auth secret, an endpoint
URL), and its HTTP server receives pushes for those endpoints. Each push must carry a VAPID
JWT (RFC 8292) that verifies with the application server key given to `expect_key`, and an
`aes128gcm` body (RFC 8291) that decrypts with the subscription's private key. Tests then
read what arrived, decrypted. Answers are 201 unless a test queues another status.
"""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Subscription:
    token: str
    endpoint: str
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes

    def as_json(self) -> dict[str, Any]:
        """What the browser's PushSubscription.toJSON() gives the page."""
        public = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {
            "endpoint": self.endpoint,
            "keys": {"p256dh": b64url(public), "auth": b64url(self.auth)},
        }


@dataclass
class Received:
    token: str
    payload: dict[str, Any]
    headers: dict[str, str]
    claims: dict[str, Any]
    plaintext: bytes
    status: int


@dataclass
class PushService:
    server: ThreadingHTTPServer
    subscriptions: dict[str, Subscription] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)  # why a push failed verification
    answers: dict[str, deque[int]] = field(default_factory=lambda: defaultdict(deque))
    server_key: str | None = None
    cond: threading.Condition = field(default_factory=threading.Condition)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def expect_key(self, public_key_b64: str) -> None:
        """The application server key (GET /api/v1/push/key) pushes must be signed with."""
        self.server_key = public_key_b64

    def subscribe(self) -> Subscription:
        token = b64url(os.urandom(12))
        sub = Subscription(
            token,
            f"{self.origin}/push/{token}",
            ec.generate_private_key(ec.SECP256R1()),
            os.urandom(16),
        )
        self.subscriptions[token] = sub
        return sub

    def answer(self, sub: Subscription, *statuses: int) -> None:
        """Answer the next pushes to `sub` with these statuses (then 201 again)."""
        self.answers[sub.token].extend(statuses)

    def wait_for(
        self, count: int, timeout: float = 30.0, token: str | None = None
    ) -> list[Received]:
        """Block until `count` pushes (to `token`, or any) were received and verified."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                got = [r for r in self.received if token is None or r.token == token]
                if len(got) >= count or time.monotonic() > deadline:
                    return got
                self.cond.wait(0.05)

    def handle(
        self, token: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, Received | None]:
        sub = self.subscriptions.get(token)
        if sub is None:
            return 404, None
        claims = self.verify_vapid(headers.get("authorization", ""))
        if headers.get("content-encoding") != "aes128gcm":
            raise ValueError("Content-Encoding is not aes128gcm")
        if not headers.get("ttl", "").isdigit():
            raise ValueError("TTL header missing")
        plaintext = http_ece.decrypt(
            body, private_key=sub.private_key, auth_secret=sub.auth, version="aes128gcm"
        )
        queue = self.answers.get(token)
        status = queue.popleft() if queue else 201
        return status, Received(token, json.loads(plaintext), headers, claims, plaintext, status)

    def verify_vapid(self, authorization: str) -> dict[str, Any]:
        """RFC 8292: `vapid t=<JWT>, k=<key>`; ES256 over the JWT with the server's key."""
        if not authorization.startswith("vapid "):
            raise ValueError("no vapid Authorization")
        params = dict(part.strip().split("=", 1) for part in authorization[6:].split(","))
        if self.server_key is None or params["k"] != self.server_key:
            raise ValueError("k is not the application server key")
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(params["k"]))
        header_b64, claims_b64, signature_b64 = params["t"].split(".")
        header = json.loads(unb64url(header_b64))
        if header.get("alg") != "ES256":
            raise ValueError("JWT alg is not ES256")
        raw = unb64url(signature_b64)
        der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
        try:
            public.verify(der, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            raise ValueError("VAPID signature does not verify") from None
        claims = json.loads(unb64url(claims_b64))
        if claims.get("aud") != self.origin:
            raise ValueError(f"aud {claims.get('aud')} is not {self.origin}")
        if not time.time() < claims["exp"] <= time.time() + 24 * 3600:
            raise ValueError("exp out of range")
        if not str(claims.get("sub", "")).startswith(("mailto:", "https:")):
            raise ValueError("sub is not mailto: or https:")
        return claims

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def start() -> PushService:
    service: PushService

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            token = self.path.rsplit("/", 1)[-1]
            headers = {k.lower(): v for k, v in self.headers.items()}
            try:
                status, received = service.handle(token, headers, body)
            except Exception as exc:  # a push that fails verification: 400, and remember why
                service.rejected.append(f"{type(exc).__name__}: {exc}")
                status, received = 400, None
            self.send_response(status)
            if status == 429:
                self.send_header("Retry-After", "1")
            self.send_header("Content-Length", "0")
            self.end_headers()
            if received is not None and 200 <= status < 300:
                with service.cond:
                    service.received.append(received)
                    service.cond.notify_all()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    service = PushService(server)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return service
