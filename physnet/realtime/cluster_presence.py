"""Who is online across every server process: per-process sets in Redis that expire.

Each server process ("node") keeps the usernames it holds sockets for in a Redis set and
refreshes a short-lived `alive` key every HEARTBEAT_S. A process killed with SIGKILL stops
refreshing; EXPIRY_S later a surviving process notices, removes the dead node and announces
its people offline unless they are connected elsewhere. Every heartbeat also re-adds the
node's own people, so a Redis restart (which forgets everything) heals within a beat.

The same Redis keeps which logged events were published (`mark_published`), a short
lease so that one process at a time republishes the others (`take_lease`), and where that
republisher has got to in the change log (`physnet.actions.republish`).

With no Redis there is one process, and `physnet.realtime.rooms.connections` is the truth.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)
HEARTBEAT_S = 3.0
EXPIRY_S = 10
# How long an event stays noted as published: far longer than the republisher's look back.
PUBLISHED_KEEP_S = 900


@dataclass
class Reaped:
    """What one heartbeat took over from dead nodes."""

    offline: list[str] = field(default_factory=list)  # nobody else holds them: announce


class ClusterPresence:
    def __init__(self) -> None:
        self.node = uuid.uuid4().hex[:12]
        self._url: str | None = None
        self._prefix = "physnet-0:presence"
        self._client: Any = None

    def configure(self, redis_url: str | None, prefix: str) -> None:
        self._url = redis_url
        self._prefix = prefix
        self._client = None

    @property
    def enabled(self) -> bool:
        return self._url is not None

    def _redis(self) -> Any:
        if self._client is None:
            import redis

            assert self._url is not None
            # Blocking: under gevent hundreds of sockets connect at once; they wait their
            # turn for a connection instead of failing with "Too many connections".
            pool = redis.BlockingConnectionPool.from_url(
                self._url,
                max_connections=32,
                timeout=5,
                socket_timeout=2,
                socket_connect_timeout=2,
                decode_responses=True,
            )
            self._client = redis.Redis(connection_pool=pool)
        return self._client

    def _key(self, *parts: str) -> str:
        return ":".join((self._prefix, *parts))

    def _alive_nodes(self, client: Any) -> list[str]:
        nodes = sorted(client.smembers(self._key("nodes")))
        if not nodes:
            return []
        flags = client.mget([self._key("alive", n) for n in nodes])
        return [n for n, flag in zip(nodes, flags, strict=True) if flag]

    def join(self, username: str) -> bool:
        """Record `username` on this node; True when they were online on no other node."""
        client = self._redis()
        elsewhere = self.online_elsewhere(username)
        pipe = client.pipeline()
        pipe.sadd(self._key("nodes"), self.node)
        pipe.sadd(self._key("users", self.node), username)
        pipe.set(self._key("alive", self.node), "1", ex=EXPIRY_S)
        pipe.execute()
        return not elsewhere

    def leave(self, username: str) -> bool:
        """Forget `username` on this node; True when no other node holds them either."""
        self._redis().srem(self._key("users", self.node), username)
        return not self.online_elsewhere(username)

    def online_elsewhere(self, username: str) -> bool:
        client = self._redis()
        others = [n for n in self._alive_nodes(client) if n != self.node]
        if not others:
            return False
        pipe = client.pipeline()
        for node in others:
            pipe.sismember(self._key("users", node), username)
        return any(pipe.execute())

    def online_among(self, usernames: list[str]) -> set[str]:
        """Which of `usernames` have a socket on a live node (one SMISMEMBER per node)."""
        client = self._redis()
        alive = self._alive_nodes(client)
        if not alive:
            return set()
        pipe = client.pipeline()
        for node in alive:
            pipe.smismember(self._key("users", node), usernames)
        found: set[str] = set()
        for flags in pipe.execute():
            found.update(name for name, flag in zip(usernames, flags, strict=True) if flag)
        return found

    def online(self) -> set[str]:
        """Every username with a socket on a live node."""
        client = self._redis()
        alive = self._alive_nodes(client)
        if not alive:
            return set()
        return set(client.sunion([self._key("users", n) for n in alive]))

    def heartbeat(self, local_usernames: list[str]) -> Reaped:
        """Refresh this node, re-add its people, reap dead nodes. Returns what this call
        alone reaped (so each is handled once): the usernames that went offline with them."""
        client = self._redis()
        pipe = client.pipeline()
        pipe.sadd(self._key("nodes"), self.node)
        if local_usernames:
            pipe.sadd(self._key("users", self.node), *local_usernames)
        pipe.set(self._key("alive", self.node), "1", ex=EXPIRY_S)
        pipe.execute()
        nodes = client.smembers(self._key("nodes"))
        alive = set(self._alive_nodes(client))
        gone: set[str] = set()
        for node in nodes - alive:
            if client.srem(self._key("nodes"), node):  # only one reaper wins each node
                gone |= set(client.smembers(self._key("users", node)))
                client.delete(self._key("users", node))
        reaped = Reaped()
        if gone:
            reaped.offline = sorted(gone - self.online())
        return reaped

    def register(self) -> None:
        """Announce this node now, not at its first heartbeat: it may die before that."""
        pipe = self._redis().pipeline()
        pipe.sadd(self._key("nodes"), self.node)
        pipe.set(self._key("alive", self.node), "1", ex=EXPIRY_S)
        pipe.execute()

    def mark_published(self, event_ids: list[int]) -> None:
        """These logged events were published: the republisher leaves them alone."""
        if not event_ids:
            return
        pipe = self._redis().pipeline(transaction=False)
        for event_id in event_ids:
            pipe.set(self._key("published", str(event_id)), "1", ex=PUBLISHED_KEEP_S)
        pipe.execute()

    def unpublished(self, event_ids: list[int]) -> set[int]:
        """Those of these events that nobody noted as published."""
        if not event_ids:
            return set()
        marks = self._redis().mget([self._key("published", str(i)) for i in event_ids])
        return {i for i, mark in zip(event_ids, marks, strict=True) if mark is None}

    def take_lease(self, name: str, seconds: float) -> bool:
        """Hold (or keep holding) the lease `name` for `seconds`; False while another node
        holds it. A node that dies loses it when it expires."""
        client = self._redis()
        key, ms = self._key("lease", name), int(seconds * 1000)
        if client.set(key, self.node, nx=True, px=ms):
            return True
        if client.get(key) == self.node:
            client.pexpire(key, ms)
            return True
        return False

    def get_position(self, name: str) -> int | None:
        value = self._redis().get(self._key("position", name))
        return int(value) if value is not None else None

    def set_position(self, name: str, position: int) -> None:
        self._redis().set(self._key("position", name), str(position))

    def withdraw(self) -> None:
        """Remove this node at a clean shutdown (its people are announced by their sockets)."""
        client = self._redis()
        client.srem(self._key("nodes"), self.node)
        client.delete(
            self._key("users", self.node),
            self._key("alive", self.node),
        )


cluster = ClusterPresence()
