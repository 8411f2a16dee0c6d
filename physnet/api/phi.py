"""The PHI guard's endpoints: a scan for the composer, and a channel's settings."""

from __future__ import annotations

from typing import Any

from physnet import ratelimit
from physnet.access import access_channel
from physnet.actions import phi as actions
from physnet.actions.report_policy import check_set_report_policy
from physnet.api import bp, json_body, me
from physnet.errors import BadRequest, Invalid
from physnet.reads.json import channel_json


@bp.post("/phi/scan")
def phi_scan() -> Any:
    """Findings in a draft, before it is sent: {text, channel?} -> {findings, policy}."""
    data = json_body()
    ratelimit.check("phi_scan", f"user:{me().id}")
    return actions.check_scan(me(), data.get("text"), data.get("channel"))


@bp.patch("/channels/<name>")
def update_channel(name: str) -> Any:
    """Change a channel's settings: its PHI policy, whether newcomers' reports wait for a
    moderator (moderators and admins)."""
    data = json_body()
    settable = {"phi_policy", "queue_newcomer_reports"}
    unknown = sorted(set(data) - settable)
    if unknown or not data:
        raise BadRequest(
            "Send a JSON object with phi_policy (block, confirm or null) and/or "
            "queue_newcomer_reports (true or false).",
            code="invalid_field",
        )
    if not isinstance(data.get("queue_newcomer_reports", False), bool):  # before any change
        raise Invalid(
            "queue_newcomer_reports must be true or false.", code="invalid_queue_newcomer_reports"
        )
    channel = None
    if "phi_policy" in data:
        channel = actions.check_set_phi_policy(me(), name, data["phi_policy"])
    if "queue_newcomer_reports" in data:
        channel = check_set_report_policy(me(), name, data["queue_newcomer_reports"])
    assert channel is not None
    _, membership = access_channel(me(), channel.name)
    return {
        "channel": channel_json(channel, membership),
        "phi_policy": channel.phi_policy,
        "effective_phi_policy": actions.channel_policy(channel),
        "queue_newcomer_reports": bool(channel.queue_newcomer_reports),
    }
