"""`/readyz`, and the settings a server behind nginx uses."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from physnet import create_app
from physnet.config import ConfigError, load_settings
from physnet.models import ChangeLog
from physnet.search import service

from conftest import _settings, free_port


def test_ready_when_database_and_index_answer(app: Flask) -> None:
    service(app).indexer.catch_up()  # builds the (missing) index
    answer = app.test_client().get("/readyz")
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["status"] == "ready"
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["search_index"]["status"] == "ok"
    assert body["checks"]["redis"] == {"status": "not_configured"}


def test_not_ready_names_the_missing_index(app: Flask) -> None:
    answer = app.test_client().get("/readyz")
    assert answer.status_code == 503
    body = answer.get_json()
    assert body["error"]["code"] == "not_ready"
    assert body["error"]["failing"] == ["search_index"]
    assert "search index is missing" in body["error"]["message"]
    assert body["checks"]["database"]["status"] == "ok"


def test_not_ready_when_redis_does_not_answer(tmp_path: Any, sqlite_template: Any) -> None:
    import shutil

    path = tmp_path / "physnet.db"
    shutil.copy(sqlite_template, path)
    closed = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    app = create_app(_settings(tmp_path, f"sqlite:///{path}", redis_url=closed))
    app.config["TESTING"] = True
    service(app).indexer.catch_up()
    answer = app.test_client().get("/readyz")
    assert answer.status_code == 503
    body = answer.get_json()
    assert body["error"]["failing"] == ["redis"]
    assert body["checks"]["redis"]["reason"].startswith("Redis does not answer")


def test_proxy_hops_take_the_client_address_from_nginx(tmp_path: Any, sqlite_template: Any):
    import shutil

    path = tmp_path / "physnet.db"
    shutil.copy(sqlite_template, path)
    app = create_app(_settings(tmp_path, f"sqlite:///{path}", proxy_hops=1))
    seen: list[Any] = []

    @app.get("/_whoami")
    def whoami() -> str:
        from flask import request

        seen.append((request.remote_addr, request.scheme))
        return "ok"

    headers = {"X-Forwarded-For": "10.20.30.40", "X-Forwarded-Proto": "https"}
    app.test_client().get("/_whoami", headers=headers)
    assert seen == [("10.20.30.40", "https")]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"PHYSNET_PROXY_HOPS": "-1"}, "PHYSNET_PROXY_HOPS must be zero or more"),
        ({"PHYSNET_PROXY_HOPS": "one"}, "PHYSNET_PROXY_HOPS must be a whole number"),
        ({"PHYSNET_SEARCH_INDEXER": "maybe"}, "PHYSNET_SEARCH_INDEXER must be on or off"),
        ({"PHYSNET_DB_POOL_SIZE": "0"}, "PHYSNET_DB_POOL_SIZE must be"),
        ({"PHYSNET_DB_POOL_TIMEOUT": "soon"}, "PHYSNET_DB_POOL_TIMEOUT must be a number"),
    ],
)
def test_malformed_deployment_settings_name_themselves(
    tmp_path: Any, env: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(environ={"PHYSNET_INSTANCE": str(tmp_path), **env})


def test_search_indexer_off_keeps_the_server_from_indexing(tmp_path: Any) -> None:
    settings = load_settings(
        environ={"PHYSNET_INSTANCE": str(tmp_path), "PHYSNET_SEARCH_INDEXER": "off"}
    )
    assert settings.search_indexer is False
    app = create_app(_settings(tmp_path, f"sqlite:///{tmp_path}/x.db", search_indexer=False))
    assert app.config["PHYSNET_SEARCH_INDEXER"] is False


def test_an_exhausted_connection_pool_answers_503_server_busy(
    tmp_path: Any, fresh_pg_url: str
) -> None:
    """A surge that keeps every pooled PostgreSQL connection busy gets a 503 with a reason
    (HTTP and socket), not a 500; the pool serves again once a connection comes back."""
    from physnet.extensions import db, socketio

    from conftest import Factory

    # No indexer thread: it would compete for the one pooled connection.
    settings = _settings(tmp_path, fresh_pg_url, db_pool_size=1, db_pool_timeout=0.3)
    app = create_app({**settings, "search_indexer": False})
    factory = Factory(app)
    factory.user("akim")
    factory.channel("downtime", members=("akim",))
    token = factory.token("akim")
    headers = {"Authorization": f"Bearer {token}"}
    http = app.test_client()
    socket = socketio.test_client(app, auth={"token": token})
    assert socket.is_connected()
    with app.app_context():
        db.engine.dispose()
        held = [db.engine.connect() for _ in range(3)]  # 1 + 2 overflow: all of them
        try:
            busy = http.get("/api/v1/channels", headers=headers)
            assert busy.status_code == 503
            assert busy.get_json()["error"]["code"] == "server_busy"
            assert busy.get_json()["error"]["message"].endswith(".")
            ack = socket.emit("catch_up", {"channel": "downtime", "after": 0}, callback=True)
            assert ack["ok"] is False and ack["error"]["code"] == "server_busy"
            late = socketio.test_client(app, auth={"token": token})
            assert not late.is_connected()  # refused (test_faults checks the reason it gives)
        finally:
            for connection in held:
                connection.close()
    assert http.get("/api/v1/channels", headers=headers).status_code == 200
    ack = socket.emit("catch_up", {"channel": "downtime", "after": 0}, callback=True)
    with app.app_context():  # akim's joining the channel was logged (channel_joined)
        newest = db.session.scalar(select(func.max(ChangeLog.id)))
    assert ack == {
        "ok": True,
        "messages": [],
        "has_more": False,
        "events": [],
        "events_more": False,
        "last_event_id": newest,
    }
    again = socketio.test_client(app, auth={"token": token})
    assert again.is_connected()
    again.disconnect()
    socket.disconnect()
    with app.app_context():
        db.engine.dispose()


def test_the_password_check_holds_no_database_connection(
    tmp_path: Any, fresh_pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sign-in gives its pooled connection back before the slow Argon2 check, so a shift
    change of sign-ins cannot starve the sockets sharing the pool."""
    from argon2 import PasswordHasher

    from physnet.actions import users
    from physnet.extensions import db

    from conftest import PASSWORD, Factory, csrf_token

    app = create_app(_settings(tmp_path, fresh_pg_url, search_indexer=False))
    Factory(app).user("akim")
    held_during_check: list[bool] = []

    class ObservedHasher(PasswordHasher):  # the real Argon2 check, with a look at the session
        def verify(self, hash: Any, password: Any) -> bool:
            # (runs in the request's thread: no gevent here) a transaction holds a connection
            held_during_check.append(db.session().in_transaction())
            return super().verify(hash, password)

    monkeypatch.setattr(users, "_hasher", ObservedHasher())
    client = app.test_client()
    form = {"username": "akim", "password": PASSWORD, "csrf_token": csrf_token(client)}
    answer = client.post("/login", data=form)
    assert answer.status_code == 302  # signed in: the user was read again after the check
    assert held_during_check == [False]
    with app.app_context():
        db.engine.dispose()
