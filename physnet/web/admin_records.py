"""The console's records page: export messages for a records request; legal holds."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user

from physnet.actions import legal_holds, records
from physnet.errors import PhysNetError
from physnet.reads.records import export_lines

bp = Blueprint("records", __name__, url_prefix="/admin/records")


@bp.before_request
def _admins_only() -> None:
    if not current_user.is_authenticated or not current_user.is_admin:
        abort(404)


def _me() -> Any:
    return current_user._get_current_object()


@bp.get("")
def records_page() -> Any:
    holds = legal_holds.holds(_me(), released=True)
    return render_template("admin/records.html", section="records", holds=holds)


@bp.get("/export")
def export() -> Any:
    """Stream the export as a download; the request is audited before the first byte."""
    fmt = request.args.get("format", "jsonl")
    split = [s.strip() for s in request.args.get("channels", "").split(",") if s.strip()]
    people = [s.strip() for s in request.args.get("users", "").split(",") if s.strip()]
    try:
        query = records.check_export(
            _me(), request.args.get("since"), request.args.get("until"), split, people, fmt
        )
    except PhysNetError as exc:
        flash(exc.message, "error")
        return redirect(url_for("records.records_page"))
    return Response(
        stream_with_context(export_lines(query, fmt)),
        mimetype="text/csv" if fmt == "csv" else "application/x-ndjson",
        headers={"Content-Disposition": f'attachment; filename="messages.{fmt}"'},
    )


@bp.post("/holds")
def place_hold() -> Any:
    subject = request.form.get("subject", "")
    kind = "channel" if request.form.get("kind") == "channel" else "username"
    data = {kind: subject.strip().lstrip("#@"), "reason": request.form.get("reason", "")}
    try:
        hold = legal_holds.check_place_hold(_me(), data)
    except PhysNetError as exc:
        flash(exc.message, "error")
    else:
        flash(f"Legal hold {hold.id} is in place: retention keeps those messages.", "info")
    return redirect(url_for("records.records_page"))


@bp.post("/holds/<int:hold_id>/release")
def release_hold(hold_id: int) -> Any:
    try:
        legal_holds.check_release_hold(_me(), hold_id)
    except PhysNetError as exc:
        flash(exc.message, "error")
    else:
        flash(f"Legal hold {hold_id} is released.", "info")
    return redirect(url_for("records.records_page"))
