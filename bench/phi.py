"""How long the PHI guard takes per message: `phi_scan` over the labelled corpus.

Usage: .venv/bin/python bench/phi.py [--rounds N]

Every message of tests/phi_corpus.py (clean and with identifiers) is scanned `rounds` times
in a shuffled order; each scan is timed alone, by the wall clock (perf_counter_ns) and by
this thread's CPU time (thread_time_ns: on a shared, loaded machine the wall clock also
counts the time the scheduler gave to others). Prints p50 and p99 of both and the slowest
scan in microseconds, and messages per second over the whole run, for the corpus as written
and for the longest message repeated to 2,000 characters (a long post).
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
    wall, cpu = [], []
    start = time.perf_counter()
    for text in order:
        c0, t0 = time.thread_time_ns(), time.perf_counter_ns()
        phi_scan(text, settings)
        wall.append((time.perf_counter_ns() - t0) / 1000)
        cpu.append((time.thread_time_ns() - c0) / 1000)
    elapsed = time.perf_counter() - start
    return {
        "messages": len(order),
        "p50_us": percentile(wall, 50),
        "p99_us": percentile(wall, 99),
        "cpu_p50_us": percentile(cpu, 50),
        "cpu_p99_us": percentile(cpu, 99),
        "max_us": max(wall),
        "per_s": len(order) / elapsed,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()
    corpus = CLEAN + [text for text, _ in WITH_PHI]
    longest = max(corpus, key=len)
    long_post = (longest + " ") * (2000 // (len(longest) + 1))
    print("| input | scans | p50 µs | p99 µs | CPU p50 µs | CPU p99 µs | max µs | messages/s |")
    print("|---|--:|--:|--:|--:|--:|--:|--:|")
    for label, texts, rounds in (
        (f"corpus ({len(corpus)} messages)", corpus, args.rounds),
        (f"long post ({len(long_post)} chars)", [long_post], args.rounds * 4),
    ):
        r = measure(texts, rounds)
        print(
            f"| {label} | {r['messages']:,} | {r['p50_us']:.0f} | {r['p99_us']:.0f} "
            f"| {r['cpu_p50_us']:.0f} | {r['cpu_p99_us']:.0f} | {r['max_us']:.0f} "
            f"| {r['per_s']:,.0f} |"
        )


if __name__ == "__main__":
    main()
