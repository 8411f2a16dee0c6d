"""Questions and their answers, stored search queries, and the daily activity rollup that
the insights read (issue 17)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from physnet.extensions import db
from physnet.models.types import UTCDateTime, utcnow

QUESTION_STATUSES = ("open", "answered")
MAX_QUERY = 200


class Question(db.Model):  # type: ignore[name-defined]
    """A top-level message asked as a question. The row is also the question's summary for
    the insights: who asked where and when, when someone else first replied, and which reply
    the asker (or a moderator) accepted and when."""

    __tablename__ = "questions"

    message_id: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True
    )
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    asker_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="open")
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    first_reply_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    answer_id: Mapped[int | None] = mapped_column(
        ForeignKey("messages.id", ondelete="SET NULL"), default=None
    )
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    __table_args__ = (Index("ix_questions_status_channel_id", "status", "channel_id"),)


class SearchRecord(db.Model):  # type: ignore[name-defined]
    """One search, for the insights: when, how many results, and its normalized words, kept
    only if the PHI guard passed the query (a flagged one has `query` None: counted only).
    No user is recorded."""

    __tablename__ = "search_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    results: Mapped[int] = mapped_column(default=0)
    query: Mapped[str | None] = mapped_column(String(MAX_QUERY), default=None)
    flagged: Mapped[bool] = mapped_column(default=False)

    __table_args__ = (Index("ix_search_records_results_day", "results", "day"),)


class ActivityWeek(db.Model):  # type: ignore[name-defined]
    """A person posted at least once in the week starting on this Monday (UTC): the
    precompute of weekly active physicians, filled by physnet/actions/insights.py."""

    __tablename__ = "activity_weeks"

    week: Mapped[date] = mapped_column(Date, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class FirstPost(db.Model):  # type: ignore[name-defined]
    """The day (UTC) of a person's first message: the precompute of the learning period."""

    __tablename__ = "first_posts"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    first_day: Mapped[date] = mapped_column(Date)


class ActiveWeek(db.Model):  # type: ignore[name-defined]
    """How many people posted in the week starting on this Monday: the activity_weeks rows
    of that week, counted by the rollup (the insights count weeks with later messages live)."""

    __tablename__ = "active_weeks"

    week: Mapped[date] = mapped_column(Date, primary_key=True)
    active: Mapped[int] = mapped_column(default=0)


class SearchDay(db.Model):  # type: ignore[name-defined]
    """The searches of one day (UTC), counted by the rollup: all of them, those that found
    nothing, and those the PHI guard flagged. Days after `InsightRollup.searches_through`
    are counted live from search_records."""

    __tablename__ = "search_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    total: Mapped[int] = mapped_column(default=0)
    zero_result: Mapped[int] = mapped_column(default=0)
    flagged: Mapped[int] = mapped_column(default=0)


class InsightRollup(db.Model):  # type: ignore[name-defined]
    """How far the rollup has read: messages with ids up to `through_message_id` are in
    activity_weeks, active_weeks and first_posts, and the searches of days up to
    `searches_through` are in search_days; later ones are counted live. A single row (id 1)."""

    __tablename__ = "insight_rollups"

    id: Mapped[int] = mapped_column(primary_key=True)
    through_message_id: Mapped[int] = mapped_column(default=0)
    searches_through: Mapped[date | None] = mapped_column(Date, default=None)
    rolled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class HelpOffer(db.Model):  # type: ignore[name-defined]
    """ "Can you help?": an open question nobody answered in time was offered to this person
    (their expertise or specialty matches). One row per person and question: offered once.
    `read_at` is set when they clear their "Mentions & replies" past the question."""

    __tablename__ = "help_offers"

    message_id: Mapped[int] = mapped_column(
        ForeignKey("questions.message_id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    offered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    # "My offers": the Mentions & replies view walks this index for one person.
    __table_args__ = (Index("ix_help_offers_user_id_message_id", "user_id", "message_id"),)
