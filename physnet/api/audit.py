"""GET /api/v1/admin/audit: the audit log for admins, a page of JSON or a CSV/JSON export."""

from __future__ import annotations

from typing import Any

from flask import Response, request, stream_with_context

from physnet.actions.audit import actor_of, record_audit
from physnet.api import bp, int_arg, me
from physnet.audit.export import FORMATS, AuditFilter, as_csv, as_json, event_row, matching, page
from physnet.db.transaction import atomic
from physnet.errors import BadRequest, Forbidden
from physnet.reads.json import iso

PER_PAGE, MAX_PER_PAGE, MAX_PAGE = 50, 200, 1_000_000
MEDIA = {"csv": "text/csv; charset=utf-8", "json": "application/json"}


def require_admin() -> None:
    if not me().is_admin:
        raise Forbidden("Only admins may do that.", code="admin_only")


@bp.get("/admin/audit")
def audit_log() -> Any:
    require_admin()
    where = AuditFilter.from_args(request.args)
    fmt = request.args.get("format", "")
    if fmt:
        if fmt not in FORMATS:
            raise BadRequest(
                "format must be csv or json.", code="invalid_parameter", field="format"
            )
        return export(where, fmt)
    number = min(max(int_arg("page") or 1, 1), MAX_PAGE)
    size = min(max(int_arg("per_page") or PER_PAGE, 1), MAX_PER_PAGE)
    events, total = page(where, number, size)
    return {
        "events": [{**event_row(e), "details": e.details, "at": iso(e.at)} for e in events],
        "total": total,
        "page": number,
        "per_page": size,
    }


def export(where: AuditFilter, fmt: str) -> Response:
    """Stream every matching event; the export is recorded (with its filter) first."""
    with atomic():
        record_audit(actor_of(me()), "audit.exported", "http", format=fmt, filters=where.describe())
    chunks = (as_csv if fmt == "csv" else as_json)(matching(where))
    response = Response(stream_with_context(chunks), mimetype=MEDIA[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="physnet-audit.{fmt}"'
    response.headers["Cache-Control"] = "no-store"
    return response
