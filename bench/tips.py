"""Tip listings over many tips: latency of GET /api/v1/tips (recent, most helpful, by tag,
to review), in-process through the Flask test client, on SQLite or PostgreSQL.

    python bench/tips.py [--tips 5000] [--database-url postgresql://...] [--requests 40]

Rows are bulk-inserted (the actions are measured by the tests, not here); every reader is
a member of one channel in four, so the permission filter does real work.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

from common import format_table, latency_summary, machine_note, temp_folder

from physnet import create_app
from physnet.actions.channels import do_add_member, do_create_channel
from physnet.actions.users import do_create_local_user, do_create_token
from physnet.extensions import db
from physnet.models import Tag, Tip, TipEndorsement, TipReminder
from physnet.models.tips import tip_tags

TAGS = ["epic-in-basket", "order-sets", "cerner-powerchart", "smartphrases", "discharge"]
TAGS += [f"topic-{i}" for i in range(195)]


def populate(count: int) -> str:
    """Channels, people, `count` tips with tags and endorsements; return a reader's token."""
    people = [do_create_local_user(f"user{i}", "bench-password-not-secret") for i in range(200)]
    channels = [
        do_create_channel(None, f"channel-{i}", f"Channel {i}", "", "public") for i in range(40)
    ]
    channels += [do_create_channel(None, f"private-{i}", "", "", "private") for i in range(20)]
    reader = people[0]
    for channel in channels[40::4]:
        do_add_member(channel, reader)
    for channel in channels:
        do_add_member(channel, people[1], role="moderator")
    db.session.execute(db.insert(Tag), [{"name": n} for n in TAGS])
    now = datetime.now(UTC)
    rng = random.Random(5)
    rows = [
        {
            "channel_id": rng.choice(channels).id,
            "owner_id": rng.choice(people).id,
            "title": f"Tip {i} about order sets and the In Basket",
            "body": "Open the activity, then pick the order set. " * 5,
            "html": "<p>Open the activity, then pick the order set.</p>",
            "review_at": date.today() + timedelta(days=rng.randint(-60, 365)),
            "created_at": now - timedelta(minutes=i),
            "updated_at": now - timedelta(minutes=i),
            "verified_at": now - timedelta(days=i % 90) if i % 5 == 0 else None,
            "verified_by_id": people[1].id if i % 5 == 0 else None,
        }
        for i in range(count)
    ]
    db.session.execute(db.insert(Tip), rows)
    tip_ids = list(db.session.scalars(db.select(Tip.id)))
    tag_ids = list(db.session.scalars(db.select(Tag.id)))
    db.session.execute(
        db.insert(tip_tags),
        [{"tip_id": t, "tag_id": g} for t in tip_ids for g in rng.sample(tag_ids, 3)],
    )
    endorsements = {(rng.choice(tip_ids), rng.choice(people).id) for _ in range(count * 4)}
    db.session.execute(
        db.insert(TipEndorsement),
        [{"tip_id": t, "user_id": u, "created_at": now} for t, u in endorsements],
    )
    due = db.session.execute(db.select(Tip.id, Tip.review_at).where(Tip.review_at < date.today()))
    db.session.execute(
        db.insert(TipReminder),
        [{"tip_id": t, "user_id": reader.id, "due_on": d, "created_at": now} for t, d in due],
    )
    db.session.commit()
    return do_create_token(reader, "bench")[1]


def measure(client: Any, token: str, query: dict[str, str], requests: int) -> dict[str, float]:
    headers = {"Authorization": f"Bearer {token}"}
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get("/api/v1/tips", query_string=query, headers=headers)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.get_data(as_text=True)
    return {**latency_summary(times), "total": response.json["total"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tips", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--database-url", default=None, help="a migrated, empty database")
    args = parser.parse_args()
    with temp_folder() as folder:
        url = args.database_url or f"sqlite:///{folder / 'bench.db'}"
        app = create_app(
            {
                "database_url": url,
                "secret_key": "bench-only-secret-key-0123456789abcdef0123456789",
                "search_index": str(folder / "si"),
                "ratelimits": False,
            }
        )
        with app.app_context():
            if args.database_url is None:
                from flask_migrate import upgrade

                upgrade()
            token = populate(args.tips)
            db.session.remove()
        client = app.test_client()
        rows = []
        for label, query in (
            ("recent", {}),
            ("most helpful", {"sort": "helpful"}),
            ("recently verified", {"sort": "verified"}),
            ("by tag", {"tag": "order-sets"}),
            ("by channel", {"channel": "channel-3"}),
            ("to review", {"review": "due"}),
        ):
            figures = measure(client, token, query, args.requests)
            rows.append([label, int(figures["total"]), figures["p50"], figures["p95"]])
    backend = "PostgreSQL" if args.database_url else "SQLite"
    print(f"{args.tips:,} tips on {backend}; {args.requests} requests each; {machine_note()}")
    print(format_table(["listing", "matches", "p50 ms", "p95 ms"], rows))


if __name__ == "__main__":
    main()
