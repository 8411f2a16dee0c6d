"""The PHI guard, before and after: recall, false alarms and time per message.

Usage: .venv/bin/python bench/phi.py [--rounds N] [--baseline COMMIT]

The guard of this checkout (`physnet.phi`) is compared with the guard of an older commit
(default 3a16b31, main before issue 15), in the same process and the same run: the old
`physnet/phi/*.py` are read with `git show COMMIT:path` into a temp folder as the package
`phi_baseline` (their `physnet.phi` imports rewritten to it), so nothing of the old code is
kept in this tree and both see the same corpus and the same machine.

1. Accuracy on tests/phi_corpus.py (the tuning corpus) and the three sets of
   tests/phi_corpus_heldout.py (A, C, D, written after tuning, never tuned on): recall =
   messages with identifiers in which some finding has a kind the message has; false
   alarms = clean messages with any finding.
2. Time: every message of the four corpora is scanned `rounds` times in a shuffled order, old
   and new guard one after the other on the same message; each scan timed alone by the
   wall clock (perf_counter_ns) and by this thread's CPU time (thread_time_ns: on a shared,
   loaded machine the wall clock also counts time the scheduler gave to others). Also the
   longest message repeated to 2,000 characters (a long post), and the one-off cost of
   reading the census name lists. Pure CPU in this process: no server, no database.
"""

from __future__ import annotations

import argparse
import importlib
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
for path in (ROOT / "tests", ROOT / "bench"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

import phi_corpus  # noqa: E402
import phi_corpus_heldout  # noqa: E402
from common import percentile  # noqa: E402  (it puts the project on sys.path, after any PYTHONPATH)

from physnet.phi import namelists, parse_phi_settings, phi_scan  # noqa: E402

Scan = Callable[[str], list[Any]]
DOMAINS = {"hospital_domains": phi_corpus.HOSPITAL_DOMAINS}


def load_baseline(commit: str, folder: Path) -> Scan:
    """The guard as it was at `commit`, imported from `folder` as the package phi_baseline."""
    listing = subprocess.run(
        ["git", "ls-tree", "--name-only", commit, "physnet/phi/"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    package = folder / "phi_baseline"
    package.mkdir()
    for name in listing:
        if name.endswith(".py"):
            source = subprocess.run(
                ["git", "show", f"{commit}:{name}"],
                cwd=ROOT,
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            (package / Path(name).name).write_text(source.replace("physnet.phi", "phi_baseline"))
    sys.path.insert(0, str(folder))
    old = importlib.import_module("phi_baseline")
    settings = old.parse_phi_settings(DOMAINS)
    return lambda text: old.phi_scan(text, settings)


# (clean, with identifiers) of each corpus: the tuning one, then the held-out sets.
CORPORA = {
    "tuning": (phi_corpus.CLEAN, phi_corpus.WITH_PHI),
    "held-out A": (phi_corpus_heldout.CLEAN, phi_corpus_heldout.WITH_PHI),
    "held-out C": (phi_corpus_heldout.CLEAN_C, phi_corpus_heldout.WITH_PHI_C),
    "held-out D": (phi_corpus_heldout.CLEAN_D, phi_corpus_heldout.WITH_PHI_D),
}


def accuracy(scan: Scan, clean: list[str], with_phi: list[tuple[str, set[str]]]) -> dict[str, Any]:
    caught = sum(bool({f.kind for f in scan(text)} & kinds) for text, kinds in with_phi)
    alarms = sum(bool(scan(text)) for text in clean)
    return {
        "phi": len(with_phi),
        "clean": len(clean),
        "caught": caught,
        "alarms": alarms,
        "recall": caught / len(with_phi),
        "false_alarms": alarms / len(clean),
    }


def measure(scans: dict[str, Scan], texts: list[str], rounds: int) -> dict[str, dict[str, float]]:
    order = [t for _ in range(rounds) for t in texts]
    random.Random(7).shuffle(order)
    for scan in scans.values():  # warm up: compiled patterns, caches, name lists
        for text in texts:
            scan(text)
    wall: dict[str, list[float]] = {label: [] for label in scans}
    cpu: dict[str, list[float]] = {label: [] for label in scans}
    for text in order:
        for label, scan in scans.items():
            c0, t0 = time.thread_time_ns(), time.perf_counter_ns()
            scan(text)
            wall[label].append((time.perf_counter_ns() - t0) / 1000)
            cpu[label].append((time.thread_time_ns() - c0) / 1000)
    return {
        label: {
            "scans": len(order),
            "mean_cpu_us": sum(cpu[label]) / len(order),
            "p50_us": percentile(wall[label], 50),
            "p99_us": percentile(wall[label], 99),
            "cpu_p50_us": percentile(cpu[label], 50),
            "cpu_p99_us": percentile(cpu[label], 99),
            "max_us": max(wall[label]),
        }
        for label in scans
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--baseline", default="3a16b31", help="commit of the previous guard")
    args = parser.parse_args()

    t0 = time.perf_counter()
    namelists.load()
    load_ms = (time.perf_counter() - t0) * 1000
    settings = parse_phi_settings(DOMAINS)
    with tempfile.TemporaryDirectory() as folder:
        scans: dict[str, Scan] = {
            f"before ({args.baseline})": load_baseline(args.baseline, Path(folder)),
            "after (this tree)": lambda text: phi_scan(text, settings),
        }

        print("| guard | corpus | with identifiers | recall | clean | false alarms |")
        print("|---|---|--:|--:|--:|--:|")
        for label, scan in scans.items():
            for name, (clean, with_phi) in CORPORA.items():
                a = accuracy(scan, clean, with_phi)
                print(
                    f"| {label} | {name} | {a['phi']} | {a['recall']:.3f} ({a['caught']}) "
                    f"| {a['clean']} | {a['false_alarms']:.3f} ({a['alarms']}) |"
                )

        corpus_texts = [
            text
            for clean, with_phi in CORPORA.values()
            for text in [*clean, *(t for t, _ in with_phi)]
        ]
        longest = max(corpus_texts, key=len)
        long_post = (longest + " ") * (2000 // (len(longest) + 1))
        print()
        print(
            "| guard | input | scans | mean CPU µs | p50 µs | p99 µs | CPU p50 µs "
            "| CPU p99 µs | max µs |"
        )
        print("|---|---|--:|--:|--:|--:|--:|--:|--:|")
        for input_label, texts, rounds in (
            (f"corpus ({len(corpus_texts)} messages)", corpus_texts, args.rounds),
            (f"long post ({len(long_post)} chars)", [long_post], args.rounds * 4),
        ):
            for label, r in measure(scans, texts, rounds).items():
                print(
                    f"| {label} | {input_label} | {r['scans']:,} | {r['mean_cpu_us']:.0f} "
                    f"| {r['p50_us']:.0f} | {r['p99_us']:.0f} | {r['cpu_p50_us']:.0f} "
                    f"| {r['cpu_p99_us']:.0f} | {r['max_us']:.0f} |"
                )
    print(f"\nReading the census name lists (once per process): {load_ms:.0f} ms")


if __name__ == "__main__":
    main()
