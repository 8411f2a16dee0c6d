"""Websocket frames for a broadcast: built once per message, not once per socket.

A message to a channel of 100 people is the same Socket.IO packet written to 100 sockets.
The stock path (simple-websocket over wsproto) frames it again in Python for each socket,
and compresses it for each one that offered permessage-deflate (every browser does), each
with its own compression state. That framing was a third of a bare Flask-SocketIO server's
CPU per delivered message (bench/messaging.py profiles, docs/benchmarks.md).

PhysNet's websockets do not negotiate compression: Socket.IO's own server has left it off
by default since version 3 for the same reason (CPU and memory for every delivery, for
small JSON messages that travel a hospital's network). With plain frames the bytes of a
text message are the same for every socket, so the first socket's send builds them and the
others reuse them (`frame_for`, which keeps the last few hundred). The writer of each
socket, its queue and its order are the library's, unchanged.
"""

from __future__ import annotations

import struct
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from engineio.async_drivers._websocket_wsgi import SimpleWebSocketWSGI

KEEP = 256  # frames kept: a burst of broadcasts in flight, each to many sockets
LARGEST_KEPT = 16 * 1024  # bigger texts (a catch-up acknowledgement) go to one socket

_frames: OrderedDict[str, bytes] = OrderedDict()
_frames_lock = threading.Lock()


def text_frame(text: str) -> bytes:
    """One unfragmented, unmasked (server to client) websocket text frame (RFC 6455 5.2)."""
    payload = text.encode()
    size = len(payload)
    if size < 126:
        header = struct.pack("!BB", 0x81, size)
    elif size < 1 << 16:
        header = struct.pack("!BBH", 0x81, 126, size)
    else:
        header = struct.pack("!BBQ", 0x81, 127, size)
    return header + payload


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


def plain_frames(base: type[SimpleWebSocketWSGI]) -> type[SimpleWebSocketWSGI]:
    """engineio's websocket wrapper `base` (threading's or gevent's), with compression
    declined and text messages written as `frame_for` builds them."""

    class PlainFramesWebSocket(base):
        def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
            # With no extension offered, none is negotiated: the handshake answers without
            # Sec-WebSocket-Extensions and every frame is plain.
            environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
            return super().__call__(environ, start_response)

        def send(self, message: Any) -> None:
            if not isinstance(message, str):  # binary: the library frames it
                return super().send(message)
            ws = self.ws
            if not ws.connected:
                raise OSError("websocket closed")  # what the library's send raises then
            ws.sock.sendall(frame_for(message))
            return None

    PlainFramesWebSocket.__name__ = f"PlainFrames{base.__name__}"
    return PlainFramesWebSocket


def install(eio_server: Any) -> bool:
    """Serve this Engine.IO server's websockets with `plain_frames`; False, and nothing
    changed, when its async mode serves websockets some other way."""
    base = eio_server._async.get("websocket")
    if not (isinstance(base, type) and issubclass(base, SimpleWebSocketWSGI)):
        return False
    # The mode's table is shared by every server of the process: this one gets its own.
    eio_server._async = {**eio_server._async, "websocket": plain_frames(base)}
    return True
