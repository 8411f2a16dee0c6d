"""The PHI guard's endpoints: a scan for the composer, and a channel's policy."""

from __future__ import annotations

from typing import Any

from physnet import ratelimit
from physnet.access import access_channel
from physnet.actions import phi as actions
from physnet.api import bp, json_body, me
from physnet.errors import BadRequest
from physnet.serialize import channel_json


@bp.post("/phi/scan")
def phi_scan() -> Any:
    """Findings in a draft, before it is sent: {text, channel?} -> {findings, policy}."""
    data = json_body()
    ratelimit.check("phi_scan", f"user:{me().id}")
    return actions.check_scan(me(), data.get("text"), data.get("channel"))


@bp.patch("/channels/<name>")
def update_channel(name: str) -> Any:
    """Change a channel's settings; today its PHI policy (moderators and admins)."""
    data = json_body()
    unknown = sorted(set(data) - {"phi_policy"})
    if unknown or not data:
        raise BadRequest(
            "Send a JSON object with phi_policy (block, confirm or null).", code="invalid_field"
        )
    channel = actions.check_set_phi_policy(me(), name, data["phi_policy"])
    _, membership = access_channel(me(), channel.name)
    return {
        "channel": channel_json(channel, membership),
        "phi_policy": channel.phi_policy,
        "effective_phi_policy": actions.channel_policy(channel),
    }
