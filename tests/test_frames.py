"""Broadcast frames built once (physnet/realtime/frames.py): the bytes a client reads back,
the bound on what is kept, and a real server that declines per-message compression."""

from __future__ import annotations

import json

import pytest
import websocket
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
