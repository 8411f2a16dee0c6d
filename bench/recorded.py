"""The regression guard of `make bench`: each figure against the one recorded for it.

`bench/recorded.json` holds, per benchmark, the figures recorded when the benchmark was last
accepted (with the date, commit and command). A benchmark calls `guard(name, figures)` at its
end: each figure is printed beside the recorded one with their ratio, and a figure more than
`LIMIT` (1.5) times its recorded value is a regression: the benchmark prints REGRESSION in
capitals and exits with status 1, so `make bench` stops there.

Every figure here is one where larger is worse (a time, or a ratio of a time to an in-run
baseline). Where a benchmark has an in-run baseline (the bare paged LDAP search, SQLite FTS5
in the same run), the ratio to it is what is recorded and compared: the machine is shared
and absolute times move with its load; ratios to a baseline measured in the same minutes
move much less.

Re-record after an accepted change: run the benchmark with `--record` (it writes its own
figures into recorded.json), and commit the file with the figures in docs/benchmarks.md.

    .venv/bin/python bench/recorded.py            # print what is recorded
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

LIMIT = 1.5
FILE = Path(__file__).resolve().parent / "recorded.json"


def load(path: Path | None = None) -> dict[str, Any]:
    path = path or FILE
    return json.loads(path.read_text()) if path.exists() else {}


def compare(
    name: str, figures: dict[str, float], recorded: dict[str, Any], limit: float = LIMIT
) -> tuple[list[str], list[str]]:
    """(report lines, regressions) of `figures` against `recorded[name]["figures"]`."""
    known = recorded.get(name, {}).get("figures", {})
    lines, regressions = [], []
    for key, value in figures.items():
        before = known.get(key)
        if before is None or math.isnan(value):
            lines.append(f"  {key}: {value:,.3f} (nothing recorded)")
            continue
        ratio = value / before if before else (math.inf if value > 0 else 1.0)
        verdict = "ok" if ratio <= limit else f"REGRESSION (> {limit}x)"
        line = f"  {key}: {value:,.3f} against {before:,.3f} recorded: {ratio:.2f}x  {verdict}"
        lines.append(line)
        if ratio > limit:
            regressions.append(line.strip())
    return lines, regressions


def _commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=FILE.parent,
            capture_output=True,
            text=True,
            check=True,
        )
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def record(name: str, figures: dict[str, float], command: str, path: Path | None = None) -> None:
    """Record `figures` for benchmark `name`: they replace the figures of the same names
    (others, e.g. another corpus size, stay), each with where it came from."""
    path = path or FILE
    data = load(path)
    entry = data.setdefault(name, {"figures": {}, "sources": {}})
    source = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {_commit()}: {command}"
    for key, value in figures.items():
        entry["figures"][key] = round(value, 4)
        entry["sources"][key] = source
    path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")


def guard(name: str, figures: dict[str, float], *, rerecord: bool = False) -> None:
    """Print `figures` against the recorded ones; exit 1 on a regression (> LIMIT x).
    With `rerecord`, record them instead (the command line is kept beside them)."""
    if rerecord:
        record(name, figures, " ".join(["bench/" + Path(sys.argv[0]).name, *sys.argv[1:]]))
        print(f"\nRecorded in {FILE.name} for {name}: {figures}")
        return
    lines, regressions = compare(name, figures, load())
    print(f"\nAgainst the figures recorded in bench/{FILE.name} ({name}; limit {LIMIT}x):")
    print("\n".join(lines))
    if regressions:
        print(f"\nREGRESSION in {name}: {len(regressions)} figure(s) above {LIMIT}x the recorded:")
        for line in regressions:
            print(f"  {line}")
        sys.exit(1)


def main() -> None:
    for name, entry in sorted(load().items()):
        print(f"{name}:")
        for key, value in entry["figures"].items():
            print(f"  {key}: {value}  ({entry['sources'].get(key, '?')})")


if __name__ == "__main__":
    main()
