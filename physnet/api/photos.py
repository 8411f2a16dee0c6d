"""Profile photos: served to signed-in colleagues, uploaded by their owner."""

from __future__ import annotations

import hashlib
from typing import Any

from flask import Response, request
from werkzeug.exceptions import RequestEntityTooLarge

from physnet import ratelimit
from physnet.access import access_profile
from physnet.actions.profiles import check_remove_photo, check_upload_photo
from physnet.api import bp, me
from physnet.errors import BadRequest, NotFound
from physnet.extensions import db
from physnet.models import User, UserPhoto
from physnet.people.photos import MAX_REQUEST, too_large
from physnet.reads.json import profile_json

UPLOADS = {"api.upload_my_photo", "api.upload_photo"}


@bp.url_value_preprocessor
def _limit_upload(endpoint: str | None, values: Any) -> None:
    # Runs before the CSRF check reads the form, so an oversized body is refused unread.
    if endpoint in UPLOADS:
        if (request.content_length or 0) > MAX_REQUEST:
            raise too_large()
        request.max_content_length = MAX_REQUEST


@bp.get("/users/<username>/photo")
def user_photo(username: str) -> Any:
    user = access_profile(me(), username)
    if user.photo is not None:  # the directory's photo, stored as a JPEG by the sync
        data, content_type = user.photo, "image/jpeg"
        etag = hashlib.sha256(data).hexdigest()
    else:
        upload = db.session.get(UserPhoto, user.id)
        if upload is None:
            raise NotFound(f"{username} has no photo.", code="no_photo")
        data, content_type, etag = upload.data, upload.content_type, upload.digest
    response = Response(data, mimetype=content_type)
    response.set_etag(etag)
    response.headers["Cache-Control"] = "private, max-age=300"
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Opened on its own, the image is inert: no scripts, no plugins, no framing.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Content-Disposition"] = "inline"
    return response.make_conditional(request)


def _upload(user: User) -> Any:
    ratelimit.check("photo", f"user:{me().id}")  # each upload is decoded and re-encoded
    try:
        upload = request.files.get("photo")
    except RequestEntityTooLarge:
        raise too_large() from None
    if upload is None:
        raise BadRequest(
            "Send the photo as a multipart/form-data field named photo.", code="missing_photo"
        )
    raw = upload.stream.read(MAX_REQUEST + 1)
    check_upload_photo(me(), user, raw)
    return {"user": profile_json(user, me())}, 201


@bp.post("/me/photo")
def upload_my_photo() -> Any:
    return _upload(me())


@bp.post("/users/<username>/photo")
def upload_photo(username: str) -> Any:
    return _upload(access_profile(me(), username))


@bp.delete("/me/photo")
def remove_my_photo() -> Any:
    check_remove_photo(me(), me())
    return {"user": profile_json(me(), me())}
