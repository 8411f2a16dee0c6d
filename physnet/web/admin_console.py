"""The admin console: accounts, channels and run-time settings (pages; forms post back
here and call the same actions as the API and the CLI)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect, render_template, request, url_for

from physnet.actions import (
    accounts,
    channel_admin,
    directory_person,
    password_links,
    phi,
    retention,
    sessions,
)
from physnet.actions import onboarding as onboarding_actions
from physnet.actions.runtime_settings import check_set_runtime_setting
from physnet.errors import PhysNetError
from physnet.models import ROLES
from physnet.phi.settings import POLICIES
from physnet.reads import admin as listing
from physnet.reads import onboarding as onboarding_reads
from physnet.reads import runtime_settings
from physnet.web.admin_pages import admin_blueprint, me
from physnet.web.links import public_url_for

bp = admin_blueprint("console", __name__, url_prefix="/admin")


def _attempt(action: Callable[[], Any], done: Callable[[Any], str]) -> None:
    """Run one action; flash what happened or the refusal's sentence."""
    try:
        result = action()
    except PhysNetError as exc:
        flash(exc.message, "error")
    else:
        flash(done(result), "info")


def _back(endpoint: str) -> Any:
    kept: dict[str, Any] = {k: v for k, v in request.args.items() if v}
    return redirect(url_for(endpoint, **kept))


@bp.get("/")
def console_home() -> Any:
    return redirect(url_for("console.people"))


# --- accounts -------------------------------------------------------------------------------


@bp.get("/people")
def people() -> Any:
    q = request.args.get("q", "").replace("\x00", "").strip()[:100]
    status, source = request.args.get("status", ""), request.args.get("source", "")
    rows = listing.accounts(q, status, source)
    return render_template(
        "admin/people.html",
        section="people",
        rows=rows,
        q=q,
        status=status,
        source=source,
        roles=ROLES,
        temporary=None,
        reset_link=None,
    )


@bp.post("/people/<username>/active")
def set_active(username: str) -> Any:
    active = request.form.get("active") == "1"
    _attempt(
        lambda: accounts.check_set_active(me(), username, active),
        lambda u: (
            f"{u.username} is {'active again' if active else 'deactivated; signed out everywhere'}."
        ),
    )
    return _back("console.people")


@bp.post("/people/<username>/role")
def set_role(username: str) -> Any:
    _attempt(
        lambda: accounts.check_set_role(me(), username, request.form.get("role")),
        lambda u: f"{u.username} is now {u.role}.",
    )
    return _back("console.people")


def _people_once(username: str, **shown: Any) -> Any:
    """The People page for one account, with a secret shown on this response only: never
    in a URL, a flash cookie or the log."""
    return render_template(
        "admin/people.html",
        section="people",
        rows=listing.accounts(username),
        q=username,
        status="",
        source="",
        roles=ROLES,
        temporary=shown.get("temporary"),
        reset_link=shown.get("reset_link"),
    )


@bp.post("/people/<username>/password")
def reset_password(username: str) -> Any:
    try:
        user, temporary = accounts.check_reset_password(me(), username)
    except PhysNetError as exc:
        flash(exc.message, "error")
        return _back("console.people")
    return _people_once(user.username, temporary=(user.username, temporary))


@bp.post("/people/<username>/reset-link")
def reset_link(username: str) -> Any:
    try:
        user, token, expires = password_links.check_issue_reset_link(me(), username)
    except PhysNetError as exc:
        flash(exc.message, "error")
        return _back("console.people")
    link = public_url_for("auth.reset_password", token=token)
    return _people_once(user.username, reset_link=(user.username, link, expires))


@bp.post("/people/<username>/sync")
def sync_person(username: str) -> Any:
    _attempt(lambda: directory_person.check_sync_person(me(), username), lambda r: r.summary())
    return _back("console.people")


@bp.post("/people/<username>/sessions")
def end_sessions(username: str) -> Any:
    tokens = request.form.get("tokens") == "1"
    _attempt(
        lambda: sessions.check_admin_end_sessions(me(), username, tokens),
        lambda r: (
            f"Every session of {r[0].username} has ended"
            + (f"; {r[1]} API token(s) revoked." if tokens else ".")
        ),
    )
    return _back("console.people")


# --- channels -------------------------------------------------------------------------------


@bp.get("/channels")
def channels() -> Any:
    q = request.args.get("q", "").replace("\x00", "").strip()[:100]
    return render_template(
        "admin/channels.html",
        section="channels",
        rows=listing.channels(q),
        q=q,
        policies=POLICIES,
        default_days=runtime_settings.retention_days(),
        default_policy=runtime_settings.phi_default_policy(),
    )


@bp.post("/channels/<name>/archive")
def archive(name: str) -> Any:
    archived = request.form.get("archived") == "1"
    _attempt(
        lambda: channel_admin.check_set_archived(me(), name, archived),
        lambda c: (
            f"#{c.name} is {'archived (read-only)' if archived else 'open for posting again'}."
        ),
    )
    return _back("console.channels")


@bp.post("/channels/<name>/details")
def details(name: str) -> Any:
    data = {k: request.form.get(k, "") for k in ("title", "description")}
    _attempt(
        lambda: channel_admin.check_update_channel(me(), name, data),
        lambda c: f"#{c.name} is updated.",
    )
    return _back("console.channels")


@bp.post("/channels/<name>/announcement")
def announcement(name: str) -> Any:
    on = request.form.get("announcement") == "1"
    outcome = (
        "an announcement channel: only moderators and admins post"
        if on
        else "open to every member for posting"
    )
    _attempt(
        lambda: channel_admin.check_set_announcement(me(), name, on),
        lambda c: f"#{c.name} is {outcome}.",
    )
    return _back("console.channels")


@bp.post("/channels/<name>/moderators")
def moderators(name: str) -> Any:
    username = request.form.get("username", "").strip().lower()
    on = request.form.get("moderator") == "1"
    _attempt(
        lambda: channel_admin.check_set_moderator(me(), name, username, on),
        lambda _: f"{username} {'moderates' if on else 'no longer moderates'} #{name}.",
    )
    return _back("console.channels")


@bp.post("/channels/<name>/retention")
def channel_retention(name: str) -> Any:
    raw = request.form.get("days", "").strip()
    days: Any = int(raw) if raw.isdecimal() and len(raw) < 7 else (None if raw == "" else raw)
    _attempt(
        lambda: retention.check_set_channel_retention(me(), name, days),
        lambda c: (
            f"#{c.name} keeps messages "
            + ("as the default says." if days is None else f"{days} days." if days else "forever.")
        ),
    )
    return _back("console.channels")


@bp.post("/channels/<name>/phi")
def channel_phi(name: str) -> Any:
    policy = request.form.get("policy") or None
    _attempt(
        lambda: phi.check_set_phi_policy(me(), name, policy),
        lambda c: f"#{c.name} PHI policy: {policy or 'the default'}.",
    )
    return _back("console.channels")


# --- settings -------------------------------------------------------------------------------


@bp.get("/settings")
def settings_page() -> Any:
    return render_template(
        "admin/settings.html",
        section="settings",
        retention_stored=runtime_settings.stored("retention_days"),
        retention_file=runtime_settings.file_value("retention_days"),
        phi_stored=runtime_settings.stored("phi_default_policy"),
        phi_file=runtime_settings.file_value("phi_default_policy"),
        policies=POLICIES,
        deployment=runtime_settings.deployment_settings(),
    )


@bp.post("/settings")
def save_settings() -> Any:
    raw = request.form.get("retention_days", "").strip()
    days: Any = int(raw) if raw.isdecimal() and len(raw) < 7 else (None if raw == "" else raw)
    _attempt(
        lambda: check_set_runtime_setting(me(), "retention_days", days),
        lambda _: "Retention default saved.",
    )
    _attempt(
        lambda: check_set_runtime_setting(
            me(), "phi_default_policy", request.form.get("phi_default_policy") or None
        ),
        lambda _: "PHI default policy saved.",
    )
    return redirect(url_for("console.settings_page"))


# --- onboarding plans ------------------------------------------------------------------------

ONBOARDING_BLANK_ROWS = 2


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.replace("\n", ",").split(",") if part.strip()]


@bp.get("/onboarding")
def onboarding_page() -> Any:
    plans, source = onboarding_reads.plans()
    due = onboarding_reads.reading_list_review(plans)
    blank = {"department": "", "specialty": "", "channels": [], "tips": [], "people": []}
    rows = plans + [blank] * ONBOARDING_BLANK_ROWS
    return render_template(
        "admin/onboarding.html", section="onboarding", rows=rows, source=source, due=due
    )


@bp.post("/onboarding")
def save_onboarding() -> Any:
    if request.form.get("reset"):
        _attempt(
            lambda: onboarding_actions.check_set_plans(me(), None),
            lambda _: "Onboarding follows the configuration file again.",
        )
        return redirect(url_for("console.onboarding_page"))
    plans: list[dict[str, Any]] = []
    for i in range(int(request.form.get("rows", "0") or 0)):
        field = request.form.get(f"who-{i}", "")
        value = request.form.get(f"value-{i}", "").strip()
        channels = _split(request.form.get(f"channels-{i}", ""))
        tips: list[Any] = [
            int(t) if t.isdecimal() and len(t) < 10 else t
            for t in _split(request.form.get(f"tips-{i}", ""))
        ]
        people = _split(request.form.get(f"people-{i}", ""))
        if not (channels or tips or people):
            continue  # an empty row: left out
        plan: dict[str, Any] = {"channels": channels, "tips": tips, "people": people}
        if field in ("department", "specialty") and value:
            plan[field] = value
        plans.append(plan)
    _attempt(
        lambda: onboarding_actions.check_set_plans(me(), plans),
        lambda _: "Onboarding plans saved.",
    )
    return redirect(url_for("console.onboarding_page"))
