"""Availability: available, busy, off duty (optionally until a time), and quiet hours.

Off duty and quiet hours hold pushes; what was held goes out as one summary push when the
period ends. A mention of someone off duty tells the sender so, once per period.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select, update

from physnet.actions.audit import actor_of, record_audit
from physnet.actions.broadcast import queue_event
from physnet.db.transaction import atomic
from physnet.errors import BadRequest, Invalid
from physnet.extensions import db
from physnet.models import (
    AVAILABILITY_STATUSES,
    PushSubscription,
    User,
    UserAvailability,
    utcnow,
)
from physnet.reads.json import availability_json
from physnet.realtime import rooms

HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid(
            f"{name!r} is not a time zone (e.g. America/Chicago).",
            code="invalid_time_zone",
            field="quiet_hours.time_zone",
        ) from None


def in_quiet_hours(avail: UserAvailability, now: datetime) -> bool:
    if not avail.quiet_start or not avail.quiet_end:
        return False
    local = now.astimezone(ZoneInfo(avail.time_zone)).time()
    start, end = time.fromisoformat(avail.quiet_start), time.fromisoformat(avail.quiet_end)
    if start <= end:
        return start <= local < end
    return local >= start or local < end  # over midnight: 22:00-07:00


def off_duty(avail: UserAvailability, now: datetime) -> bool:
    return avail.status == "off_duty" and (avail.until is None or avail.until > now)


def holds_pushes(avail: UserAvailability, now: datetime) -> bool:
    return off_duty(avail, now) or in_quiet_hours(avail, now)


def _until(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise BadRequest(
            "Field until must be an ISO 8601 time.", code="invalid_type", field="until"
        )
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(
            "Field until must be an ISO 8601 time.", code="invalid_time", field="until"
        ) from None
    if when.tzinfo is None:
        raise BadRequest(
            "Field until needs a time zone offset (e.g. Z).", code="invalid_time", field="until"
        )
    return when.astimezone(UTC)


def check_set_availability(user: User, data: dict[str, Any]) -> UserAvailability:
    """Validate `{status, until?, quiet_hours?: {start, end, time_zone} or null}` and store it."""
    status = data.get("status")
    if status not in AVAILABILITY_STATUSES:
        raise Invalid(
            'Field status must be "available", "busy" or "off_duty".',
            code="invalid_status",
            field="status",
        )
    until = _until(data.get("until"))
    if until is not None and status != "off_duty":
        raise Invalid("Only off duty takes an until time.", code="invalid_until", field="until")
    quiet = data.get("quiet_hours", ...)
    if quiet is not ... and quiet is not None:
        if not isinstance(quiet, dict):
            raise BadRequest(
                "Field quiet_hours must be an object {start, end, time_zone}.",
                code="invalid_type",
                field="quiet_hours",
            )
        for key in ("start", "end"):
            if not isinstance(quiet.get(key), str) or not HHMM.match(quiet[key]):
                raise Invalid(
                    f"quiet_hours.{key} must be a time like 22:00.",
                    code="invalid_quiet_hours",
                    field=f"quiet_hours.{key}",
                )
        zone = quiet.get("time_zone", "UTC")
        _zone(zone if isinstance(zone, str) else "")
        quiet = {"start": quiet["start"], "end": quiet["end"], "time_zone": zone}
    return do_set_availability(user, status, until, quiet)


def do_set_availability(
    user: User, status: str, until: datetime | None, quiet: Any = ...
) -> UserAvailability:
    """Store it; `quiet` ... leaves quiet hours as they were, None clears them. If pushes
    were held and nothing holds them now, the summary is queued at once."""
    with atomic():
        avail = db.session.get(UserAvailability, user.id)
        if avail is None:
            avail = UserAvailability(user_id=user.id, held=0, told="", time_zone="UTC")
            db.session.add(avail)
        if avail.status != status or avail.until != until:
            avail.told = ""  # a new period: senders are told again
        avail.status, avail.until, avail.updated_at = status, until, utcnow()
        if quiet is None:
            avail.quiet_start = avail.quiet_end = None
        elif quiet is not ...:
            avail.quiet_start, avail.quiet_end = quiet["start"], quiet["end"]
            avail.time_zone = quiet["time_zone"]
        record_audit(actor_of(user), "availability.set", f"user:{user.username}", status=status)
        _release(avail, utcnow())
        payload = {"username": user.username, **availability_json(avail)}
        queue_event("availability", payload, rooms.watch_room(user.username))
    return avail


def release_ended_holds() -> int:
    """Queue the summary push of everyone whose off duty or quiet hours ended (the
    dispatcher calls this every few seconds)."""
    now = utcnow()
    released = 0
    with atomic():
        for avail in db.session.scalars(
            select(UserAvailability)
            .where(UserAvailability.held > 0)
            .with_for_update(skip_locked=True)
        ):
            released += _release(avail, now)
    return released


def end_passed_periods() -> int:
    """Everyone off duty until a time now past is available again, and whoever shows them
    hears it (`availability` with an empty label). The dispatcher calls this every few
    seconds, after `release_ended_holds` has queued their summary push. One conditional
    UPDATE decides, so a setting saved meanwhile (by any process) is never overwritten and
    two processes never end the same period twice. Returns how many."""
    now = utcnow()
    with atomic():
        ended = db.session.scalars(
            update(UserAvailability)
            .where(
                UserAvailability.status == "off_duty",
                UserAvailability.until.is_not(None),
                UserAvailability.until <= now,
            )
            .values(status="available", until=None, told="", updated_at=now)
            .returning(UserAvailability.user_id)
            .execution_options(synchronize_session=False)
        ).all()
        if ended:
            rows = db.session.execute(
                select(UserAvailability, User.username)
                .join(User, User.id == UserAvailability.user_id)
                .where(UserAvailability.user_id.in_(ended))
                .execution_options(populate_existing=True)
            ).all()
            for avail, username in rows:
                payload = {"username": username, **availability_json(avail)}
                queue_event("availability", payload, rooms.watch_room(username))
    return len(ended)


def _release(avail: UserAvailability, now: datetime) -> int:
    from physnet.actions.push.queue import enqueue

    if avail.held <= 0 or holds_pushes(avail, now):
        return 0
    subs = list(
        db.session.scalars(
            select(PushSubscription.id).where(PushSubscription.user_id == avail.user_id)
        )
    )
    count, avail.held, avail.told = avail.held, 0, ""
    if subs:
        noun = "notification" if count == 1 else "notifications"
        enqueue(
            subs,
            {
                "kind": "summary",
                "count": count,
                "text": f"{count} {noun} while you were away",
                "url": "/",
            },
            "summary",
            now,
        )
    return 1
