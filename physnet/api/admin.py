"""Administration: accounts, channel archiving, legal holds and records exports."""

from __future__ import annotations

from typing import Any

from flask import Response, request, stream_with_context

from physnet.actions import (
    accounts,
    channel_admin,
    directory_person,
    legal_holds,
    password_links,
    records,
)
from physnet.api import bp, json_body, me
from physnet.models.types import iso
from physnet.reads.json import account_json, channel_json, legal_hold_json
from physnet.reads.records import export_lines
from physnet.web.links import public_url_for


@bp.patch("/admin/users/<username>")
def admin_update_user(username: str) -> Any:
    """`{active?, role?}`; a directory account answers 409 directory_managed."""
    return {"user": account_json(accounts.check_update_user(me(), username, json_body()))}


@bp.post("/admin/users/<username>/password")
def admin_reset_password(username: str) -> Any:
    """A temporary password for a local account, shown once; their sessions end."""
    user, temporary = accounts.check_reset_password(me(), username)
    return {"user": account_json(user), "temporary_password": temporary}


@bp.post("/admin/users/<username>/reset-link")
def admin_reset_link(username: str) -> Any:
    """A one-time password reset link for a local account, in the answer only."""
    user, token, expires = password_links.check_issue_reset_link(me(), username)
    return {
        "user": account_json(user),
        "reset_url": public_url_for("auth.reset_password", token=token),
        "expires_at": iso(expires),
    }


@bp.post("/admin/users/<username>/sync")
def admin_sync_person(username: str) -> Any:
    """Read one directory account's entry now and apply it, as the full sync would."""
    result = directory_person.check_sync_person(me(), username)
    return {
        "user": account_json(result.user),
        "changed": result.changed,
        "status": result.status,
        "joined": result.joined,
        "left": result.left,
        "gone": result.gone,
    }


@bp.post("/channels/<name>/archive")
def archive_channel(name: str) -> Any:
    channel = channel_admin.check_set_archived(me(), name, True)
    return {"channel": channel_json(channel)}


@bp.delete("/channels/<name>/archive")
def unarchive_channel(name: str) -> Any:
    channel = channel_admin.check_set_archived(me(), name, False)
    return {"channel": channel_json(channel)}


@bp.post("/admin/legal-holds")
def place_hold() -> Any:
    return {"hold": legal_hold_json(legal_holds.check_place_hold(me(), json_body()))}, 201


@bp.get("/admin/legal-holds")
def list_holds() -> Any:
    released = request.args.get("released") in ("1", "true")
    return {"holds": [legal_hold_json(h) for h in legal_holds.holds(me(), released=released)]}


@bp.delete("/admin/legal-holds/<int:hold_id>")
def release_hold(hold_id: int) -> Any:
    return {"hold": legal_hold_json(legal_holds.check_release_hold(me(), hold_id))}


@bp.get("/admin/exports/messages")
def admin_export_messages() -> Any:
    """The records export over HTTP: `since`, `until`, `channel`..., `user`..., `format`."""
    fmt = request.args.get("format", "jsonl")
    query = records.check_export(
        me(),
        request.args.get("since"),
        request.args.get("until"),
        request.args.getlist("channel"),
        request.args.getlist("user"),
        fmt,
    )
    mimetype = "text/csv" if fmt == "csv" else "application/x-ndjson"
    return Response(
        stream_with_context(export_lines(query, fmt)),
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="messages.{fmt}"'},
    )


@bp.put("/channels/<name>/announcement")
def make_announcement(name: str) -> Any:
    """Only moderators and admins post from now on; a private channel answers 409."""
    return {"channel": channel_json(channel_admin.check_set_announcement(me(), name, True))}


@bp.delete("/channels/<name>/announcement")
def end_announcement(name: str) -> Any:
    return {"channel": channel_json(channel_admin.check_set_announcement(me(), name, False))}


@bp.put("/channels/<name>/moderators/<username>")
def add_moderator(name: str, username: str) -> Any:
    """Make someone a moderator, adding them to the channel if they are not in it."""
    membership = channel_admin.check_set_moderator(me(), name, username, True)
    return {"username": username, "role": membership.role if membership else None}


@bp.delete("/channels/<name>/moderators/<username>")
def remove_moderator(name: str, username: str) -> Any:
    """A moderator becomes a plain member (they stay in the channel)."""
    membership = channel_admin.check_set_moderator(me(), name, username, False)
    return {"username": username, "role": membership.role if membership else None}
