"""Audit chain and retention: append rate, verify and export speed, retention throughput.

    .venv/bin/python bench/compliance.py [--events N] [--messages N] [--postgres URL]

Runs on a throwaway SQLite database (or a PostgreSQL database you name, which it fills);
prints one line per measurement.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import insert, select

from physnet import create_app
from physnet.actions.audit import record_audit
from physnet.actions.retention import apply_retention
from physnet.audit.chain import verify
from physnet.audit.export import AuditFilter, as_csv, matching
from physnet.db.transaction import atomic
from physnet.extensions import db
from physnet.models import Channel, Message, User, utcnow


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--postgres", default=None)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="physnet-bench-compliance-"))
    os.environ["PHYSNET_INSTANCE"] = str(folder / "instance")
    url = args.postgres or f"sqlite:///{folder / 'bench.db'}"
    app = create_app(
        {
            "database_url": url,
            "secret_key": "bench-only-secret-key-0123456789abcdef0123456789",
            "search_index": str(folder / "search_index"),
            "ratelimits": False,
            "retention": {"days": 30},
        }
    )
    try:
        with app.app_context():
            upgrade(directory=str(Path(__file__).resolve().parent.parent / "migrations"))
            run(args.events, args.messages)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run(events: int, messages: int) -> None:
    started = time.perf_counter()
    for i in range(events):
        with atomic():  # one transaction per event: the worst case
            record_audit("bench", "bench.event", f"thing:{i}", n=i)
    took = time.perf_counter() - started
    print(f"append, one event per transaction: {events / took:,.0f} events/s")

    started = time.perf_counter()
    with atomic():
        for i in range(events):
            record_audit("bench", "bench.bulk", f"thing:{i}", n=i)
    took = time.perf_counter() - started
    print(f"append, {events} events in one transaction: {events / took:,.0f} events/s")

    started = time.perf_counter()
    verdict = verify()
    took = time.perf_counter() - started
    print(f"verify {verdict.events:,} events: {took:.2f} s ({verdict.events / took:,.0f}/s)")

    started = time.perf_counter()
    size = sum(len(chunk) for chunk in as_csv(matching(AuditFilter())))
    took = time.perf_counter() - started
    print(f"export CSV of {verdict.events:,} events ({size / 1e6:.1f} MB): {took:.2f} s")

    with atomic():
        user = User(username="bench", display_name="Bench")
        channel = Channel(name="bench", title="Bench")
        db.session.add_all([user, channel])
    old = utcnow() - timedelta(days=60)
    rows = [
        {
            "channel_id": channel.id,
            "author_id": user.id,
            "body": f"old note {i}",
            "html": f"<p>old note {i}</p>",
            "created_at": old,
            "reply_count": 0,
            "reactions": None,
        }
        for i in range(messages)
    ]
    for row in rows:
        row.pop("reactions")
    with atomic():
        db.session.execute(insert(Message), rows)
    started = time.perf_counter()
    report = apply_retention()
    took = time.perf_counter() - started
    left = db.session.scalar(select(Message.id).limit(1))
    print(
        f"retention: {report.deleted:,} messages in {took:.2f} s "
        f"({report.deleted / took:,.0f}/s, batches of 500); left: {left}"
    )


if __name__ == "__main__":
    main()
