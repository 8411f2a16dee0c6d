"""The PHI guard on every write path: scan, refuse or accept an override, audit it.

Message send and edit call `check_phi` before they store anything; tips call it with
{"title": ..., "body": ...}. Under the channel's policy a finding is refused with 422
`possible_phi` (its findings attached), unless the policy is `confirm` and the author gave
`phi_override_reason`; then check_phi returns a PhiOverride, which the caller hands to its
`do_*` action as an argument (`phi_override=`), and the action audits it with
`record_phi_override` in the transaction that stores the text: the kinds and counts and
the reason, never the matched text.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import current_app

from physnet.access import access_channel, can_moderate
from physnet.actions import validate
from physnet.actions.audit import record_audit
from physnet.db.transaction import atomic
from physnet.errors import BadRequest, Forbidden, Invalid
from physnet.models import MAX_BODY, Channel, User
from physnet.phi import POLICIES, Finding, PhiSettings, describe, phi_scan
from physnet.reads import runtime_settings

MAX_REASON = 500


@dataclass(frozen=True)
class PhiOverride:
    """An author's decision to store text the guard flagged, waiting to be audited."""

    actor: str
    action: str
    channel: str | None
    policy: str
    kinds: dict[str, int]
    reason: str


def phi_settings() -> PhiSettings:
    settings: PhiSettings = current_app.config["PHYSNET"].phi
    return settings


def channel_policy(channel: Channel | None) -> str:
    """The channel's own policy, or the instance default (run-time setting, else [phi]
    default_policy) when it has none."""
    if channel is not None and channel.phi_policy in POLICIES:
        return channel.phi_policy
    return runtime_settings.phi_default_policy()


def scan_fields(texts: str | Mapping[str, str]) -> list[dict[str, Any]]:
    """Findings as JSON; with several fields, each finding names its field."""
    settings = phi_settings()
    if isinstance(texts, str):
        return [f.to_json() for f in phi_scan(texts, settings)]
    found = []
    for field, text in texts.items():
        found += [{**f.to_json(), "field": field} for f in phi_scan(text or "", settings)]
    return found


def check_phi(
    user: User,
    channel: Channel | None,
    texts: str | Mapping[str, str],
    override_reason: Any,
    *,
    action: str,
) -> PhiOverride | None:
    """Scan `texts` under `channel`'s policy (the default policy when None).

    Returns None when nothing was found, a PhiOverride to audit when the author overrode a
    finding under `confirm`; raises Invalid 422 `possible_phi` otherwise (with `findings`
    and `policy`), or a 400/422 for a malformed override reason.
    """
    findings = scan_fields(texts)
    if not findings:
        return None
    policy = channel_policy(channel)
    summary = describe([Finding(f["start"], f["end"], f["kind"]) for f in findings])
    if policy == "block":
        raise Invalid(
            f"{summary} Patient information cannot be posted here; remove it and send again.",
            code="possible_phi",
            findings=findings,
            policy=policy,
        )
    if override_reason is None:
        raise Invalid(
            f"{summary} Remove it, or send again with phi_override_reason saying why it "
            "is not patient information.",
            code="possible_phi",
            findings=findings,
            policy=policy,
        )
    reason = _override_reason(override_reason)
    return PhiOverride(
        actor=user.username,
        action=action,
        channel=channel.name if channel is not None else None,
        policy=policy,
        kinds=dict(Counter(f["kind"] for f in findings)),
        reason=reason,
    )


def check_override_reason(value: Any) -> str:
    """A phi_override_reason checked as check_phi checks it (for files whose text is unread)."""
    return _override_reason(value)


def _override_reason(value: Any) -> str:
    if not isinstance(value, str):
        raise BadRequest(
            "Field phi_override_reason must be a string.",
            code="invalid_type",
            field="phi_override_reason",
        )
    reason = value.strip()
    if not reason or len(reason) > MAX_REASON or "\x00" in reason:
        raise Invalid(
            f"phi_override_reason must say, in 1 to {MAX_REASON} characters, why this is not "
            "patient information.",
            code="invalid_override_reason",
        )
    if phi_scan(reason, phi_settings()):
        raise Invalid(
            "The override reason itself looks like patient information; say why without "
            "repeating identifiers.",
            code="invalid_override_reason",
        )
    return reason


def record_phi_override(override: PhiOverride | None, target: str) -> None:
    """Audit an author's override of the PHI guard; nothing when there was none.

    Precondition: called inside the `atomic` block that stores `target` ("message:12"), so
    the audit event commits or rolls back with the text it is about.
    """
    if override is None:
        return
    record_audit(
        override.actor,
        "phi.override",
        target,
        via=override.action,
        channel=override.channel,
        policy=override.policy,
        kinds=override.kinds,
        count=sum(override.kinds.values()),
        reason=override.reason,
    )


def check_scan(user: User, text: Any, channel_name: Any) -> dict[str, Any]:
    """What the composer shows before sending: findings and the policy that will apply."""
    body = validate.require_str(text, "text") or ""
    if len(body) > MAX_BODY:
        raise Invalid(f"Text to scan can be at most {MAX_BODY:,} characters.", code="too_long")
    channel = None
    if channel_name is not None:
        channel, _ = access_channel(user, validate.require_str(channel_name, "channel") or "")
    return {"findings": scan_fields(body), "policy": channel_policy(channel)}


def check_set_phi_policy(user: User, channel_name: Any, policy: Any) -> Channel:
    """Set a channel's policy ("block", "confirm", or None for the default); moderators only."""
    channel, membership = access_channel(user, validate.require_str(channel_name, "name") or "")
    if not can_moderate(user, membership):
        raise Forbidden(
            f"Only moderators of #{channel.name} and admins change its settings.",
            code="not_moderator",
        )
    if policy is not None and policy not in POLICIES:
        raise Invalid("phi_policy must be block, confirm or null.", code="invalid_phi_policy")
    return do_set_phi_policy(user, channel, policy)


def do_set_phi_policy(user: User, channel: Channel, policy: str | None) -> Channel:
    with atomic():
        before = channel.phi_policy
        channel.phi_policy = policy
        record_audit(
            user.username,
            "channel.phi_policy",
            f"channel:{channel.name}",
            before=before,
            after=policy,
        )
    return channel
