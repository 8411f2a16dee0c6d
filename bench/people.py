"""The people directory over 50,000 profiles, on SQLite and on PostgreSQL.

    .venv/bin/python bench/people.py                       # 50,000 people, both backends
    .venv/bin/python bench/people.py --people 5000 --backends sqlite   # a quick run

For each backend: a throwaway database (a temp SQLite file; a PostgreSQL database created
on --pg and dropped afterwards), migrated with the real migrations, filled with generated
profiles (realistic first and last names, 40 specialties, 25 facilities, 14 departments,
0-4 expertise tags and 1-2 EHR systems each; 2% deactivated) through the same index
writer the app uses (physnet/people/index.py), then ANALYZEd. Then `GET /api/v1/users`
through the Flask test client with a Bearer token, --queries times per kind:

- `name prefix`: ?q= with 1 to 4 leading letters of a real first or last name (one in
  five two words, "first last-prefix");
- `facet filter`: ?specialty=, ?facility=, both, ?department=, ?expertise= (rotating),
  with and without a name prefix;
- `facets, no filter`: ?page=N of the whole directory (the facet counts over everyone).

Every answer carries one page of 50, the total and both facets' counts (2 to 4 queries).
Columns: wall-clock p50/p95/max per request, and the CPU time of this process (the Flask
app and, for SQLite, the database engine; PostgreSQL's own CPU is in its server process),
which a busy machine inflates less. The EXPLAIN (QUERY PLAN) of the page, count and facet
queries of each kind is printed (on PostgreSQL with ANALYZE: actual rows and times).
Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import psycopg
from common import format_table, latency_summary, machine_note, source_version, temp_folder
from sqlalchemy import insert, select, text

from physnet import create_app
from physnet.actions.users import do_create_token
from physnet.extensions import db
from physnet.models import User, utcnow
from physnet.people.index import write_index
from physnet.people.normalize import sort_name
from physnet.people.query import (
    PeopleFilters,
    count_query,
    facet_query,
    page_query,
)

FIRST = """Aaliyah Aarav Abigail Adaeze Adrian Ahmed Aiko Aisha Alejandro Alex Alice Amara Amir Ana
Andrea Andrew Anika Anna Anthony Arjun Ava Ayesha Beatriz Benjamin Bianca Bilal Brian Camila
Carlos Carmen Catherine Chen Chiamaka Chloe Christopher Chukwuemeka Claire Daniel David
Deepa Diego Dmitri Elena Elif Elijah Elizabeth Emeka Emily Emma Eszter Ethan Fatima Felipe
Fiona Francesca Gabriel Grace Hana Hannah Haruka Hassan Helen Hiroshi Ibrahim Ingrid Isabel
Isaac Ivan Jacob James Javier Jennifer Jia Joao John Jonathan Jose Joseph Julia Kai Karen
Katarzyna Kenji Kevin Kwame Laila Lakshmi Laura Leila Liam Lin Linh Lucas Lucia Luis Maria
Mariam Mark Marta Mateo Matthew Maya Mehmet Mei Michael Miguel Ming Miriam Mohammed Nadia
Naomi Natalia Nathan Neha Nikolai Noah Nour Olga Oliver Olivia Omar Oren Pablo Patricia Paul
Pedro Pooja Priya Rachel Rafael Rahul Ravi Rebecca Ricardo Robert Rohan Rosa Ryan Sakura
Samuel Sara Sean Sebastian Seo-yeon Siobhan Sofia Sophia Stefan Sunita Tariq Thomas Tomas
Tunde Valentina Vikram Wei William Xin Yara Yasmin Yusuf Zainab Zoe""".split()  # noqa: SIM905
LAST = """Abara Abbott Abdullah Acosta Adeyemi Aguilar Ahmed Al-Rashid Alvarez Andersen Anderson
Ashworth Bailey Baker Banerjee Barnes Becker Bennett Bhatt Bianchi Brennan Brown Bui Byrne
Campbell Carter Castillo Chan Chandra Chang Chaudhry Chen Cheng Cho Choi Chowdhury Clarke
Cohen Collins Cooper Costa Cruz Das Davies Davis Delgado Desai Diaz Dimitrov Do Dubois
Edwards Evans Fernandez Fischer Fitzgerald Flores Fontaine Garcia Gomez Gonzalez Gupta
Haddad Hall Hansen Harris Hashemi Hernandez Hoang Hoffmann Huang Hughes Ibrahim Ito Ivanova
Jackson Jain Jensen Johnson Jones Joshi Kaur Khan Kim Klein Kowalski Kumar Lam Larsen Le Lee
Lewis Li Lim Lin Liu Lopez Martin Martinez Mehta Mendoza Menon Meyer Miller Mitchell Molina
Moore Morales Moreno Muller Murphy Nakamura Nasser Nguyen Novak Nowak O'Brien O'Connor
Okafor Okeke Oliveira Olsen Ortiz Osei Park Patel Pereira Perez Petrov Pham Phillips Popescu
Quinn Rahman Ramirez Ramos Reddy Reyes Richter Rivera Roberts Robinson Rodriguez Rossi Russo
Sahin Saito Sanchez Santos Sato Schmidt Schneider Scott Shah Sharma Silva Singh Smith
Sokolov Suarez Sullivan Suzuki Takahashi Tan Tanaka Taylor Thomas Thompson Torres Tran
Turner Vargas Vasquez Wagner Walker Wang Watanabe Weber White Williams Wilson Wong Wright Wu
Xu Yamamoto Yang Yilmaz Young Yusuf Zhang Zhao Zhou""".split()  # noqa: SIM905
SPECIALTIES = """Allergy and Immunology|Anesthesiology|Cardiology|Cardiothoracic Surgery|Clinical
Informatics|Colorectal Surgery|Critical Care|Dermatology|Emergency Medicine|Endocrinology|
Family Medicine|Gastroenterology|General Surgery|Geriatrics|Hematology|Hospital Medicine|
Infectious Disease|Internal Medicine|Interventional Radiology|Medical Genetics|Nephrology|
Neurology|Neurosurgery|Nuclear Medicine|Obstetrics and Gynecology|Oncology|Ophthalmology|
Orthopedic Surgery|Otolaryngology|Palliative Care|Pathology|Pediatrics|Physical Medicine|
Plastic Surgery|Psychiatry|Pulmonology|Radiation Oncology|Radiology|Rheumatology|Urology"""
SPECIALTIES_LIST = [s.replace("\n", "") for s in SPECIALTIES.split("|")]
PLACES = """Riverside Northgate Lakeside Hillcrest Bayview Cedar Eastbrook Fairview Glenwood
Harbor Ironwood Juniper Kingsbridge Lincoln Maplewood Oakridge Pinecrest Queensway Redwood
Summit Troy Union Valley Westfield Yorktown""".split()  # noqa: SIM905
FACILITIES = [
    f"{name} {kind}"
    for name, kind in zip(
        PLACES,
        ["General", "Medical Center", "Community Hospital", "Regional", "Clinic"] * 5,
        strict=True,
    )
]
DEPARTMENTS = [
    "Medicine",
    "Surgery",
    "Pediatrics",
    "Emergency Medicine",
    "Anesthesiology",
    "Radiology",
    "Psychiatry",
    "Neurology",
    "Obstetrics and Gynecology",
    "Pathology",
    "Family Medicine",
    "Clinical Informatics",
    "Oncology",
    "Critical Care",
]
EXPERTISE = """order sets|SmartPhrases|In Basket|BPA review|sepsis screening|handoff tools|
discharge workflow|note templates|CDI queries|ICD-10 coding|e-prescribing|refill protocols|
downtime procedures|antimicrobial stewardship|anticoagulation|insulin protocols|
weight-based dosing|telehealth|patient portal|results routing|flowsheets|MAR workflow|
CPOE|clinical decision support|registry reports|quality measures|Dragon dictation|
secure chat|care plans|problem list hygiene|medication reconciliation|PDMP|
order set governance|ED track board|OR scheduling|anesthesia record|lab interfaces|
imaging orders|consult orders|prior authorization""".replace("\n", "").split("|")
EHRS = ["Epic", "Oracle Health (Cerner)", "MEDITECH", "MEDITECH Expanse", "athenahealth"]


def profiles(count: int, rng: random.Random) -> list[dict[str, Any]]:
    """`count` fictional physicians; specialties and facilities skewed like a real system."""
    spec_weights = [1 + rng.random() * 6 for _ in SPECIALTIES_LIST]
    fac_weights = [1 + rng.random() * 4 for _ in FACILITIES]
    rows = []
    for i in range(count):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        name = f"Dr. {first} {last}" if rng.random() < 0.7 else f"{first} {last}"
        username = f"{first[0]}{last}".lower().replace("'", "").replace("-", "") + str(i)
        rows.append(
            {
                "username": username[:64],
                "display_name": name,
                "sort_name": sort_name(name, username),
                "title": "Attending Physician",
                "credentials": rng.choice(["MD", "DO", "MBBS"]),
                "specialty": rng.choices(SPECIALTIES_LIST, spec_weights)[0],
                "facility": rng.choices(FACILITIES, fac_weights)[0],
                "department": rng.choice(DEPARTMENTS),
                "phone": f"x{rng.randint(1000, 9999)}",
                "email": f"{username}@example-health.org",
                "bio": "",
                "expertise": ",".join(rng.sample(EXPERTISE, rng.randint(0, 4))),
                "ehr_systems": ",".join(rng.sample(EHRS, rng.randint(1, 2))),
                "ask_me_about": "",
                "source": "directory",
                "directory_id": str(uuid.UUID(int=rng.getrandbits(128))),
                "role": "member",
                "active": rng.random() > 0.02,
                "session_generation": 0,
                "created_at": utcnow(),
            }
        )
    return rows


def load(people: list[dict[str, Any]]) -> None:
    """Insert the people and their index rows (names, tags) the way the app writes them."""
    connection = db.session.connection()
    for start in range(0, len(people), 2000):
        batch = people[start : start + 2000]
        connection.execute(insert(User), batch)
    rows = connection.execute(
        select(User.id, User.username, User.display_name, User.expertise, User.ehr_systems)
    ).all()
    for start in range(0, len(rows), 2000):
        write_index(connection, rows[start : start + 2000])
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        db.session.execute(text("ANALYZE"))
        db.session.commit()


def query_mix(rng: random.Random, count: int) -> dict[str, list[dict[str, str]]]:
    def prefix() -> str:
        word = rng.choice(FIRST + LAST).lower().replace("'", "").replace("-", "")
        return word[: rng.choice([1, 2, 2, 3, 3, 4])]

    def name_query() -> dict[str, str]:
        if rng.random() < 0.2:
            return {"q": f"{rng.choice(FIRST)} {rng.choice(LAST)[:2]}"}
        return {"q": prefix()}

    def filtered() -> dict[str, str]:
        choice = rng.randrange(6)
        params = [
            {"specialty": rng.choice(SPECIALTIES_LIST)},
            {"facility": rng.choice(FACILITIES)},
            {"specialty": rng.choice(SPECIALTIES_LIST), "facility": rng.choice(FACILITIES)},
            {"department": rng.choice(DEPARTMENTS)},
            {"expertise": rng.choice(EXPERTISE)},
            {"specialty": rng.choice(SPECIALTIES_LIST), "q": prefix()},
        ][choice]
        return params

    return {
        "name prefix": [name_query() for _ in range(count)],
        "facet filter": [filtered() for _ in range(count)],
        "facets, no filter": [{"page": str(rng.randint(1, 20))} for _ in range(count)],
    }


def explain(filters: PeopleFilters) -> list[str]:
    """The plan of each query one directory answer runs, with the values inlined."""
    dialect = db.engine.dialect
    out = []
    statements = [
        ("page", page_query(filters, 1)),
        ("count", count_query(filters)),
        ("facets", facet_query(filters, ("specialty", "facility"))),
        ("facet specialty alone", facet_query(filters, ("specialty",))),
    ]
    for label, statement in statements:
        sql = str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
        if dialect.name == "postgresql":  # pyformat doubles '%'; text() doubles it again
            sql = sql.replace("%%", "%")
        out.append(f"-- {label}: {' '.join(sql.split())}")
        out += _plan(sql)
    return out


def _plan(sql: str) -> list[str]:
    if db.engine.dialect.name == "sqlite":
        rows = db.session.execute(text("EXPLAIN QUERY PLAN " + sql)).all()
        return [f"   {row[3]}" for row in rows]
    # ANALYZE runs the query: the plan shows the rows and time each step really took.
    rows = db.session.execute(text("EXPLAIN (ANALYZE, COSTS OFF) " + sql)).all()
    return [f"   {row[0]}" for row in rows]


def run_backend(name: str, url: str, folder: Path, args: argparse.Namespace) -> list[list[Any]]:
    from flask_migrate import upgrade

    app = create_app(
        {
            "database_url": url,
            "secret_key": "bench-only-secret-key-0123456789abcdef0123456789",
            "search_index": str(folder / f"si-{name}"),
            "ratelimits": False,
        }
    )
    rng = random.Random(args.seed)
    with app.app_context():
        upgrade(directory=str(Path(__file__).resolve().parent.parent / "migrations"))
        started = time.perf_counter()
        load(profiles(args.people, rng))
        print(f"[{name}] loaded {args.people:,} people in {time.perf_counter() - started:.1f} s")
        viewer = db.session.scalar(select(User).where(User.active).limit(1))
        _, token = do_create_token(viewer, "bench")
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    mix = query_mix(rng, args.queries)
    rows = []
    for kind, queries in mix.items():
        for params in queries[:10]:  # warm the caches and the planner
            client.get("/api/v1/users", query_string=params, headers=headers)
        times, cpu = [], []
        for params in queries:
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.get("/api/v1/users", query_string=params, headers=headers)
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
            assert response.status_code == 200, response.get_data(as_text=True)
        summary, cpu_summary = latency_summary(times), latency_summary(cpu)
        rows.append(
            [
                name,
                kind,
                len(times),
                summary["p50"],
                summary["p95"],
                summary["max"],
                cpu_summary["p50"],
                cpu_summary["p95"],
            ]
        )
    with app.app_context():
        for kind, filters in [
            ("name prefix", PeopleFilters(q="ngu")),
            ("name prefix, two words", PeopleFilters(q="maria ch")),
            ("facet filter", PeopleFilters(specialty="Cardiology", facility=FACILITIES[3])),
            ("facet filter, expertise", PeopleFilters(expertise="order sets")),
            ("facets, no filter", PeopleFilters()),
        ]:
            print(f"\n[{name}] EXPLAIN, {kind}:")
            print("\n".join(explain(filters)))
        db.engine.dispose()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--queries", type=int, default=300, help="per kind")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    rows: list[list[Any]] = []
    with temp_folder("physnet-bench-people-") as folder:
        for backend in args.backends.split(","):
            if backend == "sqlite":
                rows += run_backend(backend, f"sqlite:///{folder}/people.db", folder, args)
                continue
            name = f"physnet_bench_people_{uuid.uuid4().hex[:8]}"
            with psycopg.connect(args.pg, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            try:
                url = args.pg.rsplit("/", 1)[0] + "/" + name
                rows += run_backend(backend, url, folder, args)
            finally:
                with psycopg.connect(args.pg, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(f"\nPeople directory, {args.people:,} people, GET /api/v1/users (Flask test client)")
    print(f"{source_version()} · {machine_note()} · load average {os.getloadavg()[0]:.1f}")
    print(
        format_table(
            ["backend", "query kind", "n", "p50 ms", "p95 ms", "max ms", "cpu p50", "cpu p95"],
            rows,
            args.markdown,
        )
    )


if __name__ == "__main__":
    main()
