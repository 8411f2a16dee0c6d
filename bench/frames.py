"""Websocket framing per delivery: the stock path (wsproto, with and without permessage-deflate)
against PhysNet's frames built once per broadcast (physnet/realtime/frames.py).

A broadcast to a channel of N people writes the same Socket.IO packet to N sockets. The stock
path (simple-websocket over wsproto) frames it in Python for each socket and, when the client
offered permessage-deflate (every browser does), compresses it with that socket's own
compression state. PhysNet declines compression and reuses one frame. This measures the CPU
of that step alone, per delivery, for a message-shaped packet, in this process (no sockets):
the minimum over --rounds rounds of --count deliveries.

    .venv/bin/python bench/frames.py
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable

import common  # noqa: F401  (bench/common.py: puts the project on sys.path)
from wsproto import ConnectionType, WSConnection
from wsproto.events import AcceptConnection, Request, TextMessage
from wsproto.extensions import PerMessageDeflate

from physnet.realtime.frames import frame_for

# The packet of one `message` event, as PhysNet broadcasts it (SPEC: a message).
PACKET = "42" + json.dumps(
    [
        "message",
        {
            "id": 48213,
            "channel": "ehr-tips",
            "author": {"username": "achen", "display_name": "Alice Chen, MD"},
            "body": "Order set favorites: star the sepsis bundle once; then one click.",
            "html": "<p>Order set favorites: star the sepsis bundle once; then one click.</p>",
            "created_at": "2026-12-07T14:00:00.123456Z",
            "edited_at": None,
            "deleted": False,
            "thread_id": None,
            "reply_count": 0,
            "reactions": [],
            "files": [],
            "client_msg_id": "c0ffee-1234",
            "event_id": 91234,
        },
    ],
    separators=(",", ":"),
)


def _server(deflate: bool) -> WSConnection:
    """A server-side wsproto connection after the handshake, compression negotiated or not."""
    client = WSConnection(ConnectionType.CLIENT)
    server = WSConnection(ConnectionType.SERVER)
    offer = [PerMessageDeflate()] if deflate else []
    server.receive_data(client.send(Request(host="physnet", target="/", extensions=offer)))
    next(server.events())
    server.send(AcceptConnection(extensions=[PerMessageDeflate()]))  # what simple-websocket says
    return server


def _per_delivery(send: Callable[[str], bytes], count: int, rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        for _ in range(count):
            # Each socket's writer gets its own str ("4" + the Socket.IO packet).
            send("4" + PACKET)
        best = min(best, (time.process_time() - start) / count)
    return best * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20_000, help="deliveries per round")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    plain, deflate = _server(False), _server(True)
    rows = [
        ("stock, no compression (wsproto)", lambda t: plain.send(TextMessage(data=t))),
        ("stock, permessage-deflate (browsers)", lambda t: deflate.send(TextMessage(data=t))),
        ("PhysNet: frame built once (frame_for)", frame_for),
    ]
    figures = [(label, _per_delivery(fn, args.count, args.rounds)) for label, fn in rows]
    ours = figures[-1][1]
    size = len(PACKET) + 1
    print(f"Framing one {size}-character packet per delivery, CPU (min of {args.rounds} rounds)")
    for label, us in figures:
        print(f"  {label:40} {us:6.2f} us  ({us / ours:5.1f}x PhysNet's)")
    print(
        f"At 100 receivers: stock {figures[0][1] * 100 / 1000:.2f} ms (no compression) or "
        f"{figures[1][1] * 100 / 1000:.2f} ms (deflate) of framing per message; "
        f"PhysNet {ours * 100 / 1000:.3f} ms."
    )


if __name__ == "__main__":
    main()
