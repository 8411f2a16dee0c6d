"""Notifications benchmark: what notifying costs a post, and how fast "Mentions & replies" is.

In this process, on a throwaway database (SQLite by default; PostgreSQL with --pg):

1. a channel of --members people (default 5,000), 10% of them on level "all", plus 49
   other channels; --messages messages (default 100,000) bulk-inserted over the 50
   channels, among them a reader's 2,000 mentions and 300 threads the reader took part in;
2. posting in the big channel through `check_send_message` (a mention of three people, then
   a reply in a thread), with notifications on and, interleaved, with the recipient step
   swapped for a no-op: p50/p95 of each and the difference is what notifying costs;
3. the reader's "Mentions & replies" page (newest 30, plus the unread count) and a page deep
   in the history (`before`): p50/p95;
4. the plans of the recipient query and of the page query.

    .venv/bin/python bench/notifications.py
    .venv/bin/python bench/notifications.py --pg postgresql://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import random
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from common import format_table, latency_summary, machine_note, temp_folder
from sqlalchemy import insert, select, text

SEED = 20261127
START = datetime(2025, 1, 1, tzinfo=UTC)


def build(app: Any, members: int, messages: int) -> dict[str, int]:
    """Users, channels, memberships, messages, mentions in bulk (not through the actions)."""
    from physnet.extensions import db
    from physnet.models import Channel, Membership, Mention, Message, User

    rnd = random.Random(SEED)
    with app.app_context():
        db.session.execute(
            insert(User),
            [
                {"username": f"m{i:05d}", "display_name": f"Dr. Bench {i}", "source": "local"}
                for i in range(members + 1)
            ],
        )
        ids = dict(db.session.execute(select(User.username, User.id)).tuples().all())
        reader, poster = ids["m00000"], ids["m00001"]
        db.session.execute(
            insert(Channel),
            [
                {"name": f"bench-{c:02d}", "title": f"Bench {c}", "kind": "public"}
                for c in range(50)
            ],
        )
        channels = dict(db.session.execute(select(Channel.name, Channel.id)).tuples().all())
        big = channels["bench-00"]
        db.session.execute(
            insert(Membership),
            [
                {"channel_id": big, "user_id": uid, "notify": "all" if i % 10 == 0 else None}
                for i, uid in enumerate(ids.values())
            ],
        )
        channel_ids = list(channels.values())
        authors = list(ids.values())[1:200]
        step = 365 * 86400 / messages
        rows = [
            {
                "channel_id": rnd.choice(channel_ids),
                "author_id": reader if i % 200 == 0 else rnd.choice(authors),
                "body": f"EHR tip {i}",
                "html": f"<p>EHR tip {i}</p>",
                "created_at": START + timedelta(seconds=i * step),
            }
            for i in range(messages)
        ]
        for first in range(0, messages, 20_000):
            db.session.execute(insert(Message), rows[first : first + 20_000])
        mine = db.session.scalars(
            select(Message.id).where(Message.author_id == reader).order_by(Message.id)
        ).all()
        all_ids = db.session.scalars(select(Message.id).where(Message.author_id != reader)).all()
        mentioned = rnd.sample(all_ids, min(2_000, len(all_ids)))
        db.session.execute(
            insert(Mention), [{"message_id": m, "user_id": reader} for m in mentioned]
        )
        # Everyone else is mentioned too (20,000 more), so the index statistics are realistic.
        others = [(m, rnd.choice(authors)) for m in rnd.sample(all_ids, min(20_000, len(all_ids)))]
        db.session.execute(
            insert(Mention),
            [{"message_id": m, "user_id": u} for m, u in dict(others).items() if u != reader],
        )
        # Replies in 300 of the reader's threads.
        replies = []
        for root in rnd.sample(list(mine), min(300, len(mine))):
            channel_id = db.session.scalar(select(Message.channel_id).where(Message.id == root))
            for _ in range(3):
                replies.append(
                    {
                        "channel_id": channel_id,
                        "author_id": rnd.choice(authors),
                        "body": "reply",
                        "html": "<p>reply</p>",
                        "thread_id": root,
                        "created_at": START + timedelta(days=366),
                    }
                )
        db.session.execute(insert(Message), replies)
        # The thread the benchmark replies in: the reader's, in the big channel.
        root = db.session.scalar(
            insert(Message)
            .values(channel_id=big, author_id=reader, body="root", html="<p>root</p>")
            .returning(Message.id)
        )
        db.session.execute(
            insert(Message),
            [
                {
                    "channel_id": big,
                    "author_id": a,
                    "body": "r",
                    "html": "<p>r</p>",
                    "thread_id": root,
                }
                for a in authors[:20]
            ],
        )
        db.session.commit()
        return {"reader": reader, "poster": poster, "big": big, "root": root}


def measure_posts(app: Any, ids: dict[str, int], runs: int) -> list[list[str]]:
    from physnet.actions import notifications
    from physnet.actions.messages.send import check_send_message
    from physnet.extensions import db
    from physnet.models import User

    real = notifications.queue_message_notifications
    timings: dict[str, list[float]] = {"notifications on": [], "recipient step off": []}
    with app.app_context():
        poster = db.session.get(User, ids["poster"])
        for i in range(runs):
            for label in timings:
                notifications.queue_message_notifications = (
                    real if label == "notifications on" else (lambda *a, **k: None)
                )
                body = "@m00002 @m00003 @m00004 have a look at the order set"
                thread = ids["root"] if i % 2 else None
                started = time.perf_counter()
                check_send_message(poster, "bench-00", body, None, thread)
                timings[label].append(time.perf_counter() - started)
                db.session.remove()
                poster = db.session.get(User, ids["poster"])
    notifications.queue_message_notifications = real
    return [
        [label, *(f"{v:.1f}" for v in latency_summary(t).values())] for label, t in timings.items()
    ]


def measure_feed(app: Any, ids: dict[str, int], runs: int) -> list[list[str]]:
    from physnet.extensions import db
    from physnet.models import User
    from physnet.reads.mentions import mentions_page, unread_mention_count

    rows = []
    with app.app_context():
        reader = db.session.get(User, ids["reader"])
        for label, before in (("newest 30", None), ("30 before the middle", 50_000)):
            timings = []
            for _ in range(runs):
                started = time.perf_counter()
                mentions_page(reader, before=before, limit=30)
                unread_mention_count(reader)
                timings.append(time.perf_counter() - started)
            rows.append([label, *(f"{v:.1f}" for v in latency_summary(timings).values())])
    return rows


def show_plans(app: Any, ids: dict[str, int]) -> None:
    """Print the plans of the recipient query and the page query as the database runs them."""
    from physnet.extensions import db
    from physnet.models import Message, User

    statements: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, *rest: Any) -> None:
        if "coalesce(memberships.notify" in statement or "LEFT OUTER JOIN mentions" in statement:
            statements.append((statement, parameters))

    from sqlalchemy import event

    from physnet.actions.notifications import queue_message_notifications
    from physnet.reads.mentions import mentions_page

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", record)
        message = db.session.scalar(select(Message).where(Message.thread_id == ids["root"]))
        root = db.session.get(Message, ids["root"])
        queue_message_notifications(message, root, [ids["reader"]])
        mentions_page(db.session.get(User, ids["reader"]), limit=30)
        event.remove(db.engine, "before_cursor_execute", record)
        db.session.rollback()
        sqlite = db.engine.dialect.name == "sqlite"
        raw = db.engine.raw_connection()
        try:
            cursor = raw.cursor()
            for statement, parameters in statements:
                prefix = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN "
                cursor.execute(prefix + statement, parameters)
                print("\n" + statement.split("\n")[0][:90] + " ...")
                for row in cursor.fetchall():
                    print("   ", row[-1] if sqlite else row[0])
        finally:
            raw.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=5_000)
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--pg", help="a PostgreSQL admin URL: bench on a new database there")
    args = parser.parse_args()

    import os

    from flask_migrate import upgrade

    from physnet import create_app
    from physnet.extensions import db

    with temp_folder() as folder:
        os.environ["PHYSNET_INSTANCE"] = str(folder / "instance")
        url, dbname = f"sqlite:///{folder / 'bench.db'}", None
        if args.pg:
            import psycopg

            dbname = f"physnet_bench_{uuid.uuid4().hex[:8]}"
            with psycopg.connect(args.pg, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{dbname}"')
            url = args.pg.rsplit("/", 1)[0] + "/" + dbname
        settings = {
            "database_url": url,
            "secret_key": "bench-only-secret-key-0123456789abcdef0123456789",
            "ratelimits": False,
        }
        app = create_app({**settings, "search_index": str(folder / "search_index")})
        try:
            with app.app_context():
                upgrade()
            started = time.monotonic()
            ids = build(app, args.members, args.messages)
            with app.app_context():
                db.session.execute(text("ANALYZE"))
                db.session.commit()
            print(
                f"built in {time.monotonic() - started:.0f} s on {db_name(url)}; {machine_note()}"
            )
            head = ["", "p50 ms", "p95 ms", "p99 ms", "max ms"]
            print(
                f"\nPost in a channel of {args.members:,} members (10% on 'all'), {args.runs} each"
            )
            print(format_table(head, measure_posts(app, ids, args.runs)))
            print(f"\nMentions & replies page, {args.messages:,} messages, {args.runs} runs")
            print(format_table(head, measure_feed(app, ids, args.runs)))
            show_plans(app, ids)
        finally:
            with app.app_context():
                db.engine.dispose()
            if dbname:
                with psycopg.connect(args.pg, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


def db_name(url: str) -> str:
    return "PostgreSQL" if url.startswith("postgresql") else "SQLite"


if __name__ == "__main__":
    main()
