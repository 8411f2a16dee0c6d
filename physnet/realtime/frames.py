"""Websocket frames for a broadcast: built once per message, and written by the sender.

A message to a channel of 100 people is the same Socket.IO packet written to 100 sockets.
The stock path (engineio over simple-websocket and wsproto) puts it in each socket's queue,
wakes each socket's writer (a thread, or a greenlet under gevent), frames it again in
Python for each one, and compresses it for each socket that offered permessage-deflate
(every browser does), each with its own compression state.

PhysNet's websockets:

- **decline compression**, as Socket.IO's own server has by default since version 3 (CPU
  and memory for every delivery, for small JSON messages on a hospital's network);
- **frame a text once** (`frame_for`, which keeps the last few hundred): with plain frames
  the bytes are the same for every socket;
- **write a packet at once** from the thread that sends it, when that socket has nothing
  queued or being written and its kernel buffer takes the whole frame (a non-blocking
  `send`), instead of waking the socket's writer. Otherwise the packet goes to the queue
  as before, behind what is there, and the writer sends it: a slow reader never holds up
  the sender, and packets keep their order. A frame the kernel took only part of leaves
  its rest to the writer, and nothing is written directly until that rest is out.

The order argument: a packet is written directly only when the socket's queue has no
unfinished task; a packet taken from the queue is finished only once the writer has
written it (`_poll_one`, `send`); the check and the write happen under the socket's lock
(with threads) or with nothing between them that could switch greenlets (gevent). Nothing
is written directly once the websocket is closing (no data frame after a Close).

Direct writes are for connections that open as websockets (PhysNet's pages and API
clients do) on a plain socket; a connection upgraded from long-polling, or served over
TLS by the process itself, keeps the stock writer for everything.
"""

from __future__ import annotations

import _socket
import contextlib
import socket
import ssl
import struct
import threading
from collections import OrderedDict
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from engineio import exceptions as eio_exceptions
from engineio import packet as eio_packet
from engineio.async_drivers._websocket_wsgi import SimpleWebSocketWSGI

KEEP = 256  # frames kept: a burst of broadcasts in flight, each to many sockets
LARGEST_KEPT = 16 * 1024  # bigger texts (a catch-up acknowledgement) go to one socket
TEXT, BINARY = 0x1, 0x2
DONTWAIT: int | None = getattr(socket, "MSG_DONTWAIT", None)  # not on Windows

_frames: OrderedDict[str, bytes] = OrderedDict()
_frames_lock = threading.Lock()


def data_frame(payload: bytes, opcode: int = TEXT) -> bytes:
    """One unfragmented, unmasked (server to client) websocket frame (RFC 6455 5.2)."""
    size = len(payload)
    first = 0x80 | opcode  # FIN
    if size < 126:
        header = struct.pack("!BB", first, size)
    elif size < 1 << 16:
        header = struct.pack("!BBH", first, 126, size)
    else:
        header = struct.pack("!BBQ", first, 127, size)
    return header + payload


def text_frame(text: str) -> bytes:
    return data_frame(text.encode())


def frame_for(text: str) -> bytes:
    """The frame for `text`, reused when the same text went to another socket lately."""
    if len(text) > LARGEST_KEPT:
        return text_frame(text)
    frame = _frames.get(text)
    if frame is None:
        frame = text_frame(text)
        with _frames_lock:
            _frames[text] = frame
            while len(_frames) > KEEP:
                _frames.popitem(last=False)
    return frame


def _frame(message: str | bytes) -> bytes:
    return frame_for(message) if isinstance(message, str) else data_frame(message, BINARY)


class _Rest(str):
    """The text the writer gets for "write the rest of a frame the kernel took part of"."""


class _RestPacket(eio_packet.Packet):
    def __init__(self) -> None:
        super().__init__(eio_packet.NOOP)

    def encode(self, b64: bool = False) -> _Rest:
        return _Rest()


def _plain_socket(environ: dict[str, Any]) -> _socket.socket | None:
    """The connection's OS socket, if a non-blocking send on it cannot wait: a plain
    blocking socket (the threaded server's), or the socket under a gevent socket. None
    for TLS served by the process itself (gunicorn --certfile): the OS socket under it
    carries encrypted bytes only. gevent's SSLSocket is not the stdlib's class, hence the
    check for an SSL object too."""
    sock = environ.get("werkzeug.socket") or environ.get("gunicorn.socket")
    if sock is None or isinstance(sock, ssl.SSLSocket) or hasattr(sock, "_sslobj"):
        return None
    if DONTWAIT is None:  # a platform without non-blocking sends per call
        return None
    inner = getattr(sock, "_sock", None)  # gevent's socket wraps the OS socket
    if type(sock).__module__.startswith("gevent") and isinstance(inner, _socket.socket):
        return inner if inner.gettimeout() == 0.0 else None
    if isinstance(sock, socket.socket):
        # With a timeout, CPython waits for the socket to be writable before it sends.
        return sock if sock.gettimeout() is None else None
    return None


def plain_frames(
    base: type[SimpleWebSocketWSGI], greenlets: bool = False
) -> type[SimpleWebSocketWSGI]:
    """engineio's websocket wrapper `base` (threading's or gevent's), with compression
    declined, text messages written as `frame_for` builds them, and packets written at
    once by their sender when the socket is idle (see the module's docstring).

    `greenlets`: every thread is a greenlet (gevent). Nothing between the check for an
    idle socket and the write can switch to another (a non-blocking send, a put on an
    unbounded queue), so no lock is taken (under gevent it was ~2% of the samples of a
    profile at saturation)."""

    class PlainFramesWebSocket(base):
        def __init__(self, handler: Any, server: Any, **kwargs: Any) -> None:
            super().__init__(handler, server, **kwargs)
            self.eio_socket: Any = getattr(handler, "__self__", None)  # engineio's Socket
            self.direct: Any = None  # the OS socket, once packets may be written at once
            self.lock: AbstractContextManager[Any] = (
                contextlib.nullcontext() if greenlets else threading.Lock()
            )
            self.rest = b""

        def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
            # With no extension offered, none is negotiated: the handshake answers without
            # Sec-WebSocket-Extensions and every frame is plain.
            environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
            eio = self.eio_socket
            raw = _plain_socket(environ)
            if eio is not None and raw is not None and not eio.connected:
                # A connection opened as a websocket: its OPEN packet is already queued, so
                # nothing is written directly before the handshake's answer and that packet.
                self.direct = raw
                eio.send = self.send_packet  # this socket's, in place of the class's
                eio.poll = self._poll_one
            try:
                return super().__call__(environ, start_response)
            finally:
                if self.direct is not None:  # the class's again: a late send only queues
                    del eio.send, eio.poll

        def send_packet(self, pkt: eio_packet.Packet) -> None:
            """engineio's Socket.send for this socket: write now if idle, else queue."""
            eio = self.eio_socket
            if not eio.check_ping_timeout():
                return
            queue = eio.queue
            with self.lock:
                if queue.unfinished_tasks == 0 and self.ws.connected:
                    frame = _frame(pkt.encode())
                    try:
                        sent = self.direct.send(frame, DONTWAIT)
                    except BlockingIOError:
                        sent = 0
                    except OSError:  # closed: the writer finds out and ends the socket
                        sent = -1
                    if sent == len(frame):
                        return
                    if sent >= 0:
                        self.rest = frame[sent:]
                        pkt = _RestPacket()  # the writer writes the rest next
                queue.put(pkt)

        def _poll_one(self) -> list[eio_packet.Packet]:
            """engineio's Socket.poll for the writer of this socket: one packet at a time,
            finished (task_done) only once `send` has written it. An empty queue is not
            a dead client here (pings go out directly): liveness is engineio's ping check."""
            eio = self.eio_socket
            server = eio.server
            empty = server.get_queue_empty_exception()
            while True:
                try:
                    pkt = eio.queue.get(timeout=server.ping_interval + server.ping_timeout)
                    break
                except empty:
                    if eio.closed or eio.closing:
                        raise eio_exceptions.QueueEmpty() from None
            if pkt is None:  # the socket is closing
                eio.queue.task_done()
                return []
            return [pkt]

        def send(self, message: Any) -> None:
            try:
                if isinstance(message, _Rest):
                    data, self.rest = self.rest, b""
                else:
                    ws = self.ws
                    if not ws.connected:
                        raise OSError("websocket closed")  # what the library's send raises
                    data = _frame(message)
                self.ws.sock.sendall(data)
            finally:
                if self.direct is not None:
                    self.eio_socket.queue.task_done()

    PlainFramesWebSocket.__name__ = f"PlainFrames{base.__name__}"
    return PlainFramesWebSocket


def install(eio_server: Any) -> bool:
    """Serve this Engine.IO server's websockets with `plain_frames`; False, and nothing
    changed, when its async mode serves websockets some other way."""
    base = eio_server._async.get("websocket")
    if not (isinstance(base, type) and issubclass(base, SimpleWebSocketWSGI)):
        return False
    # The mode's table is shared by every server of the process: this one gets its own.
    greenlets = getattr(eio_server, "async_mode", None) == "gevent"
    eio_server._async = {**eio_server._async, "websocket": plain_frames(base, greenlets)}
    return True
