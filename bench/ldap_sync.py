"""Directory sync and directory sign-in against a generated slapd.

    .venv/bin/python bench/ldap_sync.py                # 50,000 people, 500 groups
    .venv/bin/python bench/ldap_sync.py --people 5000  # a quick dry run

A real OpenLDAP slapd (python-ldap's slapdtest, the same schemas and service account as
tests/ldap_fixtures.py) is loaded offline with slapadd from a generated LDIF (people under
ou=people, groupOfNames under ou=groups, entryUUID added by slapadd), with equality
indexes on objectClass, uid, member and entryUUID. PhysNet runs on a fresh migrated SQLite
database (embedded default) with [ldap] pointed at that slapd, page_size 500.

Measured, in one run:
- floor: one bare paged search (page 500) reading every person with the attributes the
  sync asks for, nothing else done with them; measured before each sync and once after,
  the ratios use the median of the four;
- the first sync (creates every account, maps the channel groups), a no-change re-sync,
  and a re-sync after changing the title of 1% of the people; each is
  `check_ldap_sync()`, what `physnet ldap sync` runs, in-process;
- sign-ins: N threads (default 20) in-process, each calling `sign_in(username,
  password)` in its own app context (search, bind as the person, group lookup, refresh
  the account) for `--signin-seconds`.

Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (
    ROOT,
    PhysNetInstance,
    format_table,
    latency_summary,
    machine_note,
    source_version,
    temp_folder,
)
from recorded import guard

sys.path.insert(0, str(ROOT / "tests"))
import ldap
from ldap_fixtures import (
    SERVICE_DN,
    SERVICE_PASSWORD,
    SUFFIX,
    PhysNetSlapd,
    _msuser_schema,
)

PASSWORD = "bench-directory-password"
PEOPLE = f"ou=people,{SUFFIX}"
GROUPS = f"ou=groups,{SUFFIX}"
CHANNEL_GROUPS = 10  # groups mapped to channels (the rest exist but map to nothing)
PAGE_SIZE = 500
TARGETS = {
    "first": 60.0,
    "nochange": 15.0,
    "ratio": 3.0,  # first sync (issue 19 item 4)
    "resync_ratio": 2.0,  # re-syncs (issue 19 item 4)
    "signins": 30.0,
    "p99_ms": 500.0,
}
DEPARTMENTS = ["Medicine", "Surgery", "Pediatrics", "Emergency", "Radiology", "Cardiology"]


class BenchSlapd(PhysNetSlapd):
    """The test slapd, with room for a big tree, indexes, and data loaded by slapadd."""

    slapd_conf_template = PhysNetSlapd.slapd_conf_template + (
        "olcDbMaxSize: 8589934592\nolcDbIndex: objectClass eq\nolcDbIndex: entryUUID eq\n"
    )
    data_ldif: str = ""

    def _write_config(self) -> None:
        super()._write_config()
        # uid and member exist only once the schemas are in: index them now, offline
        # (the file loses its CRC line, which slapd checks only when present).
        conf = Path(self._slapd_conf, "cn=config", "olcDatabase={1}mdb.ldif")
        lines = [x for x in conf.read_text().splitlines() if not x.startswith("# CRC32")]
        conf.write_text("\n".join([*lines, "olcDbIndex: uid eq", "olcDbIndex: member eq", ""]))
        if self.data_ldif:
            self.slapadd(None, ["-q", "-b", SUFFIX, "-l", self.data_ldif])


def uid_of(i: int) -> str:
    return f"doc{i:06d}"


def person_dn(i: int) -> str:
    return f"uid={uid_of(i)},{PEOPLE}"


def write_ldif(path: Path, people: int, groups: int) -> None:
    """The whole tree: base, service account, people, groups (each person in 1 group)."""
    members: list[list[int]] = [[] for _ in range(groups)]
    for i in range(people):
        members[i % groups].append(i)
    with path.open("w") as out:
        out.write(
            f"dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\n"
            "dc: example-health\no: Example Health\n\n"
            f"dn: ou=service,{SUFFIX}\nobjectClass: organizationalUnit\nou: service\n\n"
            f"dn: {SERVICE_DN}\nobjectClass: person\ncn: physnet\nsn: service\n"
            f"userPassword: {SERVICE_PASSWORD}\n\n"
            f"dn: {PEOPLE}\nobjectClass: organizationalUnit\nou: people\n\n"
            f"dn: {GROUPS}\nobjectClass: organizationalUnit\nou: groups\n\n"
        )
        for i in range(people):
            uid = uid_of(i)
            name = f"Doctor {i:06d}"
            out.write(
                f"dn: {person_dn(i)}\nobjectClass: inetOrgPerson\nuid: {uid}\ncn: {name}\n"
                f"sn: {i:06d}\ndisplayName: {name}\nmail: {uid}@example-health.org\n"
                "title: Attending Physician\n"
                f"departmentNumber: {DEPARTMENTS[i % len(DEPARTMENTS)]}\n"
                "businessCategory: Internal Medicine\n"
                "physicalDeliveryOfficeName: North Campus\n"
                f"telephoneNumber: +1 555 {i % 10000:04d}\n"
                f"userPassword: {PASSWORD}\n\n"
            )
        for g in range(groups):
            out.write(
                f"dn: cn=group{g:03d},{GROUPS}\nobjectClass: groupOfNames\ncn: group{g:03d}\n"
            )
            for i in members[g] or []:
                out.write(f"member: {person_dn(i)}\n")
            if not members[g]:
                out.write(f"member: {PEOPLE}\n")
            out.write("\n")


def ldap_settings(uri: str, groups: int) -> dict[str, Any]:
    mapped = min(CHANNEL_GROUPS, groups)
    return {
        "uri": uri,
        "bind_dn": SERVICE_DN,
        "bind_password": SERVICE_PASSWORD,
        "user_base": PEOPLE,
        "user_filter": "(objectClass=inetOrgPerson)",
        "login_attr": "uid",
        "id_attr": "entryUUID",
        "disabled_filter": "(employeeType=disabled)",
        "page_size": PAGE_SIZE,
        "timeout_s": 30,
        "groups": {
            "base": GROUPS,
            "member_attr": "member",
            "admins": [f"cn=group{0:03d},{GROUPS}"],
            "moderators": [f"cn=group{1:03d},{GROUPS}"],
        },
        "channels": {f"cn=group{g:03d},{GROUPS}": [f"ward-{g:03d}"] for g in range(mapped)},
        "sync": {"max_deactivate_fraction": 0.5},
    }


def floor_search(conf: dict[str, Any], attrs: list[str]) -> tuple[float, int]:
    """One bare paged search of every person, as the service account: the floor. It uses
    the sync's own connection and pager, so the difference is everything else a sync does."""
    from physnet.directory.connection import paged_search, service_connection
    from physnet.directory.settings import parse_directory_settings

    settings = parse_directory_settings(conf)
    assert settings is not None
    start = time.perf_counter()
    with service_connection(settings) as conn:
        count = sum(
            1 for _ in paged_search(conn, settings, PEOPLE, "(objectClass=inetOrgPerson)", attrs)
        )
    return time.perf_counter() - start, count


def timed_sync(app: Any) -> tuple[float, Any]:
    from physnet.actions.directory import check_ldap_sync
    from physnet.extensions import db

    with app.app_context():
        start = time.perf_counter()
        result = check_ldap_sync(trigger="bench")
        elapsed = time.perf_counter() - start
        summary = result.plan.summary()
        db.session.remove()
    return elapsed, summary


def breakdown(app: Any) -> dict[str, float]:
    """Where a no-change sync spends its time: reading the directory, then planning."""
    from physnet.directory.plan import compute_plan
    from physnet.directory.settings import directory_settings
    from physnet.directory.snapshot import read_snapshot
    from physnet.extensions import db

    with app.app_context():
        settings = directory_settings()
        assert settings is not None
        t0 = time.perf_counter()
        snapshot = read_snapshot(settings)
        t1 = time.perf_counter()
        compute_plan(snapshot, settings)
        t2 = time.perf_counter()
        db.session.rollback()
        db.session.remove()
    return {"read_snapshot_s": round(t1 - t0, 2), "compute_plan_s": round(t2 - t1, 2)}


def run_signins(app: Any, people: int, clients: int, seconds: float) -> dict[str, Any]:
    from physnet.actions.directory_signin import sign_in
    from physnet.extensions import db

    latencies: list[float] = []
    failures = [0]
    slow: list[tuple[str, float, bool]] = []
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds
    barrier = threading.Barrier(clients)

    def client(seed: int) -> None:
        rng = random.Random(seed)
        mine: list[float] = []
        bad = 0
        with app.app_context():
            barrier.wait()
            while time.perf_counter() < stop_at:
                i = rng.randrange(people)
                t0 = time.perf_counter()
                try:
                    ok = sign_in(uid_of(i), PASSWORD) is not None
                except Exception:
                    ok = False
                    db.session.rollback()
                took = time.perf_counter() - t0
                mine.append(took)
                if took > 1.0:
                    slow.append((uid_of(i), took, ok))
                bad += not ok
                db.session.remove()
        with lock:
            latencies.extend(mine)
            failures[0] += bad

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    return {
        "count": len(latencies),
        "slow": slow,
        "failures": failures[0],
        "rate": len(latencies) / wall,
        **latency_summary(latencies),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--groups", type=int, default=500)
    parser.add_argument("--changed", type=float, default=0.01, help="fraction changed")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--signin-seconds", type=float, default=10.0)
    parser.add_argument(
        "--record", action="store_true", help="record these figures in bench/recorded.json"
    )
    args = parser.parse_args()

    with temp_folder("physnet-ldap-bench-") as folder:
        t0 = time.perf_counter()
        ldif = folder / "data.ldif"
        write_ldif(ldif, args.people, args.groups)
        slapd_dir = folder / "slapd"
        slapd_dir.mkdir()
        BenchSlapd.TMPDIR = str(slapd_dir)
        BenchSlapd.openldap_schema_files = (
            *PhysNetSlapd.openldap_schema_files[:-1],
            _msuser_schema(str(slapd_dir)),
        )
        BenchSlapd.data_ldif = str(ldif)
        server = BenchSlapd()
        server.start()
        load_s = time.perf_counter() - t0
        print(
            f"slapd loaded: {args.people:,} people, {args.groups} groups in {load_s:.1f} s",
            file=sys.stderr,
        )
        instance = PhysNetInstance(folder)
        try:
            instance.migrate()
            os.environ["PHYSNET_INSTANCE"] = str(folder / "instance")
            from physnet import create_app
            from physnet.actions.channels import do_create_channel
            from physnet.db.transaction import atomic
            from physnet.directory.settings import directory_settings
            from physnet.directory.snapshot import sync_attributes
            from physnet.extensions import db

            conf = ldap_settings(server.ldap_uri, args.groups)
            app = create_app(
                {
                    "database_url": instance.database_url,
                    "secret_key": "bench-only-secret-key-0123456789abcdef0123456789",
                    "search_index": str(folder / "search_index"),
                    "ratelimits": False,
                    "redis_url": None,
                    "ldap": conf,
                }
            )
            with app.app_context():
                with atomic():
                    for names in conf["channels"].values():
                        do_create_channel(None, names[0], names[0].title(), "Bench ward", "public")
                settings = directory_settings()
                assert settings is not None
                attrs = sync_attributes(settings)
                db.session.remove()

            rows: list[list[Any]] = []
            # The floor is measured before each sync and once after, and the median is the
            # one the ratios use: on shared cores one reading can be off by half.
            floors: list[float] = []

            def floor() -> None:
                took, count = floor_search(conf, attrs)
                assert count == args.people, count
                floors.append(took)
                print(f"floor: {count:,} entries in {took:.2f} s", file=sys.stderr)

            floor()
            first_s, summary = timed_sync(app)
            print(f"first sync {first_s:.2f} s: {summary}", file=sys.stderr)
            rows.append(["first sync", first_s, args.people / first_s, first_s, summary])

            floor()
            same_s, summary = timed_sync(app)
            print(f"no-change re-sync {same_s:.2f} s: {summary}", file=sys.stderr)
            rows.append(["no-change re-sync", same_s, args.people / same_s, same_s, summary])

            phases = breakdown(app)
            print(f"no-change phases: {phases}", file=sys.stderr)

            changed = max(1, int(args.people * args.changed))
            root = server.root()
            for i in random.Random(7).sample(range(args.people), changed):
                root.modify_s(person_dn(i), [(ldap.MOD_REPLACE, "title", [b"Chief Physician"])])
            root.unbind_s()
            floor()
            delta_s, summary = timed_sync(app)
            print(f"1% re-sync {delta_s:.2f} s: {summary}", file=sys.stderr)
            rows.append(
                [f"re-sync, {changed:,} changed", delta_s, args.people / delta_s, delta_s, summary]
            )
            floor()
            floor_s = statistics.median(floors)
            shown = ", ".join(f"{f:.2f}" for f in floors)
            rows.insert(
                0,
                [
                    f"floor: bare paged search (median of {shown})",
                    floor_s,
                    args.people / floor_s,
                    floor_s,
                    "-",
                ],
            )
            for row in rows:
                row[3] = row[3] / floor_s

            sign = run_signins(app, args.people, args.clients, args.signin_seconds)
            for name, took, ok in sign["slow"]:
                print(f"slow sign-in: {name} {took:.2f} s ok={ok}", file=sys.stderr)
            with app.app_context():
                db.engine.dispose()
        finally:
            instance.close()
            server.stop()

    print()
    print(f"{args.people:,} people, {args.groups} groups; {machine_note()}; {source_version()}")
    print(
        format_table(
            ["step", "seconds", "users/s", "x floor", "result"],
            rows,
            markdown=True,
            digits=[0, 2, 0, 2, 0],
        )
    )
    print()
    print(
        format_table(
            ["clients", "sign-ins", "failed", "per s", "p50 ms", "p95 ms", "p99 ms", "max ms"],
            [
                [
                    args.clients,
                    sign["count"],
                    sign["failures"],
                    sign["rate"],
                    sign["p50"],
                    sign["p95"],
                    sign["p99"],
                    sign["max"],
                ]
            ],
            markdown=True,
        )
    )
    print()
    print(
        f"no-change sync phases: read_snapshot {phases['read_snapshot_s']:.2f} s, "
        f"compute_plan {phases['compute_plan_s']:.2f} s"
    )
    print(f"sign-ins slower than 1 s: {len(sign['slow'])}")
    print()
    verdicts = [
        ("first sync <= 60 s", first_s <= TARGETS["first"]),
        ("no-change re-sync <= 15 s", same_s <= TARGETS["nochange"]),
        ("first sync <= 3x floor", first_s <= TARGETS["ratio"] * floor_s),
        ("no-change re-sync <= 2x floor", same_s <= TARGETS["resync_ratio"] * floor_s),
        ("1% re-sync <= 2x floor", delta_s <= TARGETS["resync_ratio"] * floor_s),
        ("sign-ins >= 30/s", sign["rate"] >= TARGETS["signins"]),
        ("sign-in p99 <= 500 ms", sign["p99"] <= TARGETS["p99_ms"]),
    ]
    for name, ok in verdicts:
        print(f"{'PASS' if ok else 'FAIL'}  {name}")
    # ratios to the floor measured in this run (bench/recorded.py); per size of directory
    size = f"{args.people}x{args.groups}"
    figures = {
        f"{size} first sync x floor": first_s / floor_s,
        f"{size} no-change re-sync x floor": same_s / floor_s,
        f"{size} 1% re-sync x floor": delta_s / floor_s,
    }
    guard("ldap_sync", figures, rerecord=args.record)


if __name__ == "__main__":
    main()
