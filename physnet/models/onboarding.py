"""The first-week checklist (issue 17): what each person did that it counts, and whether
they dismissed it. The plans themselves are settings ([onboarding], or an admin's edit
stored as the run-time setting "onboarding_plans")."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from physnet.extensions import db
from physnet.models.types import UTCDateTime, utcnow

SEEN_KINDS = ("tip", "person")


class OnboardingSeen(db.Model):  # type: ignore[name-defined]
    """A person opened this tip or this colleague's profile (once is enough)."""

    __tablename__ = "onboarding_seen"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)  # see SEEN_KINDS
    ref_id: Mapped[int] = mapped_column(primary_key=True)  # the tip's or the person's id
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OnboardingState(db.Model):  # type: ignore[name-defined]
    """A person dismissed their checklist (no row: never dismissed)."""

    __tablename__ = "onboarding_states"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    dismissed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
