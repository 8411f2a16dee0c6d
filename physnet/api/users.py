"""The signed-in user, the people directory and profiles."""

from __future__ import annotations

from typing import Any

from flask import request

from physnet.access import access_profile, person_channels_visible_to
from physnet.actions.onboarding import note_profile_opened
from physnet.actions.presence import online_usernames
from physnet.actions.profiles import check_update_profile
from physnet.api import bp, int_arg, json_body, me
from physnet.extensions import db
from physnet.people.query import PER_PAGE, PeopleFilters, search_people
from physnet.reads.json import channel_ref_json, person_json, profile_json

MAX_PARAM = 200


@bp.get("/me")
def get_me() -> Any:
    return {"user": profile_json(me(), me())}


@bp.patch("/me")
def update_me() -> Any:
    user = check_update_profile(me(), me(), json_body())
    return {"user": profile_json(user, me())}


def _text_arg(name: str) -> str:
    return request.args.get(name, "").replace("\x00", "").strip()[:MAX_PARAM]


@bp.get("/users")
def list_users() -> Any:
    filters = PeopleFilters(
        **{name: _text_arg(name) for name in PeopleFilters.__dataclass_fields__}
    )
    found = search_people(filters, int_arg("page") or 1)
    return {
        "users": [person_json(user, has_photo) for user, has_photo in found.users],
        "total": found.total,
        "page": found.page,
        "per_page": PER_PAGE,
        "facets": found.facets,
    }


@bp.get("/users/<username>")
def get_user(username: str) -> Any:
    user = access_profile(me(), username)
    channels = db.session.scalars(person_channels_visible_to(me(), user)).all()
    found = {
        "user": profile_json(user, me()),
        "channels": [channel_ref_json(c) for c in channels],
    }
    note_profile_opened(me(), user)  # "find your department's super-user"
    return found


@bp.patch("/users/<username>")
def update_user(username: str) -> Any:
    user = check_update_profile(me(), access_profile(me(), username), json_body())
    return {"user": profile_json(user, me())}


@bp.get("/presence")
def presence() -> Any:
    return {"online": online_usernames()}


from physnet.api import photos  # noqa: E402,F401
