"""The database tables; import from here."""

from physnet.models.admin import LegalHold, RuntimeSetting
from physnet.models.audit import AuditChainHead, AuditEvent
from physnet.models.channels import (
    CHANNEL_NAME_PATTERN,
    CHANNEL_NAME_RE,
    KINDS,
    NOTIFY_LEVELS,
    Channel,
    Membership,
    default_notification_level,
)
from physnet.models.digest import DIGEST_MODES, DIGEST_STATUSES, Digest, DigestChoice
from physnet.models.directory import SYNC_STATUSES, DirectorySyncRun
from physnet.models.files import FILE_KINDS, File, FileChunk
from physnet.models.messages import MAX_BODY, Mention, Message, MessageEdit, Reaction
from physnet.models.moderation import REPORT_KINDS, REPORT_STATUSES, MessageReport
from physnet.models.notifications import RepliesReadMarker
from physnet.models.onboarding import SEEN_KINDS, OnboardingSeen, OnboardingState
from physnet.models.profiles import TAG_KINDS, UserNameToken, UserPhoto, UserTag
from physnet.models.push import (
    AVAILABILITY_STATUSES,
    MailMark,
    PushOutbox,
    PushSubscription,
    UserAvailability,
)
from physnet.models.questions import (
    MAX_QUERY,
    QUESTION_STATUSES,
    ActiveWeek,
    ActivityWeek,
    FirstPost,
    HelpOffer,
    InsightRollup,
    Question,
    SearchDay,
    SearchRecord,
)
from physnet.models.search import ChangeLog, ChangeLogReader
from physnet.models.tips import (
    MAX_TAGS,
    MAX_TITLE,
    TAG_RE,
    Tag,
    Tip,
    TipEdit,
    TipEndorsement,
    TipReminder,
)
from physnet.models.types import MAX_ID, UTCDateTime, utcnow
from physnet.models.users import ROLES, USERNAME, ApiToken, EndedSession, User

__all__ = [
    "AVAILABILITY_STATUSES",
    "CHANNEL_NAME_PATTERN",
    "CHANNEL_NAME_RE",
    "DIGEST_MODES",
    "DIGEST_STATUSES",
    "FILE_KINDS",
    "KINDS",
    "MAX_BODY",
    "MAX_ID",
    "MAX_QUERY",
    "MAX_TAGS",
    "MAX_TITLE",
    "NOTIFY_LEVELS",
    "QUESTION_STATUSES",
    "REPORT_KINDS",
    "REPORT_STATUSES",
    "ROLES",
    "SEEN_KINDS",
    "SYNC_STATUSES",
    "TAG_KINDS",
    "TAG_RE",
    "USERNAME",
    "ActiveWeek",
    "ActivityWeek",
    "ApiToken",
    "AuditChainHead",
    "AuditEvent",
    "ChangeLog",
    "ChangeLogReader",
    "Channel",
    "Digest",
    "DigestChoice",
    "DirectorySyncRun",
    "EndedSession",
    "File",
    "FileChunk",
    "FirstPost",
    "HelpOffer",
    "InsightRollup",
    "LegalHold",
    "MailMark",
    "Membership",
    "Mention",
    "Message",
    "MessageEdit",
    "MessageReport",
    "OnboardingSeen",
    "OnboardingState",
    "PushOutbox",
    "PushSubscription",
    "Question",
    "Reaction",
    "RepliesReadMarker",
    "RuntimeSetting",
    "SearchDay",
    "SearchRecord",
    "Tag",
    "Tip",
    "TipEdit",
    "TipEndorsement",
    "TipReminder",
    "UTCDateTime",
    "User",
    "UserAvailability",
    "UserNameToken",
    "UserPhoto",
    "UserTag",
    "default_notification_level",
    "utcnow",
]
