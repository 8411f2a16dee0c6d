"""The lockout guard: PhysNet never makes the directory lock someone's account.

Active Directory (and OpenLDAP's ppolicy) lock an account after `threshold` failed binds
within a window. PhysNet counts the failed directory sign-ins per username (in the
rate-limit counters: Redis when configured, so every process shares the count) and sends
no more binds once `threshold - 1` have failed, until the window has passed since the last
failure. A success clears the count, as it does in the directory. This holds with rate
limits off too: it protects the directory, not PhysNet.

Unknown usernames are counted like known ones, so the refusal says nothing about who exists.
A slot is reserved before the bind, so sign-ins racing in parallel cannot overshoot.
"""

from __future__ import annotations

import math

from physnet import ratelimit
from physnet.directory.settings import DirectorySettings
from physnet.errors import RateLimited


class LockoutGuard(RateLimited):
    code = "directory_lockout_guard"


def _key(username: str) -> str:
    return f"directory_failures:{username}"


def _refuse(settings: DirectorySettings, remaining: float) -> LockoutGuard:
    minutes = max(1, math.ceil(remaining / 60))
    return LockoutGuard(
        f"Several sign-ins for this account failed, and one more could make the hospital "
        f"directory lock it, so PhysNet is not trying this password. Try again in "
        f"{minutes} minute{'s' if minutes != 1 else ''}, or ask IT to check the account.",
        retry_after=max(1, math.ceil(remaining)),
    )


def reserve_bind(settings: DirectorySettings, username: str) -> None:
    """Take one of the failures the directory allows before binding as `username`.

    Raises LockoutGuard (429) when `threshold - 1` binds already failed in the window: the
    caller must not bind. After the bind, call `bind_succeeded` or leave the failure counted.
    """
    if not settings.lockout_threshold:
        return
    allowed = settings.lockout_threshold - 1
    counters = ratelimit.counters()
    failures, remaining = counters.peek(_key(username))
    if failures >= allowed:
        raise _refuse(settings, remaining)
    # Counted before the bind: a failure refreshes the window below, a success forgets it.
    if counters.add(_key(username), 1, settings.lockout_window_s) > allowed:
        counters.add(_key(username), -1, settings.lockout_window_s)  # a parallel sign-in won
        raise _refuse(settings, counters.peek(_key(username))[1])


def bind_failed(settings: DirectorySettings, username: str) -> None:
    """The reserved bind failed: the window restarts from this failure."""
    if settings.lockout_threshold:
        ratelimit.counters().add(_key(username), 0, settings.lockout_window_s, refresh=True)


def bind_succeeded(settings: DirectorySettings, username: str) -> None:
    if settings.lockout_threshold:
        ratelimit.counters().forget(_key(username))
