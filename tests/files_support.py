"""Test files made here: screenshots drawn with Pillow, PDFs written by hand, uploads.

The screenshots show EHR-workflow text; the PHI case shows invented identifiers only.
"""

from __future__ import annotations

import io
from typing import Any

from PIL import Image, ImageDraw, ImageFont

BOUNDARY = "physnet-files-boundary"
CLEAN_LINES = [
    "Order set favorites: open Orders, then",
    "click the star beside the sepsis bundle",
    "to pin it for every admission.",
]
# Invented: no such person, number or date belongs to anyone.
PHI_LINES = [
    "Patient: Quibble, Marvella",
    "MRN: 48213907",
    "DOB: 03/14/1961",
]


def screenshot(lines: list[str], fmt: str = "PNG", exif: Any = None) -> bytes:
    """A build-screen-like picture with `lines` of text on it."""
    font = ImageFont.load_default(size=30)
    image = Image.new("RGB", (900, 60 + 50 * len(lines)), (250, 250, 250))
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((30, 30 + 50 * i), line, fill=(20, 20, 20), font=font)
    out = io.BytesIO()
    if exif is not None:
        image.save(out, fmt, exif=exif)
    else:
        image.save(out, fmt)
    return out.getvalue()


def gps_exif() -> Any:
    """EXIF with a camera make, a GPS position and orientation 6 (turned 90°)."""
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to view
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (40.0, 26.0, 46.0)
    gps[3] = "W"
    gps[4] = (79.0, 58.0, 56.0)
    return exif


def text_pdf(lines: list[str]) -> bytes:
    """A one-page PDF whose text layer holds `lines` (Helvetica), written by hand."""
    content = "BT /F1 14 Tf 50 750 Td 18 TL " + " ".join(
        "(" + line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ") '"
        for line in lines
    )
    content += " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        "/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        f"<< /Length {len(content)} >>\nstream\n{content}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1"))
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return out.getvalue()


def scanned_pdf(lines: list[str]) -> bytes:
    """A PDF with no text layer: the page is a picture (a scan), so it must be OCR'd."""
    out = io.BytesIO()
    Image.open(io.BytesIO(screenshot(lines))).save(out, "PDF", resolution=100)
    return out.getvalue()


def multipart(data: bytes, name: str, fields: dict[str, str] | None = None) -> tuple[bytes, str]:
    """A multipart/form-data body with the file in field `file` (encoded here, in memory)."""
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
        for key, value in (fields or {}).items()
    ]
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    body = b"".join(parts) + head + data + f"\r\n--{BOUNDARY}--\r\n".encode()
    return body, f"multipart/form-data; boundary={BOUNDARY}"


def upload(api: Any, channel: str, data: bytes, name: str, **fields: str) -> Any:
    body, content_type = multipart(data, name, fields)
    return api.post(f"/api/v1/channels/{channel}/files", data=body, content_type=content_type)


def office(kind: str, lines: list[str]) -> bytes:
    """A minimal DOCX or XLSX holding `lines` (paragraphs, or shared strings of cells)."""
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        if kind == "docx":
            paragraphs = "".join(f"<w:p><w:r><w:t>{line}</w:t></w:r></w:p>" for line in lines)
            archive.writestr(
                "word/document.xml", f"<w:document><w:body>{paragraphs}</w:body></w:document>"
            )
        else:
            archive.writestr("xl/workbook.xml", "<workbook><sheets/></workbook>")
            strings = "".join(f"<si><t>{line}</t></si>" for line in lines)
            archive.writestr("xl/sharedStrings.xml", f"<sst>{strings}</sst>")
    return out.getvalue()


def animated_gif() -> bytes:
    """Two frames: the first shows workflow text, the second is blank."""
    first = Image.open(io.BytesIO(screenshot(CLEAN_LINES))).convert("P")
    second = Image.new("P", first.size, 0)
    out = io.BytesIO()
    first.save(out, "GIF", save_all=True, append_images=[second], duration=500, loop=0)
    return out.getvalue()
