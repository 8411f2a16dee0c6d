"""Knowledge tips: listings, one tip, its history, create, promote, edit, endorse, verify."""

from __future__ import annotations

from typing import Any

from flask import request
from sqlalchemy import select

from physnet.access import access_channel, access_tip
from physnet.actions.onboarding import note_tip_opened
from physnet.actions.tips import edit as tips
from physnet.actions.tips import votes as tip_votes
from physnet.actions.tips.input import tip_tags
from physnet.actions.validate import USERNAME
from physnet.api import bp, int_arg, json_body, me
from physnet.errors import BadRequest, NotFound
from physnet.extensions import db
from physnet.models import TipEdit, User
from physnet.reads.json import author_json, iso
from physnet.reads.tips import SORTS, TipFilter, list_tips, tip_for, tips_for

MAX_PAGE = 10_000


def _text_arg(name: str) -> str | None:
    value = request.args.get(name, "")
    return value.strip() or None


def _filter() -> TipFilter:
    wanted = TipFilter()
    channel = _text_arg("channel")
    if channel is not None:
        wanted.channel, _ = access_channel(me(), channel.lstrip("#"))
    tag = _text_arg("tag")
    if tag is not None:
        wanted.tag = tip_tags([tag])[0]
    owner = _text_arg("owner")
    if owner is not None:
        found = (
            db.session.scalar(select(User).where(User.username == owner))
            if USERNAME.fullmatch(owner)
            else None
        )
        if found is None:
            raise NotFound(f"There is no user {owner!r}.", code="unknown_user")
        wanted.owner = found
    sort = _text_arg("sort") or "recent"
    if sort not in SORTS:
        raise BadRequest(
            f"sort must be one of {', '.join(SORTS)}.", code="invalid_parameter", field="sort"
        )
    wanted.sort = sort
    review = _text_arg("review")
    if review not in (None, "due"):
        raise BadRequest("review can only be 'due'.", code="invalid_parameter", field="review")
    wanted.review_due = review == "due"
    page = int_arg("page") or 1
    if page > MAX_PAGE:
        raise BadRequest(f"page must be at most {MAX_PAGE}.", code="invalid_parameter")
    wanted.page = page
    return wanted


@bp.get("/tips")
def list_tips_api() -> Any:
    wanted = _filter()
    found, total = list_tips(me(), wanted)
    return {"tips": tips_for(me(), found), "total": total, "page": wanted.page}


@bp.post("/tips")
def create_tip() -> Any:
    data = json_body()
    tip = tips.check_create_tip(
        me(),
        data.get("channel"),
        data.get("title"),
        data.get("body"),
        data.get("tags"),
        data.get("review_at"),
        override_reason=data.get("phi_override_reason"),
    )
    return {"tip": tip_for(me(), tip)}, 201


@bp.post("/messages/<int:message_id>/promote")
def promote_message(message_id: int) -> Any:
    data = json_body()
    tip = tips.check_promote_message(
        me(),
        message_id,
        data.get("title"),
        data.get("tags"),
        data.get("thread"),
        data.get("review_at"),
        data.get("body"),
        override_reason=data.get("phi_override_reason"),
    )
    return {"tip": tip_for(me(), tip)}, 201


@bp.get("/tips/<int:tip_id>")
def get_tip(tip_id: int) -> Any:
    tip, _ = access_tip(me(), tip_id)
    found = {"tip": tip_for(me(), tip)}
    note_tip_opened(me(), tip.id)  # the first-week checklist's reading list
    return found


@bp.patch("/tips/<int:tip_id>")
def edit_tip(tip_id: int) -> Any:
    return {"tip": tip_for(me(), tips.check_edit_tip(me(), tip_id, json_body()))}


@bp.delete("/tips/<int:tip_id>")
def delete_tip(tip_id: int) -> Any:
    tip = tips.check_delete_tip(me(), tip_id)
    return {"deleted": True, "id": tip.id}


@bp.get("/tips/<int:tip_id>/history")
def tip_history(tip_id: int) -> Any:
    """The earlier versions of a tip, oldest first."""
    tip, _ = access_tip(me(), tip_id)
    edits = db.session.scalars(
        select(TipEdit).where(TipEdit.tip_id == tip.id).order_by(TipEdit.id)
    ).all()
    return {
        "edits": [
            {
                "title": e.previous_title,
                "body": e.previous_body,
                "tags": e.previous_tags.split(),
                "editor": author_json(e.editor),
                "replaced_at": iso(e.edited_at),
            }
            for e in edits
        ]
    }


@bp.post("/tips/<int:tip_id>/endorse")
def endorse_tip(tip_id: int) -> Any:
    return {"tip": tip_for(me(), tip_votes.check_endorse_tip(me(), tip_id, True))}


@bp.delete("/tips/<int:tip_id>/endorse")
def unendorse_tip(tip_id: int) -> Any:
    return {"tip": tip_for(me(), tip_votes.check_endorse_tip(me(), tip_id, False))}


@bp.post("/tips/<int:tip_id>/verify")
def verify_tip(tip_id: int) -> Any:
    return {"tip": tip_for(me(), tip_votes.check_verify_tip(me(), tip_id, True))}


@bp.delete("/tips/<int:tip_id>/verify")
def unverify_tip(tip_id: int) -> Any:
    return {"tip": tip_for(me(), tip_votes.check_verify_tip(me(), tip_id, False))}
