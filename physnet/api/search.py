"""GET /api/v1/search: full-text search of what the signed-in person may read."""

from __future__ import annotations

from typing import Any

from flask import request

from physnet import ratelimit
from physnet.actions.audit import do_audit_search
from physnet.actions.insights import do_record_search
from physnet.api import bp, int_arg, me
from physnet.errors import BadRequest, Unavailable
from physnet.reads.files import add_file_names
from physnet.reads.questions import add_question_status
from physnet.reads.tips import add_tip_titles
from physnet.search import IndexUnavailable, service
from physnet.search.searching import search


@bp.get("/search")
def search_messages() -> Any:
    text = request.args.get("q", "")
    if not isinstance(text, str):
        raise BadRequest("Query parameter q must be text.", code="invalid_parameter")
    page = int_arg("page")
    ratelimit.check("search", f"user:{me().id}")
    try:
        found = search(service(), me(), text, page)
    except IndexUnavailable as exc:
        if exc.state == "corrupt":
            service().store.request_rebuild(exc.reason)
        raise Unavailable(
            "Search is being rebuilt; try again in a minute.",
            code="search_rebuilding",
            retry_after=30,
        ) from None
    do_audit_search(me(), text, found.total)
    if not page or page == 1:  # a search is counted once, not once per page
        do_record_search(text, found.total)
    data = found.to_json()
    add_tip_titles(data["results"])
    add_file_names(data["results"])
    add_question_status(data["results"])
    return data
