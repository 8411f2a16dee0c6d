"""Turn every error into JSON under /api (and /healthz), or a plain page elsewhere."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, g, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from physnet.errors import PhysNetError, RateLimited
from physnet.extensions import db, login_manager

log = logging.getLogger(__name__)

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "request_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path in ("/healthz", "/readyz")


def error_response(status: int, code: str, message: str, **extra: Any) -> Any:
    if _wants_json():
        return jsonify({"error": {"code": code, "message": message, **extra}}), status
    return render_template("error.html", status=status, message=message), status


def register(app: Flask) -> None:
    @app.errorhandler(PhysNetError)
    def _physnet_error(exc: PhysNetError) -> Any:
        response, status = error_response(exc.status, exc.code, exc.message, **exc.extra)
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimited) else {}
        return response, status, headers

    @app.errorhandler(CSRFError)
    def _csrf_error(exc: CSRFError) -> Any:
        return error_response(
            400,
            "csrf_failed",
            "The form or request is missing its CSRF "
            "token, or it expired; reload the page and try again.",
        )

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Any:
        status = exc.code or 500
        messages = {
            404: "There is nothing at this address.",
            405: "This address does not accept that method.",
            413: "The request is too large.",
        }
        return error_response(
            status,
            _CODES.get(status, "http_error"),
            messages.get(status, exc.description or "Request failed."),
        )

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def _database_down(exc: Exception) -> Any:
        log.error("database unavailable on %s %s: %s", request.method, request.path, exc)
        db.session.rollback()
        # The page template asks who is signed in; without a database that would fail
        # again inside this handler (a 500). Show the page as to a signed-out visitor.
        g._login_user = login_manager.anonymous_user()
        return error_response(
            503, "database_unavailable", "The database is not answering; try again in a moment."
        )

    @app.errorhandler(PoolTimeout)
    def _pool_exhausted(exc: Exception) -> Any:
        # Every pooled connection stayed busy for pool_timeout: a surge, not a fault.
        log.warning("database pool exhausted on %s %s", request.method, request.path)
        db.session.rollback()
        g._login_user = login_manager.anonymous_user()
        return error_response(503, "server_busy", "The server is busy; try again in a moment.")

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Any:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(
            500, "internal_error", "Something went wrong on our side; it has been logged."
        )
