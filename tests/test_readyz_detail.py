"""`/readyz` gives its reasons (paths, error names, timings) only to loopback and admins;
anyone else gets the status words. Behind a trusted proxy, loopback is the forwarded client."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from physnet import create_app
from physnet.extensions import db
from physnet.realtime import rooms

from conftest import ApiClient, Factory, _settings

ELSEWHERE = "10.1.2.3"


@pytest.fixture
def proxied_app(tmp_path: Path, sqlite_template: Path) -> Iterator[Flask]:
    """Behind nginx: PHYSNET_PROXY_HOPS=1."""
    path = tmp_path / "proxied.db"
    shutil.copy(sqlite_template, path)
    application = create_app(_settings(tmp_path, f"sqlite:///{path}", proxy_hops=1))
    application.config["TESTING"] = True
    yield application
    rooms.connections.__init__()  # type: ignore[misc]
    with application.app_context():
        db.engine.dispose()


def readyz(client: Any, address: str = "127.0.0.1", **headers: str) -> dict[str, Any]:
    client.environ_base["REMOTE_ADDR"] = address
    answer = client.get("/readyz", headers=headers)
    assert answer.status_code == 503  # no search index yet: a reason with a path in it
    body: dict[str, Any] = answer.get_json()
    return body


def detailed(body: dict[str, Any]) -> bool:
    return "reason" in body["checks"]["search_index"]


def assert_words_only(body: dict[str, Any], index_folder: Path) -> None:
    assert body["status"] == "unavailable"
    assert body["checks"]["search_index"] == {"status": "failing"}
    assert body["checks"]["database"] == {"status": "ok"}
    assert body["error"]["failing"] == ["search_index"]
    assert body["error"]["message"] == "Not ready: search_index failing."
    assert str(index_folder) not in str(body) and "missing" not in str(body)


def test_reasons_go_to_loopback_and_admins_only(sqlite_app: Flask, tmp_path: Path) -> None:
    client = sqlite_app.test_client()
    local = readyz(client)
    assert detailed(local) and "search index is missing" in local["error"]["message"]
    assert_words_only(readyz(client, ELSEWHERE), tmp_path / "search_index")
    # Through a proxy PhysNet was not told to trust: the real client is elsewhere.
    forwarded = readyz(client, "127.0.0.1", **{"X-Forwarded-For": ELSEWHERE})
    assert_words_only(forwarded, tmp_path / "search_index")

    factory = Factory(sqlite_app)
    factory.user("root", role="admin")
    factory.user("alice")
    admin = ApiClient(sqlite_app.test_client(), "root")
    assert detailed(readyz(admin.client, ELSEWHERE))
    member = ApiClient(sqlite_app.test_client(), "alice")
    assert not detailed(readyz(member.client, ELSEWHERE))


def test_behind_a_trusted_proxy_loopback_is_the_forwarded_client(
    proxied_app: Flask, tmp_path: Path
) -> None:
    client = proxied_app.test_client()
    # nginx on this host relays a request from elsewhere: its remote address is loopback.
    relayed = readyz(client, "127.0.0.1", **{"X-Forwarded-For": ELSEWHERE})
    assert_words_only(relayed, tmp_path / "search_index")
    # A forged header is appended to, not believed: nginx adds the real client last.
    forged = readyz(client, "127.0.0.1", **{"X-Forwarded-For": f"127.0.0.1, {ELSEWHERE}"})
    assert not detailed(forged)
    # The health check on the host itself, straight to the process or through nginx.
    assert detailed(readyz(client, "127.0.0.1"))
    assert detailed(readyz(client, "127.0.0.1", **{"X-Forwarded-For": "127.0.0.1"}))
