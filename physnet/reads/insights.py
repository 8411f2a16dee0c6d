"""The insights for the informatics lead (issue 17): questions, searches, tips and people,
over a date range, from the question rows, the search records and the daily activity
rollup (never by scanning every message: see docs/insights.md, "How it stays fast")."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from statistics import median
from typing import Any

from sqlalchemy import Date, cast, func, literal, select, union_all

from physnet.errors import BadRequest
from physnet.extensions import db
from physnet.models import (
    ActivityWeek,
    Channel,
    FirstPost,
    InsightRollup,
    Message,
    Question,
    SearchRecord,
    Tip,
    TipEndorsement,
    User,
)
from physnet.models.tips import today

ONE_DAY = timedelta(hours=24)
TOP_QUERIES = 20
TOP_TIPS = 10


@dataclass(frozen=True)
class Period:
    since: date
    until: date  # inclusive

    @property
    def start(self) -> datetime:
        return datetime.combine(self.since, time(), UTC)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.until + timedelta(days=1), time(), UTC)


def week_of(day: date) -> date:
    """The Monday of `day`'s week: the label of every weekly series."""
    return day - timedelta(days=day.weekday())


def _weeks(period: Period) -> list[date]:
    first, last = week_of(period.since), week_of(period.until)
    return [first + timedelta(weeks=i) for i in range((last - first).days // 7 + 1)]


def _hours(later: datetime | None, earlier: datetime) -> float | None:
    return None if later is None else (later - earlier).total_seconds() / 3600


def _median(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return round(median(present), 1) if present else None


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def day_of(column: Any) -> Any:
    if db.engine.dialect.name == "postgresql":
        return cast(func.timezone("UTC", column), Date)
    return func.date(column)


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def insights(period: Period, content: bool = True) -> dict[str, Any]:
    """Every figure for `period`; `content` False (the analyst role) leaves out the words
    people wrote: search queries and tip titles."""
    return {
        "since": period.since.isoformat(),
        "until": period.until.isoformat(),
        "content": content,
        "questions": question_figures(period),
        "searches": search_figures(period, content),
        "tips": tip_figures(period, content),
        "people": people_figures(period),
    }


def _group_figures(rows: Sequence[Any]) -> dict[str, Any]:
    asked = len(rows)
    answered = sum(1 for r in rows if r.answered_at is not None)
    within = sum(
        1 for r in rows if r.answered_at is not None and r.answered_at - r.asked_at <= ONE_DAY
    )
    return {
        "asked": asked,
        "answered": answered,
        "answered_within_24h_share": _share(within, asked),
        "median_hours_to_first_answer": _median(_hours(r.first_reply_at, r.asked_at) for r in rows),
        "median_hours_to_accepted_answer": _median(_hours(r.answered_at, r.asked_at) for r in rows),
    }


def question_figures(period: Period) -> dict[str, Any]:
    """Questions asked in the period, and how (and how fast) they were answered."""
    asked = (Question.asked_at >= period.start, Question.asked_at < period.end)
    weekly = {w: {"asked": 0, "answered": 0} for w in _weeks(period)}
    for field, column in (("asked", Question.asked_at), ("answered", Question.answered_at)):
        day = day_of(column)
        per_day = db.session.execute(
            select(day, func.count())
            .where(column >= period.start, column < period.end)
            .group_by(day)
        ).all()
        for value, count in per_day:
            weekly[week_of(_as_date(value))][field] += count
    open_now = db.session.scalar(
        select(func.count()).select_from(Question).where(Question.status == "open")
    )
    groups = {
        "channel": Channel.name,
        "specialty": User.specialty,
        "facility": User.facility,
    }
    by = _groups_in_sql if db.engine.dialect.name == "postgresql" else _groups_in_python
    return {
        **by(None, asked)[0],
        "open_now": open_now or 0,
        "weekly": [{"week": w.isoformat(), **v} for w, v in weekly.items()],
        **{
            f"by_{key}": sorted(by(column, asked), key=lambda g: (-g["asked"], g["name"]))
            for key, column in groups.items()
        },
    }


def _joined(query: Any) -> Any:
    return query.join(Channel, Channel.id == Question.channel_id).join(
        User, User.id == Question.asker_id
    )


def _groups_in_sql(key: Any, where: tuple[Any, ...]) -> list[dict[str, Any]]:
    """PostgreSQL: counts and medians (percentile_cont) computed by the database, one row
    per group: the path that keeps 50k questions well under a second."""
    to_first = func.extract("epoch", Question.first_reply_at - Question.asked_at) / 3600
    to_answer = func.extract("epoch", Question.answered_at - Question.asked_at) / 3600
    name = func.coalesce(func.nullif(key, ""), "(none)") if key is not None else literal("")
    query = _joined(
        select(
            name.label("name"),
            func.count(),
            func.count(Question.answered_at),
            func.count(Question.answered_at).filter(to_answer <= 24),
            func.percentile_cont(0.5).within_group(to_first),
            func.percentile_cont(0.5).within_group(to_answer),
        ).select_from(Question)
    ).where(*where)
    if key is not None:
        query = query.group_by(name)
    result = []
    for group, asked, answered, within, first, accepted in db.session.execute(query):
        if not asked and key is None:
            first = accepted = None
        result.append(
            {
                **({"name": group} if key is not None else {}),
                "asked": asked,
                "answered": answered,
                "answered_within_24h_share": _share(within, asked),
                "median_hours_to_first_answer": None if first is None else round(float(first), 1),
                "median_hours_to_accepted_answer": (
                    None if accepted is None else round(float(accepted), 1)
                ),
            }
        )
    return result


def _groups_in_python(key: Any, where: tuple[Any, ...]) -> list[dict[str, Any]]:
    """SQLite (no percentile function): the same figures from the question rows."""
    name = key if key is not None else literal("")
    rows = db.session.execute(
        _joined(
            select(
                name.label("name"),
                Question.asked_at,
                Question.first_reply_at,
                Question.answered_at,
            ).select_from(Question)
        ).where(*where)
    ).all()
    buckets: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        buckets[row.name or "(none)"].append(row)
    if key is None:
        return [_group_figures(rows)]
    return [{"name": group, **_group_figures(items)} for group, items in buckets.items()]


def search_figures(period: Period, content: bool) -> dict[str, Any]:
    """Searches per week, the share that found nothing, and what they were looking for."""
    in_period = (SearchRecord.day >= period.since, SearchRecord.day <= period.until)
    rows = db.session.execute(
        select(
            SearchRecord.day,
            func.count(),
            func.sum(func.cast(SearchRecord.results == 0, db.Integer)),
            func.sum(func.cast(SearchRecord.flagged, db.Integer)),
        )
        .where(*in_period)
        .group_by(SearchRecord.day)
    ).all()
    weekly = {w: {"total": 0, "zero_result": 0} for w in _weeks(period)}
    flagged = 0
    for day, total, zero, flags in rows:
        week = weekly[week_of(_as_date(day))]
        week["total"] += total
        week["zero_result"] += zero or 0
        flagged += flags or 0
    total = sum(w["total"] for w in weekly.values())
    zero = sum(w["zero_result"] for w in weekly.values())
    figures: dict[str, Any] = {
        "total": total,
        "zero_result": zero,
        "zero_result_share": _share(zero, total),
        "flagged": flagged,
        "weekly": [{"week": w.isoformat(), **v} for w, v in weekly.items()],
    }
    if content:
        top = db.session.execute(
            select(SearchRecord.query, func.count().label("n"))
            .where(*in_period, SearchRecord.results == 0, SearchRecord.query.is_not(None))
            .group_by(SearchRecord.query)
            .order_by(func.count().desc(), SearchRecord.query)
            .limit(TOP_QUERIES)
        ).all()
        figures["top_zero_result"] = [{"query": q, "count": n} for q, n in top]
    return figures


def tip_figures(period: Period, content: bool) -> dict[str, Any]:
    """Tips created and verified in the period, stale now, and the most endorsed."""
    live = Tip.deleted_at.is_(None)
    created = db.session.scalar(
        select(func.count()).where(
            live, Tip.created_at >= period.start, Tip.created_at < period.end
        )
    )
    verified = db.session.scalar(
        select(func.count()).where(
            live, Tip.verified_at >= period.start, Tip.verified_at < period.end
        )
    )
    stale = db.session.scalar(select(func.count()).where(live, Tip.review_at < today()))
    total = db.session.scalar(select(func.count()).where(live))
    helpful = db.session.execute(
        select(Tip.id, Tip.title, Channel.name, func.count(TipEndorsement.user_id).label("n"))
        .join(TipEndorsement, TipEndorsement.tip_id == Tip.id)
        .join(Channel, Channel.id == Tip.channel_id)
        .where(live)
        .group_by(Tip.id, Tip.title, Channel.name)
        .order_by(func.count(TipEndorsement.user_id).desc(), Tip.id)
        .limit(TOP_TIPS)
    ).all()
    return {
        "total": total or 0,
        "created": created or 0,
        "verified": verified or 0,
        "stale": stale or 0,
        "most_helpful": [
            {"id": i, "channel": c, "endorsements": n, **({"title": t} if content else {})}
            for i, t, c, n in helpful
        ],
    }


def week_start(day: Any) -> Any:
    """The Monday of a date column's week, in SQL."""
    if db.engine.dialect.name == "postgresql":
        return cast(func.date_trunc("week", day), Date)
    return func.date(day, "-" + cast((func.strftime("%w", day) + 6) % 7, db.String) + " days")


def _weekly_active(period: Period) -> dict[date, int]:
    """People who posted, per week: from the rollup and, after its watermark, from the
    messages themselves; counted (distinct) by the database."""
    through = db.session.scalar(select(InsightRollup.through_message_id)) or 0
    first, last = week_of(period.since), week_of(period.until)
    rolled = select(ActivityWeek.week.label("week"), ActivityWeek.user_id.label("user_id")).where(
        ActivityWeek.week >= first, ActivityWeek.week <= last
    )
    live = select(
        week_start(day_of(Message.created_at)).label("week"), Message.author_id.label("user_id")
    ).where(
        Message.id > through,
        Message.created_at >= datetime.combine(first, time(), UTC),
        Message.created_at < datetime.combine(last + timedelta(days=7), time(), UTC),
    )
    both = union_all(rolled, live).subquery()
    rows = db.session.execute(
        select(both.c.week, func.count(func.distinct(both.c.user_id))).group_by(both.c.week)
    ).all()
    return {_as_date(w): n for w, n in rows}


def _first_message_days(user_ids: Any) -> dict[int, date]:
    """The day of each person's first message: the rollup's, or a later live one."""
    through = db.session.scalar(select(InsightRollup.through_message_id)) or 0
    rolled = db.session.execute(
        select(FirstPost.user_id, FirstPost.first_day).where(FirstPost.user_id.in_(user_ids))
    ).all()
    live = db.session.execute(
        select(Message.author_id, func.min(day_of(Message.created_at)))
        .where(Message.id > through, Message.author_id.in_(user_ids))
        .group_by(Message.author_id)
    ).all()
    firsts: dict[int, date] = {}
    for user_id, day in [*rolled, *live]:
        value = _as_date(day)
        firsts[user_id] = min(value, firsts.get(user_id, value))
    return firsts


def people_figures(period: Period) -> dict[str, Any]:
    """Weekly active physicians, and the learning period of the accounts created in the
    period, per cohort month."""
    active = _weekly_active(period)
    joined = (User.created_at >= period.start, User.created_at < period.end)
    newcomers = db.session.execute(select(User.id, User.created_at).where(*joined)).all()
    # A subquery, not a list of ids: nothing proportional to the accounts crosses the wire.
    ids = select(User.id).where(*joined).scalar_subquery()
    first_message = _first_message_days(ids)
    first_question: dict[int, datetime] = {}
    first_answered: dict[int, datetime] = {}
    if newcomers:
        for asker, asked, answered in db.session.execute(
            select(Question.asker_id, func.min(Question.asked_at), func.min(Question.answered_at))
            .where(Question.asker_id.in_(ids))
            .group_by(Question.asker_id)
        ):
            first_question[asker] = asked
            if answered is not None:
                first_answered[asker] = answered
    cohorts: dict[str, list[Any]] = defaultdict(list)
    for user in newcomers:
        cohorts[user.created_at.strftime("%Y-%m")].append(user)

    def days(firsts: dict[int, Any], users: list[Any]) -> float | None:
        values = []
        for user in users:
            first = firsts.get(user.id)
            if first is not None:
                first_day = (
                    first
                    if isinstance(first, date) and not isinstance(first, datetime)
                    else first.date()
                )
                values.append(max((first_day - user.created_at.date()).days, 0))
        return _median(values)

    return {
        "weekly_active": [
            {"week": w.isoformat(), "active": active.get(w, 0)} for w in _weeks(period)
        ],
        "learning_period": [
            {
                "cohort": month,
                "accounts": len(users),
                "median_days_to_first_message": days(first_message, users),
                "median_days_to_first_question": days(first_question, users),
                "median_days_to_first_answered_question": days(first_answered, users),
            }
            for month, users in sorted(cohorts.items())
        ],
    }


DEFAULT_WEEKS = 26
MAX_DAYS = 2 * 366


def insights_period(since: Any, until: Any) -> Period:
    """The period from ?since=&until= (YYYY-MM-DD, both inclusive); by default the last 26
    weeks. Raises BadRequest for a malformed date or a reversed or too long range."""
    end = _parse_day(until, "until") or today()
    start = _parse_day(since, "since") or week_of(end) - timedelta(weeks=DEFAULT_WEEKS - 1)
    if start > end:
        raise BadRequest("since must not be after until.", code="invalid_parameter", field="since")
    if (end - start).days > MAX_DAYS:
        raise BadRequest(
            "The period can be at most two years long.", code="invalid_parameter", field="since"
        )
    return Period(start, end)


def _parse_day(value: Any, field: str) -> date | None:
    if value is None or value == "":
        return None
    try:
        if not isinstance(value, str) or len(value) != 10:
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise BadRequest(
            f"Query parameter {field} must be a date like 2026-01-31.",
            code="invalid_parameter",
            field=field,
        ) from None
