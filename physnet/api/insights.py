"""GET /api/v1/admin/insights: the figures for admins and analysts (issue 17)."""

from __future__ import annotations

from typing import Any

from flask import request

from physnet.access import access_insights
from physnet.api import bp, me
from physnet.reads.insights import insights, insights_period


@bp.get("/admin/insights")
def get_insights() -> Any:
    content = access_insights(me())
    period = insights_period(request.args.get("since"), request.args.get("until"))
    return insights(period, content=content)
