"""The signed-in user, the people directory and profiles."""

from __future__ import annotations

from typing import Any

from flask import request
from sqlalchemy import func, or_, select

from physnet.actions.presence import online_usernames
from physnet.actions.users import check_update_profile
from physnet.actions.validate import USERNAME
from physnet.api import bp, int_arg, json_body, me
from physnet.errors import NotFound
from physnet.extensions import db
from physnet.models import User
from physnet.serialize import user_json

PAGE = 50


@bp.get("/me")
def get_me() -> Any:
    return {"user": user_json(me())}


@bp.patch("/me")
def update_me() -> Any:
    return {"user": user_json(check_update_profile(me(), json_body()))}


@bp.get("/users")
def list_users() -> Any:
    query = select(User).where(User.active)
    text = request.args.get("q", "").replace("\x00", "").strip()[:100].lower()
    if text:
        like = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(
            or_(
                func.lower(User.display_name).like(like, escape="\\"),
                User.username.like(like, escape="\\"),
            )
        )
    for field in ("specialty", "facility", "department"):
        value = request.args.get(field, "").replace("\x00", "").strip()
        if value:
            query = query.where(getattr(User, field) == value)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = max(int_arg("page") or 1, 1)
    users = db.session.scalars(
        query.order_by(User.display_name, User.id).offset((page - 1) * PAGE).limit(PAGE)
    ).all()
    return {"users": [user_json(u) for u in users], "total": total, "page": page}


@bp.get("/users/<username>")
def get_user(username: str) -> Any:
    known = USERNAME.fullmatch(username) is not None
    user = db.session.scalar(select(User).where(User.username == username)) if known else None
    if user is None:
        raise NotFound(f"There is no user {username}.", code="unknown_user")
    return {"user": user_json(user)}


@bp.get("/presence")
def presence() -> Any:
    return {"online": online_usernames()}
