"""Admin pages for compliance: the audit log, and ending someone's sessions."""

from __future__ import annotations

from typing import Any, cast
from urllib.parse import urlencode

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, or_, select

from physnet.actions.sessions import check_admin_end_sessions
from physnet.audit.export import AuditFilter, page
from physnet.errors import PhysNetError
from physnet.extensions import db
from physnet.models import ApiToken, User
from physnet.web.admin_pages import admin_blueprint

bp = admin_blueprint("compliance", __name__, url_prefix="/admin")
PER_PAGE = 50


@bp.get("/audit")
def audit_log() -> Any:
    try:
        where = AuditFilter.from_args(request.args)
    except PhysNetError as exc:
        flash(exc.message, "error")
        where = AuditFilter()
    number = min(max(request.args.get("page", 1, type=int) or 1, 1), 1_000_000)
    events, total = page(where, number, PER_PAGE)
    query = {k: v for k, v in request.args.items() if k != "page" and v}
    api = url_for("api.audit_log")
    return render_template(
        "admin_audit.html",
        events=events,
        total=total,
        page=number,
        pages=max((total + PER_PAGE - 1) // PER_PAGE, 1),
        args=query,
        page_url=lambda n: url_for(
            "compliance.audit_log", **cast(dict[str, Any], {**query, "page": n})
        ),
        download={f: f"{api}?{urlencode({**query, 'format': f})}" for f in ("csv", "json")},
    )


@bp.get("/sessions")
def sessions() -> Any:
    text = request.args.get("q", "").replace("\x00", "").strip()[:100].lower()
    query = select(User).order_by(User.username).limit(PER_PAGE)
    if text:
        like = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(
            or_(
                User.username.like(like, escape="\\"),
                func.lower(User.display_name).like(like, escape="\\"),
            )
        )
    users = db.session.scalars(query).all()
    live = (
        select(ApiToken.user_id, func.count())
        .where(ApiToken.user_id.in_([u.id for u in users]), ApiToken.revoked_at.is_(None))
        .group_by(ApiToken.user_id)
    )
    tokens = dict(db.session.execute(live).tuples().all())
    return render_template("admin_sessions.html", users=users, q=text, tokens=tokens)


@bp.post("/sessions/<username>/end")
def end_sessions(username: str) -> Any:
    try:
        tokens = request.form.get("tokens") == "on"
        user, revoked = check_admin_end_sessions(
            current_user._get_current_object(), username, tokens
        )
    except PhysNetError as exc:
        flash(exc.message, "error")
    else:
        also = f" {revoked} API token(s) revoked." if tokens else ""
        flash(
            f"Every session of {user.username} has ended; their open tabs are disconnected." + also,
            "info",
        )
    return redirect(url_for("compliance.sessions", q=request.form.get("q", "")))
