"""The "Mentions & replies" view and per-channel notification preferences."""

from __future__ import annotations

from typing import Any

from physnet.actions import notifications as actions
from physnet.api import bp, int_arg, json_body, me
from physnet.models import default_notification_level
from physnet.reads.digest import mentions_entry
from physnet.reads.mentions import mentions_page, unread_mention_count


@bp.get("/mentions")
def list_mentions() -> Any:
    items, has_more = mentions_page(me(), before=int_arg("before"), limit=int_arg("limit") or 30)
    return {
        "items": items,
        "has_more": has_more,
        "unread_mentions": unread_mention_count(me()),
        "digest": mentions_entry(me()),  # the weekly digest's line, counts only
    }


@bp.post("/mentions/read")
def mark_mentions_read() -> Any:
    marker = actions.check_mark_mentions_read(me(), json_body().get("up_to_id"))
    return {"last_read_id": marker, "unread_mentions": unread_mention_count(me())}


def _preference(membership: Any) -> dict[str, Any]:
    return {
        "channel": membership.channel.name,
        "level": membership.notification_level,
        "default": default_notification_level(membership.channel.kind),
    }


@bp.get("/channels/<name>/notifications")
def get_notification_level(name: str) -> Any:
    return _preference(actions.require_membership(me(), name))


@bp.put("/channels/<name>/notifications")
def set_notification_level(name: str) -> Any:
    membership = actions.check_set_notification_level(me(), name, json_body().get("level"))
    return _preference(membership)
