"""Web Push: the server's key, my devices' subscriptions, and my availability."""

from __future__ import annotations

from typing import Any

from flask import current_app, request

from physnet.actions import availability
from physnet.actions.push import subscriptions, vapid
from physnet.api import bp, json_body, me
from physnet.extensions import db
from physnet.models import UserAvailability
from physnet.reads.json import availability_json, push_subscription_json


@bp.get("/push/key")
def push_key() -> Any:
    key = vapid.private_key(current_app.config["PHYSNET"])
    return {"public_key": vapid.public_key_b64(key)}


@bp.get("/me/push-subscriptions")
def list_push_subscriptions() -> Any:
    subs = subscriptions.list_subscriptions(me())
    return {"subscriptions": [push_subscription_json(s) for s in subs]}


@bp.post("/me/push-subscriptions")
def add_push_subscription() -> Any:
    agent = request.headers.get("User-Agent", "")
    sub = subscriptions.check_subscribe(me(), json_body(), agent)
    return {"subscription": push_subscription_json(sub)}, 201


@bp.delete("/me/push-subscriptions/<int:subscription_id>")
def delete_push_subscription(subscription_id: int) -> Any:
    subscriptions.do_unsubscribe(me(), subscription_id)
    return "", 204


@bp.post("/me/push-subscriptions/remove")
def remove_push_subscription_by_endpoint() -> Any:
    """Sign-out on a device knows its endpoint, not the id."""
    endpoint = json_body().get("endpoint")
    removed = subscriptions.do_unsubscribe_endpoint(
        me(), endpoint if isinstance(endpoint, str) else ""
    )
    return {"removed": removed}


@bp.get("/me/availability")
def get_availability() -> Any:
    return availability_json(db.session.get(UserAvailability, me().id))


@bp.put("/me/availability")
def set_availability() -> Any:
    return availability_json(availability.check_set_availability(me(), json_body()))
