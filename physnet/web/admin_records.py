"""The console's records page: export messages for a records request; legal holds."""

from __future__ import annotations

from typing import Any

from flask import (
    Response,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)

from physnet.actions import legal_holds, records
from physnet.errors import PhysNetError
from physnet.reads.records import export_lines
from physnet.web.admin_pages import admin_blueprint, me

bp = admin_blueprint("records", __name__, url_prefix="/admin/records")


@bp.get("")
def records_page() -> Any:
    holds = legal_holds.holds(me(), released=True)
    return render_template("admin/records.html", section="records", holds=holds)


@bp.get("/export")
def export() -> Any:
    """Stream the export as a download; the request is audited before the first byte."""
    fmt = request.args.get("format", "jsonl")
    split = [s.strip() for s in request.args.get("channels", "").split(",") if s.strip()]
    people = [s.strip() for s in request.args.get("users", "").split(",") if s.strip()]
    try:
        query = records.check_export(
            me(), request.args.get("since"), request.args.get("until"), split, people, fmt
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
        hold = legal_holds.check_place_hold(me(), data)
    except PhysNetError as exc:
        flash(exc.message, "error")
    else:
        flash(f"Legal hold {hold.id} is in place: retention keeps those messages.", "info")
    return redirect(url_for("records.records_page"))


@bp.post("/holds/<int:hold_id>/release")
def release_hold(hold_id: int) -> Any:
    try:
        legal_holds.check_release_hold(me(), hold_id)
    except PhysNetError as exc:
        flash(exc.message, "error")
    else:
        flash(f"Legal hold {hold_id} is released.", "info")
    return redirect(url_for("records.records_page"))
