"""Named places where a fault test makes this process die on purpose.

`PHYSNET_FAILPOINTS=message.committed` (a comma-separated list) makes a process (server or
CLI) kill itself with SIGKILL the first time it reaches that point: for `message.committed`,
right after a message's transaction commits and before its broadcast; for
`event.committed`, after any commit and before its first logged event is published. That
is the one moment a real crash is hard to hit by timing, and the one the republisher of
logged events (`physnet.actions.republish`) exists for. Unset in every deployment; read
once at start.
"""

from __future__ import annotations

import os
import signal

_ARMED = frozenset(p.strip() for p in os.environ.get("PHYSNET_FAILPOINTS", "").split(",") if p)


def reach(name: str) -> None:
    if name in _ARMED:
        os.kill(os.getpid(), signal.SIGKILL)
