"""Reporting messages and reviewing the reports."""

from __future__ import annotations

from typing import Any

from flask import request

from physnet import ratelimit
from physnet.access import is_hidden
from physnet.actions import moderation as actions
from physnet.api import bp, json_body, me
from physnet.errors import BadRequest
from physnet.models import REPORT_STATUSES


@bp.post("/messages/<int:message_id>/report")
def report_message(message_id: int) -> Any:
    data = json_body()
    ratelimit.check("report", f"user:{me().id}")
    report = actions.check_report_message(me(), message_id, data)
    return {
        "report": {
            "id": report.id,
            "kind": report.kind,
            "status": report.status,
            "message_hidden": is_hidden(report.message),
        }
    }, 201


@bp.get("/moderation/reports")
def list_reports() -> Any:
    status = request.args.get("status", "open")
    if status not in REPORT_STATUSES:
        raise BadRequest("status is open, released or deleted.", code="invalid_parameter")
    return {"reports": actions.reports_for(me(), status)}


@bp.post("/moderation/reports/<int:report_id>/release")
def release_report(report_id: int) -> Any:
    report = actions.check_resolve_report(me(), report_id, "released")
    return {"report": actions.report_json(report)}


@bp.post("/moderation/reports/<int:report_id>/delete")
def delete_report(report_id: int) -> Any:
    report = actions.check_resolve_report(me(), report_id, "deleted")
    return {"report": actions.report_json(report)}
