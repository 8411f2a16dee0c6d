"""VAPID (RFC 8292): the application server's P-256 key and the JWT that names it."""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from physnet.config import Settings

KEY_FILE = "vapid_private_key.pem"
JWT_LIFETIME = 12 * 3600  # RFC 8292: at most 24 hours
_lock = threading.Lock()
_keys: dict[str, ec.EllipticCurvePrivateKey] = {}


class VapidKeyError(RuntimeError):
    """The configured key file is missing or is not a P-256 private key."""


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def private_key(settings: Settings) -> ec.EllipticCurvePrivateKey:
    """The server's key: `[push] vapid_private_key_file`, or generated once into instance/.

    Every process of a deployment must use the same key (browsers subscribed with it), so
    with several processes configure the file, or share the instance folder.
    """
    configured = settings.push.vapid_private_key_file
    path = Path(configured) if configured else settings.instance_path / KEY_FILE
    cache_key = str(path)
    with _lock:
        if cache_key not in _keys:
            _keys[cache_key] = _load(path) if configured else _load_or_create(path)
        return _keys[cache_key]


def _load(path: Path) -> ec.EllipticCurvePrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError) as exc:
        raise VapidKeyError(f"[push] vapid_private_key_file {path}: {exc}") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise VapidKeyError(f"[push] vapid_private_key_file {path} is not a P-256 key.")
    return key


def _load_or_create(path: Path) -> ec.EllipticCurvePrivateKey:
    if path.exists():
        return _load(path)
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_EXCL: two processes starting together keep whichever key was written first.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _load(path)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    return key


def public_key_b64(key: ec.EllipticCurvePrivateKey) -> str:
    """The applicationServerKey a browser subscribes with: the uncompressed point, base64url."""
    raw = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return b64url(raw)


_signed: dict[tuple[str, str, int], tuple[str, float]] = {}


def authorization(endpoint: str, key: ec.EllipticCurvePrivateKey, subject: str) -> str:
    """The `Authorization: vapid t=..., k=...` header for a push to `endpoint`.

    A JWT names only the push service's origin, so one is signed per origin and reused
    until an hour before it expires (RFC 8292 allows reuse), instead of per push."""
    parts = urlsplit(endpoint)
    audience = f"{parts.scheme}://{parts.netloc}"
    now = time.time()
    cache_key = (audience, subject, id(key))
    found = _signed.get(cache_key)
    if found is not None and found[1] > now + 3600:
        return found[0]
    header = _sign(audience, key, subject, int(now) + JWT_LIFETIME)
    _signed[cache_key] = (header, now + JWT_LIFETIME)
    return header


def _sign(audience: str, key: ec.EllipticCurvePrivateKey, subject: str, expires: int) -> str:
    claims = {"aud": audience, "exp": expires, "sub": subject}
    header = {"typ": "JWT", "alg": "ES256"}
    signing_input = (
        b64url(json.dumps(header, separators=(",", ":")).encode())
        + "."
        + b64url(json.dumps(claims, separators=(",", ":")).encode())
    )
    der = key.sign(signing_input.encode("ascii"), ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    return f"vapid t={signing_input}.{b64url(signature)}, k={public_key_b64(key)}"
