"""Room changes that must reach every server process: via Redis when there are several.

A membership change or a sign-out-everywhere happens in one process (a web request, a CLI
job), but the person's sockets may be open in any process. Each server process listens on a
Redis channel and applies the change to the sockets it holds; with no Redis there is one
process and the change applies at once.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)


class ControlBus:
    def __init__(self) -> None:
        self._url: str | None = None
        self._handlers: dict[str, Callable[..., None]] = {}
        self._listener: threading.Thread | None = None
        self._lock = threading.Lock()
        self._publisher: Any = None
        self._channel = "physnet-0:control"

    def configure(self, redis_url: str | None, channel: str) -> None:
        self._url = redis_url
        self._channel = channel
        self._publisher = None

    def handler(self, op: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
        def register(fn: Callable[..., None]) -> Callable[..., None]:
            self._handlers[op] = fn
            return fn

        return register

    def publish(self, op: str, **args: Any) -> None:
        """Apply `op` in every server process (only here when there is no Redis)."""
        if self._url is None:
            self._handlers[op](**args)
            return
        if self._publisher is None:
            import redis

            self._publisher = redis.Redis.from_url(self._url)
        self._publisher.publish(self._channel, json.dumps({"op": op, "args": args}))

    def ensure_listening(self) -> None:
        """Start this process's listener (once) when it begins to hold sockets."""
        if self._url is None or self._listener is not None:
            return
        with self._lock:
            if self._listener is None:
                self._listener = threading.Thread(
                    target=self._listen,
                    args=(self._url, self._channel),
                    name="physnet-control",
                    daemon=True,
                )
                self._listener.start()

    def _listen(self, url: str, channel: str) -> None:
        import redis

        while True:
            try:
                pubsub = redis.Redis.from_url(url).pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(channel)
                for item in pubsub.listen():
                    self._apply(item.get("data"))
            except Exception:  # Redis restarted or unreachable: retry, never die
                log.warning("control channel lost; reconnecting", exc_info=True)
                time.sleep(1)

    def _apply(self, raw: Any) -> None:
        try:
            message = json.loads(raw)
            self._handlers[message["op"]](**message["args"])
        except Exception:
            log.exception("bad control message %r", raw)


bus = ControlBus()
