"""How long the PHI guard takes per message: `phi_scan` over the labelled corpus.

Usage: .venv/bin/python bench/phi.py [--rounds N]

Every message of tests/phi_corpus.py (clean and with identifiers) is scanned `rounds` times
in a shuffled order; each scan is timed alone with perf_counter_ns. Prints p50, p99 and the
slowest scan in microseconds, and messages per second over the whole run, for the corpus as
written and for the longest message repeated to 2,000 characters (a long post).
Pure CPU in this process: no server, no database.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for path in (ROOT, ROOT / "tests"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from phi_corpus import CLEAN, HOSPITAL_DOMAINS, WITH_PHI  # noqa: E402

from bench.common import percentile  # noqa: E402
from physnet.phi import parse_phi_settings, phi_scan  # noqa: E402


def measure(texts: list[str], rounds: int) -> dict[str, float]:
    settings = parse_phi_settings({"hospital_domains": HOSPITAL_DOMAINS})
    order = [t for _ in range(rounds) for t in texts]
    random.Random(7).shuffle(order)
    for text in texts:  # warm up: compiled patterns, caches
        phi_scan(text, settings)
    timings = []
    start = time.perf_counter()
    for text in order:
        t0 = time.perf_counter_ns()
        phi_scan(text, settings)
        timings.append((time.perf_counter_ns() - t0) / 1000)
    elapsed = time.perf_counter() - start
    return {
        "messages": len(order),
        "p50_us": percentile(timings, 50),
        "p99_us": percentile(timings, 99),
        "max_us": max(timings),
        "per_s": len(order) / elapsed,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()
    corpus = CLEAN + [text for text, _ in WITH_PHI]
    longest = max(corpus, key=len)
    long_post = (longest + " ") * (2000 // (len(longest) + 1))
    print("| input | scans | p50 µs | p99 µs | max µs | messages/s |")
    print("|---|--:|--:|--:|--:|--:|")
    for label, texts, rounds in (
        (f"corpus ({len(corpus)} messages)", corpus, args.rounds),
        (f"long post ({len(long_post)} chars)", [long_post], args.rounds * 4),
    ):
        r = measure(texts, rounds)
        print(
            f"| {label} | {r['messages']:,} | {r['p50_us']:.0f} | {r['p99_us']:.0f} "
            f"| {r['max_us']:.0f} | {r['per_s']:,.0f} |"
        )


if __name__ == "__main__":
    main()
