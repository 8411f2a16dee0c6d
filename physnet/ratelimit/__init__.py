"""Fixed-window rate limits for sign-in, posting and search: in memory, or in Redis.

The same counters keep sign-in failures (`physnet/ratelimit/signin.py`): `add`, `peek` and
`forget` give a count whose expiry a caller moves, so every process sees one number.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from flask import current_app

from physnet.errors import RateLimited

# name -> (allowed events, window seconds)
LIMITS = {
    "login": (10, 60),  # per address, whatever the username
    "login_pair": (5, 60),  # per (address, username)
    "report": (10, 3600),  # reports hide messages at once: their own, tighter budget
    "typing": (20, 10),  # per socket; a client sends one every few seconds while typing
    "photo": (10, 3600),  # profile photo uploads (each is decoded and re-encoded)
    "post": (60, 60),
    "search": (60, 60),
    # The composer scans a draft as people type (debounced): more often than they post.
    "phi_scan": (240, 60),
}
_WORDS = {"login": "sign-in", "login_pair": "sign-in", "photo": "photo upload"}


class _MemoryCounter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, tuple[int, float]] = {}

    def hit(self, key: str, window: int) -> tuple[int, float]:
        now = time.monotonic()
        with self._lock:
            count, reset = self._counts.get(key, (0, now + window))
            if now >= reset:
                count, reset = 0, now + window
            count += 1
            self._counts[key] = (count, reset)
            if len(self._counts) > 100_000:  # forget expired windows now and then
                self._counts = {k: v for k, v in self._counts.items() if v[1] > now}
            return count, reset - now

    def add(self, key: str, amount: int, ttl: float, refresh: bool = False) -> int:
        """Add to a count; a new count lives `ttl` seconds, `refresh` restarts that."""
        now = time.monotonic()
        with self._lock:
            count, expires = self._counts.get(key, (0, now + ttl))
            if now >= expires:
                count, expires = 0, now + ttl
            count += amount
            self._counts[key] = (count, now + ttl if refresh else expires)
            return count

    def peek(self, key: str) -> tuple[int, float]:
        """The count and the seconds until it expires; (0, 0) when there is none."""
        now = time.monotonic()
        with self._lock:
            count, expires = self._counts.get(key, (0, now))
            return (count, expires - now) if expires > now else (0, 0.0)

    def forget(self, key: str) -> None:
        with self._lock:
            self._counts.pop(key, None)


class _RedisCounter:
    def __init__(self, url: str) -> None:
        import redis

        self._redis = redis.Redis.from_url(url)

    def hit(self, key: str, window: int) -> tuple[int, float]:
        full = f"physnet:rl:{key}"
        pipe = self._redis.pipeline()
        pipe.incr(full)
        pipe.expire(full, window, nx=True)
        pipe.ttl(full)
        count, _, ttl = pipe.execute()
        return int(count), float(max(ttl, 1))

    def add(self, key: str, amount: int, ttl: float, refresh: bool = False) -> int:
        full = f"physnet:rl:{key}"
        pipe = self._redis.pipeline()
        pipe.incrby(full, amount)
        pipe.pexpire(full, max(int(ttl * 1000), 1), nx=not refresh)
        count, _ = pipe.execute()
        return int(count)

    def peek(self, key: str) -> tuple[int, float]:
        full = f"physnet:rl:{key}"
        pipe = self._redis.pipeline()
        pipe.get(full)
        pipe.pttl(full)
        count, pttl = pipe.execute()
        if count is None or pttl <= 0:
            return 0, 0.0
        return int(count), pttl / 1000

    def forget(self, key: str) -> None:
        self._redis.delete(f"physnet:rl:{key}")


def init_app(app: Any) -> None:
    url = app.config["PHYSNET"].redis_url
    app.extensions["physnet_ratelimit"] = _RedisCounter(url) if url else _MemoryCounter()
    app.extensions["physnet_ratelimit_local"] = _MemoryCounter()


def counters() -> _MemoryCounter | _RedisCounter:
    """This app's counters (also kept when rate limits are off: the sign-in guard uses them)."""
    store: _MemoryCounter | _RedisCounter = current_app.extensions["physnet_ratelimit"]
    return store


def check(name: str, who: str, *, local: bool = False) -> None:
    """Count one `name` event for `who`; raise RateLimited when over the limit.

    `local`: count in this process only, for what lives in one process (a socket): no
    Redis round trip per event.
    """
    if not current_app.config["PHYSNET"].ratelimits:
        return
    allowed, window = LIMITS[name]
    store = current_app.extensions["physnet_ratelimit_local" if local else "physnet_ratelimit"]
    count, retry = store.hit(f"{name}:{who}", window)
    if count > allowed:
        raise RateLimited(
            f"Too many {_WORDS.get(name, name)} attempts; try again in {int(retry) + 1} seconds.",
            retry_after=int(retry) + 1,
        )
