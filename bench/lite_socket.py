"""A lightweight Socket.IO client (Engine.IO 4 over a websocket, aiohttp) for thousands of
idle or listening sockets in one process.

python-socketio's AsyncClient costs ~100 KiB and a few tasks per connection; this one is a
websocket and one task. It speaks just what the benchmarks need: connect with a token,
answer pings, record `message` events with their arrival time, emit with an ack (awaited,
or a callback).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

import aiohttp


class LiteSocket:
    def __init__(
        self,
        url: str,
        token: str,
        *,
        cookie: str | None = None,
        subscribe: bool = False,
        deflate: bool = False,
    ) -> None:
        base = url.replace("http://", "ws://", 1).rstrip("/")
        self.ws_url = f"{base}/socket.io/?EIO=4&transport=websocket"
        self.token = token
        self.cookie = cookie
        self.subscribe = subscribe  # presence only about named people (the web app's way)
        self.deflate = deflate  # offer permessage-deflate, as every browser does
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.task: asyncio.Task[None] | None = None
        self.connected = asyncio.Event()
        self.refused: str | None = None
        self.closed = False
        self.on_event: Callable[[str, Any, float], None] | None = None
        self.events_in = 0  # server events received (presence in a connect storm)
        self._acks: dict[int, asyncio.Future[Any]] = {}
        self._next_ack = 0
        self._sending: set[asyncio.Future[None]] = set()

    async def connect(self, session: aiohttp.ClientSession, timeout: float = 30.0) -> None:
        headers = {"Cookie": self.cookie} if self.cookie else None
        self.ws = await session.ws_connect(
            self.ws_url,
            headers=headers,
            autoping=False,
            heartbeat=None,
            max_msg_size=0,
            compress=15 if self.deflate else 0,
        )
        self.task = asyncio.create_task(self._read())
        await asyncio.wait_for(self.connected.wait(), timeout)
        if self.refused is not None:
            raise ConnectionRefusedError(self.refused)

    async def _read(self) -> None:
        assert self.ws is not None
        try:
            async for frame in self.ws:
                if frame.type != aiohttp.WSMsgType.TEXT:
                    continue
                self._packet(frame.data)
        except (aiohttp.ClientError, ConnectionError, asyncio.CancelledError):
            pass
        finally:
            self.closed = True
            if not self.connected.is_set():
                self.refused = self.refused or "closed before connecting"
                self.connected.set()
            for future in self._acks.values():
                if not future.done():
                    future.set_exception(ConnectionError("socket closed"))

    def _packet(self, data: str) -> None:
        kind = data[:1]
        if kind == "0":  # Engine.IO open: now open the Socket.IO namespace
            auth: dict[str, str] = {"token": self.token} if self.token else {}
            if self.subscribe:
                auth["presence"] = "subscribe"
            self._send("40" + (json.dumps(auth) if auth else ""))
        elif kind == "2":  # ping
            self._send("3")
        elif kind == "4":
            self._socketio(data[1:])

    def _socketio(self, data: str) -> None:
        kind = data[:1]
        if kind == "0":
            self.connected.set()
        elif kind == "4":
            self.refused = data[1:] or "refused"
            self.connected.set()
        elif kind == "2":
            event, *args = json.loads(data[1:])
            self.events_in += 1
            if self.on_event is not None:
                self.on_event(event, args[0] if args else None, time.perf_counter())
        elif kind == "3":
            digits = len(data) - len(data[1:].lstrip("0123456789"))
            ack_id = int(data[1:digits])
            future = self._acks.pop(ack_id, None)
            if future is not None and not future.done():
                payload = json.loads(data[digits:])
                future.set_result(payload[0] if payload else None)

    def _send(self, text: str) -> None:
        if self.ws is not None and not self.ws.closed:
            task = asyncio.ensure_future(self.ws.send_str(text))
            self._sending.add(task)  # keep a reference until it is sent
            task.add_done_callback(self._sending.discard)

    def _request(self, event: str, data: Any) -> asyncio.Future[Any]:
        """Emit `event` with an ack id; the future gets the acknowledgement's payload."""
        self._next_ack += 1
        ack_id = self._next_ack
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._acks[ack_id] = future
        self._send(f"42{ack_id}" + json.dumps([event, data]))
        return future

    async def call(self, event: str, data: Any, timeout: float = 30.0) -> Any:
        """Emit `event` and wait for its acknowledgement."""
        return await asyncio.wait_for(self._request(event, data), timeout)

    async def emit(
        self, event: str, data: Any, callback: Callable[[Any], None] | None = None
    ) -> None:
        """Emit `event`; `callback(reply)` runs once it is acknowledged (the shape of
        python-socketio's `emit`)."""
        if callback is None:
            self._send("42" + json.dumps([event, data]))
            return

        def done(f: asyncio.Future[Any]) -> None:
            if not f.cancelled() and f.exception() is None:
                callback(f.result())

        self._request(event, data).add_done_callback(done)

    async def close(self) -> None:
        if self.ws is not None and not self.ws.closed:
            await self.ws.close()
        if self.task is not None:
            self.task.cancel()


async def connect_many(
    url: str,
    tokens: list[str],
    session: aiohttp.ClientSession,
    concurrency: int = 50,
    watch: list[list[str]] | None = None,
) -> list[LiteSocket]:
    """Connect one socket per token, `concurrency` at a time; raise on the first refusal.

    With `watch` (one list of usernames per token) each socket behaves like the web app:
    it connects hearing no presence, then subscribes to the people it would show.
    Without, it hears no presence since 2026-12 (everyone's with `presence_everyone` on).
    """
    sockets = [LiteSocket(url, token, subscribe=watch is not None) for token in tokens]
    gate = asyncio.Semaphore(concurrency)

    async def one(i: int, sock: LiteSocket) -> None:
        async with gate:
            await sock.connect(session)
            if watch is not None:
                ack = await sock.call("presence_subscribe", {"usernames": watch[i]})
                if not ack.get("ok"):
                    raise ConnectionRefusedError(f"presence_subscribe: {ack}")

    await asyncio.gather(*(one(i, s) for i, s in enumerate(sockets)))
    return sockets
