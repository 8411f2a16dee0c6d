"""Sign-in throttling that slows a guessed account down without locking its owner out.

Checked before any password is looked at, with rate limits on:
- per address: `ratelimit.LIMITS["login"]`, whatever the username;
- per (address, username): `LIMITS["login_pair"]`;
- per username, from any address: after FREE_FAILURES failures in a row, a sign-in waits
  `failure_delay(n)` seconds after the last failure (doubling, at most DELAY_CAP_S). This
  is a delay, never a block: whoever comes after the delay has their password checked, so
  a stranger guessing at a colleague's name cannot keep the colleague out. A success
  clears it.
The counts live in the rate-limit counters (Redis when configured), so every process
agrees. Directory accounts also have the lockout guard (`physnet/directory/lockout.py`).
"""

from __future__ import annotations

import math

from flask import current_app

from physnet import ratelimit
from physnet.errors import RateLimited

FREE_FAILURES = 2  # typos cost nothing
DELAY_CAP_S = 60
FAILURE_MEMORY_S = 15 * 60  # failures are forgotten this long after the last one


def failure_delay(failures: int) -> float:
    """Seconds a sign-in for a username waits after its `failures`-th failure in a row."""
    if failures <= FREE_FAILURES:
        return 0.0
    return float(min(2 ** (failures - FREE_FAILURES - 1), DELAY_CAP_S))


def _key(username: str) -> str:
    return f"signin_failures:{username}"


def check_signin(address: str, username: str) -> None:
    """Raise RateLimited (with Retry-After) when this sign-in must wait."""
    if not current_app.config["PHYSNET"].ratelimits:
        return
    ratelimit.check("login", address)
    ratelimit.check("login_pair", f"{address}|{username}")
    failures, remaining = ratelimit.counters().peek(_key(username))
    wait = failure_delay(failures) - (FAILURE_MEMORY_S - remaining)
    if failures and wait > 0:
        seconds = math.ceil(wait)
        raise RateLimited(
            f"Several sign-ins for this account failed; PhysNet waits a little longer after "
            f"each one. Try again in {seconds} second{'s' if seconds != 1 else ''}.",
            retry_after=seconds,
        )


def record_signin(username: str, succeeded: bool) -> None:
    """Count a failed sign-in for `username`, or clear its failures after a success."""
    if not current_app.config["PHYSNET"].ratelimits or not username:
        return
    if succeeded:
        ratelimit.counters().forget(_key(username))
    else:
        ratelimit.counters().add(_key(username), 1, FAILURE_MEMORY_S, refresh=True)
