"""Full-text search through a real Whoosh index on disk, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import textwrap
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from physnet.actions import users as user_actions
from physnet.actions.messages.edit import do_edit_message
from physnet.actions.messages.send import do_send_message
from physnet.db.change_log import LogCursor
from physnet.db.transaction import after_commit, atomic
from physnet.extensions import db
from physnet.models import ChangeLog, Channel, Message, User
from physnet.search import evaluate, indexer, searching, service
from physnet.search.analysis import ANALYZER
from physnet.search.querying import parse
from physnet.search.rebuild import rebuild

NOW = datetime.now(UTC)


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    """These accounts only use API tokens: skip the cost of real password hashing."""
    monkeypatch.setattr(
        user_actions, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    )


@pytest.fixture
def search_app(app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The app with search on; its indexer (if a test starts it) stops afterwards.

    The time limit is tested on its own (`test_a_slow_search_stops_at_the_time_limit`
    shortens it); elsewhere the subject is what a search finds, and on a loaded CI machine
    a cold first search could use up the time "Did you mean" gets, so these tests give it
    room."""
    monkeypatch.setattr(searching, "BUDGET_SECONDS", 30.0)
    yield app
    service(app).close()


def catch_up(app: Any) -> None:
    service(app).indexer.catch_up()


class Corpus:
    """People, channels and messages; `find(user, q)` searches as that user over HTTP."""

    def __init__(self, app: Any, factory: Any) -> None:
        self.app = app
        self.client = app.test_client()
        for name, role in (("alice", "member"), ("bob", "member"), ("carol", "admin")):
            factory.user(name, role=role)
        factory.channel("ehr-tips", members=("alice", "bob", "carol"))
        factory.channel("cardiology", members=("alice", "bob"))
        factory.channel("secret-ward", kind="private", members=("alice",))
        self.tokens = {name: factory.token(name) for name in ("alice", "bob", "carol")}
        self.ids: dict[str, int] = {}

    def post(
        self, label: str, who: str, channel: str, body: str, days_ago: float = 0, parent: str = ""
    ) -> int:
        with self.app.app_context():
            user = db.session.scalar(select(User).where(User.username == who))
            room = db.session.scalar(select(Channel).where(Channel.name == channel))
            thread = db.session.get(Message, self.ids[parent]) if parent else None
            when = NOW - timedelta(days=days_ago)
            message = do_send_message(user, room, body, None, thread, created_at=when)
            self.ids[label] = message.id
            db.session.remove()
        return self.ids[label]

    def get(self, who: str, q: str, page: int | None = None) -> Any:
        params: dict[str, Any] = {"q": q}
        if page is not None:
            params["page"] = page
        headers = {"Authorization": f"Bearer {self.tokens[who]}"}
        return self.client.get("/api/v1/search", query_string=params, headers=headers)

    def find(self, who: str, q: str) -> dict[str, Any]:
        response = self.get(who, q)
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def labels(self, who: str, q: str) -> list[str]:
        by_id = {v: k for k, v in self.ids.items()}
        return [by_id[r["id"]] for r in self.find(who, q)["results"]]


@pytest.fixture
def corpus(search_app: Any, factory: Any) -> Corpus:
    c = Corpus(search_app, factory)
    c.post(
        "tip",
        "alice",
        "ehr-tips",
        "Vancomycin dosing tip: use the **pharmacy to dose** order "
        "set.\n\n- vancomycin trough before the 4th dose\n- see https://example.org/vanc",
        days_ago=3,
    )
    c.post("chatter", "bob", "ehr-tips", "anyone else seeing vancomycin alerts today", days_ago=3)
    c.post(
        "code",
        "bob",
        "ehr-tips",
        "Smartphrase for sepsis: `.SEPSISNOTE` pulls lactate",
        days_ago=40,
    )
    c.post("reply", "alice", "ehr-tips", "The lactate repeat fires at 3 hours", parent="code")
    c.post("mi", "alice", "cardiology", "Troponin pathway after myocardial infarction", days_ago=10)
    c.post("bpa", "bob", "cardiology", "The BPA for statins fires twice on admission", days_ago=400)
    c.post(
        "tokens",
        "bob",
        "cardiology",
        "HbA1c above 9, COVID-19 negative, coded ICD-10 I50.9, cefazolin q6h",
    )
    c.post("q8h", "alice", "cardiology", "cefazolin q8h for the I50.1 case")
    c.post(
        "secret",
        "alice",
        "secret-ward",
        "Private: the kinyoun stain protocol and vancomycin for the ward",
    )
    catch_up(search_app)
    return c


# Analysis and parsing (no database) ------------------------------------------------------


def test_clinical_tokens_stay_whole_and_words_are_stemmed() -> None:
    assert ANALYZER.terms("HbA1c q6h COVID-19 ICD-10 I50.9") == [
        "hba1c",
        "q6h",
        "covid-19",
        "icd-10",
        "i50.9",
    ]
    assert ANALYZER.terms("Infarctions of the Sjögren patients") == [
        "infarct",
        "sjogren",
        "patient",
    ]
    assert ANALYZER.terms("best-practice and/or") == ["best", "practic"]
    indexed = [t for t, _, _, _ in ANALYZER.spans("COVID-19 vaccine")]
    assert indexed == ["covid-19", "covid", "19", "vaccin"]


def test_query_parsing() -> None:
    parsed = parse(
        'vanc "exact words" ord* -heparin in:#EHR-Tips from:@Alice has:link is:thread '
        "on:2026-01-15",
        today=NOW.date(),
    )
    assert [(c.kind, c.text, c.negated) for c in parsed.clauses] == [
        ("word", "vanc", False),
        ("phrase", "exact words", False),
        ("prefix", "ord", False),
        ("word", "heparin", True),
    ]
    assert parsed.channels == ["ehr-tips"] and parsed.authors == ["alice"]
    assert parsed.has == {"link"} and parsed.is_ == {"thread"}
    assert parsed.since == datetime(2026, 1, 15, tzinfo=UTC)
    assert parsed.until == datetime(2026, 1, 16, tzinfo=UTC)
    assert parse('"never closed').clauses[0].text == "never closed"
    assert parse("Note: x").warnings == []


# Operators, highlights, ranking ---------------------------------------------------------


def test_every_operator(corpus: Corpus) -> None:
    t = corpus.labels
    assert set(t("alice", "vancomycin")) == {"tip", "chatter", "secret"}
    assert t("alice", "vancomycin in:#cardiology") == []
    assert set(t("alice", "vancomycin in:#ehr-tips in:#secret-ward")) == {
        "tip",
        "chatter",
        "secret",
    }
    assert t("alice", "vancomycin from:@bob") == ["chatter"]
    assert t("alice", "from:@bob in:#ehr-tips") == ["chatter", "code"]  # newest first
    day = (NOW - timedelta(days=10)).date().isoformat()
    assert t("alice", f"on:{day}") == ["mi"]
    assert set(t("alice", f"before:{day} in:#cardiology")) == {"bpa"}
    assert set(t("alice", f"after:{day} in:#cardiology")) == {"tokens", "q8h"}
    assert t("alice", "vancomycin has:link") == ["tip"]
    assert t("alice", "has:code") == ["code"]
    assert set(t("alice", "is:thread")) == {"code", "reply"}
    assert t("alice", "is:pinned") == []
    assert t("alice", "is:tip vancomycin") == []
    assert t("alice", '"pharmacy to dose"') == ["tip"]
    assert t("alice", '"dose pharmacy"') == []
    assert set(t("alice", "vancomy*")) == {"tip", "chatter", "secret"}
    assert set(t("alice", "vancomycin -alerts -ward")) == {"tip"}
    assert t("alice", 'lactate -"repeat fires"') == ["code"]


def test_snippets_mark_matches_and_escape_everything_else(corpus: Corpus) -> None:
    corpus.post("html", "bob", "ehr-tips", 'Careful: <script>alert("x")</script> & <b>heparin</b>')
    catch_up(corpus.app)
    result = corpus.find("alice", "heparin")["results"][0]
    snippet = result["snippet_html"]
    assert "<mark>heparin</mark>" in snippet
    assert "&lt;script&gt;" in snippet and "&amp;" in snippet
    assert "<" not in re.sub(r"</?mark>", "", snippet)
    assert result["type"] == "message" and result["channel"] == "ehr-tips"
    assert result["author"] == {"username": "bob", "display_name": "Bob"}
    assert result["created_at"].endswith("Z")
    stems = corpus.find("alice", "dosing")["results"][0]["snippet_html"]
    assert "<mark>dosing</mark>" in stems and "<mark>dose</mark>" in stems


def test_ranking_a_tip_above_chatter_and_newer_above_older(corpus: Corpus) -> None:
    assert corpus.labels("bob", "vancomycin") == ["tip", "chatter"]
    corpus.post("old", "bob", "cardiology", "Heparin nomogram for ACS", days_ago=300)
    corpus.post("new", "bob", "cardiology", "Heparin nomogram for ACS", days_ago=1)
    catch_up(corpus.app)
    assert corpus.labels("bob", "heparin nomogram") == ["new", "old"]


def test_clinical_tokens_are_found_whole(corpus: Corpus) -> None:
    t = corpus.labels
    for query in ("HbA1c", "hba1c", "COVID-19", "ICD-10", "I50.9", "q6h", "covid"):
        assert t("bob", query) == ["tokens"], query
    assert t("bob", "q8h") == ["q8h"]
    assert t("bob", "I50.1") == ["q8h"]
    assert set(t("bob", "cefazolin")) == {"tokens", "q8h"}


def test_synonyms_both_ways_and_admin_additions(corpus: Corpus) -> None:
    t = corpus.labels
    assert t("bob", "MI troponin") == ["mi"]
    assert t("bob", "heart attack") == ["mi"]
    assert set(t("bob", "vanc")) == {"tip", "chatter"}
    assert t("bob", "best practice advisory") == ["bpa"]
    # a site's own shorthand (the shipped lexicon does not know it)
    corpus.post("local", "bob", "ehr-tips", "Use QUOKKA for the handoff call")
    catch_up(corpus.app)
    assert t("bob", "quiet unit overnight kardex") == []
    extra = Path(corpus.app.instance_path) / "search_synonyms.txt"
    extra.write_text("# ours\nQUOKKA, quiet unit overnight kardex\n")
    service(corpus.app).synonyms._checked = 0.0  # skip the 2-second re-check delay
    assert t("bob", "quiet unit overnight kardex") == ["local"]


def test_did_you_mean(corpus: Corpus) -> None:
    """A misspelled word now also matches its nearest indexed word (typo tolerance), and
    "did you mean" still offers the corrected query."""
    found = corpus.find("bob", "vancomycn trough")
    assert found["total"] == 2 and found["suggestion"] == "vancomycin trough"
    assert corpus.labels("bob", "vancomycn trough")[0] == "tip"  # it holds both words
    assert corpus.find("bob", "vancomycin")["suggestion"] is None


# Permissions ----------------------------------------------------------------------------


@pytest.mark.parametrize("who, sees", [("alice", True), ("bob", False), ("carol", False)])
def test_private_channels_stay_private(corpus: Corpus, who: str, sees: bool) -> None:
    """alice is a member; bob is not; carol is an admin who is not a member (admins read
    what members read, as everywhere in PhysNet)."""
    found = corpus.find(who, "kinyoun")
    assert (found["total"] == 1) is sees
    assert [r["channel"] for r in found["results"]] == (["secret-ward"] if sees else [])
    everything = corpus.find(who, "vancomycin")
    assert everything["total"] == (3 if sees else 2)
    assert ("secret-ward" in {r["channel"] for r in everything["results"]}) is sees
    assert all("ward" not in r["snippet_html"] or sees for r in everything["results"])
    spelled = corpus.find(who, "kinyoum")
    assert spelled["suggestion"] == ("kinyoun" if sees else None)
    scoped = corpus.find(who, "vancomycin in:#secret-ward")
    assert scoped["total"] == (1 if sees else 0)
    if not sees:  # worded exactly like a channel that does not exist
        assert scoped["warnings"] == ["There is no channel #secret-ward that you can see."]
        missing = corpus.find(who, "vancomycin in:#no-such")["warnings"]
        assert missing == ["There is no channel #no-such that you can see."]


# Indexing: live changes, crashes, rebuilds ------------------------------------------------


def _wait_found(corpus: Corpus, q: str, count: int, timeout: float = 30.0) -> None:
    """Wait until `q` finds `count` results (how soon is bench/search_limits.py's business)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if corpus.find("alice", q)["total"] == count:
            return
        time.sleep(0.01)
    raise AssertionError(f"{q!r} did not reach {count} results")


def test_new_edited_and_deleted_messages_reach_the_index(corpus: Corpus) -> None:
    service(corpus.app).indexer.start()
    headers = {"Authorization": f"Bearer {corpus.tokens['alice']}"}
    client = corpus.client
    posted = client.post(
        "/api/v1/channels/ehr-tips/messages", json={"body": "Albumin order panel"}, headers=headers
    )
    assert posted.status_code == 201
    message_id = posted.get_json()["message"]["id"]
    _wait_found(corpus, "albumin", 1)
    edited = client.patch(
        f"/api/v1/messages/{message_id}", json={"body": "Ferritin order panel"}, headers=headers
    )
    assert edited.status_code == 200
    _wait_found(corpus, "ferritin", 1)
    assert corpus.find("alice", "albumin")["total"] == 0
    assert client.delete(f"/api/v1/messages/{message_id}", headers=headers).status_code == 200
    _wait_found(corpus, "ferritin", 0)
    assert service(corpus.app).indexer.wait_idle()


def test_a_burst_is_indexed_with_fewer_merges_and_nothing_missed(
    corpus: Corpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While posts keep coming the indexer waits longer and commits without merging small
    segments, but never more than MAX_UNMERGED commits in a row; every message is found."""
    monkeypatch.setattr(indexer, "MAX_UNMERGED", 2)
    passes: list[tuple[int, bool]] = []
    real_drain = indexer.drain_once

    def drain(
        service: Any, ix: Any, name: str, cursor: Any, merge: bool = True, stop: Any = None
    ) -> int:
        applied = real_drain(service, ix, name, cursor, merge, stop)
        passes.append((applied, merge))
        return applied

    monkeypatch.setattr(indexer, "drain_once", drain)
    service(corpus.app).indexer.start()
    for n in range(150):
        corpus.post(f"burst{n}", "bob", "ehr-tips", f"Heparin nomogram step {n} updated")
        time.sleep(0.01)
    _wait_found(corpus, "heparin", 150)
    assert service(corpus.app).indexer.wait_idle()
    committed = [merge for applied, merge in passes if applied]
    assert False in committed  # the burst was seen as one
    run = longest = 0
    for merge in committed:
        run = 0 if merge else run + 1
        longest = max(longest, run)
    assert longest <= 2


def test_a_rolled_back_message_leaves_no_change_log_row(corpus: Corpus) -> None:
    with corpus.app.app_context():
        before = db.session.scalar(select(func.count()).select_from(ChangeLog))
        alice = db.session.scalar(select(User).where(User.username == "alice"))
        room = db.session.scalar(select(Channel).where(Channel.name == "ehr-tips"))
        with pytest.raises(RuntimeError), atomic():
            do_send_message(alice, room, "never committed", None, None)
            raise RuntimeError("abort")
        assert db.session.scalar(select(func.count()).select_from(ChangeLog)) == before


CRASHING_WRITER = textwrap.dedent(
    """
    import os, signal, sys
    from sqlalchemy import select
    from physnet import create_app
    from physnet.db.transaction import after_commit
    from physnet.actions.messages.send import check_send_message
    from physnet.extensions import db
    from physnet.models import User
    from physnet.search import indexer, service

    indexer.POLL_SECONDS = 60  # only a commit in this process would wake it
    app = create_app({"database_url": sys.argv[1], "search_index": sys.argv[2],
                      "secret_key": "tests-only-secret-key-0123456789abcdef0123456789",
                      "ratelimits": False})
    with app.app_context():
        service(app).indexer.start()  # this process is the writer, and dies as one
        assert service(app).indexer.wait_idle()
        alice = db.session.scalar(select(User).where(User.username == "alice"))
        # Registered before the message's own effects: the process dies right after the
        # commit, before the indexer thread is even woken.
        after_commit(os.kill, os.getpid(), signal.SIGKILL)
        check_send_message(alice, "ehr-tips", "Crash course in bicarbonate drips")
    """
)


def test_a_crash_between_commit_and_indexing_loses_nothing(corpus: Corpus, tmp_path: Path) -> None:
    app = corpus.app
    script = tmp_path / "crash.py"
    script.write_text(CRASHING_WRITER)
    settings = app.config["PHYSNET"]
    url = settings.database_url.replace("postgresql+psycopg://", "postgresql://")
    env = {**os.environ, "PHYSNET_INSTANCE": str(tmp_path / "instance")}
    child = subprocess.run(
        [sys.executable, str(script), url, str(settings.search_index)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        timeout=60,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr.decode()
    with app.app_context():
        stored = db.session.scalar(select(Message).where(Message.body.contains("bicarbonate")))
        assert stored is not None  # committed...
        db.session.remove()
    assert corpus.find("alice", "bicarbonate")["total"] == 0  # ...but never indexed
    service(app).indexer.start()  # the restart: the dead writer's lock is free again
    _wait_found(corpus, "bicarbonate", 1)
    assert service(app).indexer.is_writer


def test_reindex_keeps_searching_and_keeps_live_changes(corpus: Corpus) -> None:
    app = corpus.app
    svc = service(app)
    old = svc.store.current_name()
    seen: list[int] = []

    def during(done: int, total: int) -> None:
        seen.append(corpus.find("bob", "vancomycin")["total"])  # served by the old index
        if len(seen) == 1:  # an edit of a message the reindex has already read
            with app.app_context():
                bob = db.session.scalar(select(User).where(User.username == "bob"))
                chatter = db.session.get(Message, corpus.ids["chatter"])
                do_edit_message(bob, chatter, "anyone else seeing linezolid alerts today")
                db.session.remove()
            catch_up(app)  # the live indexer applies it to the old index meanwhile
            seen.append(corpus.find("bob", "vancomycin")["total"])

    with app.app_context():
        assert rebuild(svc, progress=during) == 9
        db.session.remove()
    assert seen == [2, 1]
    assert svc.store.current_name() != old
    catch_up(app)  # ...and again to the new generation, which read the message before
    assert corpus.labels("bob", "vancomycin") == ["tip"]
    assert corpus.labels("bob", "linezolid") == ["chatter"]
    # The new generation applies the whole log, so this host's prune empties it (on
    # PostgreSQL once the ids below the first row are known to be gaps: about a second)
    deadline = time.monotonic() + 30  # a long transaction anywhere on the server holds it
    left = -1
    while left and time.monotonic() < deadline:
        catch_up(app)
        with app.app_context():
            svc.indexer.prune()
            documents = select(func.count()).where(ChangeLog.doc_type != "event")
            left = db.session.scalar(documents)  # events stay an hour, for catch-ups
            db.session.remove()
        time.sleep(0.1)
    assert left == 0


def test_reindex_and_status_commands(corpus: Corpus) -> None:
    runner = corpus.app.test_cli_runner()
    status = runner.invoke(args=["search", "status"])
    assert status.exit_code == 0, status.output
    assert "9 indexed, 9 in the database" in status.output
    assert "lag:        0.0 s (0 changes waiting)" in status.output
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert "Indexed 9 documents" in result.output
    assert corpus.find("bob", "vancomycin")["total"] == 2
    as_json = runner.invoke(args=["search", "status", "--json"])
    assert '"documents": 9' in as_json.output and '"last_error": null' in as_json.output


def test_a_corrupt_index_is_detected_and_rebuilt(corpus: Corpus) -> None:
    svc = service(corpus.app)
    svc.searchers.close()
    folder = svc.store.root / (svc.store.current_name() or "")
    for path in folder.iterdir():
        if path.suffix in (".toc", ".seg"):
            path.write_bytes(b"\x00garbage" * 10)
    response = corpus.get("bob", "vancomycin")
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "search_rebuilding"
    assert svc.store.rebuild_requested()
    catch_up(corpus.app)
    assert corpus.find("bob", "vancomycin")["total"] == 2


def test_a_missing_index_answers_search_is_being_rebuilt(search_app: Any, factory: Any) -> None:
    factory.user("dora")
    token = factory.token("dora")
    response = search_app.test_client().get(
        "/api/v1/search?q=x", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 503
    assert "being rebuilt" in response.get_json()["error"]["message"]
    runner = search_app.test_cli_runner()
    status = runner.invoke(args=["search", "status"])
    assert status.exit_code == 1 and "missing" in status.output
    catch_up(search_app)  # the writer builds it (here: an index of no messages)
    response = search_app.test_client().get(
        "/api/v1/search?q=x", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200 and response.get_json()["total"] == 0


def test_one_writer_at_a_time(corpus: Corpus, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(indexer, "STANDBY_SECONDS", 0.05)
    from physnet import create_app

    settings = corpus.app.config["PHYSNET"]
    other = create_app(
        {
            "database_url": settings.database_url,
            "search_index": str(settings.search_index),
            "secret_key": "tests-only-secret-key-0123456789abcdef0123456789",
            "ratelimits": False,
        }
    )
    first, second = service(corpus.app).indexer, service(other).indexer
    first.start()
    deadline = time.monotonic() + 5
    while not first.is_writer and time.monotonic() < deadline:
        time.sleep(0.01)
    second.start()
    time.sleep(0.2)
    assert first.is_writer and not second.is_writer
    first.stop()
    deadline = time.monotonic() + 5
    while not second.is_writer and time.monotonic() < deadline:
        time.sleep(0.01)
    assert second.is_writer
    service(other).close()
    with other.app_context():
        db.engine.dispose()


def test_a_stopping_indexer_drops_the_batch_in_hand_and_the_next_start_applies_it(
    corpus: Corpus,
) -> None:
    """A stop (SIGTERM to `physnet search serve`) does not wait for the batch in hand to be
    indexed and committed: nothing of it is written and the position stays where it was,
    so the next start applies it from the log."""
    catch_up(corpus.app)
    corpus.post("late", "bob", "ehr-tips", "Downtime binder moved to the unit desk")
    search = service(corpus.app)
    stopping = threading.Event()
    stopping.set()
    with corpus.app.app_context():
        name, ix = search.store.open()
        before = search.store.read_position(name)
        cursor = LogCursor(before)
        assert indexer.drain_once(search, ix, name, cursor, stop=stopping) == 0
        assert search.store.read_position(name) == before and cursor.position == before
        ix.close()
    assert corpus.labels("bob", "downtime binder") == []
    catch_up(corpus.app)
    assert corpus.labels("bob", "downtime binder") == ["late"]


def test_the_indexer_starts_with_a_server_not_with_tests_or_commands(search_app: Any) -> None:
    search_app.test_client().get("/healthz")
    assert not service(search_app).indexer.running  # TESTING
    search_app.testing = False
    fresh = search_app.wsgi_app
    fresh.started = False
    search_app.test_client().get("/healthz")
    assert service(search_app).indexer.running


# Bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "q, status, expect",
    [
        ("", 200, {"total": 0, "results": []}),
        ("   ", 200, {"total": 0}),
        ("x" * 10_000, 400, "query_too_long"),
        ('vancomycin "trough', 200, {}),
        ('"', 200, {"total": 0}),
        ("in:", 200, {"total": 0}),
        ("vancomycin in:#nowhere", 200, {"total": 0}),
        ("from:@nobody", 200, {"total": 0}),
        ("before:2026-02-30", 400, "invalid_date"),
        ("on:yesterday-ish", 400, "invalid_date"),
        ("*", 200, {"total": 0}),
        ("v*", 200, {"total": 0}),
        ("author_id:1", 200, {}),
        ("has:attachment", 400, "invalid_query"),
        ("is:urgent", 400, "invalid_query"),
        ("-vancomycin", 200, {"total": 0}),
        ("((( ))) OR AND NOT ~ ^ [a TO b] {x}", 200, {}),
        (" ".join(f"ab{i}*" for i in range(40)), 200, {}),
    ],
)
def test_bad_input_gets_an_answer_never_a_500(
    corpus: Corpus, q: str, status: int, expect: Any
) -> None:
    response = corpus.get("bob", q)  # how fast: bench/search_limits.py
    assert response.status_code == status, response.get_json()
    body = response.get_json()
    if isinstance(expect, str):
        assert body["error"]["code"] == expect and body["error"]["message"]
    else:
        assert {k: body[k] for k in expect} == expect
        assert set(body) >= {"results", "total", "suggestion"}


@pytest.mark.parametrize("page", ["0", "abc", "51", "-1"])
def test_bad_pages(corpus: Corpus, page: str) -> None:
    assert corpus.get("bob", "vancomycin", page=page).status_code == 400  # type: ignore[arg-type]


def test_pages(corpus: Corpus) -> None:
    for i in range(25):
        corpus.post(f"n{i}", "bob", "ehr-tips", f"Nephrology consult number {i}")
    catch_up(corpus.app)
    first, second = corpus.find("bob", "nephrology"), corpus.get("bob", "nephrology", 2).get_json()
    assert first["total"] == second["total"] == 25
    assert len(first["results"]) == 20 and len(second["results"]) == 5
    assert not {r["id"] for r in first["results"]} & {r["id"] for r in second["results"]}


def test_a_slow_search_stops_at_the_time_limit(
    corpus: Corpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    read = evaluate.read_postings

    def slow(*args: Any) -> Any:
        time.sleep(0.3)
        return read(*args)

    monkeypatch.setattr(evaluate, "read_postings", slow)
    monkeypatch.setattr(searching, "MAIN_SECONDS", 0.1)
    found = corpus.find("bob", "cefazolin troponin")  # two postings to read: 0.6 s
    assert found["partial"] is True and found["suggestion"] is None


def test_search_needs_sign_in(search_app: Any) -> None:
    assert search_app.test_client().get("/api/v1/search?q=x").status_code == 401


def test_change_log_then_after_commit(corpus: Corpus) -> None:
    """The change-log row is written in the same transaction as the message."""
    calls: list[int] = []
    with corpus.app.app_context():
        alice = db.session.scalar(select(User).where(User.username == "alice"))
        room = db.session.scalar(select(Channel).where(Channel.name == "ehr-tips"))
        with atomic():
            message = do_send_message(alice, room, "outbox check", None, None)
            pending = db.session.scalar(
                select(func.count()).select_from(ChangeLog).where(ChangeLog.doc_id == message.id)
            )
            after_commit(calls.append, pending)
    assert calls == [1]


# Questions: loose words, the lexicon, typo tolerance (issue 13) --------------------------


def test_a_question_finds_documents_with_some_of_its_words_all_words_first(
    corpus: Corpus,
) -> None:
    corpus.post("all", "bob", "ehr-tips", "Order potassium replacement from the electrolyte set")
    corpus.post("most", "bob", "ehr-tips", "Potassium replacement: potassium replacement rules")
    corpus.post("one", "bob", "ehr-tips", "Potassium came back at 3.1")
    catch_up(corpus.app)
    found = corpus.find("bob", "how do I order potassium replacement")
    labels = corpus.labels("bob", "how do I order potassium replacement")
    # every word first, even against a stronger match of fewer words; then by how much of
    # the question's rarity a document holds
    assert labels[:3] == ["all", "most", "one"]
    assert found["total"] == 4  # and the fixture's tip, which says "order"
    assert found["any_of"] == ["order", "potassium", "replacement"]  # "how do I" dropped
    first = found["results"][0]
    assert first["matched_words"] == ["order", "potassium", "replacement"]
    assert first["missing_words"] == [] and first["matched_via"] == []
    assert found["results"][2]["missing_words"] == ["order", "replacement"]
    assert found["results"][3]["missing_words"] == ["potassium", "replacement"]
    # every result holds every word: no notice; a single word is still required
    assert "any_of" not in corpus.find("bob", "troponin infarction")
    assert corpus.labels("bob", "replacement") == ["most", "all"]


def test_operators_stay_strict_inside_a_question(corpus: Corpus) -> None:
    corpus.post("p1", "bob", "ehr-tips", "Potassium replacement protocol")
    corpus.post("p2", "bob", "cardiology", "Potassium protocol for heparin")
    corpus.post("p3", "bob", "cardiology", "Heparin replacement protocol", days_ago=30)
    catch_up(corpus.app)
    assert corpus.labels("bob", "potassium protocol in:#cardiology") == ["p2", "p3"]
    assert corpus.labels("bob", "potassium protocol -heparin") == ["p1"]
    # the phrase is required, the word beside it is not: with it first, then without
    assert corpus.labels("bob", '"replacement protocol" heparin') == ["p3", "p1"]


def test_the_lexicon_expands_abbreviations_brands_and_lay_words(corpus: Corpus) -> None:
    corpus.post("apix", "bob", "ehr-tips", "Apixaban reversal goes through pharmacy")
    corpus.post("sob", "bob", "ehr-tips", "Shortness of breath on the ward: order a blood gas")
    corpus.post("sclerosis", "bob", "ehr-tips", "Multiple sclerosis relapse steroids")
    corpus.post("stenosis", "bob", "ehr-tips", "Mitral stenosis murmur, get an echo")
    catch_up(corpus.app)
    found = corpus.find("bob", "Eliquis reversal")
    assert [r["id"] for r in found["results"]] == [corpus.ids["apix"]]
    assert found["results"][0]["matched_via"] == [
        {"word": "Eliquis", "as": "Apixaban", "kind": "synonym"}
    ]
    assert corpus.labels("bob", "SOB") == ["sob"]
    assert set(corpus.labels("bob", "MS")) == {"sclerosis", "stenosis"}  # ambiguous: both
    assert corpus.labels("bob", "multiple sclerosis") == ["sclerosis"]  # never the other


def test_the_shipped_lexicon_is_large_and_sourced() -> None:
    from physnet.search.synonyms import LEXICON, merge, parse_groups

    groups = parse_groups(LEXICON.read_text(encoding="utf-8"))
    assert len(groups) >= 1000
    assert "licence" in LEXICON.with_name("lexicon.md").read_text(encoding="utf-8")
    table = merge(groups)
    assert ("apixaban",) in table[("eliqui",)]  # both ways
    assert ("eliqui",) in table[("apixaban",)]


def test_a_misspelled_word_matches_its_nearest_indexed_words(
    corpus: Corpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus.post("nomo", "bob", "cardiology", "Heparin nomogram for ACS")
    corpus.post("apix", "bob", "ehr-tips", "Apixaban dosing card")
    catch_up(corpus.app)
    found = corpus.find("bob", "hepparin nomogram")
    assert [r["id"] for r in found["results"]] == [corpus.ids["nomo"]]
    assert found["results"][0]["matched_via"] == [
        {"word": "hepparin", "as": "Heparin", "kind": "spelling"}
    ]
    assert found["suggestion"] == "heparin nomogram"
    # a misspelled brand name reaches the generic through the lexicon
    assert corpus.labels("bob", "eliqis") == ["apix"]
    # a word within reach of nothing still finds nothing
    assert corpus.find("bob", "zzyzzx")["total"] == 0


def test_skipping_one_word_documents_that_cannot_reach_the_page_changes_nothing(
    corpus: Corpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(24):
        corpus.post(f"both{i}", "bob", "ehr-tips", f"Heparin titration note {i}" + " x" * i)
    for i in range(12):
        corpus.post(f"proto{i}", "bob", "cardiology", "Protocol review " + "word " * i)
    for i in range(6):
        corpus.post(f"ins{i}", "bob", "cardiology", "heparin " * (i + 1))
    catch_up(corpus.app)
    pruned: list[Any] = []
    real = evaluate.pruned_keys

    def spy(*args: Any) -> Any:
        found = real(*args)
        pruned.append(found)
        return found

    monkeypatch.setattr(evaluate, "pruned_keys", spy)
    q = "heparin titration protocol checklist"
    with_pruning = corpus.find("bob", q)
    # the cut was taken: some one-word documents were never scored
    assert any(found is not None and len(found[0]) < 24 + 12 + 6 for found in pruned)
    monkeypatch.setattr(evaluate, "PRUNE", False)
    without = corpus.find("bob", q)
    assert [r["id"] for r in with_pruning["results"]] == [r["id"] for r in without["results"]]
    assert with_pruning["total"] == without["total"] == 24 + 12 + 6
