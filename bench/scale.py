"""Scale benchmark: production-shaped PhysNet (gunicorn gevent processes, PostgreSQL, Redis,
nginx with sticky sessions) on this machine.

    .venv/bin/python bench/scale.py                 # everything, ~6 min
    .venv/bin/python bench/scale.py --idle 2000     # fewer idle sockets, quicker
    .venv/bin/python bench/scale.py --clients 0 --signins 0   # the idle phases alone

1. idle: N idle sockets (default 5,000) on ONE gevent process; its RSS and threads, and how
   long the connect storm took, and, once they all close, the disconnect storm (until the
   worker is idle again). Sockets behave like the web app: they connect with
   auth={"presence": "subscribe"} and subscribe to 5 colleagues. With --everyone-idle K, K
   sockets on a server with the deprecated `presence_everyone` (everyone's presence: N^2
   events) for comparison; with
   --gthread-idle M, gunicorn's gthread worker (threading mode) at M sockets.
2. delivery: 1,000 sockets in 20 channels of 50 members, 50 messages/s for --seconds,
   latency send -> every member's receipt; first on one process without Redis (the
   single-process delivery of this run), then 2 and 4 processes with Redis behind nginx.
   The Redis hop is the ratio of their latencies.
3. shift change: 500 people sign in through nginx (the sign-in form) within 60 s and open
   their socket; sign-in latency and failures. By default they are hospital accounts in a
   real slapd (bind as the person, groups, profile refresh), synced the day before; with
   --shift-change local, local accounts with PhysNet's real Argon2 cost (~0.22 s of CPU
   per check here, so 500 of them need most of this 2-core machine for the minute).

Everything runs on 127.0.0.1: a throwaway PostgreSQL database on the local server, a
private redis-server and a private nginx on free ports. The machine has few cores, so read
ratios, not absolute throughput.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import resource
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp
import psycopg
from common import (  # bench/common.py: the script's folder is on sys.path
    GUNICORN,
    PG_ADMIN,
    ROOT,
    PhysNetInstance,
    ServerProcess,
    format_table,
    free_port,
    latency_summary,
    machine_note,
    source_version,
    temp_folder,
)
from lite_socket import LiteSocket, connect_many

CHANNELS = 20


def worker_stats(master: ServerProcess) -> tuple[float, int]:
    """RSS (MiB) and threads of the gunicorn worker under `master`."""
    out = subprocess.run(["pgrep", "-P", str(master.pid)], capture_output=True, text=True)
    rss, threads = 0.0, 0
    for pid in out.stdout.split():
        for row in Path(f"/proc/{pid}/status").read_text().splitlines():
            if row.startswith("VmRSS:"):
                rss += int(row.split()[1]) / 1024
            elif row.startswith("Threads:"):
                threads += int(row.split()[1])
    return rss, threads


def worker_cpu(master: ServerProcess) -> float:
    """CPU seconds used so far by the gunicorn worker(s) under `master`."""
    out = subprocess.run(["pgrep", "-P", str(master.pid)], capture_output=True, text=True)
    total = 0.0
    for pid in out.stdout.split():
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


async def wait_quiet(servers: list[ServerProcess], timeout: float = 240.0) -> float:
    """Wait until every worker uses < 15 % of a core (the connect storm of presence events
    has drained); return the seconds waited."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        before = [worker_cpu(s) for s in servers]
        await asyncio.sleep(1.0)
        after = [worker_cpu(s) for s in servers]
        if all(b - a < 0.15 for a, b in zip(before, after, strict=True)):
            break
    return time.monotonic() - started


class Cluster:
    """The database, Redis, users and tokens shared by every phase."""

    def __init__(self, folder: Path, people: int) -> None:
        self.folder = folder
        self.db_name = f"physnet_scale_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.db_name}"')
        self.db_url = PG_ADMIN.rsplit("/", 1)[0] + "/" + self.db_name
        self.redis_port = free_port()
        self.redis = subprocess.Popen(
            ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", ""],
            stdout=subprocess.DEVNULL,
        )
        self.instance = PhysNetInstance(folder, {"PHYSNET_DATABASE_URL": self.db_url})
        self.instance.migrate()
        self.users = self.instance.create_users("doc", people)
        names = [name for name, _ in self.users]
        for c in range(CHANNELS):
            self.instance.create_channel(f"unit-{c:02d}", names[c::CHANNELS])
        self.servers: list[ServerProcess] = []

    def start(
        self,
        count: int,
        redis: bool,
        worker: str = "gevent",
        threads: int = 0,
        everyone: bool = False,
    ) -> None:
        """Start `count` server processes; `everyone`: the presence contract before 2026-12
        (every socket hears everyone's presence), kept behind a deprecated setting."""
        env = dict(self.instance.env, PHYSNET_SEARCH_INDEXER="off", PHYSNET_WORKER_CLASS=worker)
        env["PHYSNET_PRESENCE_EVERYONE"] = "on" if everyone else "off"
        env["PYTHONPATH"] = str(ROOT)
        if redis:
            env["PHYSNET_REDIS_URL"] = f"redis://127.0.0.1:{self.redis_port}/0"
        if threads:
            env["PHYSNET_THREADS"] = str(threads)
        for i in range(count):
            port = free_port()
            server = ServerProcess(
                f"web{i}",
                [GUNICORN, "-c", str(ROOT / "deploy" / "gunicorn.conf.py"), "physnet.wsgi:app"],
                port=port,
                env=dict(env, PHYSNET_BIND=f"127.0.0.1:{port}"),
                cwd=ROOT,
                log_path=self.folder / f"web{i}-{time.time_ns()}.log",
            )
            self.servers.append(server.start())

    def stop_servers(self) -> None:
        for server in self.servers:
            server.stop()
        self.servers = []

    def close(self) -> None:
        self.stop_servers()
        self.instance.close()
        self.redis.terminate()
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')


class Nginx:
    """A private nginx using deploy/nginx.conf's sticky hashing, plain HTTP on a free port."""

    def __init__(self, folder: Path, ports: list[int]) -> None:
        self.folder = folder / f"nginx-{len(ports)}"
        self.folder.mkdir()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        source = (ROOT / "deploy" / "nginx.conf").read_text()
        maps = source[source.index("map $cookie_physnet_route") : source.index("upstream physnet")]
        maps = maps.replace("Secure; ", "")  # plain HTTP here
        servers = "\n".join(f"    server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;" for p in ports)
        (self.folder / "nginx.conf").write_text(
            f"""pid {self.folder}/nginx.pid;
error_log {self.folder}/error.log warn;
worker_processes 1;
worker_rlimit_nofile 30000;
events {{ worker_connections 20000; }}
http {{
  access_log off;
  client_body_temp_path {self.folder}/tmp;
  proxy_temp_path {self.folder}/tmp;
  {maps}
  upstream physnet {{
    hash $physnet_route consistent;
{servers}
    keepalive 32;
  }}
  server {{
    listen 127.0.0.1:{self.port};
    add_header Set-Cookie $physnet_route_cookie always;
    proxy_http_version 1.1;
    proxy_set_header Host $host;
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    proxy_set_header X-Forwarded-Proto $scheme;
    location /socket.io/ {{
      proxy_pass http://physnet;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_buffering off;
      proxy_read_timeout 75s;
    }}
    location / {{ proxy_pass http://physnet; proxy_set_header Connection ""; }}
  }}
}}
"""
        )
        subprocess.run(
            ["nginx", "-c", str(self.folder / "nginx.conf"), "-p", str(self.folder)],
            check=True,
            capture_output=True,
        )

    def stop(self) -> None:
        pid = int((self.folder / "nginx.pid").read_text())
        os.kill(pid, 15)


WATCHED = 5  # colleagues a web page shows (direct-message partners): its presence subscription


def watch_lists(users: list[tuple[str, str]], count: int) -> list[list[str]]:
    """For socket i (person i % len(users)): the next WATCHED people, as the web app asks."""
    n = len(users)
    return [[users[(i + k) % n][0] for k in range(1, WATCHED + 1)] for i in range(count)]


async def idle_phase(
    url: str,
    users: list[tuple[str, str]],
    count: int,
    subscribe: bool,
    servers: list[ServerProcess],
) -> tuple[float, int, int]:
    """Connect `count` sockets and wait for the server to go quiet (the connect storm), then
    hold them for 30 s (a ping round), then close them all; return (connect storm seconds,
    sockets alive at the end, server events the sockets received, disconnect storm seconds)."""
    tokens = [users[i % len(users)][1] for i in range(count)]
    watch = watch_lists(users, count) if subscribe else None
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        started = time.monotonic()
        socks = await connect_many(url, tokens, session, watch=watch)
        await wait_quiet(servers, timeout=600)
        took = time.monotonic() - started
        await asyncio.sleep(30)
        alive = sum(1 for s in socks if not s.closed)
        events = sum(s.events_in for s in socks)
        closing = time.monotonic()
        await asyncio.gather(*(s.close() for s in socks))
        # The disconnect storm: until the worker is idle again after every socket left.
        await wait_quiet(servers, timeout=600)
        left = time.monotonic() - closing
    return took, alive, events, left


async def delivery_phase(
    url: str,
    users: list[tuple[str, str]],
    rate: float,
    seconds: float,
    servers: list[ServerProcess],
    subscribe: bool = True,
) -> dict[str, Any]:
    """1 socket per person; `rate` messages/s spread over the channels; latency per receipt."""
    latencies: list[float] = []
    expected = 0
    members = len(users) // CHANNELS

    def on_event(event: str, data: Any, at: float) -> None:
        if event == "message":
            sent = float(data["body"].split("@", 1)[1])
            latencies.append(at - sent)

    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        watch = watch_lists(users, len(users)) if subscribe else None
        socks = await connect_many(url, [t for _, t in users], session, watch=watch)
        for sock in socks:
            sock.on_event = on_event
        drained = await wait_quiet(servers)
        cpu_before = sum(worker_cpu(s) for s in servers)
        client_before, wall_before = time.process_time(), time.perf_counter()
        senders = [socks[c] for c in range(CHANNELS)]  # user c is in channel c % CHANNELS
        pending = []
        start = time.perf_counter()
        n = 0
        while time.perf_counter() - start < seconds:
            due = start + n / rate
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            channel = n % CHANNELS
            body = f"Order set review {n} @{time.perf_counter():.6f}"
            call = senders[channel].call(
                "send_message", {"channel": f"unit-{channel:02d}", "body": body}
            )
            pending.append(asyncio.ensure_future(call))
            expected += members
            n += 1
        acks = await asyncio.gather(*pending, return_exceptions=True)
        await asyncio.sleep(3)
        server_cpu = sum(worker_cpu(s) for s in servers) - cpu_before
        client_cpu = time.process_time() - client_before
        wall = time.perf_counter() - wall_before
        await asyncio.gather(*(s.close() for s in socks))
    failed = sum(1 for a in acks if not (isinstance(a, dict) and a.get("ok")))
    summary = latency_summary(latencies)
    missing = expected - len(latencies)
    return {
        "sent": n,
        "failed": failed,
        "missing": missing,
        "drain_s": drained,
        # Server CPU per message (every process together): the Redis hop's cost in work,
        # which the machine's noise disturbs far less than latency.
        "server_cpu_ms": 1000 * server_cpu / max(n, 1),
        "client_cores": client_cpu / wall,  # the load generator shares these 2 cores
        **summary,
    }


async def shift_change(url: str, users: list[tuple[str, str]], password: str) -> dict[str, Any]:
    """Each person signs in through the form and opens a socket (as the web app: presence of
    5 colleagues), spread over 60 s; the sockets stay open until everyone is in."""
    signins: list[float] = []
    why: Counter[str] = Counter()  # what went wrong, per sign-in: "signin 503", "socket ..."
    socks: list[LiteSocket] = []

    watch = watch_lists(users, len(users))
    everyone_in = asyncio.Event()

    async def one(i: int, name: str, delay: float) -> None:
        await asyncio.sleep(delay)
        jar = aiohttp.CookieJar(unsafe=True)
        async with aiohttp.ClientSession(cookie_jar=jar) as session:
            started = time.perf_counter()
            try:
                async with session.get(url + "/login") as page:
                    token = re.search(r'name="csrf-token" content="([^"]+)"', await page.text())
                form = {"username": name, "password": password, "csrf_token": token.group(1)}
                async with session.post(url + "/login", data=form, allow_redirects=False) as r:
                    if r.status != 302:
                        why[f"sign-in answered {r.status}"] += 1
                        return
            except Exception as exc:
                why[f"sign-in {type(exc).__name__}"] += 1
                return
            signins.append(time.perf_counter() - started)
            try:
                sock = LiteSocket(url, "", subscribe=True)  # the session cookie is in the jar
                await sock.connect(session)
                ack = await sock.call("presence_subscribe", {"usernames": watch[i]})
                if not ack.get("ok"):
                    raise ConnectionRefusedError(ack.get("error", {}).get("code", "refused"))
                socks.append(sock)
            except Exception as exc:
                why[f"socket {type(exc).__name__} {exc}"[:80]] += 1
                return
            await everyone_in.wait()
            await sock.close()

    tasks = [
        asyncio.ensure_future(one(i, name, i * 60 / len(users)))
        for i, (name, _) in enumerate(users)
    ]
    while len(socks) + sum(why.values()) < len(users):  # each task ends in one or the other
        await asyncio.sleep(0.5)
    everyone_in.set()
    await asyncio.gather(*tasks)
    return {
        "signed_in": len(signins),
        "sockets": len(socks),
        "failures": sum(why.values()),
        "why": dict(why),
        **latency_summary(signins),
    }


def start_directory(folder: Path, people: int) -> tuple[Any, Path, list[str], str]:
    """A real slapd holding `people` physicians (bench/ldap_sync.py's tree, 10 groups) and a
    physnet.toml whose [ldap] points at it; return (slapd, config, uids, their password)."""
    import ldap_sync as tree  # bench/ldap_sync.py (puts tests/ on sys.path for the fixtures)

    ldif = folder / "directory.ldif"
    tree.write_ldif(ldif, people, 10)
    slapd_dir = folder / "slapd"
    slapd_dir.mkdir()
    tree.BenchSlapd.TMPDIR = str(slapd_dir)
    tree.BenchSlapd.openldap_schema_files = (
        *tree.PhysNetSlapd.openldap_schema_files[:-1],
        tree._msuser_schema(str(slapd_dir)),
    )
    tree.BenchSlapd.data_ldif = str(ldif)
    slapd = tree.BenchSlapd()
    slapd.start()
    conf = tree.ldap_settings(slapd.ldap_uri, 10)
    lines = ["[ldap]"]
    lines += [f"{k} = {json.dumps(v)}" for k, v in conf.items() if not isinstance(v, dict)]
    for key in ("groups", "channels", "sync"):  # TOML sub-tables (JSON values are TOML too)
        lines += [f"[ldap.{key}]"] + [
            f"{json.dumps(k)} = {json.dumps(v)}" for k, v in conf[key].items()
        ]
    config = folder / "physnet.toml"
    config.write_text("\n".join(lines) + "\n")
    return slapd, config, [tree.uid_of(i) for i in range(people)], tree.PASSWORD


def set_real_passwords(cluster: Cluster, names: list[str], password: str) -> None:
    """Give these people one real-cost Argon2 hash (hashing 500 would take a minute)."""
    from argon2 import PasswordHasher

    digest = PasswordHasher().hash(password)
    with psycopg.connect(cluster.db_url) as conn:
        conn.execute(
            "UPDATE users SET password_hash = %s WHERE username = ANY(%s)", (digest, names)
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--idle", type=int, default=5000, help="idle sockets on one process")
    parser.add_argument("--everyone-idle", type=int, default=2000)
    parser.add_argument("--gthread-idle", type=int, default=1000)
    parser.add_argument(
        "--presence",
        choices=("subscribe", "everyone"),
        default="subscribe",
        help="delivery clients: the web app's presence subscription, or everyone's presence "
        "(the deprecated `presence_everyone` contract)",
    )
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--processes", default="2,4")
    parser.add_argument("--signins", type=int, default=500)
    parser.add_argument(
        "--shift-change",
        choices=("directory", "local"),
        default="directory",
        help="sign in through a real slapd (hospital accounts) or with local Argon2 passwords",
    )
    args = parser.parse_args()
    resource.setrlimit(resource.RLIMIT_NOFILE, resource.getrlimit(resource.RLIMIT_NOFILE)[1:] * 2)
    results: dict[str, Any] = {"version": source_version(), "machine": machine_note()}
    with temp_folder("physnet-scale-") as folder:
        # One person per idle socket too: N people connecting is what makes presence N².
        people = max(args.clients, args.signins, args.idle, args.everyone_idle, 200)
        cluster = Cluster(folder, people)
        users = cluster.users
        slapd = None
        try:
            if args.signins and args.shift_change == "directory":
                slapd, config, uids, directory_password = start_directory(folder, args.signins)
                cluster.instance.env["PHYSNET_CONFIG"] = str(config)  # every server from now
                # Yesterday's sync made the accounts: the shift change is returning people.
                cluster.instance.physnet("ldap", "sync")
            rows = []
            phases = (
                ("gevent", "subscribe", args.idle),
                ("gevent", "everyone", args.everyone_idle),
                ("gthread", "subscribe", args.gthread_idle),
            )
            for worker, presence, count in phases:
                if not count:
                    continue
                cluster.start(
                    1,
                    redis=True,
                    worker=worker,
                    threads=4 * count + 100,
                    everyone=presence == "everyone",
                )
                base, _ = worker_stats(cluster.servers[0])
                took, alive, events, left = asyncio.run(
                    idle_phase(
                        cluster.servers[0].url,
                        users,
                        count,
                        presence == "subscribe",
                        cluster.servers,
                    )
                )
                rss, threads = worker_stats(cluster.servers[0])
                rows.append(
                    [
                        worker,
                        presence,
                        count,
                        alive,
                        round(took, 1),
                        round(left, 1),
                        events,
                        base,
                        rss,
                        (rss - base) * 1024 / count,
                        threads,
                    ]
                )
                cluster.stop_servers()
            print(
                format_table(
                    [
                        "worker",
                        "presence",
                        "sockets",
                        "alive after 30 s",
                        "connect storm s",
                        "disconnect storm s",
                        "events received",
                        "RSS before MiB",
                        "RSS MiB",
                        "KiB/socket",
                        "threads",
                    ],
                    rows,
                    markdown=True,
                )
            )
            results["idle"] = rows
            if not args.clients:  # --clients 0: the idle phases alone
                print(json.dumps(results, default=str))
                return 0

            rows = []
            clients = users[: args.clients]
            subscribe = args.presence == "subscribe"
            cluster.start(1, redis=False, everyone=not subscribe)
            single = asyncio.run(
                delivery_phase(
                    cluster.servers[0].url,
                    clients,
                    args.rate,
                    args.seconds,
                    cluster.servers,
                    subscribe,
                )
            )
            cluster.stop_servers()
            rows.append(
                [
                    "1, no Redis",
                    single["drain_s"],
                    single["sent"],
                    single["failed"],
                    single["missing"],
                    single["p50"],
                    single["p99"],
                    1.0,
                    1.0,
                    single["server_cpu_ms"],
                    1.0,
                    single["client_cores"],
                ]
            )
            for count in [int(p) for p in args.processes.split(",")]:
                cluster.start(count, redis=True, everyone=not subscribe)
                proxy = Nginx(folder, [s.port for s in cluster.servers])
                try:
                    multi = asyncio.run(
                        delivery_phase(
                            proxy.url, clients, args.rate, args.seconds, cluster.servers, subscribe
                        )
                    )
                    rss = [round(worker_stats(s)[0]) for s in cluster.servers]
                    if count == 2 and args.signins:
                        if args.shift_change == "directory":
                            arriving = [(uid, "") for uid in uids]
                            password = directory_password
                        else:
                            arriving, password = users[: args.signins], "shift-change-password"
                            names = [n for n, _ in arriving]
                            set_real_passwords(cluster, names, password)
                        asyncio.run(wait_quiet(cluster.servers))
                        results["shift_change"] = asyncio.run(
                            shift_change(proxy.url, arriving, password)
                        )
                        results["shift_change"]["kind"] = args.shift_change
                finally:
                    proxy.stop()
                    cluster.stop_servers()
                rows.append(
                    [
                        f"{count} + Redis + nginx",
                        multi["drain_s"],
                        multi["sent"],
                        multi["failed"],
                        multi["missing"],
                        multi["p50"],
                        multi["p99"],
                        multi["p50"] / single["p50"],
                        multi["p99"] / single["p99"],
                        multi["server_cpu_ms"],
                        multi["server_cpu_ms"] / single["server_cpu_ms"],
                        multi["client_cores"],
                    ]
                )
                results[f"rss_{count}"] = rss
            print()
            print(
                format_table(
                    [
                        "processes",
                        "connect storm s",
                        "sent",
                        "failed",
                        "missing",
                        "p50 ms",
                        "p99 ms",
                        "p50 ratio",
                        "p99 ratio",
                        "server CPU ms/msg",
                        "CPU ratio",
                        "client cores",
                    ],
                    rows,
                    markdown=True,
                    digits=[0, 0, 0, 0, 0, 1, 1, 2, 2, 2, 2, 2],
                )
            )
            results["delivery"] = rows
            if "shift_change" in results:
                s = results["shift_change"]
                print()
                print(f"shift change ({s['kind']} sign-in):")
                print(
                    format_table(
                        [
                            "sign-ins",
                            "signed in",
                            "socket open",
                            "p50 ms",
                            "p95 ms",
                            "p99 ms",
                            "max ms",
                        ],
                        [
                            [
                                args.signins,
                                s["signed_in"],
                                s["sockets"],
                                s["p50"],
                                s["p95"],
                                s["p99"],
                                s["max"],
                            ]
                        ],
                        markdown=True,
                    )
                )
                if s["why"]:
                    print("failures:", ", ".join(f"{k}: {v}" for k, v in s["why"].items()))
            print()
            print(json.dumps(results, default=str))
        finally:
            cluster.close()
            if slapd is not None:
                slapd.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
