"""Live messaging benchmark: N Socket.IO clients in one channel, PhysNet vs a bare baseline.

For each N (default 10, 100, 500) and each server, N real Socket.IO clients connect over
websockets (python-socketio's asyncio client, all in this one process), every one of them
a member of one channel, and two loads run:

- rate:  a few senders post 20 messages/s in total (latency at a realistic load);
- sat:   5 senders post as fast as their acknowledgements come back (throughput).

Every client receives every message. Each message body carries its send time
(time.perf_counter in this process), so latency = receive time - send time for every
delivery. Reported: messages acknowledged/s, deliveries/s, latency p50/p95/p99/max, missing
deliveries, errors, and the CPU used by the server and by this client process.

The servers: a real `physnet run` process (embedded default: fresh instance folder and
SQLite database in a temp dir, migrated with `physnet db upgrade`, rate limits off, one
user and API token per client, token auth), and bench/baseline_server.py, a bare
Flask-SocketIO server on the same stack that only rebroadcasts. The ratio is PhysNet's
delivered/s over the baseline's for the same N and load.

Targets: ratio >= 0.5 (issue 1), >= 0.8 at N = 100 (issue 19), and p99 <= 50 ms at N = 100
with 20 messages/s.

    PHYSNET_RATELIMITS=off .venv/bin/python bench/messaging.py            # full, ~5 min
    .venv/bin/python bench/messaging.py --quick                           # N=10,100
    .venv/bin/python bench/messaging.py --n 100 --profile /tmp/prof       # + py-spy
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import socketio
from common import (  # bench/common.py: the script's folder is on sys.path
    PhysNetInstance,
    ServerProcess,
    format_table,
    latency_summary,
    machine_note,
    postgres_database,
    source_version,
    start_baseline,
    temp_folder,
)
from lite_socket import LiteSocket
from recorded import guard

CHANNEL = "bench-messaging"
RATE = 20.0  # messages/s for the latency load
RATE_SENDERS = 4
SAT_SENDERS = 5
P99_TARGET_MS = 50.0
RATIO_TARGET = 0.5
RATIO_TARGET_AT_N = 0.8  # issue 19, at TARGET_N's saturation
TARGET_N = 100
# --no-indexer (experiment): the server never starts its search indexer thread, to measure
# what indexing costs live messaging. Outbox rows are still written in each transaction.
# --layout production: the search index's writer in a process of its own, as
# deploy/Procfile runs it; still one web process (on `--db`'s database), not the whole
# production shape (several web processes, PostgreSQL, Redis).
# --layout gevent: that, with both servers under gunicorn's gevent worker as deploy/ runs
# PhysNet (deploy/gunicorn.conf.py), instead of Werkzeug's threads.
LAYOUT_NOTES = {
    "embedded": "",
    "production": "; layout production: `physnet run` with PHYSNET_SEARCH_INDEXER=off and"
    " `physnet search serve` as the index writer (one web process)",
    "gevent": "; layout gevent: both servers under gunicorn's gevent worker (PhysNet with"
    " deploy/gunicorn.conf.py, PHYSNET_SEARCH_INDEXER=off and `physnet search serve`; one"
    " web process)",
}
CLIENT_NOTES = {
    "socketio": "",
    "lite": "; clients: bench/lite_socket.py",
    # What browsers do: a server that accepts compresses every delivery for each socket.
    "lite-deflate": "; clients: bench/lite_socket.py offering permessage-deflate, as browsers do",
}
NO_INDEXER = "import physnet.search.indexer as _i\n_i.Indexer.start = lambda self: None"


@dataclass
class Result:
    server: str
    n: int
    load: str
    clients: int = 0  # connected when the load started
    duration_s: float = 0.0
    sent: int = 0  # acknowledged ok
    errors: int = 0  # acks with ok=false, ack timeouts, send failures
    deliveries: int = 0
    expected: int = 0
    missing: int = 0
    duplicates: int = 0
    sent_per_s: float = 0.0
    delivered_per_s: float = 0.0
    p50_ms: float = math.nan
    p95_ms: float = math.nan
    p99_ms: float = math.nan
    max_ms: float = math.nan
    ack_p50_ms: float = math.nan
    ack_p99_ms: float = math.nan
    server_cpu: float = math.nan  # cores busy in the server process
    indexer_cpu: float = math.nan  # cores busy in `physnet search serve` (--layout production)
    client_cpu: float = math.nan  # cores busy in this process
    server_threads: int = -1
    loadavg: float = math.nan  # 1-minute load average of the machine at the end
    disconnects: int = 0
    notes: list[str] = field(default_factory=list)
    wall_s: float = 0.0  # from the first send to the last delivery
    # Raw samples, for merging slices (--slices); not in the JSON.
    latencies: list[float] = field(default_factory=list, repr=False)
    ack_times: list[float] = field(default_factory=list, repr=False)


RAW = ("latencies", "ack_times")


def _summarise(result: Result) -> None:
    """The latency and acknowledgement percentiles of `result`, from its raw samples."""
    lat, acks = latency_summary(result.latencies), latency_summary(result.ack_times)
    result.p50_ms, result.p95_ms, result.p99_ms, result.max_ms = (
        lat["p50"],
        lat["p95"],
        lat["p99"],
        lat["max"],
    )
    result.ack_p50_ms, result.ack_p99_ms = acks["p50"], acks["p99"]


def merge(parts: list[Result]) -> Result:
    """One Result for the slices of one server's load (--slices): totals, rates over the
    summed time, CPU weighted by each slice's length, percentiles over every sample."""
    first, last = parts[0], parts[-1]
    merged = Result(server=first.server, n=first.n, load=first.load, clients=first.clients)
    for name in (
        "duration_s",
        "wall_s",
        "sent",
        "errors",
        "deliveries",
        "expected",
        "missing",
        "duplicates",
        "disconnects",
    ):
        setattr(merged, name, sum(getattr(p, name) for p in parts))
    merged.latencies = [x for p in parts for x in p.latencies]
    merged.ack_times = [x for p in parts for x in p.ack_times]
    merged.sent_per_s = merged.sent / merged.duration_s if merged.duration_s else math.nan
    merged.delivered_per_s = merged.deliveries / merged.wall_s if merged.wall_s else math.nan
    _summarise(merged)
    for name in ("server_cpu", "indexer_cpu", "client_cpu"):
        busy = sum(getattr(p, name) * p.wall_s for p in parts)
        setattr(merged, name, busy / merged.wall_s if merged.wall_s else math.nan)
    merged.server_threads, merged.loadavg = last.server_threads, last.loadavg
    merged.notes = [note for p in parts for note in p.notes]
    return merged


class Load:
    """What the receivers record for one scenario."""

    def __init__(self, tag: str, clients: int) -> None:
        self.tag = tag
        self.prefix = f"bench {tag} "
        self.seen: list[set[int]] = [set() for _ in range(clients)]
        self.latencies: list[float] = []
        self.sent_at: list[float] = []  # the send time of each latency sample
        self.duplicates = 0
        self.last_receive = 0.0


class Swarm:
    """N connected clients; every one records `message` deliveries into `self.load`.

    `lite`: bench/lite_socket.py's LiteSocket (aiohttp, one task per socket) instead of
    python-socketio's AsyncClient: about half the client CPU per delivery, for loads where
    the one client process, not the server, would set the pace (--layout gevent)."""

    def __init__(
        self, url: str, tokens: list[str | None], lite: bool = False, deflate: bool = False
    ) -> None:
        self.url = url
        self.tokens = tokens
        self.lite = lite
        self.deflate = deflate
        self.clients: list[Any] = []
        self.load: Load | None = None
        self.connect_failures: list[str] = []
        self._disconnects = 0
        self.other_events = 0
        self.last_event = time.perf_counter()
        self.session: aiohttp.ClientSession | None = None

    @property
    def disconnects(self) -> int:
        if self.lite:
            return sum(1 for c in self.clients if c.closed)
        return self._disconnects

    def _on_message(self, index: int, msg: Any, now: float) -> None:
        self.last_event = now
        load = self.load
        body = msg.get("body", "") if isinstance(msg, dict) else ""
        if load is None or not body.startswith(load.prefix):
            return
        _, _, seq_text, sent_text = body.split(" ", 3)
        seq = int(seq_text)
        seen = load.seen[index]
        if seq in seen:
            load.duplicates += 1
            return
        seen.add(seq)
        sent = float(sent_text)
        load.latencies.append(now - sent)
        load.sent_at.append(sent)
        load.last_receive = now

    def _make_lite(self, index: int, token: str | None) -> LiteSocket:
        client = LiteSocket(self.url, token or "", deflate=self.deflate)

        def on_event(event: str, data: Any, now: float) -> None:
            if event == "message":
                self._on_message(index, data, now)
            else:
                self.other_events += 1
                self.last_event = now

        client.on_event = on_event
        return client

    def _make(self, index: int) -> socketio.AsyncClient:
        client = socketio.AsyncClient(reconnection=False, handle_sigint=False)

        def on_message(msg: Any) -> None:
            self._on_message(index, msg, time.perf_counter())

        def on_any(event: str, *args: Any) -> None:
            self.other_events += 1
            self.last_event = time.perf_counter()

        def on_disconnect(*args: Any) -> None:
            self._disconnects += 1

        client.on("message", on_message)
        client.on("*", on_any)
        client.on("disconnect", on_disconnect)
        return client

    async def connect(self, batch: int = 20) -> float:
        """Connect everyone in batches (no SYN storm); return the seconds it took."""
        start = time.perf_counter()

        if self.lite and self.session is None:
            self.session = aiohttp.ClientSession()

        async def one(index: int, token: str | None) -> Any:
            client = self._make_lite(index, token) if self.lite else self._make(index)
            try:
                if self.lite:
                    assert self.session is not None
                    await client.connect(self.session)
                else:
                    await client.connect(
                        self.url,
                        auth={"token": token} if token else None,
                        transports=["websocket"],
                        wait_timeout=30,
                    )
                return client
            except Exception as exc:  # counted and reported, never hidden
                self.connect_failures.append(f"{type(exc).__name__}: {exc}")
                await self._close_one(client)
                return None

        for first in range(0, len(self.tokens), batch):
            chunk = self.tokens[first : first + batch]
            made = await asyncio.gather(*(one(first + i, t) for i, t in enumerate(chunk)))
            self.clients.extend(c for c in made if c is not None)
            await asyncio.sleep(0.02)
        return time.perf_counter() - start

    async def settle(self, quiet: float = 1.0, limit: float = 60.0) -> float:
        """Wait until no event has arrived for `quiet` s (e.g. the presence storm after
        connecting); return how long that took."""
        start = time.perf_counter()
        while time.perf_counter() - start < limit:
            if time.perf_counter() - self.last_event >= quiet:
                break
            await asyncio.sleep(0.1)
        return time.perf_counter() - start

    async def _close_one(self, client: Any) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(client.close() if self.lite else client.disconnect(), 10)

    async def close(self) -> None:
        for first in range(0, len(self.clients), 50):
            await asyncio.gather(*(self._close_one(c) for c in self.clients[first : first + 50]))
        self.clients = []
        if self.session is not None:
            await self.session.close()
            self.session = None


def _payload(load: Load, seq: int) -> dict[str, Any]:
    return {
        "channel": CHANNEL,
        "client_msg_id": f"{load.tag}-{seq}",
        "body": f"{load.prefix}{seq} {time.perf_counter():.6f}",
    }


async def run_load(
    swarm: Swarm,
    server: ServerProcess,
    name: str,
    n: int,
    kind: str,
    duration: float,
    drain: float,
    tag: str,
    sat_senders: int = SAT_SENDERS,
    trace: Path | None = None,
    indexer: ServerProcess | None = None,
) -> Result:
    clients = list(swarm.clients)
    load = Load(tag, len(swarm.clients))
    swarm.load = load
    result = Result(server=name, n=n, load=kind, clients=len(clients))
    acked: set[int] = set()
    ack_times: list[float] = []
    errors: list[str] = []
    disconnects_before = swarm.disconnects
    if not clients:
        result.notes.append("no client connected")
        return result

    cpu0, proc0, t0 = server.cpu_seconds(), time.process_time(), time.perf_counter()
    idx0 = indexer.cpu_seconds() if indexer is not None else math.nan
    deadline = t0 + duration
    if kind == "rate":
        senders = clients[: min(RATE_SENDERS, len(clients))]
        pending: dict[int, float] = {}

        def on_ack(seq: int, reply: Any = None, *rest: Any) -> None:
            sent_at = pending.pop(seq, None)
            if sent_at is not None:
                ack_times.append(time.perf_counter() - sent_at)
            if isinstance(reply, dict) and reply.get("ok"):
                acked.add(seq)
            else:
                errors.append(f"ack {reply!r:.200}")

        total = int(duration * RATE)
        for seq in range(total):
            due = t0 + seq / RATE
            wait = due - time.perf_counter()
            if wait > 0:
                await asyncio.sleep(wait)
            sender = senders[seq % len(senders)]
            pending[seq] = time.perf_counter()
            try:
                await sender.emit(
                    "send_message",
                    _payload(load, seq),
                    callback=lambda reply=None, *r, s=seq: on_ack(s, reply),
                )
            except Exception as exc:
                errors.append(f"emit {type(exc).__name__}: {exc}")
        send_end = time.perf_counter()
        # Acks still in flight count as sent once they come back during the drain.
        ack_deadline = time.perf_counter() + drain
        while pending and time.perf_counter() < ack_deadline:
            await asyncio.sleep(0.05)
        errors.extend(f"no ack for message {s}" for s in pending)
    else:
        counter = iter(range(10**9))

        async def sender_loop(client: socketio.AsyncClient) -> None:
            while time.perf_counter() < deadline and client.connected:
                seq = next(counter)
                started = time.perf_counter()
                try:
                    reply = await client.call("send_message", _payload(load, seq), timeout=15)
                except Exception as exc:
                    errors.append(f"call {type(exc).__name__}: {exc}")
                    continue
                ack_times.append(time.perf_counter() - started)
                if isinstance(reply, dict) and reply.get("ok"):
                    acked.add(seq)
                else:
                    errors.append(f"ack {reply!r:.200}")

        senders = clients[: min(sat_senders, len(clients))]
        await asyncio.gather(*(sender_loop(c) for c in senders))
        send_end = time.perf_counter()

    # Drain: wait for every delivery of every acknowledged message, up to `drain` s.
    expected = len(acked) * len(clients)
    drain_deadline = time.perf_counter() + drain
    while time.perf_counter() < drain_deadline:
        got = (
            sum(len(s & acked) for s in load.seen)
            if len(load.latencies) >= expected
            else len(load.latencies)
        )
        if got >= expected:
            break
        await asyncio.sleep(0.1)
    t_end = max(load.last_receive, send_end)
    cpu1, proc1 = server.cpu_seconds(), time.process_time()
    idx1 = indexer.cpu_seconds() if indexer is not None else math.nan
    swarm.load = None
    if trace is not None:  # one line per delivery: when it was sent, how long it took
        with trace.open("a") as fh:
            fh.writelines(
                f"{name} {n} {kind} {sent - t0:.4f} {latency * 1000:.2f}\n"
                for sent, latency in zip(load.sent_at, load.latencies, strict=True)
            )

    wall = t_end - t0
    received = sum(len(s & acked) for s in load.seen)
    result.duration_s = send_end - t0
    result.wall_s = wall
    result.latencies, result.ack_times = load.latencies, ack_times
    result.sent = len(acked)
    result.errors = len(errors)
    result.deliveries = len(load.latencies)
    result.expected = expected
    result.missing = expected - received
    result.duplicates = load.duplicates
    result.sent_per_s = len(acked) / (send_end - t0)
    result.delivered_per_s = len(load.latencies) / wall if wall > 0 else math.nan
    _summarise(result)
    result.server_cpu = (cpu1 - cpu0) / wall if wall > 0 else math.nan
    result.indexer_cpu = (idx1 - idx0) / wall if wall > 0 else math.nan
    result.client_cpu = (proc1 - proc0) / wall if wall > 0 else math.nan
    result.server_threads = server.threads()
    result.loadavg = os.getloadavg()[0]
    result.disconnects = swarm.disconnects - disconnects_before
    if errors:
        result.notes.append(f"{len(errors)} errors, first: {errors[0]}")
    if result.disconnects:
        result.notes.append(f"{result.disconnects} clients were disconnected by the server")
    if result.missing:
        result.notes.append(f"{result.missing} deliveries missing after {drain:.0f} s drain")
    return result


def _profile_start(pid: int, seconds: float, out: Path) -> subprocess.Popen[bytes] | None:
    exe = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(exe).exists():
        print("  (py-spy not installed: .venv/bin/pip install py-spy)", file=sys.stderr)
        return None
    return subprocess.Popen(
        [
            exe,
            "record",
            "--pid",
            str(pid),
            "--duration",
            str(max(1, int(seconds))),
            "--nonblocking",
            "--rate",
            "100",
            "--gil",
            "--format",
            "raw",
            "--output",
            str(out),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def open_swarm(
    name: str, server: ServerProcess, n: int, tokens: list[str | None], args: argparse.Namespace
) -> tuple[Swarm, str]:
    """N clients of one server, connected and settled; and the note that says how it went."""
    swarm = Swarm(
        server.url,
        tokens[:n],
        lite=args.client.startswith("lite"),
        deflate=args.client == "lite-deflate",
    )
    connect_s = await swarm.connect()
    settle_s = await swarm.settle()
    note = (
        f"connect {len(swarm.clients)}/{n} in {connect_s:.1f} s, "
        f"settled {settle_s:.1f} s, {swarm.other_events:,} other events, "
        f"{server.threads()} server threads"
    )
    if swarm.connect_failures:
        note += (
            f"; {len(swarm.connect_failures)} connect failures, first: {swarm.connect_failures[0]}"
        )
    _log(f"  {name:8} N={n:<4} {note}")
    return swarm, note


async def measure(
    name: str,
    server: ServerProcess,
    swarm: Swarm,
    n: int,
    kind: str,
    duration: float,
    args: argparse.Namespace,
    tag: str,
    indexer: ServerProcess | None = None,
    part: str = "",
) -> Result:
    """One load on one server's swarm, once the server is idle (py-spy with --profile;
    `part` tells a slice's profile from the others)."""
    server.wait_idle()  # e.g. still indexing or working through the presence storm
    profiler = None
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
        profiler = _profile_start(
            server.worker_pid(), duration, args.profile / f"{name}-n{n}-{kind}{part}.txt"
        )
    result = await run_load(
        swarm,
        server,
        name,
        n,
        kind,
        duration,
        args.drain,
        tag=tag,
        sat_senders=args.senders,
        trace=args.trace,
        indexer=indexer,
    )
    if profiler is not None:
        profiler.wait(30)
    _log(
        f"  {name:8} N={n:<4} {kind:4} sent/s {result.sent_per_s:7.1f}  "
        f"delivered/s {result.delivered_per_s:9.1f}  p50 {result.p50_ms:7.1f} ms  "
        f"p99 {result.p99_ms:7.1f} ms  missing {result.missing}  "
        f"errors {result.errors}  server CPU {result.server_cpu:.2f}  "
        f"client CPU {result.client_cpu:.2f}"
    )
    await swarm.settle(quiet=0.5, limit=10)
    if not server.alive():
        result.notes.append("server process died")
    return result


async def close_swarm(name: str, server: ServerProcess, swarm: Swarm, n: int) -> None:
    await swarm.close()
    # Let the server finish the disconnect storm before the other server is measured.
    idle = server.wait_idle()
    _log(f"  {name:8} N={n:<4} closed; server idle after {idle:.1f} s, {server.threads()} threads")


async def bench_server(
    name: str,
    server: ServerProcess,
    n: int,
    tokens: list[str | None],
    args: argparse.Namespace,
    step: int,
    indexer: ServerProcess | None = None,
) -> list[Result]:
    """Both loads on one server, one after the other."""
    swarm, note = await open_swarm(name, server, n, tokens, args)
    results = []
    try:
        for kind, duration in (("rate", args.rate_seconds), ("sat", args.sat_seconds)):
            result = await measure(
                name, server, swarm, n, kind, duration, args, f"{step}{kind[0]}", indexer
            )
            result.notes.insert(0, note)
            results.append(result)
            if not server.alive():
                break
    finally:
        await close_swarm(name, server, swarm, n)
    return results


async def bench_alternating(
    servers: list[tuple[str, ServerProcess, list[str | None], ServerProcess | None]],
    n: int,
    args: argparse.Namespace,
    step: int,
) -> list[Result]:
    """--slices K: both servers' swarms connected at once; the rate load on each, then the
    saturation load in K slices of sat-seconds / K that take turns A B B A A B..., so that
    a machine that slows down or speeds up over the minute weighs on both alike. Each
    server's slices are merged into one result."""
    swarms: list[tuple[Swarm, str]] = []
    results: list[Result] = []
    try:
        for name, server, tokens, _ in servers:
            swarms.append(await open_swarm(name, server, n, tokens, args))
        for (name, server, _, indexer), (swarm, note) in zip(servers, swarms, strict=True):
            result = await measure(
                name, server, swarm, n, "rate", args.rate_seconds, args, f"{step}r", indexer
            )
            result.notes.insert(0, note)
            results.append(result)
        slices: dict[str, list[Result]] = {name: [] for name, *_ in servers}
        length = args.sat_seconds / args.slices
        for turn in range(args.slices):
            order = list(zip(servers, swarms, strict=True))
            if turn % 2:
                order.reverse()
            for (name, server, _, indexer), (swarm, _note) in order:
                slices[name].append(
                    await measure(
                        name,
                        server,
                        swarm,
                        n,
                        "sat",
                        length,
                        args,
                        f"{step}s{turn}",
                        indexer,
                        part=f"-{turn}",
                    )
                )
        for (name, *_), (_swarm, note) in zip(servers, swarms, strict=True):
            merged = merge(slices[name])
            merged.notes.insert(0, note)
            per_slice = ", ".join(f"{p.delivered_per_s:,.0f}" for p in slices[name])
            merged.notes.append(f"{args.slices} slices, delivered/s each: {per_slice}")
            results.append(merged)
    finally:
        for (name, server, *_), (swarm, _note) in zip(servers, swarms, strict=False):
            await close_swarm(name, server, swarm, n)
    return results


def _log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


COLUMNS = [  # (header, attribute, decimals)
    ("server", "server", 0),
    ("N", "n", 0),
    ("load", "load", 0),
    ("clients", "clients", 0),
    ("sent/s", "sent_per_s", 1),
    ("delivered/s", "delivered_per_s", 0),
    ("p50 ms", "p50_ms", 1),
    ("p95 ms", "p95_ms", 1),
    ("p99 ms", "p99_ms", 1),
    ("max ms", "max_ms", 0),
    ("ack p99 ms", "ack_p99_ms", 1),
    ("missing", "missing", 0),
    ("errors", "errors", 0),
    ("drops", "disconnects", 0),
    ("srv CPU", "server_cpu", 2),
    ("idx CPU", "indexer_cpu", 2),
    ("cli CPU", "client_cpu", 2),
    ("loadavg", "loadavg", 1),
]


def ratios(results: list[Result]) -> list[tuple[Result, Result, float]]:
    """(physnet, baseline, physnet delivered/s over baseline's) per N and load."""
    by_key = {(r.server, r.n, r.load): r for r in results}
    out = []
    for (server, n, load), ours in by_key.items():
        base = by_key.get(("baseline", n, load))
        if server == "physnet" and base is not None:
            theirs = base.delivered_per_s
            out.append((ours, base, ours.delivered_per_s / theirs if theirs else math.nan))
    return out


def report(results: list[Result], markdown: bool) -> str:
    rows = [[getattr(r, attr) for _, attr, _ in COLUMNS] for r in results]
    table = format_table([h for h, _, _ in COLUMNS], rows, markdown, [d for *_, d in COLUMNS])
    ratio_rows = [
        [
            ours.n,
            ours.load,
            ours.delivered_per_s,
            base.delivered_per_s,
            value,
            ours.p99_ms,
            base.p99_ms,
        ]
        for ours, base, value in ratios(results)
    ]
    headers = [
        "N",
        "load",
        "physnet delivered/s",
        "baseline delivered/s",
        "ratio",
        "physnet p99 ms",
        "baseline p99 ms",
    ]
    return table + "\n\n" + format_table(headers, ratio_rows, markdown, [0, 0, 0, 0, 2, 1, 1])


def verdict(results: list[Result]) -> str:
    by_key = {(r.server, r.n, r.load): r for r in results}
    parts = []
    sat = [(ours.n, value) for ours, _, value in ratios(results) if ours.load == "sat"]
    if sat:
        ok = all(r >= RATIO_TARGET for _, r in sat)
        each = ", ".join(f"N={n} {r:.2f}" for n, r in sat)
        parts.append(f"ratio >= {RATIO_TARGET} (saturation): {'PASS' if ok else 'FAIL'} ({each})")
        at_n = [r for n, r in sat if n == TARGET_N]
        if at_n:
            ok = at_n[0] >= RATIO_TARGET_AT_N
            parts.append(
                f"ratio >= {RATIO_TARGET_AT_N} at N={TARGET_N} (saturation): "
                f"{'PASS' if ok else 'FAIL'} ({at_n[0]:.2f})"
            )
    target = by_key.get(("physnet", TARGET_N, "rate"))
    if target is not None:
        ok = target.p99_ms <= P99_TARGET_MS and target.missing == 0
        parts.append(
            f"p99 <= {P99_TARGET_MS:.0f} ms at N={TARGET_N}, {RATE:.0f} msg/s: "
            f"{'PASS' if ok else 'FAIL'} ({target.p99_ms:.1f} ms"
            f"{f', {target.missing} missing' if target.missing else ''})"
        )
    lost = sum(r.missing for r in results)
    errors = sum(r.errors for r in results)
    drops = sum(r.disconnects for r in results)
    parts.append(f"missing deliveries {lost}, errors {errors}, disconnects {drops}")
    return "VERDICT: " + "; ".join(parts)


async def main_async(args: argparse.Namespace) -> int:
    results: list[Result] = []
    load_at_start = os.getloadavg()[0]
    with contextlib.ExitStack() as stack:
        folder = stack.enter_context(temp_folder())
        extra = {}
        if args.db == "postgresql":  # a database of its own, dropped after the run
            extra["PHYSNET_DATABASE_URL"] = stack.enter_context(postgres_database("physnet_msg"))
        physnet = PhysNetInstance(folder, extra)
        baseline: ServerProcess | None = None
        try:
            _log(f"setting up PhysNet in {folder} ...")
            physnet.migrate()
            users = physnet.create_users("bench", max(args.n))
            physnet.create_channel(CHANNEL, [u for u, _ in users])
            tokens: list[str | None] = [t for _, t in users]
            indexer = None
            if args.layout != "embedded":  # deploy/Procfile: the index writer on its own
                indexer = physnet.start_indexer()
            server = physnet.start(
                prelude=NO_INDEXER if args.no_indexer else "",
                env={"PHYSNET_SEARCH_INDEXER": "off"} if indexer is not None else None,
                gunicorn=args.layout == "gevent",
            )
            baseline = start_baseline(folder, gunicorn=args.layout == "gevent")
            _log(
                f"physnet pid {server.pid} on {server.url}; baseline pid {baseline.pid} on "
                f"{baseline.url}; {machine_note()}"
            )
            for step, n in enumerate(args.n):
                if args.slices > 1:
                    pair = [
                        ("physnet", server, tokens, indexer),
                        ("baseline", baseline, [None] * n, None),
                    ]
                    results += await bench_alternating(pair, n, args, step)
                    continue
                # Interleaved, so both servers see the same machine noise.
                results += await bench_server("physnet", server, n, tokens, args, step * 2, indexer)
                results += await bench_server(
                    "baseline", baseline, n, [None] * n, args, step * 2 + 1
                )
        finally:
            physnet.close()
            if baseline is not None:
                baseline.stop()
            if args.keep_logs:
                for log in ("physnet.log", "indexer.log", "baseline.log"):
                    if (folder / log).exists():
                        shutil.copy(folder / log, args.keep_logs / log)
    print()
    print(
        f"Messaging benchmark, code {source_version()}, {machine_note()}, "
        f"load average {load_at_start:.1f} at start"
        f"{'; EXPERIMENT: search indexer off' if args.no_indexer else ''}"
        f"{LAYOUT_NOTES[args.layout]}"
        f"{CLIENT_NOTES[args.client]}"
        f"; PhysNet's database: {'PostgreSQL' if args.db == 'postgresql' else 'SQLite'}.\n"
        f"rate = {RATE:.0f} msg/s from {RATE_SENDERS} senders for {args.rate_seconds:.0f} s; "
        f"sat = {args.senders} senders each waiting for its ack, {args.sat_seconds:.0f} s"
        f"{f' in {args.slices} slices taking turns' if args.slices > 1 else ''}. "
        "Latency: send -> each receive; CPU in cores; loadavg: 1-min load at the end."
    )
    print(report(results, args.markdown))
    print()
    connect_notes = {(r.server, r.n): r.notes[0] for r in results if r.notes}
    for (server, n), note in connect_notes.items():
        print(f"connect: {server} N={n}: {note}")
    for r in results:
        for note in r.notes[1:]:
            print(f"note: {r.server} N={r.n} {r.load}: {note}")
    print(verdict(results))
    if args.json:
        rows = [{k: v for k, v in asdict(r).items() if k not in RAW} for r in results]
        args.json.write_text(json.dumps(rows, indent=2))
    layout = ", ".join(
        [args.layout]
        + ([f"{args.client} client"] if args.client != "socketio" else [])
        + ([args.db] if args.db != "sqlite" else [])
    )
    args.guarded = guarded_figures(results, layout)
    return 0


def guarded_figures(results: list[Result], layout: str) -> dict[str, float]:
    """The figures of `make bench`'s regression guard (bench/recorded.py), larger is worse:
    at saturation with N = 100 (the issue's target), the bare server's delivered/s over
    PhysNet's and PhysNet's server CPU per message over the bare server's, both against the
    bare server in the same run. On 2 noisy cores one run in several lands ~1.5x off (an
    N=100 run of 12:40 UTC, 2026-12-07: ratio 0.33 between runs of 0.47-0.55): a flagged run
    is repeated before it is called a regression."""
    figures = {}
    for ours, base, ratio in ratios(results):
        if ours.load != "sat" or ours.n != TARGET_N or not ratio:
            continue
        key = f"N={ours.n} sat ({layout})"
        figures[f"{key} bare delivered/s / physnet"] = 1 / ratio
        ours_cpu = ours.server_cpu / ours.sent_per_s if ours.sent_per_s else math.nan
        base_cpu = base.server_cpu / base.sent_per_s if base.sent_per_s else math.nan
        figures[f"{key} physnet CPU per message / bare"] = ours_cpu / base_cpu
    return figures


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="N = 10, 100 and 5 s loads instead of 10 s"
    )
    parser.add_argument(
        "--n",
        type=lambda s: [int(x) for x in s.split(",") if x],
        help="comma-separated client counts (default 10,100,500)",
    )
    parser.add_argument("--rate-seconds", type=float, help="length of the 20 msg/s load")
    parser.add_argument("--sat-seconds", type=float, help="length of the saturation load")
    parser.add_argument(
        "--senders",
        type=int,
        default=SAT_SENDERS,
        help=f"senders in the saturation load (default {SAT_SENDERS})",
    )
    parser.add_argument(
        "--slices",
        type=int,
        default=1,
        help="the saturation load in this many slices per server, taking turns with the "
        "other server (A B B A ...), both swarms connected throughout: the ratio then "
        "compares the two servers over the same minutes (default 1: one after the other)",
    )
    parser.add_argument(
        "--drain", type=float, default=20.0, help="longest wait for the last deliveries (s)"
    )
    parser.add_argument("--markdown", action="store_true", help="print Markdown tables")
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    parser.add_argument(
        "--profile",
        type=Path,
        help="record both servers with py-spy (--gil, collapsed stacks) "
        "during each load, into this folder",
    )
    parser.add_argument(
        "--layout",
        choices=tuple(LAYOUT_NOTES),
        default="embedded",
        help="embedded (default): `physnet run` with its search indexer thread; production: "
        "the index writer apart as deploy/Procfile runs it, `physnet run` with "
        "PHYSNET_SEARCH_INDEXER=off and `physnet search serve` beside it (its CPU is the idx "
        "CPU column; still one web process); gevent: that, with both servers "
        "under gunicorn's gevent worker (deploy/gunicorn.conf.py) instead of Werkzeug's threads",
    )
    parser.add_argument(
        "--db",
        choices=("sqlite", "postgresql"),
        default="sqlite",
        help="PhysNet's database: a SQLite file (default) or a fresh database on "
        "PHYSNET_BENCH_PG's PostgreSQL server (postgres@127.0.0.1:5432 by default)",
    )
    parser.add_argument(
        "--client",
        choices=tuple(CLIENT_NOTES),
        default="socketio",
        help="the receivers and senders: python-socketio's AsyncClient (default), "
        "bench/lite_socket.py (lite: aiohttp; about half the client CPU per delivery), or "
        "lite-deflate: that, offering permessage-deflate as browsers do",
    )
    parser.add_argument(
        "--no-indexer",
        action="store_true",
        help="experiment: keep the PhysNet server's search indexer thread from starting",
    )
    parser.add_argument(
        "--trace",
        type=Path,
        help="append every delivery to this file: server N load send-offset-s latency-ms",
    )
    parser.add_argument("--keep-logs", type=Path, help="copy the server logs to this folder")
    parser.add_argument(
        "--record", action="store_true", help="record these figures in bench/recorded.json"
    )
    args = parser.parse_args(argv)
    if not 1 <= args.slices <= 9:
        parser.error("--slices is 1 to 9")
    if args.no_indexer and args.layout != "embedded":
        parser.error("--no-indexer is an experiment on the embedded layout")
    if args.n is None:
        args.n = [10, 100] if args.quick else [10, 100, 500]
    seconds = 5.0 if args.quick else 10.0
    args.rate_seconds = args.rate_seconds or seconds
    args.sat_seconds = args.sat_seconds or seconds
    return args


def main() -> None:
    args = parse_args()
    if os.environ.get("PHYSNET_RATELIMITS", "off").lower() not in ("off", "false", "0", "no"):
        _log("note: the PhysNet server under test always runs with PHYSNET_RATELIMITS=off")
    status = asyncio.run(main_async(args))
    if status == 0 and args.guarded and not (args.no_indexer or args.profile):
        guard("messaging", args.guarded, rerecord=args.record)  # experiments are not guarded
    sys.exit(status)


if __name__ == "__main__":
    main()
