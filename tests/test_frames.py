"""Broadcast frames built once (physnet/realtime/frames.py): the bytes a client reads back,
the bound on what is kept, and a real server that declines per-message compression."""

from __future__ import annotations

import json
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from typing import Any

import engineio
import pytest
import websocket
from werkzeug.serving import make_server
from wsproto import ConnectionType
from wsproto.connection import Connection
from wsproto.events import TextMessage

from physnet.realtime import frames

from conftest import Listener

# Sizes either side of the frame header's length forms (7 bits, 16 bits, 64 bits).
SIZES = (0, 1, 125, 126, 127, 65_535, 65_536, 70_000)


def _read_back(data: bytes) -> list[str]:
    """What a websocket client (wsproto's) reads from these bytes."""
    client = Connection(ConnectionType.CLIENT)
    client.receive_data(data)
    texts: list[str] = []
    parts: list[str] = []
    for event in client.events():
        assert isinstance(event, TextMessage)
        parts.append(event.data)
        if event.message_finished:
            texts.append("".join(parts))
            parts = []
    return texts


@pytest.mark.parametrize("size", SIZES)
def test_a_text_frame_reads_back_as_the_same_text(size: int) -> None:
    # Multi-byte characters: the length in the header is the UTF-8 length, not the str's.
    text = (
        ("Sepsis order set ✓ Ünit 4B " * (size // 20 + 1)).encode()[:size].decode(errors="ignore")
    )
    frame = frames.text_frame(text)
    assert frame[0] == 0x81  # FIN, text, no compression bit
    assert frame[1] & 0x80 == 0  # a server's frames are not masked
    assert _read_back(frame) == [text]


def test_frames_sent_back_to_back_read_back_in_order() -> None:
    texts = ['42["message",{"body":"first"}]', "2", "x" * 300, '42["message",{"body":"é"}]']
    assert _read_back(b"".join(frames.frame_for(t) for t in texts)) == texts


def test_the_same_text_is_framed_once_and_what_is_kept_stays_bounded() -> None:
    text = '42["message",{"body":"Discharge order set: new shortcut"}]'
    first = frames.frame_for(text)
    assert frames.frame_for(str(text + " ")[:-1]) is first  # an equal text, another object
    for n in range(frames.KEEP + 50):
        frames.frame_for(f'42["message",{{"id":{n}}}]')
    assert len(frames._frames) == frames.KEEP
    assert text not in frames._frames  # the oldest went first
    big = "y" * (frames.LARGEST_KEPT + 1)
    assert _read_back(frames.frame_for(big)) == [big]
    assert big not in frames._frames


@pytest.mark.live
def test_a_real_server_declines_compression_and_its_broadcast_arrives_whole(live_server):
    server = live_server
    server.factory.user("alice")
    server.factory.user("bob")
    server.factory.channel("ehr-tips", members=("alice", "bob"))
    token = server.factory.token("bob")
    ws_url = server.url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
    # What every browser offers.
    raw = websocket.create_connection(
        ws_url, header=["Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits"]
    )
    bob = alice = None
    try:
        headers = {k.lower(): v for k, v in raw.getheaders().items()}
        assert "sec-websocket-extensions" not in headers
        opened = raw.recv()  # Engine.IO's open packet, as a plain text frame
        assert opened.startswith("0") and "sid" in json.loads(opened[1:])

        bob = Listener(server.url, token=token)
        alice = Listener(server.url, token=server.factory.token("alice"))
        body = "Shortcut for the sepsis order set: .sepsis ✓ " + "é" * 3000
        ack = alice.call("send_message", {"channel": "ehr-tips", "body": body})
        assert ack["ok"] is True
        for listener in (bob, alice):
            received = listener.wait_for("message")[0]
            assert received["body"] == body
            assert received["id"] == ack["message"]["id"]
    finally:
        raw.close()
        for client in (bob, alice):
            if client is not None:
                client.close()


# Packets written by their sender (send_packet) or, when the socket is busy, by its writer:
# a real Engine.IO server on werkzeug's threaded server, as `physnet run` serves it, and a
# real websocket client over TCP.


class _EngineIO:
    """An Engine.IO server with PhysNet's websockets on 127.0.0.1, and the sids that
    connected to it."""

    def __init__(self, ping_interval: float, ping_timeout: float) -> None:
        self.server = engineio.Server(
            async_mode="threading", ping_interval=ping_interval, ping_timeout=ping_timeout
        )
        assert frames.install(self.server)
        self.sids: list[str] = []
        self.server.on("connect", lambda sid, environ: self.sids.append(sid))
        self.httpd = make_server("127.0.0.1", 0, engineio.WSGIApp(self.server), threaded=True)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"ws://127.0.0.1:{self.httpd.port}/engine.io/?EIO=4&transport=websocket"

    def connect(self, **options: Any) -> tuple[websocket.WebSocket, str]:
        client = websocket.create_connection(self.url, timeout=10, **options)
        opened = json.loads(client.recv()[1:])  # "0{...}": Engine.IO's open packet
        return client, opened["sid"]

    def close(self) -> None:
        self.httpd.shutdown()
        self.thread.join(timeout=5)


@pytest.fixture
def eio() -> Iterator[_EngineIO]:
    server = _EngineIO(ping_interval=0.5, ping_timeout=1.0)
    yield server
    server.close()


def test_a_reader_that_falls_behind_holds_up_no_sender_and_misses_nothing(eio: _EngineIO):
    # The client reads nothing while packets are sent: once the kernel's buffers are full,
    # packets must queue (the sender does not wait) and still arrive whole and in order.
    client, sid = eio.connect(sockopt=[(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)])
    socket_ = eio.server.sockets[sid]
    block = "Order set shortcut .sepsis ✓ " * 100  # ~3 KB
    sent = 0
    try:
        started = time.monotonic()
        while socket_.queue.unfinished_tasks == 0:  # until the kernel takes no more
            eio.server.send(sid, f"{sent} {block}")
            sent += 1
            assert sent < 20_000, "the kernel's buffers never filled"
        for _ in range(200):  # behind the queued ones
            eio.server.send(sid, f"{sent} {block}")
            sent += 1
        # Every send returned while nobody read: none waited for the client.
        assert time.monotonic() - started < 5
        assert socket_.queue.unfinished_tasks > 0
        received = []
        while len(received) < sent:
            text = client.recv()
            if text == "2":  # Engine.IO's ping, between the messages
                client.send("3")
                continue
            assert text.startswith("4")  # a message packet
            received.append(text[1:])
        assert received == [f"{n} {block}" for n in range(sent)]
    finally:
        client.close()


def test_a_quiet_websocket_stays_open_while_its_client_answers_pings(eio: _EngineIO):
    # Pings go out directly, so the writer's queue stays empty for many ping intervals:
    # that alone must not end the socket (Engine.IO's ping check decides).
    client, sid = eio.connect()
    try:
        deadline = time.monotonic() + 4.0  # 8 ping intervals, 2.7 intervals + timeouts
        pings = 0
        while time.monotonic() < deadline:
            assert client.recv() == "2"
            pings += 1
            client.send("3")
        assert pings >= 5
        eio.server.send(sid, "still here")
        text = client.recv()
        while text == "2":
            client.send("3")
            text = client.recv()
        assert text == "4still here"
        assert sid in eio.server.sockets
    finally:
        client.close()


def test_a_websocket_whose_client_stops_answering_is_closed(eio: _EngineIO):
    client, sid = eio.connect()
    try:
        assert client.recv() == "2"  # not answered
        deadline = time.monotonic() + 5
        while sid in eio.server.sockets and time.monotonic() < deadline:
            time.sleep(0.05)
        assert sid not in eio.server.sockets
    finally:
        client.close()


def test_only_a_plain_connection_is_written_to_directly() -> None:
    # TLS served by the process itself (gunicorn --certfile under gevent, or the stdlib's)
    # must keep the library's writer: the OS socket under it carries encrypted bytes only.
    import gevent.socket
    import gevent.ssl

    plain = socket.socket()
    green = gevent.socket.socket()
    green_tls = gevent.ssl.SSLContext(gevent.ssl.PROTOCOL_TLS_CLIENT).wrap_socket(
        gevent.socket.socket(), server_hostname="physnet.example", do_handshake_on_connect=False
    )
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).wrap_socket(
        socket.socket(), server_hostname="physnet.example", do_handshake_on_connect=False
    )
    timed = socket.socket()
    timed.settimeout(5)  # CPython would wait for it to be writable
    try:
        assert frames._plain_socket({"werkzeug.socket": plain}) is plain
        assert frames._plain_socket({"gunicorn.socket": green}) is green._sock
        assert frames._plain_socket({"gunicorn.socket": green_tls}) is None
        assert frames._plain_socket({"werkzeug.socket": tls}) is None
        assert frames._plain_socket({"werkzeug.socket": timed}) is None
        assert frames._plain_socket({}) is None
    finally:
        for sock in (plain, green, green_tls, tls, timed):
            sock.close()
