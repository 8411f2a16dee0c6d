"""Moved to `physnet.db.change_log`; kept so code that queues by this name still works."""

from physnet.db.change_log import queue

__all__ = ["queue"]
