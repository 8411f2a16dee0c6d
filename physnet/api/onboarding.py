"""The first-week checklist (mine) and the onboarding plans (admins)."""

from __future__ import annotations

from typing import Any

from physnet.actions import onboarding as actions
from physnet.api import bp, json_body, me
from physnet.errors import BadRequest, Forbidden
from physnet.reads import onboarding as reads


@bp.get("/me/onboarding")
def get_my_onboarding() -> Any:
    return {"onboarding": reads.checklist(me())}


@bp.post("/me/onboarding/dismiss")
def dismiss_onboarding() -> Any:
    return {"onboarding": actions.do_set_dismissed(me(), True)}


@bp.post("/me/onboarding/restore")
def restore_onboarding() -> Any:
    return {"onboarding": actions.do_set_dismissed(me(), False)}


def _plans_json(plans: list[dict[str, Any]], source: str) -> dict[str, Any]:
    return {"plans": plans, "source": source}


@bp.get("/admin/onboarding")
def get_onboarding_plans() -> Any:
    if not me().is_admin:
        raise Forbidden("Only admins see the onboarding plans.", code="admin_only")
    return _plans_json(*reads.plans())


@bp.put("/admin/onboarding")
def put_onboarding_plans() -> Any:
    data = json_body()
    if "plans" not in data:
        raise BadRequest(
            'Send {"plans": [...]}, or {"plans": null} to follow the configuration file.',
            code="missing_field",
            field="plans",
        )
    return _plans_json(*actions.check_set_plans(me(), data["plans"]))
