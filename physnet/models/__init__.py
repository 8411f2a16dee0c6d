"""The database tables; import from here."""

from physnet.models.audit import AuditChainHead, AuditEvent
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
from physnet.models.types import MAX_ID, UTCDateTime, utcnow
from physnet.models.users import ROLES, ApiToken, User

__all__ = [
    "CHANNEL_NAME_PATTERN",
    "CHANNEL_NAME_RE",
    "KINDS",
    "MAX_BODY",
    "MAX_ID",
    "ROLES",
    "SYNC_STATUSES",
    "ApiToken",
    "AuditChainHead",
    "AuditEvent",
    "Channel",
    "DirectorySyncRun",
    "Membership",
    "Mention",
    "Message",
    "MessageEdit",
    "Reaction",
    "SearchOutbox",
    "UTCDateTime",
    "User",
    "utcnow",
]
