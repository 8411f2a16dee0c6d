"""The database tables; import from here."""

from physnet.models.audit import AuditEvent
from physnet.models.channels import (
    CHANNEL_NAME_PATTERN,
    CHANNEL_NAME_RE,
    KINDS,
    Channel,
    Membership,
)
from physnet.models.directory import SYNC_STATUSES, DirectorySyncRun
from physnet.models.messages import MAX_BODY, Mention, Message, MessageEdit, Reaction
from physnet.models.search import SearchOutbox
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
from physnet.models.users import ROLES, ApiToken, User

__all__ = [
    "CHANNEL_NAME_PATTERN",
    "CHANNEL_NAME_RE",
    "KINDS",
    "MAX_BODY",
    "MAX_ID",
    "MAX_TAGS",
    "MAX_TITLE",
    "ROLES",
    "SYNC_STATUSES",
    "TAG_RE",
    "ApiToken",
    "AuditEvent",
    "Channel",
    "DirectorySyncRun",
    "Membership",
    "Mention",
    "Message",
    "MessageEdit",
    "Reaction",
    "SearchOutbox",
    "Tag",
    "Tip",
    "TipEdit",
    "TipEndorsement",
    "TipReminder",
    "UTCDateTime",
    "User",
    "utcnow",
]
