"""Send path: server CPU per message, in process, on SQLite or PostgreSQL (no sockets).

One app (migrated fresh database), one channel with --members members, one author; the
script calls the same action a socket `send_message` runs (`check_send_message`, then
`message_json` for the ack) --count times per round inside an app context, and reports
process CPU time per message: the minimum and median over --rounds rounds (other processes
on the machine disturb the median; the minimum is the figure to compare between runs).
Events are published into Socket.IO rooms nobody is connected to, so this measures the
write path (validation, PHI guard, Markdown, transaction, change-log rows, JSON), not the
fan-out to sockets (bench/messaging.py measures that).

    .venv/bin/python bench/send_path.py --db sqlite
    .venv/bin/python bench/send_path.py --db postgresql --profile /tmp/send.prof
    .venv/bin/python bench/send_path.py --db sqlite --statements   # the SQL of one send

PostgreSQL: PHYSNET_TEST_PG is the admin URL (default postgresql://postgres@127.0.0.1:5432/test);
a database is created for the run and dropped after. With --profile, cProfile's top table
(cumulative and own time) is printed and the raw profile written there.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import tempfile
import time
import uuid
from pathlib import Path

import common  # noqa: F401  (bench/common.py: puts the project on sys.path, after any PYTHONPATH)
import psycopg

BODY = "Order set **sepsis bundle** updated: lactate at 0 and 3 h, cultures before {n}."
# The same without markup: Markdown's plain-text fast path (physnet/markdown.py) takes it.
PLAIN_BODY = "Order set sepsis bundle updated: lactate at 0 and 3 h, cultures before {n}."


def _app(db: str, folder: Path):  # type: ignore[no-untyped-def]
    from flask_migrate import upgrade

    from physnet import create_app
    from physnet.extensions import db as sqla

    if db == "sqlite":
        url = f"sqlite:///{folder / 'physnet.db'}"
        drop = None
    else:
        admin = os.environ.get("PHYSNET_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
        name = f"physnet_bench_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        url = admin.rsplit("/", 1)[0] + "/" + name

        def drop() -> None:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    os.environ["PHYSNET_INSTANCE"] = str(folder / "instance")
    app = create_app(
        {
            "database_url": url,
            "secret_key": "bench-only-secret-key-0123456789abcdef0123456789abcdef",
            "search_index": str(folder / "search_index"),
            "ratelimits": False,
        }
    )
    with app.app_context():
        upgrade()
        sqla.engine.dispose()
    return app, drop


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--count", type=int, default=200, help="messages per round")
    parser.add_argument(
        "--rounds", type=int, default=7, help="rounds; the minimum is the least disturbed"
    )
    parser.add_argument("--members", type=int, default=100)
    parser.add_argument("--plain", action="store_true", help="bodies without Markdown markup")
    parser.add_argument("--profile", type=Path, help="write a cProfile profile here")
    parser.add_argument("--top", type=int, default=35, help="rows of the profile table")
    parser.add_argument(
        "--statements", action="store_true", help="print the SQL of one send, then stop"
    )
    args = parser.parse_args()

    from physnet.actions import users as user_actions
    from physnet.actions.channels import do_add_member, do_create_channel
    from physnet.actions.messages.send import check_send_message
    from physnet.actions.users import do_create_local_user
    from physnet.extensions import db
    from physnet.models import User
    from physnet.reads.json import message_json

    class _Cheap:  # a real hash costs ~100 ms per user; this bench is not about sign-in
        def hash(self, password: str) -> str:
            return "$bench$" + password

    user_actions._hasher = _Cheap()  # type: ignore[assignment]
    with tempfile.TemporaryDirectory(prefix="physnet-send-") as tmp:
        app, drop = _app(args.db, Path(tmp))
        try:
            with app.app_context():
                channel = do_create_channel(None, "bench-send", "Bench", "", "public")
                for i in range(args.members):
                    user = do_create_local_user(f"member{i}", "x" * 12, display_name=f"M {i}")
                    do_add_member(channel, user)
                author_id = db.session.scalar(db.select(User.id).where(User.username == "member0"))
                db.session.remove()

            body = PLAIN_BODY if args.plain else BODY

            def send(n: int) -> None:
                author = db.session.get(User, author_id)
                message, _ = check_send_message(
                    author, "bench-send", body.format(n=n), f"bench-{n}"
                )
                message_json(message)
                db.session.remove()

            with app.app_context():
                for n in range(50):  # warm up: imports, caches, connection pool
                    send(-1 - n)
                if args.statements:
                    from sqlalchemy import event

                    seen: list[str] = []

                    def note(conn, cursor, statement, *rest):  # type: ignore[no-untyped-def]
                        seen.append(" ".join(statement.split())[:150])

                    event.listen(db.engine, "before_cursor_execute", note)
                    send(10**6)
                    event.remove(db.engine, "before_cursor_execute", note)
                    print(f"{len(seen)} statements for one send:")
                    print("\n".join(f"  {s}" for s in seen))
                    return 0
                profiler = cProfile.Profile() if args.profile else None
                per_round: list[float] = []
                if profiler:
                    profiler.enable()
                sent = 0
                for _ in range(args.rounds):
                    cpu0 = time.process_time()
                    for _ in range(args.count):
                        send(sent)
                        sent += 1
                    per_round.append((time.process_time() - cpu0) / args.count * 1000)
                if profiler:
                    profiler.disable()
            per_round.sort()
            print(
                f"{args.db}: {args.rounds} rounds of {args.count} messages, {args.members} "
                f"members: CPU per message (process time) min {per_round[0]:.3f} ms, "
                f"median {per_round[len(per_round) // 2]:.3f} ms"
                f"{' (under cProfile)' if profiler else ''}"
            )
            if profiler and args.profile:
                profiler.dump_stats(str(args.profile))
                for key in ("cumulative", "tottime"):
                    out = io.StringIO()
                    pstats.Stats(profiler, stream=out).sort_stats(key).print_stats(args.top)
                    print(out.getvalue())
        finally:
            with app.app_context():
                db.engine.dispose()
            if drop:
                drop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
