"""People and their API tokens."""

from __future__ import annotations

import re
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from physnet.extensions import db
from physnet.models.types import UTCDateTime, utcnow

# "analyst": sees the insights' counts (no message content) and is otherwise a member.
ROLES = ("member", "moderator", "admin", "analyst")
# A username; used with fullmatch: "$" alone would also accept a trailing newline.
USERNAME = re.compile(r"[a-z][a-z0-9._-]{1,63}")


class User(UserMixin, db.Model):  # type: ignore[name-defined]
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    title: Mapped[str] = mapped_column(String(200), default="")
    credentials: Mapped[str] = mapped_column(String(100), default="")
    department: Mapped[str] = mapped_column(String(200), default="")
    specialty: Mapped[str] = mapped_column(String(200), default="")
    facility: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(64), default="")
    photo: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    # Fields the person edits on their own profile.
    bio: Mapped[str] = mapped_column(Text, default="")
    expertise: Mapped[str] = mapped_column(Text, default="")  # comma-separated tags
    ehr_systems: Mapped[str] = mapped_column(Text, default="", server_default="")  # same
    ask_me_about: Mapped[str] = mapped_column(String(200), default="", server_default="")
    # The name folded for ordering the people directory ("Dr." and accents ignored); kept
    # in step with display_name by physnet/people/index.py.
    sort_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    # "local" accounts have a password here; "directory" accounts bind to LDAP.
    source: Mapped[str] = mapped_column(String(16), default="local")
    directory_id: Mapped[str | None] = mapped_column(String(255), unique=True, default=None)
    directory_dn: Mapped[str | None] = mapped_column(Text, default=None)
    password_hash: Mapped[str | None] = mapped_column(String(255), default=None)
    role: Mapped[str] = mapped_column(String(16), default="member")
    active: Mapped[bool] = mapped_column(default=True)
    # Bumped to end every session and socket of this person at once.
    session_generation: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    __table_args__ = (
        Index("ix_users_lower_display_name", func.lower(display_name)),
        Index("ix_users_specialty", "specialty"),
        Index("ix_users_facility", "facility"),
        # The people directory: facet counts and filters read these (covering) indexes,
        # and the unfiltered listing pages through the last one in order.
        Index("ix_users_active_specialty_facility", "active", "specialty", "facility"),
        Index("ix_users_active_facility_specialty", "active", "facility", "specialty"),
        Index("ix_users_active_department", "active", "department"),
        Index("ix_users_active_sort_name", "active", "sort_name", "id"),
    )

    def get_id(self) -> str:
        # The generation makes a signed-out-everywhere session stop loading.
        return f"{self.id}:{self.session_generation}"

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_staff(self) -> bool:
        """Moderators and admins: may post announcements and moderate anywhere."""
        return self.role in ("moderator", "admin")

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class ApiToken(db.Model):  # type: ignore[name-defined]
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(100), default="")
    # SHA-256 of the token: tokens are long random strings, so a fast hash is enough.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    user: Mapped[User] = relationship(lazy="joined")


class EndedSession(db.Model):  # type: ignore[name-defined]
    """A cookie session its owner signed out of: a copy of that cookie is refused too.

    Sessions are signed cookies, so the server remembers the ones that ended early; a row
    can go once the session would have reached its lifetime anyway (`started_at` plus the
    lifetime setting in force).
    """

    __tablename__ = "ended_sessions"

    sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    ended_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
