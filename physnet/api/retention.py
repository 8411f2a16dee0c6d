"""PUT /api/v1/admin/channels/<name>/retention: an admin sets a channel's retention."""

from __future__ import annotations

from typing import Any

from physnet.actions.retention import check_set_channel_retention
from physnet.api import bp, json_body, me
from physnet.errors import BadRequest


@bp.put("/admin/channels/<name>/retention")
def set_channel_retention(name: str) -> Any:
    data = json_body()
    if "days" not in data:
        raise BadRequest(
            'Send {"days": N} (0 keeps forever, null follows the default).', code="missing_field"
        )
    channel = check_set_channel_retention(me(), name, data["days"])
    return {"channel": channel.name, "retention_days": channel.retention_days}
