"""Fixed-window rate limits for sign-in, posting and search: in memory, or in Redis."""

from __future__ import annotations

import threading
import time
from typing import Any

from flask import current_app

from physnet.errors import RateLimited

# name -> (allowed events, window seconds)
LIMITS = {
    "login": (10, 60),
    "post": (60, 60),
    "search": (60, 60),
    # The composer scans a draft as people type (debounced): more often than they post.
    "phi_scan": (240, 60),
}


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


def init_app(app: Any) -> None:
    url = app.config["PHYSNET"].redis_url
    app.extensions["physnet_ratelimit"] = _RedisCounter(url) if url else _MemoryCounter()


def check(name: str, who: str) -> None:
    """Count one `name` event for `who`; raise RateLimited when over the limit."""
    if not current_app.config["PHYSNET"].ratelimits:
        return
    allowed, window = LIMITS[name]
    count, retry = current_app.extensions["physnet_ratelimit"].hit(f"{name}:{who}", window)
    if count > allowed:
        raise RateLimited(
            f"Too many {name} attempts; try again in {int(retry) + 1} seconds.",
            retry_after=int(retry) + 1,
        )
