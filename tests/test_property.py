"""Garbage in, no harm out: generated input to every API call and socket event.

Whatever a client sends, the server answers below 500, explains every refusal with an error
code and a sentence, keeps serving, and changes nothing that belongs to someone else.
"""

from __future__ import annotations

import json
import operator
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from physnet.extensions import db
from physnet.models import Channel, Membership, Message, MessageEdit, User

from conftest import ApiClient, Factory

API = "/api/v1"
SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")
SETTINGS = settings(
    max_examples=60,
    deadline=None,
    database=None,  # keep no example database inside the repository
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@dataclass
class Site:
    """mallory sends the garbage; victim's messages and #secret must not change."""

    app: Any
    mallory: ApiClient
    ids: dict[str, int]

    def snapshot(self) -> Any:
        with self.app.app_context():
            victim = db.session.scalar(select(User).where(User.username == "victim"))
            secret = db.session.scalar(select(Channel).where(Channel.name == "secret"))
            messages = [
                (
                    m.id,
                    m.channel_id,
                    m.body,
                    m.html,
                    m.edited_at,
                    m.deleted_at,
                    m.thread_id,
                    m.client_msg_id,
                )
                for m in db.session.scalars(
                    select(Message)
                    .where((Message.author_id == victim.id) | (Message.channel_id == secret.id))
                    .order_by(Message.id)
                )
            ]
            edits = sorted(
                db.session.execute(
                    select(MessageEdit.message_id, MessageEdit.previous_body)
                    .join(Message, Message.id == MessageEdit.message_id)
                    .where(Message.author_id == victim.id)
                ).tuples()
            )
            memberships = sorted(
                db.session.execute(
                    select(
                        Membership.channel_id,
                        Membership.user_id,
                        Membership.role,
                        Membership.last_read_id,
                    ).where(
                        (Membership.user_id == victim.id) | (Membership.channel_id == secret.id)
                    )
                ).tuples()
            )
            profile = (
                victim.username,
                victim.display_name,
                victim.bio,
                victim.expertise,
                victim.role,
                victim.active,
                victim.session_generation,
            )
            channel = (secret.name, secret.title, secret.description, secret.kind)
            return messages, edits, memberships, profile, channel

    def still_serving(self) -> None:
        response = self.mallory.get(f"{API}/channels/town")
        assert response.status_code == 200, response.get_data(as_text=True)


@pytest.fixture
def site(sqlite_app: Any) -> Site:
    factory = Factory(sqlite_app)
    factory.user("mallory")
    factory.user("victim")
    factory.channel("town", members=("mallory", "victim"))
    factory.channel("secret", kind="private", members=("victim",))
    victim = ApiClient(sqlite_app.test_client(), "victim")
    mallory = ApiClient(sqlite_app.test_client(), "mallory")
    ids = {}
    for key, who, channel in (
        ("victim_town", victim, "town"),
        ("victim_secret", victim, "secret"),
        ("mallory_town", mallory, "town"),
    ):
        response = who.post(
            f"{API}/channels/{channel}/messages",
            json={"body": f"{key} @mallory", "client_msg_id": key},
        )
        assert response.status_code == 201
        ids[key] = response.json["message"]["id"]
    victim.patch(f"{API}/messages/{ids['victim_town']}", json={"body": "edited once"})
    return Site(sqlite_app, mallory, ids)


# --- strategies ------------------------------------------------------------------------------

long_text = st.builds(
    operator.mul, st.sampled_from(["x", "é", "\x00", "😀", " ", "\n"]), st.integers(9_990, 20_000)
)
texts = st.one_of(
    st.text(),
    st.text(st.characters(codec="utf-8"), min_size=1, max_size=5),
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "town",
            "secret",
            "nope",
            "@mallory",
            "👍",
            "1",
            "-1",
            "00",
            "ab",
            "a" * 80,
            "mallory",
            "Town",
            "town\n",
            "null",
            "{}",
        ]
    ),
    long_text,
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    texts,
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=10,
)
FIELDS = [
    "name",
    "title",
    "description",
    "private",
    "announcement",
    "username",
    "body",
    "client_msg_id",
    "thread_id",
    "message_id",
    "emoji",
    "bio",
    "expertise",
    "channel",
    "after",
    "text",
    "kind",
    "reason",
    "phi_policy",
    "phi_override_reason",
    "ehr_systems",
    "ask_me_about",
    "display_name",
    "credentials",
    "level",
    "up_to_id",
]
# Objects with the field names the API reads, so garbage reaches the deeper checks too.
field_objects = st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=5)
raw_bodies = st.one_of(st.binary(max_size=64), texts.map(lambda t: t.encode("utf-8")))
QUERY_KEYS = [
    "limit",
    "before",
    "after",
    "thread_id",
    "around",
    "page",
    "q",
    "specialty",
    "facility",
    "department",
    "expertise",
    "ehr",
]
query_params = st.dictionaries(
    st.sampled_from(QUERY_KEYS) | st.text(max_size=6),
    st.text(max_size=30) | st.sampled_from(["0", "5", "99"]),
    max_size=4,
)


CHANNEL_CALLS = [
    ("GET", "/channels/{ch}"),
    ("POST", "/channels/{ch}/join"),
    ("POST", "/channels/{ch}/leave"),
    ("GET", "/channels/{ch}/members"),
    ("POST", "/channels/{ch}/members"),
    ("GET", "/channels/{ch}/messages"),
    ("POST", "/channels/{ch}/messages"),
    ("POST", "/channels/{ch}/read"),
    ("PATCH", "/channels/{ch}"),
    ("GET", "/channels/{ch}/pins"),
    ("GET", "/channels/{ch}/notifications"),
    ("PUT", "/channels/{ch}/notifications"),
]
MESSAGE_CALLS = [
    ("GET", "/messages/{mid}"),
    ("PATCH", "/messages/{mid}"),
    ("DELETE", "/messages/{mid}"),
    ("GET", "/messages/{mid}/edits"),
    ("POST", "/messages/{mid}/reactions"),
    ("POST", "/messages/{mid}/report"),
    ("POST", "/messages/{mid}/pin"),
    ("DELETE", "/messages/{mid}/pin"),
]
OTHER_CALLS = [
    ("GET", "/me"),
    ("PATCH", "/me"),
    ("GET", "/users"),
    ("GET", "/users/{user}"),
    ("GET", "/presence"),
    ("GET", "/channels"),
    ("POST", "/channels"),
    ("POST", "/direct"),
    ("POST", "/phi/scan"),
    ("GET", "/moderation/reports"),
    ("POST", "/moderation/reports/{mid}/release"),
    ("POST", "/moderation/reports/{mid}/delete"),
    ("PATCH", "/users/{user}"),
    ("GET", "/users/{user}/photo"),
    ("POST", "/users/{user}/photo"),
    ("POST", "/me/photo"),
    ("DELETE", "/me/photo"),
    ("GET", "/mentions"),
    ("POST", "/mentions/read"),
]
CALLS = CHANNEL_CALLS + MESSAGE_CALLS + OTHER_CALLS


@st.composite
def path_parts(draw: Any, site_ids: list[int]) -> dict[str, str]:
    channel = draw(st.sampled_from(["town", "secret", "nope"]) | st.text(min_size=1, max_size=40))
    # Ids past 2**63 are pinned by test_a_message_id_too_large_for_the_database_is_404.
    message = draw(
        st.sampled_from(site_ids) | st.integers(0, 2**63 - 1) | st.text(min_size=1, max_size=12)
    )
    user = draw(st.sampled_from(["victim", "mallory", "nobody"]) | st.text(min_size=1, max_size=40))
    return {
        "ch": quote(channel, safe=""),
        "mid": quote(str(message), safe=""),
        "user": quote(user, safe=""),
    }


def assert_explained(response: Any) -> None:
    """Below 500; a refusal is JSON with a snake_case code and a sentence."""
    assert response.status_code < 500, response.get_data(as_text=True)[:500]
    if response.status_code >= 400:
        error = response.get_json(silent=True)
        assert isinstance(error, dict) and set(error) == {"error"}, response.data[:300]
        assert SNAKE.match(error["error"]["code"]), error
        assert isinstance(error["error"]["message"], str) and error["error"]["message"].strip()
    elif response.status_code < 300:
        assert isinstance(response.get_json(silent=True), dict)
    # 3xx: Werkzeug's routing redirects paths like /channels/x//leave (an encoded slash).


# --- the API -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "template"), CALLS, ids=[f"{m} {p}" for m, p in CALLS])
def test_api_survives_garbage(site, method, template):
    before = site.snapshot()

    @SETTINGS
    @given(
        parts=path_parts(list(site.ids.values())),
        params=query_params,
        body=st.one_of(json_values, field_objects, raw_bodies.map(lambda b: ("raw", b))),
    )
    @example(
        parts={"ch": "town", "mid": str(site.ids["mallory_town"]), "user": "mallory"},
        params={},
        body=("raw", b"x" * (3 * 1024 * 1024)),
    )
    def check(parts: dict[str, str], params: dict[str, str], body: Any) -> None:
        path = API + template.format(**parts)
        if isinstance(body, tuple):
            response = site.mallory.request(
                method, path, query_string=params, data=body[1], content_type="application/json"
            )
        else:
            response = site.mallory.request(method, path, query_string=params, json=body)
        assert_explained(response)
        site.still_serving()
        assert site.snapshot() == before

    check()


def test_oversized_body_is_413_json(site):
    response = site.mallory.post(
        f"{API}/channels/town/messages",
        data=b"x" * (3 * 1024 * 1024),
        content_type="application/json",
    )
    assert response.status_code == 413
    assert response.json["error"]["code"] == "request_too_large"
    site.still_serving()


# --- socket events -----------------------------------------------------------------------------

SOCKET_FIELDS = ["channel", "body", "client_msg_id", "thread_id", "after", "phi_override_reason"]
socket_payloads = st.one_of(
    json_values,
    st.dictionaries(st.sampled_from(SOCKET_FIELDS), json_values, max_size=5),
    st.fixed_dictionaries(
        {"channel": st.sampled_from(["town", "secret", "nope"])},
        optional={k: json_values for k in SOCKET_FIELDS[1:]},
    ),
)


@pytest.mark.parametrize("event", ["send_message", "catch_up", "typing"])
def test_socket_events_survive_garbage(site, event):
    sock = site.mallory.socket()
    assert sock.is_connected()
    before = site.snapshot()

    @SETTINGS
    @given(payload=socket_payloads)
    def check(payload: Any) -> None:
        ack = sock.emit(event, payload, callback=True)
        assert isinstance(ack, dict) and isinstance(ack.get("ok"), bool), ack
        if not ack["ok"]:
            assert set(ack) == {"ok", "error"}
            assert SNAKE.match(ack["error"]["code"]), ack
            assert ack["error"]["code"] != "internal_error", ack
            assert isinstance(ack["error"]["message"], str) and ack["error"]["message"].strip()
        assert "victim_secret" not in json.dumps(ack)
        assert sock.is_connected()
        assert sock.emit("typing", {"channel": "town"}, callback=True) == {"ok": True}
        assert site.snapshot() == before
        sock.get_received()

    check()
