"""Figures the insights keep: each search as it happens (only what the PHI guard passes,
as normalized words), and the rollup `physnet insights rollup` runs from cron (issue 17)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from sqlalchemy import case, delete, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite

from physnet.actions.phi import phi_settings
from physnet.db.transaction import atomic
from physnet.extensions import db
from physnet.models import (
    MAX_QUERY,
    ActiveWeek,
    ActivityWeek,
    FirstPost,
    InsightRollup,
    Message,
    SearchDay,
    SearchRecord,
    utcnow,
)
from physnet.phi import phi_scan
from physnet.reads.insights import day_of, week_start
from physnet.search.querying import OPERATORS

_WORD = re.compile(r"[^\W_]+(?:[-'][^\W_]+)*")
_OPERATOR = re.compile(rf"^-?(?:{'|'.join(OPERATORS)}):", re.I)


def normalized_query(text: str) -> str:
    """The words of a query, lower-cased, without operators (in:, from:, is:...), quotes or
    punctuation, in the order typed: "Order  SET in:ehr-tips" -> "order set"."""
    words: list[str] = []
    for piece in text.split():
        if _OPERATOR.match(piece):
            continue
        words += _WORD.findall(piece.lower())
    return " ".join(words)[:MAX_QUERY].strip()


def do_record_search(text: str, results: int, day: date | None = None) -> SearchRecord | None:
    """Count one search; keep its normalized words only if the PHI guard finds nothing in
    the query as typed. Operators alone (no words) are not recorded."""
    words = normalized_query(text)
    if not words:
        return None
    flagged = bool(phi_scan(text, phi_settings()))
    record = SearchRecord(
        day=day or utcnow().date(),
        results=max(int(results), 0),
        query=None if flagged else words,
        flagged=flagged,
    )
    with atomic():
        db.session.add(record)
    return record


def do_rollup_insights(today: date | None = None) -> tuple[int, int]:
    """Bring the insights' precomputed figures up to date; returns (message ids read,
    days of searches counted). Idempotent, safe to run from cron as often as wanted: the
    insights count whatever is not rolled up yet live, so they are right either way.

    - who posted in which week (activity_weeks), each person's first-message day
      (first_posts) and how many people posted each week (active_weeks), for the messages
      since the watermark;
    - the searches per day (search_days) of every day before yesterday (UTC), counted
      afresh each run from search_records; yesterday's and today's stay live, so a search
      still being committed around midnight is not missed."""
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    with atomic():
        state = db.session.get(InsightRollup, 1, with_for_update=True)
        if state is None:
            state = InsightRollup(id=1, through_message_id=0)
            db.session.add(state)
            db.session.flush()
        start = state.through_message_id
        top = db.session.scalar(select(func.max(Message.id))) or start
        if top > start:
            _roll_messages(dialect, start, top)
        # Every week's count afresh: an account removed since is no longer counted.
        db.session.execute(delete(ActiveWeek))
        db.session.execute(
            insert(ActiveWeek).from_select(
                ["week", "active"],
                select(ActivityWeek.week, func.count()).group_by(ActivityWeek.week),
            )
        )
        through = (today or utcnow().date()) - timedelta(days=2)
        db.session.execute(delete(SearchDay).where(SearchDay.day <= through))
        flagged = func.sum(case((SearchRecord.flagged, 1), else_=0))
        db.session.execute(
            insert(SearchDay).from_select(
                ["day", "total", "zero_result", "flagged"],
                select(
                    SearchRecord.day,
                    func.count(),
                    func.sum(case((SearchRecord.results == 0, 1), else_=0)),
                    flagged,
                )
                .where(SearchRecord.day <= through)
                .group_by(SearchRecord.day),
            )
        )
        days = db.session.scalar(select(func.count()).select_from(SearchDay)) or 0
        state.through_message_id = top
        state.searches_through = through
        state.rolled_at = utcnow()
    return top - start, days


def do_rollup_activity() -> int:
    """The message part of `do_rollup_insights`: how many message ids it read."""
    return do_rollup_insights()[0]


def _roll_messages(dialect: Any, start: int, top: int) -> None:
    """Who posted in which week, and first-message days, for message ids in (start, top]:
    INSERT ... SELECT on the server, so nothing crosses the wire."""
    new = (Message.id > start, Message.id <= top)
    week = week_start(day_of(Message.created_at))
    db.session.execute(
        dialect.insert(ActivityWeek)
        .from_select(["week", "user_id"], select(week, Message.author_id).where(*new).distinct())
        .on_conflict_do_nothing()
    )
    first = dialect.insert(FirstPost).from_select(
        ["user_id", "first_day"],
        select(Message.author_id, func.min(day_of(Message.created_at)))
        .where(*new)
        .group_by(Message.author_id),
    )
    earlier = func.least if dialect is postgresql else func.min
    db.session.execute(
        first.on_conflict_do_update(
            index_elements=["user_id"],
            set_={"first_day": earlier(FirstPost.first_day, first.excluded.first_day)},
        )
    )
