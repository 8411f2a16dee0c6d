"""Uploaded profile photos: only real JPEG or PNG images, re-encoded without their metadata."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

from physnet.errors import Invalid, PhysNetError

MAX_BYTES = 1024 * 1024  # 1 MB, the file itself
MAX_REQUEST = MAX_BYTES + 64 * 1024  # room for the multipart envelope
MIN_SIDE, MAX_SIDE = 32, 4000
STORED_SIDE = 512  # longest side kept: a profile shows it at 160 px, sharp on 3x screens
_MAGIC = {b"\xff\xd8\xff": "JPEG", b"\x89PNG\r\n\x1a\n": "PNG"}
CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png"}


class PhotoTooLarge(PhysNetError):
    status = 413
    code = "photo_too_large"


class UnsupportedPhoto(PhysNetError):
    status = 415
    code = "unsupported_photo_type"


@dataclass(frozen=True)
class Photo:
    content_type: str
    data: bytes
    width: int
    height: int

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def too_large() -> PhotoTooLarge:
    return PhotoTooLarge(f"A photo can be at most {MAX_BYTES // 1024:,} KB.")


def sniff(raw: bytes) -> str | None:
    """'JPEG' or 'PNG' from the file's first bytes, whatever its name or declared type."""
    return next((kind for magic, kind in _MAGIC.items() if raw.startswith(magic)), None)


def read_photo(raw: bytes) -> Photo:
    """Check an upload and re-encode it (metadata such as GPS tags dropped).

    Raises PhotoTooLarge, UnsupportedPhoto (not a JPEG or PNG by its magic bytes) or
    Invalid (claims to be one but does not decode, or has absurd dimensions).
    """
    from PIL import Image, UnidentifiedImageError

    if len(raw) > MAX_BYTES:
        raise too_large()
    kind = sniff(raw)
    if kind is None:
        raise UnsupportedPhoto("A photo must be a JPEG or PNG image.")
    unreadable = Invalid(f"This file is not a readable {kind} image.", code="invalid_photo")
    try:
        with Image.open(io.BytesIO(raw), formats=[kind]) as image:
            width, height = image.size  # read from the header, before any decoding
            if not (MIN_SIDE <= width <= MAX_SIDE and MIN_SIDE <= height <= MAX_SIDE):
                raise Invalid(
                    f"A photo must be {MIN_SIDE} to {MAX_SIDE:,} pixels on each side; this "
                    f"one is {width:,} × {height:,}.",
                    code="invalid_photo_size",
                )
            image.load()  # decodes every pixel: a truncated or forged body fails here
            return _reencode(image, kind)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise unreadable from None


def _reencode(image: object, kind: str) -> Photo:
    from PIL import Image, ImageOps

    assert isinstance(image, Image.Image)
    upright = ImageOps.exif_transpose(image)
    upright.thumbnail((STORED_SIDE, STORED_SIDE))
    out = io.BytesIO()
    if kind == "JPEG":
        upright.convert("RGB").save(out, "JPEG", quality=85)
    else:
        mode = "RGBA" if upright.mode in ("RGBA", "LA", "P") else "RGB"
        upright.convert(mode).save(out, "PNG", optimize=True)
    return Photo(CONTENT_TYPES[kind], out.getvalue(), upright.width, upright.height)
