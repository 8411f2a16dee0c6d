"""Channels and membership."""

from __future__ import annotations

from typing import Any

from physnet.access import access_channel
from physnet.actions import channels as actions
from physnet.api import bp, json_body, me
from physnet.reads.channels import channel_listing, members_of
from physnet.reads.json import channel_json


@bp.get("/channels")
def list_channels() -> Any:
    return {"channels": channel_listing(me())}


@bp.post("/channels")
def create_channel() -> Any:
    channel = actions.check_create_channel(me(), json_body())
    _, membership = access_channel(me(), channel.name)
    return {"channel": channel_json(channel, membership)}, 201


@bp.get("/channels/<name>")
def get_channel(name: str) -> Any:
    channel, membership = access_channel(me(), name)
    return {"channel": channel_json(channel, membership)}


@bp.post("/channels/<name>/join")
def join_channel(name: str) -> Any:
    membership = actions.check_join(me(), name)
    return {"channel": channel_json(membership.channel, membership)}


@bp.post("/channels/<name>/leave")
def leave_channel(name: str) -> Any:
    actions.check_leave(me(), name)
    return {"ok": True}


@bp.get("/channels/<name>/members")
def list_members(name: str) -> Any:
    channel, _ = access_channel(me(), name)
    return {"members": members_of(channel)}


@bp.post("/channels/<name>/members")
def add_member(name: str) -> Any:
    membership = actions.check_add_member(me(), name, json_body().get("username"))
    return {"member": {"username": membership.user.username, "role": membership.role}}, 201


@bp.post("/direct")
def open_direct() -> Any:
    channel = actions.check_open_direct(me(), json_body().get("username"))
    _, membership = access_channel(me(), channel.name)
    return {"channel": channel_json(channel, membership)}
