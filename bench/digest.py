"""The weekly digest job on a mid-size hospital: `physnet digest send` for N people (SQLite,
in-process), with a week's new tips and open questions spread over channels.

    python bench/digest.py [--people 5000] [--channels 60] [--tips 150] [--questions 100]

The rows are bulk-inserted (the actions are measured by the tests, not here). Two figures:
a --dry-run (the selection alone) and the real run (each person's digest claimed and
committed, an in-app `notification` event logged), then a second run the same week
(everyone already has theirs).
"""

from __future__ import annotations

import argparse
import os
import random
import time
from datetime import timedelta

from common import SPECIALTIES, machine_note, source_version, temp_folder
from flask_migrate import upgrade
from sqlalchemy import func, insert, select

from physnet import create_app
from physnet.actions.digest.send import do_send_digests
from physnet.extensions import db
from physnet.models import Channel, Digest, Membership, Message, Question, Tip, User, utcnow

DEPARTMENTS = ["Medicine", "Surgery", "Pediatrics", "Emergency", "Critical Care"]
WORDS = [
    "order",
    "set",
    "heparin",
    "smartphrase",
    "in-basket",
    "discharge",
    "cardiology",
    "navigator",
    "sepsis",
    "favorites",
    "pool",
    "pediatrics",
    "note",
    "template",
]


def build(people: int, channels: int, tips: int, questions: int) -> None:
    rng = random.Random(7)
    now = utcnow()
    db.session.execute(
        insert(User),
        [
            {
                "username": f"doc{i}",
                "display_name": f"Doc {i}",
                "password_hash": "x",
                "source": "local",
                "email": f"doc{i}@example-health.org",
                "specialty": rng.choice(SPECIALTIES),
                "department": rng.choice(DEPARTMENTS),
            }
            for i in range(people)
        ],
    )
    db.session.execute(
        insert(Channel),
        [
            {
                "name": f"chan-{i}",
                "title": f"Channel {i}",
                "kind": "private" if i % 5 == 0 else "public",
            }
            for i in range(channels)
        ],
    )
    user_ids = list(db.session.scalars(select(User.id)))
    channel_ids = list(db.session.scalars(select(Channel.id)))
    rows = {(c, u) for u in user_ids for c in rng.sample(channel_ids, 8)}
    db.session.execute(insert(Membership), [{"channel_id": c, "user_id": u} for c, u in rows])
    db.session.execute(
        insert(Tip),
        [
            {
                "channel_id": rng.choice(channel_ids),
                "owner_id": rng.choice(user_ids),
                "title": f"Tip {i}: {' '.join(rng.sample(WORDS, 3))}",
                "body": "Steps.",
                "html": "",
                "review_at": (now + timedelta(days=180)).date(),
                "created_at": now - timedelta(hours=rng.uniform(1, 160)),
            }
            for i in range(tips)
        ],
    )
    for _ in range(questions):
        asked = now - timedelta(hours=rng.uniform(1, 160))
        author = rng.choice(user_ids)
        message = Message(
            channel_id=rng.choice(channel_ids),
            author_id=author,
            body=f"How do I {' '.join(rng.sample(WORDS, 5))}?",
            html="",
            created_at=asked,
        )
        db.session.add(message)
        db.session.flush()
        db.session.add(
            Question(
                message_id=message.id,
                channel_id=message.channel_id,
                asker_id=author,
                asked_at=asked,
            )
        )
    db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--channels", type=int, default=60)
    parser.add_argument("--tips", type=int, default=150)
    parser.add_argument("--questions", type=int, default=100)
    args = parser.parse_args()
    with temp_folder() as folder:
        os.environ["PHYSNET_INSTANCE"] = str(folder / "instance")
        app = create_app(
            {
                "database_url": f"sqlite:///{folder / 'bench.db'}",
                "secret_key": "bench-only-secret-key-0123456789abcdef0123456789",
                "search_index": str(folder / "search_index"),
                "search_indexer": False,
                "ratelimits": False,
            }
        )
        with app.app_context():
            upgrade(directory=str(os.path.join(os.path.dirname(__file__), "..", "migrations")))
            build(args.people, args.channels, args.tips, args.questions)
            figures = []
            for label, dry in (("dry run", True), ("send", False), ("second run", False)):
                started = time.perf_counter()
                summary = do_send_digests(dry_run=dry)
                figures.append((label, time.perf_counter() - started, summary))
            sent = db.session.scalar(select(func.count()).select_from(Digest))
        print(
            f"{args.people} people, {args.channels} channels, {args.tips} tips, "
            f"{args.questions} questions; {sent} digests stored"
        )
        for label, seconds, summary in figures:
            print(f"{label:>11}: {seconds:6.2f} s  ({str(summary).splitlines()[-1]})")
        print(f"load average {os.getloadavg()}; {machine_note()}; code {source_version()}")


if __name__ == "__main__":
    main()
