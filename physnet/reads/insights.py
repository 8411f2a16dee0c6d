"""The insights for the informatics lead (issue 17): questions, searches, tips and people,
over a date range, from the question rows, the search records and the daily activity
rollup (never by scanning every message: see docs/insights.md, "How it stays fast")."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from statistics import median
from typing import Any

from sqlalchemy import Date, cast, func, select, text, tuple_, union_all

from physnet.errors import BadRequest
from physnet.extensions import db
from physnet.models import (
    ActiveWeek,
    ActivityWeek,
    Channel,
    FirstPost,
    InsightRollup,
    Message,
    Question,
    SearchDay,
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


def question_figures(period: Period) -> dict[str, Any]:
    """Questions asked in the period, and how (and how fast) they were answered, in total
    and by channel, and by the asker's specialty and facility (as they are now)."""
    asked = (Question.asked_at >= period.start, Question.asked_at < period.end)
    weekly = {w: {"asked": 0, "answered": 0} for w in _weeks(period)}
    for key, column in (("asked", Question.asked_at), ("answered", Question.answered_at)):
        day = day_of(column)
        for value, count in db.session.execute(
            select(day, func.count())
            .where(column >= period.start, column < period.end)
            .group_by(day)
        ):
            weekly[week_of(_as_date(value))][key] += count
    open_now = db.session.scalar(
        select(func.count()).select_from(Question).where(Question.status == "open")
    )
    by = _groups_in_sql if db.engine.dialect.name == "postgresql" else _groups_in_python
    total, groups = by(asked)
    return {
        **total,
        "open_now": open_now or 0,
        "weekly": [{"week": w.isoformat(), **v} for w, v in weekly.items()],
        **{
            f"by_{key}": sorted(
                ({"name": name, **figures} for name, figures in members.items()),
                key=lambda g: (-g["asked"], g["name"]),
            )
            for key, members in groups.items()
        },
    }


Groups = dict[str, dict[str, dict[str, Any]]]


def _hours(value: timedelta | None) -> float | None:
    return None if value is None else round(value.total_seconds() / 3600, 1)


def _groups_in_sql(where: tuple[Any, ...]) -> tuple[dict[str, Any], Groups]:
    """PostgreSQL: every group's counts and exact medians (percentile_cont) in one pass over
    the period's questions (GROUPING SETS: the total, per channel, per specialty, per
    facility), instead of one sort of every question per kind of group."""
    # Grouped by the channel's id (names are looked up after) and by the words themselves
    # ("C" collation: the same groups, sorted bytewise rather than by locale rules).
    name = {
        "channel": Question.channel_id,
        "specialty": func.coalesce(func.nullif(User.specialty, ""), "(none)").collate("C"),
        "facility": func.coalesce(func.nullif(User.facility, ""), "(none)").collate("C"),
    }
    to_first = Question.first_reply_at - Question.asked_at
    to_answer = Question.answered_at - Question.asked_at
    # The sorts of 50k questions fit in memory rather than spilling to disk (default 4MB).
    db.session.execute(text("SET LOCAL work_mem = '32MB'"))
    query = (
        select(
            *name.values(),
            func.grouping(*name.values()),
            func.count(),
            func.count(Question.answered_at),
            func.count(Question.answered_at).filter(to_answer <= ONE_DAY),
            func.percentile_cont(0.5).within_group(to_first),
            func.percentile_cont(0.5).within_group(to_answer),
        )
        .select_from(Question)
        .join(User, User.id == Question.asker_id)
        .where(*where)
        .group_by(func.grouping_sets(tuple_(), *(tuple_(column) for column in name.values())))
    )
    # grouping(): a bit set per column, 1 where the column is not grouped on in that row.
    kinds = {0b011: "channel", 0b101: "specialty", 0b110: "facility"}
    total = _figures(0, 0, 0, None, None)
    groups: Groups = {key: {} for key in name}
    rows = db.session.execute(query).all()
    ids = [channel for channel, _, _, bits, *_ in rows if bits == 0b011]
    names = {
        channel_id: name
        for channel_id, name in db.session.execute(
            select(Channel.id, Channel.name).where(Channel.id.in_(ids))
        )
    }
    for channel, specialty, facility, bits, *counts in rows:
        asked, answered, within, first, accepted = counts
        figures = _figures(asked, answered, within, _hours(first), _hours(accepted))
        if bits == 0b111:
            total = figures
        else:
            kind = kinds[bits]
            key = {
                "channel": names.get(channel) or "(none)",
                "specialty": specialty,
                "facility": facility,
            }[kind]
            groups[kind][key] = figures
    return total, groups


def _figures(
    asked: int, answered: int, within: int, first: float | None, accepted: float | None
) -> dict[str, Any]:
    return {
        "asked": asked,
        "answered": answered,
        "answered_within_24h_share": _share(within, asked),
        "median_hours_to_first_answer": first,
        "median_hours_to_accepted_answer": accepted,
    }


@dataclass
class _Group:
    """The questions of one group (a channel, a specialty, a facility, or all of them)."""

    asked: int = 0
    within: int = 0
    to_first: list[float] = field(default_factory=list)
    to_accepted: list[float] = field(default_factory=list)

    def add(self, asked_at: datetime, first: datetime | None, accepted: datetime | None) -> None:
        self.asked += 1
        if first is not None:
            self.to_first.append((first - asked_at).total_seconds() / 3600)
        if accepted is not None:
            self.to_accepted.append((accepted - asked_at).total_seconds() / 3600)
            self.within += accepted - asked_at <= ONE_DAY

    def figures(self) -> dict[str, Any]:
        return _figures(
            self.asked,
            len(self.to_accepted),
            self.within,
            _median(self.to_first),
            _median(self.to_accepted),
        )


def _groups_in_python(where: tuple[Any, ...]) -> tuple[dict[str, Any], Groups]:
    """SQLite (no percentile function; small installations): the same figures from one
    read of the period's question rows."""
    rows = db.session.execute(
        select(
            Channel.name,
            User.specialty,
            User.facility,
            Question.asked_at,
            Question.first_reply_at,
            Question.answered_at,
        )
        .select_from(Question)
        .join(Channel, Channel.id == Question.channel_id)
        .join(User, User.id == Question.asker_id)
        .where(*where)
    ).all()
    total = _Group()
    groups: dict[str, dict[str, _Group]] = {"channel": {}, "specialty": {}, "facility": {}}
    for channel, specialty, facility, asked_at, first, accepted in rows:
        total.add(asked_at, first, accepted)
        for kind, key in (("channel", channel), ("specialty", specialty), ("facility", facility)):
            groups[kind].setdefault(key or "(none)", _Group()).add(asked_at, first, accepted)
    return total.figures(), {
        kind: {key: group.figures() for key, group in members.items()}
        for kind, members in groups.items()
    }


def search_figures(period: Period, content: bool) -> dict[str, Any]:
    """Searches per week, the share that found nothing, and what they were looking for."""
    in_period = (SearchRecord.day >= period.since, SearchRecord.day <= period.until)
    # Days up to the rollup's are read from search_days (one row a day); later ones live.
    through = db.session.scalar(select(InsightRollup.searches_through))
    rolled: list[Any] = []
    live = select(
        SearchRecord.day,
        func.count(),
        func.sum(func.cast(SearchRecord.results == 0, db.Integer)),
        func.sum(func.cast(SearchRecord.flagged, db.Integer)),
    ).where(*in_period)
    if through is not None:
        live = live.where(SearchRecord.day > through)
        rolled = list(
            db.session.execute(
                select(
                    SearchDay.day, SearchDay.total, SearchDay.zero_result, SearchDay.flagged
                ).where(SearchDay.day >= period.since, SearchDay.day <= min(period.until, through))
            )
        )
    rows = [*rolled, *db.session.execute(live.group_by(SearchRecord.day)).all()]
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
    """People who posted, per week: the rollup's count (active_weeks) for the weeks no
    message after its watermark falls in; for the others (usually the current week), the
    rollup's people and the later messages' authors, counted (distinct) by the database."""
    through = db.session.scalar(select(InsightRollup.through_message_id)) or 0
    first, last = week_of(period.since), week_of(period.until)
    live = (
        select(
            week_start(day_of(Message.created_at)).label("week"),
            Message.author_id.label("user_id"),
        )
        .where(
            Message.id > through,
            Message.created_at >= datetime.combine(first, time(), UTC),
            Message.created_at < datetime.combine(last + timedelta(days=7), time(), UTC),
        )
        .cte("live")
    )
    live_weeks = select(live.c.week).distinct()
    rolled = select(ActivityWeek.week.label("week"), ActivityWeek.user_id.label("user_id")).where(
        ActivityWeek.week >= first, ActivityWeek.week <= last, ActivityWeek.week.in_(live_weeks)
    )
    both = union_all(rolled, select(live.c.week, live.c.user_id)).subquery()
    counted = db.session.execute(
        select(both.c.week, func.count(func.distinct(both.c.user_id))).group_by(both.c.week)
    ).all()
    totals = db.session.execute(
        select(ActiveWeek.week, ActiveWeek.active).where(
            ActiveWeek.week >= first, ActiveWeek.week <= last
        )
    ).all()
    active = {_as_date(w): n for w, n in totals}
    active.update({_as_date(w): n for w, n in counted})
    return active


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
