"""Check an upload by its magic bytes and a full decode, and read the words out of it.

Everything happens in memory: a picture is decoded, re-encoded without its metadata (EXIF,
GPS, XMP, ICC, text chunks) and OCR'd through a pipe; a PDF's text layer is read with
pypdf, and its pages are OCR'd (pypdfium2 renders them) when it has none; DOCX and XLSX
give the text of their XML; plain text and CSV are themselves.
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from dataclasses import dataclass
from typing import Any

from physnet.config.files import FileSettings
from physnet.db.blocking import off_hub
from physnet.errors import Invalid, PhysNetError
from physnet.files.ocr import ocr_image

MAX_PIXELS = 40_000_000  # a 4K screenshot is 8 MP; past this a picture is a decompression bomb
MAX_UNZIPPED = 100 * 1024 * 1024  # DOCX/XLSX: the XML read, however well it compresses
THUMB_SIDE = 320
PDF_TEXT_MIN = 20  # fewer characters on its pages: a scan, whose pages are OCR'd
_PICTURES = {
    b"\x89PNG\r\n\x1a\n": "PNG",
    b"\xff\xd8\xff": "JPEG",
    b"GIF87a": "GIF",
    b"GIF89a": "GIF",
}
TYPES = "PNG, JPEG, WebP or GIF pictures, PDF, plain text, CSV, DOCX or XLSX"


class FileTooLarge(PhysNetError):
    status = 413
    code = "file_too_large"


class UnsupportedFile(PhysNetError):
    status = 415
    code = "unsupported_file_type"


def too_large(settings: FileSettings) -> FileTooLarge:
    return FileTooLarge(f"A file can be at most {settings.max_mb:g} MB.")


@dataclass(frozen=True)
class ReadFile:
    """An upload that passed its checks: what to store, and the words read out of it."""

    kind: str  # image, pdf, text or document
    content_type: str
    data: bytes  # a picture re-encoded; anything else as uploaded
    text: str
    readable: bool  # False: OCR failed or ran out of time, so `text` may miss words
    thumbnail: bytes | None = None  # PNG, for pictures and a PDF's first page
    width: int | None = None
    height: int | None = None


def sniff(raw: bytes) -> str | None:
    """The format by its first bytes: PNG, JPEG, GIF, WEBP, PDF, ZIP, or None."""
    for magic, kind in _PICTURES.items():
        if raw.startswith(magic):
            return kind
    if raw[:4] == b"RIFF" and raw[8:12] == b"WEBP":
        return "WEBP"
    if raw.startswith(b"%PDF-"):
        return "PDF"
    if raw.startswith(b"PK\x03\x04"):
        return "ZIP"
    return None


def read_file(raw: bytes, name: str, settings: FileSettings) -> ReadFile:
    """Check `raw` and read it. Raises FileTooLarge, UnsupportedFile (415: not one of the
    accepted types by its bytes) or Invalid 422 `invalid_file` (claims a type it does not
    decode as)."""
    if len(raw) > settings.max_bytes:
        raise too_large(settings)
    kind = sniff(raw)
    if kind in ("PNG", "JPEG", "GIF", "WEBP"):
        return _picture(raw, kind, settings)
    if kind == "PDF":
        return _pdf(raw, settings)
    if kind == "ZIP":
        return _office(raw)
    text = _plain_text(raw)
    if text is None:
        raise UnsupportedFile(f"PhysNet takes {TYPES}; this file is none of them.")
    is_csv = name.lower().endswith(".csv")
    return ReadFile("text", "text/csv" if is_csv else "text/plain", raw, text, True)


def _invalid(what: str) -> Invalid:
    return Invalid(f"This file is not a readable {what}.", code="invalid_file")


def _picture(raw: bytes, kind: str, settings: FileSettings) -> ReadFile:
    # Decoding a 4K screenshot is ~100 ms of CPU: beside the gevent hub, not on it.
    clean, data, content_type, thumbnail = off_hub(_clean_picture, raw, kind)
    text = ocr_image(clean, workers=settings.ocr_workers, timeout_s=settings.ocr_timeout_s)
    return ReadFile(
        "image",
        content_type,
        data,
        text or "",
        text is not None,
        thumbnail,
        clean.width,
        clean.height,
    )


def _clean_picture(raw: bytes, kind: str) -> tuple[Any, bytes, str, bytes]:
    """Decode every pixel, turn it upright, and re-encode it from the pixels alone."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(raw), formats=[kind]) as image:
            if image.width * image.height > MAX_PIXELS:
                raise Invalid(
                    f"A picture can have at most {MAX_PIXELS // 1_000_000} million pixels.",
                    code="invalid_file",
                )
            image.seek(0)  # an animated GIF or WebP: its first frame
            image.load()  # every pixel decoded: a truncated or forged body fails here
            upright = ImageOps.exif_transpose(image)  # orientation kept, then EXIF dropped
            has_alpha = upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info
            mode = "RGBA" if has_alpha else "RGB"
            pixels = upright.convert(mode)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise _invalid(f"{kind} picture") from None
    # A new image from the pixels alone: no info dict, so no EXIF, GPS, XMP, ICC or text.
    clean = Image.frombytes(mode, pixels.size, pixels.tobytes())
    out = io.BytesIO()
    if kind == "JPEG":
        clean.convert("RGB").save(out, "JPEG", quality=90)
        content_type = "image/jpeg"
    else:
        clean.save(out, "PNG", optimize=False)
        content_type = "image/png"
    return clean, out.getvalue(), content_type, _thumbnail(clean)


def _thumbnail(image: Any) -> bytes:
    small = image.copy()
    small.thumbnail((THUMB_SIDE, THUMB_SIDE))
    out = io.BytesIO()
    small.save(out, "PNG")
    return out.getvalue()


def _pdf(raw: bytes, settings: FileSettings) -> ReadFile:
    import pypdfium2
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(raw))
        if reader.is_encrypted:
            raise Invalid(
                "This PDF is encrypted, so its text cannot be checked; send it unencrypted.",
                code="invalid_file",
            )
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PyPdfError, OSError, ValueError, KeyError, TypeError, RecursionError):
        raise _invalid("PDF") from None
    try:
        document = pypdfium2.PdfDocument(raw)
    except pypdfium2.PdfiumError:
        raise _invalid("PDF") from None
    try:
        if len(document) == 0:
            raise _invalid("PDF")
        first = document[0].render(scale=1).to_pil()
        thumbnail = _thumbnail(first.convert("RGB"))
        text = "\n".join(pages)
        readable = True
        if len(text.strip()) < PDF_TEXT_MIN:  # a scan: read its page images
            read = []
            for index in range(min(len(document), settings.ocr_pages)):
                picture = document[index].render(scale=2).to_pil()
                words = ocr_image(
                    picture, workers=settings.ocr_workers, timeout_s=settings.ocr_timeout_s
                )
                readable = readable and words is not None
                read.append(words or "")
            readable = readable and len(document) <= settings.ocr_pages
            text = "\n".join([text, *read])
    finally:
        document.close()
    return ReadFile("pdf", "application/pdf", raw, text, readable, thumbnail)


_OFFICE = {
    "word/document.xml": (
        "DOCX",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    "xl/workbook.xml": (
        "XLSX",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
}
_TEXT_OF = re.compile(r"<(?:w:t|t|v|a:t)(?:\s[^>]*)?>([^<]*)</(?:w:t|t|v|a:t)>")
_BREAK = re.compile(r"</w:p>|</row>|</si>|<w:tab/>|<w:br/>|</c>")


def _office(raw: bytes) -> ReadFile:
    """DOCX or XLSX: the text of every part that holds words (headers, sheets, comments)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        names = set(archive.namelist())
        found = next((v for k, v in _OFFICE.items() if k in names), None)
        if found is None:
            raise UnsupportedFile(f"PhysNet takes {TYPES}; this archive is none of them.")
        _kind, content_type = found
        parts = [
            info
            for info in archive.infolist()
            if info.filename.endswith(".xml")
            and info.filename.startswith(("word/", "xl/"))
            and not info.filename.startswith(("word/theme", "xl/theme", "xl/styles"))
        ]
        if sum(info.file_size for info in parts) > MAX_UNZIPPED:
            raise Invalid("This document unpacks to more than 100 MB of text.", code="invalid_file")
        texts = []
        for info in parts:
            xml = archive.read(info).decode("utf-8", "replace")
            xml = _BREAK.sub(lambda m: m.group(0) + "<t>\n</t>", xml)
            texts.append(" ".join(html.unescape(t) for t in _TEXT_OF.findall(xml)))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise _invalid("DOCX or XLSX document") from None
    return ReadFile("document", content_type, raw, "\n".join(texts), True)


def _plain_text(raw: bytes) -> str | None:
    """The text of a UTF-8 file with no control characters but tabs and line breaks."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    if any((ord(c) < 32 and c not in "\t\n\r\f") or c == "\x7f" for c in text[:100_000]):
        return None
    return text
