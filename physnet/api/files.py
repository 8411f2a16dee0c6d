"""Attachments: upload into a channel, download and thumbnails for its readers."""

from __future__ import annotations

from typing import Any

from flask import Response, request
from werkzeug.exceptions import RequestEntityTooLarge

from physnet import ratelimit
from physnet.access import access_file
from physnet.actions.files.upload import check_upload_file, file_settings
from physnet.api import bp, me
from physnet.errors import BadRequest, NotFound
from physnet.files import too_large
from physnet.files.store import file_store
from physnet.models import File
from physnet.reads.json import file_json

ENVELOPE = 64 * 1024  # room for the multipart boundaries and the other form fields
INLINE = {"image/png", "image/jpeg"}  # re-encoded by PhysNet: nothing in them runs


@bp.url_value_preprocessor
def _limit_file_upload(endpoint: str | None, values: Any) -> None:
    # Runs before the CSRF check reads the form, so an oversized body is refused unread.
    if endpoint == "api.upload_file":
        limit = file_settings().max_bytes + ENVELOPE
        if (request.content_length or 0) > limit:
            raise too_large(file_settings())
        request.max_content_length = limit


@bp.post("/channels/<name>/files")
def upload_file(name: str) -> Any:
    ratelimit.check("post", f"user:{me().id}")
    try:
        upload = request.files.get("file")
        reason = request.form.get("phi_override_reason")
    except RequestEntityTooLarge:
        raise too_large(file_settings()) from None
    if upload is None:
        raise BadRequest(
            "Send the file as a multipart/form-data field named file.", code="missing_file"
        )
    raw = upload.stream.read(file_settings().max_bytes + 1)
    stored = check_upload_file(me(), name, upload.filename, raw, reason)
    return {"file": file_json(stored)}, 201


def _serve(found: File, digest: str, content_type: str, inline: bool, name: str) -> Any:
    data = file_store().get(digest)
    if data is None:
        raise NotFound("This file's bytes are no longer stored.", code="file_missing")
    response = Response(data, mimetype=content_type)
    response.set_etag(digest)
    response.headers["Cache-Control"] = "private, max-age=300"
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Opened on its own, a file is inert: no scripts, no plugins, no framing.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers.set("Content-Disposition", "inline" if inline else "attachment", filename=name)
    return response.make_conditional(request)


@bp.get("/files/<int:file_id>")
def download_file(file_id: int) -> Any:
    found = access_file(me(), file_id)
    content_type = found.content_type
    if content_type.startswith("text/"):
        content_type += "; charset=utf-8"
    return _serve(found, found.digest, content_type, found.content_type in INLINE, found.name)


@bp.get("/files/<int:file_id>/thumbnail")
def file_thumbnail(file_id: int) -> Any:
    found = access_file(me(), file_id)
    if found.thumb_digest is None:
        raise NotFound("This file has no thumbnail.", code="no_thumbnail")
    return _serve(found, found.thumb_digest, "image/png", True, f"thumbnail-{found.id}.png")
