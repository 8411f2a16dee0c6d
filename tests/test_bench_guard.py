"""The regression guard of `make bench` (bench/recorded.py): a figure more than 1.5x the
recorded one fails the benchmark; re-recording replaces the figures."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))
import recorded  # noqa: E402  (bench/ is not a package)


def test_compare_flags_only_figures_above_the_limit() -> None:
    known = {"ldap_sync": {"figures": {"first x floor": 4.0, "re-sync x floor": 2.0}}}
    lines, regressions = recorded.compare(
        "ldap_sync",
        {"first x floor": 6.0, "re-sync x floor": 3.1, "new figure": 1.0},
        known,
    )
    assert len(regressions) == 1 and regressions[0].startswith("re-sync x floor")
    assert "1.50x  ok" in lines[0]  # exactly 1.5x the recorded figure is not a regression
    assert "nothing recorded" in lines[2]


def test_a_miss_where_none_was_recorded_is_a_regression() -> None:
    known = {"search_quality": {"figures": {"tune top-3 misses %": 0.0}}}
    _, regressions = recorded.compare("search_quality", {"tune top-3 misses %": 1.1}, known)
    assert regressions
    _, none = recorded.compare("search_quality", {"tune top-3 misses %": 0.0}, known)
    assert not none


def test_guard_exits_1_on_a_regression_and_record_replaces(tmp_path: Path) -> None:
    path = tmp_path / "recorded.json"
    recorded.record("demo", {"ratio": 2.0, "other size": 5.0}, "bench/demo.py", path=path)
    recorded.record("demo", {"ratio": 2.0}, "bench/demo.py --again", path=path)
    entry = json.loads(path.read_text())["demo"]
    assert entry["figures"] == {"ratio": 2.0, "other size": 5.0}  # merged, not replaced
    assert entry["sources"]["ratio"].endswith("bench/demo.py --again")
    script = (
        "import sys; sys.path.insert(0, sys.argv[1]); import recorded;"
        "from pathlib import Path; recorded.FILE = Path(sys.argv[2]);"
        "recorded.guard('demo', {'ratio': float(sys.argv[3])})"
    )
    ok = subprocess.run(
        [sys.executable, "-c", script, str(BENCH), str(path), "2.9"],
        capture_output=True,
        text=True,
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr
    bad = subprocess.run(
        [sys.executable, "-c", script, str(BENCH), str(path), "3.1"],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 1
    assert "REGRESSION in demo" in bad.stdout


@pytest.mark.parametrize("name", ["search", "search_quality", "ldap_sync"])
def test_every_guarded_benchmark_has_recorded_figures(name: str) -> None:
    entry = recorded.load()[name]
    assert entry["figures"] and set(entry["sources"]) == set(entry["figures"])


def test_messaging_guards_the_n100_saturation_against_the_bare_server_of_the_same_run() -> None:
    import messaging  # bench/messaging.py

    def result(server: str, n: int, load: str, sent: float, delivered: float, cpu: float) -> Any:
        return messaging.Result(
            server, n, load, sent_per_s=sent, delivered_per_s=delivered, server_cpu=cpu
        )

    results = [
        result("physnet", 100, "rate", 20, 2000, 0.3),
        result("physnet", 100, "sat", 80, 8000, 1.0),
        result("baseline", 100, "rate", 20, 2000, 0.2),
        result("baseline", 100, "sat", 160, 16000, 0.8),
        result("physnet", 10, "sat", 270, 2700, 1.0),  # other N: not guarded
        result("baseline", 10, "sat", 1080, 10800, 0.9),
    ]
    figures = messaging.guarded_figures(results, "embedded")
    assert figures == pytest.approx(
        {
            "N=100 sat (embedded) bare delivered/s / physnet": 2.0,
            # 1.0 core / 80 msg/s = 12.5 ms against 0.8 / 160 = 5 ms
            "N=100 sat (embedded) physnet CPU per message / bare": 2.5,
        }
    )
