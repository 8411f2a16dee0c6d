"""Web Push throughput, and what sending costs the live sockets of the same process.

    .venv/bin/python bench/push.py [--pushes 1000]

One PhysNet app (embedded default: SQLite in a temp folder) serving Socket.IO on 127.0.0.1
in this process; the local push-service stand-in (tests/push_service.py: it verifies every
VAPID JWT and decrypts every aes128gcm body, real cryptography) in a child process, so its
work does not share this process's CPU. N people each have one subscription; one batch of
N pushes is queued through the outbox and drained by the dispatcher's worker threads.

Figures: pushes/s (queued to the last one verified by the stand-in), and the round trip of
a Socket.IO `catch_up` call, probed every 20 ms, idle (the baseline) and while the N
pushes go out; the ratio is p99 while sending over p99 idle.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import sys
import threading
import time
from typing import Any

from common import ROOT, format_table, free_port, latency_summary, machine_note, temp_folder

sys.path.insert(0, str(ROOT / "tests"))


def stand_in(conn: Any, count: int) -> None:
    """Child process: the push service; answers the parent's questions over `conn`."""
    import push_service

    service = push_service.start()
    conn.send([service.subscribe().as_json() for _ in range(count)])
    while True:
        command, arg = conn.recv()
        if command == "key":
            service.expect_key(arg)
            conn.send(True)
        elif command == "wait":
            got = service.wait_for(arg, timeout=300)
            conn.send((len(got), len(service.rejected), time.time()))
        elif command == "stop":
            service.stop()
            conn.send(True)
            return


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pushes", type=int, default=1000)
    parser.add_argument("--idle-seconds", type=float, default=5.0)
    args = parser.parse_args()

    import socketio as sio_client
    from argon2 import PasswordHasher
    from flask_migrate import upgrade

    from physnet import create_app
    from physnet.actions import users as user_actions
    from physnet.actions.channels import do_create_channel
    from physnet.actions.push import delivery, subscriptions, vapid
    from physnet.actions.push.queue import enqueue
    from physnet.actions.users import do_create_local_user, do_create_token
    from physnet.db.transaction import atomic
    from physnet.extensions import socketio
    from physnet.models import utcnow

    # Accounts are set-up, not the subject: hash their (unused) passwords at minimal cost.
    user_actions._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    parent, child = mp.Pipe()
    worker = mp.Process(target=stand_in, args=(child, args.pushes), daemon=True)
    worker.start()
    subs_json = parent.recv()

    with temp_folder("physnet-bench-push-") as folder:
        import os

        os.environ["PHYSNET_INSTANCE"] = str(folder / "instance")
        os.environ["PHYSNET_PUSH_ENDPOINT_HOSTS"] = "127.0.0.1"
        app = create_app(
            {
                "database_url": f"sqlite:///{folder / 'bench.db'}",
                "secret_key": "bench-only-secret-key-0123456789abcdef0123456789",
                "search_index": str(folder / "search_index"),
                "ratelimits": False,
            }
        )
        with app.app_context():
            upgrade()
            sender = do_create_local_user("sender", "bench-password-not-secret")
            token = do_create_token(sender, "bench")[1]
            do_create_channel(sender, "ehr-tips", "EHR tips", "", "public")
            sub_ids = []
            for i, sub in enumerate(subs_json):
                user = do_create_local_user(f"doc{i}", "bench-password-not-secret")
                keys = sub["keys"]
                sub_ids.append(
                    subscriptions.do_subscribe(
                        user, sub["endpoint"], keys["p256dh"], keys["auth"]
                    ).id
                )
            key = vapid.public_key_b64(vapid.private_key(app.config["PHYSNET"]))
        print(f"{len(sub_ids)} people subscribed", file=sys.stderr, flush=True)
        parent.send(("key", key))
        parent.recv()

        port = free_port()
        threading.Thread(
            target=lambda: socketio.run(
                app, host="127.0.0.1", port=port, allow_unsafe_werkzeug=True, log_output=False
            ),
            daemon=True,
        ).start()
        client = sio_client.Client(reconnection=False)
        for _ in range(100):
            try:
                client.connect(
                    f"http://127.0.0.1:{port}", auth={"token": token}, transports=["websocket"]
                )
                break
            except Exception:
                time.sleep(0.1)

        def probe(stop: threading.Event, into: list[float]) -> None:
            while not stop.is_set():
                start = time.perf_counter()
                client.call("catch_up", {"channel": "ehr-tips", "after": 0}, timeout=10)
                into.append(time.perf_counter() - start)
                time.sleep(0.02)

        print("socket connected; probing", file=sys.stderr, flush=True)
        idle: list[float] = []
        stop = threading.Event()
        thread = threading.Thread(target=probe, args=(stop, idle))
        thread.start()
        time.sleep(args.idle_seconds)
        stop.set()
        thread.join()

        busy: list[float] = []
        stop = threading.Event()
        thread = threading.Thread(target=probe, args=(stop, busy))
        thread.start()
        with app.app_context():
            started = time.time()
            with atomic():
                for sub_id in sub_ids:
                    enqueue(
                        [sub_id], {"kind": "mention", "channel": "ehr-tips"}, f"b{sub_id}", utcnow()
                    )
        parent.send(("wait", args.pushes))
        received, rejected, last = parent.recv()
        stop.set()
        thread.join()
        elapsed = last - started
        client.disconnect()
        with app.app_context():
            delivery.stop(app)
        parent.send(("stop", None))
        parent.recv()

    rate = received / elapsed if elapsed > 0 else 0.0
    idle_s, busy_s = latency_summary(idle), latency_summary(busy)
    print(machine_note())
    print(
        f"pushes: {received}/{args.pushes} verified by the stand-in, {rejected} rejected, "
        f"{elapsed:.2f} s, {rate:.0f} pushes/s (workers: {app.config['PHYSNET'].push.workers})"
    )
    rows = [
        ["idle (baseline)", len(idle), idle_s["p50"], idle_s["p95"], idle_s["p99"]],
        ["while pushing", len(busy), busy_s["p50"], busy_s["p95"], busy_s["p99"]],
    ]
    print(format_table(["socket catch_up round trip", "n", "p50 ms", "p95 ms", "p99 ms"], rows))
    if idle_s["p99"]:
        print(f"p99 ratio (while pushing / idle): {busy_s['p99'] / idle_s['p99']:.2f}")


if __name__ == "__main__":
    main()
