"""My weekly digest: the choice (off, in the app, by e-mail) and the latest digest."""

from __future__ import annotations

from typing import Any

from physnet.actions.digest import choice as actions
from physnet.api import bp, json_body, me
from physnet.reads import digest as reads


def _mine() -> dict[str, Any]:
    return {"digest": reads.choice(me()), "latest": reads.latest(me())}


@bp.get("/me/digest")
def get_my_digest() -> Any:
    return _mine()


@bp.put("/me/digest")
def set_my_digest() -> Any:
    actions.check_set_digest_mode(me(), json_body().get("mode"))
    return _mine()


@bp.post("/me/digest/read")
def read_my_digest() -> Any:
    actions.do_mark_digest_read(me())
    return _mine()
