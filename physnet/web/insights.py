"""/admin/insights: the informatics lead's figures as SVG charts and tables, with CSV
downloads (admins, and analysts, who see counts without anyone's words)."""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import Blueprint, Response, abort, render_template, request
from flask_login import current_user, login_required

from physnet.access import access_insights
from physnet.reads.insights import insights, insights_period
from physnet.web.charts import bar_chart, line_chart

bp = Blueprint("insights", __name__, url_prefix="/admin")


def _figures() -> dict[str, Any]:
    content = access_insights(current_user)  # 403 page for everyone else
    period = insights_period(request.args.get("since"), request.args.get("until"))
    return insights(period, content=content)


@bp.get("/insights")
@login_required
def page() -> Any:
    data = _figures()
    questions, searches, people = data["questions"], data["searches"], data["people"]
    weeks = [w["week"] for w in questions["weekly"]]
    charts = {
        "questions": line_chart(
            "Questions asked and answered per week",
            weeks,
            [
                ("asked", [w["asked"] for w in questions["weekly"]]),
                ("answered", [w["answered"] for w in questions["weekly"]]),
            ],
        ),
        "searches": line_chart(
            "Searches per week, and those that found nothing",
            weeks,
            [
                ("searches", [w["total"] for w in searches["weekly"]]),
                ("found nothing", [w["zero_result"] for w in searches["weekly"]]),
            ],
        ),
        "active": line_chart(
            "Weekly active physicians",
            weeks,
            [("active", [w["active"] for w in people["weekly_active"]])],
        ),
        "within_24h": bar_chart(
            "Share answered within 24 hours, by channel",
            [
                (g["name"], g["answered_within_24h_share"] or 0)
                for g in questions["by_channel"][:12]
            ],
            percent=True,
        ),
    }
    return render_template(
        "admin_insights.html", section="insights", data=data, charts=charts, args=request.args
    )


def _cell(value: Any) -> Any:
    """A spreadsheet must not run a cell as a formula (a tip title starting with "=")."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


TABLES = {
    "questions_weekly": ("questions", "weekly"),
    "by_channel": ("questions", "by_channel"),
    "by_specialty": ("questions", "by_specialty"),
    "by_facility": ("questions", "by_facility"),
    "searches_weekly": ("searches", "weekly"),
    "top_zero_result": ("searches", "top_zero_result"),
    "weekly_active": ("people", "weekly_active"),
    "learning_period": ("people", "learning_period"),
    "most_helpful_tips": ("tips", "most_helpful"),
}


@bp.get("/insights.csv")
@login_required
def download() -> Any:
    name = request.args.get("table", "")
    if name not in TABLES:
        abort(404)
    data = _figures()
    section, key = TABLES[name]
    rows = data[section].get(key, [])
    out = io.StringIO()
    if rows:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows({k: _cell(v) for k, v in row.items()} for row in rows)
    filename = f"physnet-{name}-{data['since']}-{data['until']}.csv"
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
