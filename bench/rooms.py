"""A mass disconnect in one process: python-socketio's manager against PhysNet's room index.

Usage: .venv/bin/python bench/rooms.py [--sockets 1000,5000,10000]

For each size N, N sockets are entered into the rooms a PhysNet socket has: the namespace
room and its own sid room, its person's `user:` room (one person per socket, as at a shift
change), the `presence:` rooms of the 5 colleagues it shows, and 5 of 20 `channel:` rooms.
Then every socket disconnects, as when a proxy restarts or a shift ends. Both managers run
the same operations in this process (no server, no network); the figure is the CPU time of
the disconnects, and the ratio is python-socketio's stock `Manager` over
`physnet.realtime.room_index.IndexedManager`.
Sizes above --stock-max are extrapolated for the stock manager (it is quadratic), never run.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import socketio
from common import format_table, machine_note, source_version

from physnet.realtime.room_index import IndexedManager

CHANNELS = 20
PER_SOCKET = 5


def fill(manager: Any, sockets: int) -> list[str]:
    sids = [f"sid{i}" for i in range(sockets)]
    for i, sid in enumerate(sids):
        manager.basic_enter_room(sid, "/", None, eio_sid=f"eio{i}")
        manager.basic_enter_room(sid, "/", sid, eio_sid=f"eio{i}")
        manager.basic_enter_room(sid, "/", f"user:{i}")
        for k in range(PER_SOCKET):
            manager.basic_enter_room(sid, "/", f"presence:doc{(i + k + 1) % sockets}")
            manager.basic_enter_room(sid, "/", f"channel:{(i + k * 4) % CHANNELS}")
    return sids


def disconnect_all(manager: Any, sids: list[str]) -> float:
    """CPU seconds to disconnect every socket."""
    started = time.process_time()
    for sid in sids:
        manager.basic_disconnect(sid, "/")
    took = time.process_time() - started
    assert "/" not in manager.rooms, "a room outlived its sockets"
    return took


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sockets", default="1000,2000,5000")
    parser.add_argument("--stock-max", type=int, default=5000)
    args = parser.parse_args()
    print(f"# {source_version()} · {machine_note()}")
    rows = []
    stock_per_square = 0.0
    for n in (int(x) for x in args.sockets.split(",")):
        indexed = disconnect_all(im := IndexedManager(), fill(im, n))
        if n <= args.stock_max:
            stock = disconnect_all(sm := socketio.Manager(), fill(sm, n))
            stock_per_square = stock / n**2
            label = f"{stock:.2f}"
        else:
            stock = stock_per_square * n**2
            label = f"~{stock:.0f} (extrapolated)"
        rooms = 2 * n + CHANNELS + n  # sid rooms + user + presence + channels (+ None)
        rows.append([n, rooms, label, f"{indexed * 1000:.1f}", f"{stock / indexed:,.0f}"])
    print(
        format_table(
            ["sockets", "rooms", "stock s", "indexed ms", "ratio stock/indexed"],
            rows,
            markdown=True,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
