"""Does search answer physicians' questions? Top-1, top-3 and MRR of PhysNet search beside
SQLite FTS5 on the same tips and questions, in the same run.

    python bench/search_quality.py [--markdown] [--show-misses]

The corpus: the demo tips (physnet/demo/tips.py) and the tips of
bench/search_quality_data.py, created through the real action (`do_create_tip`) in a
throwaway embedded PhysNet (SQLite, migrated) and indexed by the real indexer. Each
question is searched through `physnet.search.searching.search` (what GET /api/v1/search
runs) by a member of every channel; a question scores when the tip that answers it is
first (top-1), in the first three (top-3), and 1/rank (MRR, 0 beyond rank 20).

FTS5 is the baseline of issue 13: one table of (title, body, tags), `tokenize='porter'`,
the question's words ORed, `ORDER BY bm25(...)` with default weights.

The split is by question: within each category, questions alternate between the "tune"
half (the one looked at while building the ranking and the lexicon) and the "held-out"
half (reported, never tuned on).
"""

from __future__ import annotations

import argparse
import re
import sqlite3
import time
from collections import defaultdict
from typing import Any

from common import format_table, machine_note, temp_folder
from recorded import guard
from search_quality_data import DEMO_KEYS, QUESTIONS, TIPS, Q

from physnet import create_app
from physnet.actions.channels import do_add_member, do_create_channel
from physnet.actions.tips.edit import do_create_tip
from physnet.actions.users import do_create_local_user
from physnet.demo.tips import TIPS as DEMO_TIPS
from physnet.extensions import db
from physnet.search import service
from physnet.search.searching import search

DEPTH = 20


def corpus() -> list[tuple[str, str, list[str], str]]:
    """(key, title, tags, body) of every tip."""
    tips = [
        (key, DEMO_TIPS[i]["title"], DEMO_TIPS[i]["tags"], DEMO_TIPS[i]["body"])
        for key, i in DEMO_KEYS.items()
    ]
    return tips + [(t.key, t.title, t.tags, t.body) for t in TIPS]


def halves() -> dict[str, list[Q]]:
    by_category: dict[str, list[Q]] = defaultdict(list)
    for question in QUESTIONS:
        by_category[question.category].append(question)
    split: dict[str, list[Q]] = {"tune": [], "held-out": []}
    for questions in by_category.values():
        for i, question in enumerate(questions):
            split["tune" if i % 2 == 0 else "held-out"].append(question)
    return split


def physnet_ranker(folder: Any) -> tuple[Any, Any]:
    """A PhysNet with the tips indexed; returns (rank function, app)."""
    app = create_app(
        {
            "database_url": f"sqlite:///{folder / 'quality.db'}",
            "secret_key": "bench",
            "search_index": str(folder / "si"),
            "ratelimits": False,
        }
    )
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        owner = do_create_local_user("owner", "bench-password-not-secret")
        reader = do_create_local_user("reader", "bench-password-not-secret")
        channels = {}
        tips = corpus()
        keys_by_id: dict[int, str] = {}
        for i, (key, title, tags, body) in enumerate(tips):
            name = f"topic-{i % 8}"
            if name not in channels:
                channels[name] = do_create_channel(owner, name, name, "", "public")
                do_add_member(channels[name], reader)
            tip = do_create_tip(owner, channels[name], title, body, tags)
            keys_by_id[tip.id] = key
        service(app).indexer.catch_up()
        reader_id = reader.id
        db.session.remove()

    def rank(text: str) -> list[str]:
        with app.app_context():
            user = db.session.get(type(owner), reader_id)
            found = search(service(app), user, text)
            db.session.remove()
        return [keys_by_id[r["id"]] for r in found.results if r["type"] == "tip"][:DEPTH]

    return rank, app


def fts5_ranker() -> Any:
    connection = sqlite3.connect(":memory:")
    connection.execute(
        "CREATE VIRTUAL TABLE tips USING fts5(key UNINDEXED, title, body, tags, tokenize='porter')"
    )
    connection.executemany(
        "INSERT INTO tips VALUES (?, ?, ?, ?)",
        [(key, title, body, " ".join(tags)) for key, title, tags, body in corpus()],
    )

    def rank(text: str) -> list[str]:
        words = re.findall(r"\w+", text.lower())
        if not words:
            return []
        match = " OR ".join(f'"{w}"' for w in words)
        rows = connection.execute(
            "SELECT key FROM tips WHERE tips MATCH ? ORDER BY bm25(tips) LIMIT ?",
            (match, DEPTH),
        )
        return [row[0] for row in rows]

    return rank


def score(ranked: list[str], expected: str) -> tuple[int, int, float]:
    if expected not in ranked:
        return 0, 0, 0.0
    at = ranked.index(expected)
    return int(at == 0), int(at < 3), 1.0 / (at + 1)


def figures(results: list[tuple[int, int, float]]) -> tuple[float, float, float]:
    n = max(len(results), 1)
    return tuple(100.0 * sum(r[k] for r in results) / n for k in range(3))  # type: ignore[return-value]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--show-misses", choices=("tune", "held-out"), default=None)
    parser.add_argument(
        "--record", action="store_true", help="record these figures in bench/recorded.json"
    )
    args = parser.parse_args()
    split = halves()
    with temp_folder() as folder:
        physnet_rank, app = physnet_ranker(folder)
        fts_rank = fts5_ranker()
        outcome: dict[tuple[str, str, str], list[tuple[int, int, float]]] = defaultdict(list)
        latency: list[float] = []
        for half, questions in split.items():
            for question in questions:
                started = time.perf_counter()
                ours = physnet_rank(question.text)
                latency.append(time.perf_counter() - started)
                theirs = fts_rank(question.text)
                for engine, ranked in (("PhysNet", ours), ("FTS5", theirs)):
                    result = score(ranked, question.tip)
                    outcome[half, engine, "all"].append(result)
                    outcome[half, engine, question.category].append(result)
                if args.show_misses == half and question.tip not in ours[:3]:
                    got = ", ".join(ours[:3])
                    print(f"miss [{question.category}] {question.text!r}: {question.tip}; {got}")
        service(app).close()
    categories = sorted({q.category for q in QUESTIONS})
    rows = []
    for half in ("tune", "held-out"):
        for category in ["all", *categories]:
            n = len(outcome[half, "PhysNet", category])
            ours = figures(outcome[half, "PhysNet", category])
            theirs = figures(outcome[half, "FTS5", category])
            rows.append(
                [half, category, n, *(f"{v:.0f}" for v in ours), *(f"{v:.0f}" for v in theirs)]
            )
    latency.sort()
    print(
        f"{len(corpus())} tips, {len(QUESTIONS)} questions "
        f"({len(split['tune'])} tune, {len(split['held-out'])} held out); "
        f"PhysNet search p50 {1000 * latency[len(latency) // 2]:.1f} ms; {machine_note()}"
    )
    headers = [
        "half",
        "category",
        "n",
        "top-1 %",
        "top-3 %",
        "MRR %",
        "FTS5 top-1 %",
        "FTS5 top-3 %",
        "FTS5 MRR %",
    ]
    if args.markdown:
        print("| " + " | ".join(headers) + " |")
        print("|" + " --- |" * len(headers))
        for row in rows:
            print("| " + " | ".join(str(c) for c in row) + " |")
    else:
        print(format_table(headers, rows))
    # the share of questions whose tip is not in the top 3 (larger is worse), both halves
    held = figures(outcome["held-out", "PhysNet", "all"])
    tune = figures(outcome["tune", "PhysNet", "all"])
    guard(
        "search_quality",
        {"held-out top-3 misses %": 100.0 - held[1], "tune top-3 misses %": 100.0 - tune[1]},
        rerecord=args.record,
    )


if __name__ == "__main__":
    main()
