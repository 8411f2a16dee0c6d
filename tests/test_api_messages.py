"""The messages API: posting, rendering, history, threads, edits, deletes, reactions, mentions."""

from __future__ import annotations

from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

import pytest
from sqlalchemy import func, select

from physnet.extensions import db
from physnet.models import Message

API = "/api/v1"
MESSAGE_KEYS = {
    # SPEC's message object ...
    "id",
    "channel",
    "author",
    "body",
    "html",
    "created_at",
    "edited_at",
    "thread_id",
    "reactions",
    "client_msg_id",
    # ... and the two fields PhysNet adds for tombstones and thread summaries.
    "deleted",
    "reply_count",
    # True only where a moderator sees a reported message (everyone else never gets it).
    "quarantined",
    # Pins.
    "pinned_at",
    "pinned_by",
    # Attachments (SPEC "Files"): [] when there are none.
    "files",
    # Questions (issue 17): None unless asked as one.
    "question",
}


@pytest.fixture
def town(factory: Any, login: Any) -> tuple[Any, Any]:
    """alice and bob, signed in, both members of the public channel #town-square."""
    factory.user("alice")
    factory.user("bob")
    factory.channel("town-square", members=("alice", "bob"))
    return login("alice"), login("bob")


def assert_error(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.json["error"]
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"].strip()


def post(api: Any, body: str, channel: str = "town-square", **extra: Any) -> dict[str, Any]:
    response = api.post(f"{API}/channels/{channel}/messages", json={"body": body, **extra})
    assert response.status_code == 201, response.json
    return response.json["message"]


def get_message(api: Any, message_id: int) -> dict[str, Any]:
    response = api.get(f"{API}/messages/{message_id}")
    assert response.status_code == 200, response.json
    return response.json["message"]


def history(api: Any, channel: str = "town-square", **params: Any) -> dict[str, Any]:
    response = api.get(f"{API}/channels/{channel}/messages", query_string=params)
    assert response.status_code == 200, response.json
    return response.json


def listing(api: Any) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in api.get(f"{API}/channels").json["channels"]}


def message_count(app: Any) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Message))


def elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    """Every element of an HTML fragment as (tag, attributes)."""
    found: list[tuple[str, dict[str, str | None]]] = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            found.append((tag, dict(attrs)))

    Collector().feed(html)
    return found


def assert_utc_iso(value: str) -> None:
    assert value.endswith("Z"), value
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    assert parsed.utcoffset().total_seconds() == 0
    assert abs((datetime.now(UTC) - parsed).total_seconds()) < 120


# --- posting ---------------------------------------------------------------------------------


def test_posting_returns_201_and_the_message_object(town):
    alice, bob = town
    response = alice.post(
        f"{API}/channels/town-square/messages",
        json={"body": "Hello **team**", "client_msg_id": "c-1"},
    )
    assert response.status_code == 201
    assert set(response.json) == {"message"}
    message = response.json["message"]
    assert set(message) == MESSAGE_KEYS
    assert isinstance(message["id"], int)
    assert message["channel"] == "town-square"
    assert message["author"] == {"username": "alice", "display_name": "Alice"}
    assert message["body"] == "Hello **team**"
    assert message["html"] == "<p>Hello <strong>team</strong></p>"
    assert_utc_iso(message["created_at"])
    assert message["edited_at"] is None
    assert message["thread_id"] is None
    assert message["reactions"] == []
    assert message["client_msg_id"] == "c-1"
    assert (message["deleted"], message["reply_count"]) == (False, 0)
    # What was stored is what the poster was told, and what everyone else reads.
    assert get_message(bob, message["id"]) == message
    assert history(bob)["messages"] == [message]


def test_client_msg_id_is_optional_and_null_when_absent(town):
    alice, _ = town
    assert post(alice, "no id")["client_msg_id"] is None


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("Use the **sepsis** order set", "<p>Use the <strong>sepsis</strong> order set</p>"),
        ("```\nif a < b:\n    go()\n```", "<pre><code>if a &lt; b:\n    go()\n</code></pre>"),
        ("```python\nx = 1\n```", '<pre><code class="language-python">x = 1\n</code></pre>'),
        (
            "[the guide](https://intranet.example.org/guide)",
            '<p><a href="https://intranet.example.org/guide" rel="noopener noreferrer">'
            "the guide</a></p>",
        ),
        (
            "see https://example.org/a",
            '<p>see <a href="https://example.org/a" rel="noopener noreferrer">'
            "https://example.org/a</a></p>",
        ),
    ],
)
def test_markdown_is_rendered(town, body, expected):
    alice, _ = town
    message = post(alice, body)
    assert message["html"] == expected
    assert message["body"] == body


@pytest.mark.parametrize(
    "body",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        '<a href="https://example.org" onclick="steal()">x</a>',
        "<iframe src=https://example.org></iframe>",
        "<b>bold</b> <!-- hidden -->",
        '<div style="position:fixed">overlay</div>',
    ],
)
def test_raw_html_never_survives(town, body):
    alice, _ = town
    html = post(alice, body)["html"]
    assert html.startswith("<p>&lt;")  # the markup is shown as text
    assert "<!--" not in html
    for tag, attributes in elements(html):
        assert tag in {"p", "a"}, html  # <a> only from linkifying the URL in the text
        assert set(attributes) <= {"href", "rel"}, html


@pytest.mark.parametrize(
    "body",
    [
        "[click](javascript:alert(1))",
        "[click](JavaScript:alert(document.cookie))",
        "<javascript:alert(1)>",
        "[click](vbscript:msgbox)",
        "[click](data:text/html;base64,PHNjcmlwdD4=)",
    ],
)
def test_dangerous_links_are_dropped(town, body):
    alice, _ = town
    html = post(alice, body)["html"]
    assert [tag for tag, _ in elements(html)] == ["p"], html


@pytest.mark.parametrize("body", ["", " ", "\n\t  \n"])
def test_empty_or_blank_body_is_422(app, town, body):
    alice, _ = town
    response = alice.post(f"{API}/channels/town-square/messages", json={"body": body})
    assert_error(response, 422, "empty_body")
    assert message_count(app) == 0


def test_body_of_10000_characters_is_accepted_and_10001_refused(app, town):
    alice, _ = town
    too_long = alice.post(f"{API}/channels/town-square/messages", json={"body": "x" * 10_001})
    assert_error(too_long, 422, "body_too_long")
    assert message_count(app) == 0
    assert len(post(alice, "y" * 10_000)["body"]) == 10_000


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({}, 400, "invalid_type"),
        ({"body": 5}, 400, "invalid_type"),
        ({"body": ["hi"]}, 400, "invalid_type"),
        ({"body": "hi", "client_msg_id": 5}, 400, "invalid_type"),
        ({"body": "hi", "client_msg_id": "has space"}, 422, "invalid_client_msg_id"),
        ({"body": "hi", "client_msg_id": "x" * 65}, 422, "invalid_client_msg_id"),
        ({"body": "hi", "thread_id": "1"}, 400, "invalid_type"),
        ({"body": "hi", "thread_id": True}, 400, "invalid_type"),
        ({"body": "hi", "thread_id": -1}, 422, "out_of_range"),
        ({"body": "a\x00b"}, 422, "invalid_body"),
        pytest.param(
            {"body": "hi", "client_msg_id": "retry-1\n"},
            422,
            "invalid_client_msg_id",
        ),
    ],
)
def test_malformed_post_fields_are_refused(app, town, body, status, code):
    alice, _ = town
    response = alice.post(f"{API}/channels/town-square/messages", json=body)
    assert_error(response, status, code)
    assert message_count(app) == 0


def test_repeated_client_msg_id_returns_the_first_message(app, town):
    alice, bob = town
    first = alice.post(
        f"{API}/channels/town-square/messages",
        json={"body": "original", "client_msg_id": "retry-1"},
    )
    again = alice.post(
        f"{API}/channels/town-square/messages",
        json={"body": "sent twice", "client_msg_id": "retry-1"},
    )
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json["message"] == first.json["message"]
    assert message_count(app) == 1
    assert [m["body"] for m in history(bob)["messages"]] == ["original"]


def test_the_same_client_msg_id_from_two_people_is_two_messages(app, town):
    alice, bob = town
    post(alice, "from alice", client_msg_id="same")
    post(bob, "from bob", client_msg_id="same")
    assert message_count(app) == 2


# --- history ---------------------------------------------------------------------------------


def test_history_pages_oldest_first_with_has_more(town):
    alice, bob = town
    ids = [post(alice, f"message {n}")["id"] for n in range(7)]

    everything = history(bob)
    assert [m["id"] for m in everything["messages"]] == ids
    assert everything["has_more"] is False

    newest = history(bob, limit=3)
    assert [m["id"] for m in newest["messages"]] == ids[4:]
    assert newest["has_more"] is True
    older = history(bob, limit=3, before=ids[4])
    assert [m["id"] for m in older["messages"]] == ids[1:4]
    assert older["has_more"] is True
    oldest = history(bob, limit=3, before=ids[1])
    assert [m["id"] for m in oldest["messages"]] == ids[:1]
    assert oldest["has_more"] is False

    forward = history(bob, limit=3, after=ids[0])
    assert [m["id"] for m in forward["messages"]] == ids[1:4]
    assert forward["has_more"] is True
    tail = history(bob, limit=3, after=ids[4])
    assert [m["id"] for m in tail["messages"]] == ids[5:]
    assert tail["has_more"] is False
    window = history(bob, after=ids[1], before=ids[5])
    assert [m["id"] for m in window["messages"]] == ids[2:5]


def test_history_limit_is_capped_at_200(town):
    alice, bob = town
    for n in range(201):
        post(alice, f"m{n}")
    page = history(bob, limit=1000)
    assert len(page["messages"]) == 200
    assert page["has_more"] is True


@pytest.mark.parametrize(
    "params",
    [
        {"limit": "ten"},
        {"before": "-1"},
        {"after": "1.5"},
        {"limit": "9" * 19},
        pytest.param(
            {"limit": "²"},
        ),
    ],
)
def test_bad_paging_parameters_are_400(town, params):
    alice, _ = town
    response = alice.get(f"{API}/channels/town-square/messages", query_string=params)
    assert_error(response, 400, "invalid_parameter")


# --- threads ---------------------------------------------------------------------------------


def test_replies_form_a_thread_under_their_root(town):
    alice, bob = town
    root = post(alice, "Which order set for chest pain?")
    reply = post(bob, "The hs-troponin one", thread_id=root["id"])
    assert reply["thread_id"] == root["id"]
    assert get_message(alice, root["id"])["reply_count"] == 1

    reply_to_reply = post(alice, "Thanks", thread_id=reply["id"])
    assert reply_to_reply["thread_id"] == root["id"]
    assert get_message(alice, root["id"])["reply_count"] == 2

    other = post(alice, "Unrelated")
    top_level = history(bob)["messages"]
    assert [m["id"] for m in top_level] == [root["id"], other["id"]]
    assert top_level[0]["reply_count"] == 2
    thread = history(bob, thread_id=root["id"])["messages"]
    assert [m["id"] for m in thread] == [root["id"], reply["id"], reply_to_reply["id"]]


def test_replying_to_an_unknown_thread_is_422(factory, town):
    alice, _ = town
    factory.channel("cardiology", members=("alice",))
    elsewhere = post(alice, "in another channel", channel="cardiology")
    for thread_id in (999_999, elsewhere["id"]):
        response = alice.post(
            f"{API}/channels/town-square/messages", json={"body": "reply", "thread_id": thread_id}
        )
        assert_error(response, 422, "unknown_thread")
    assert history(alice)["messages"] == []


# --- editing ---------------------------------------------------------------------------------


def test_author_edits_and_the_history_keeps_previous_bodies(town):
    alice, bob = town
    message = post(alice, "Version *one*")
    first = alice.patch(f"{API}/messages/{message['id']}", json={"body": "Version **two**"})
    assert first.status_code == 200
    edited = first.json["message"]
    assert edited["body"] == "Version **two**"
    assert edited["html"] == "<p>Version <strong>two</strong></p>"
    assert_utc_iso(edited["edited_at"])
    assert edited["created_at"] == message["created_at"]
    alice.patch(f"{API}/messages/{message['id']}", json={"body": "Version three"})

    assert get_message(bob, message["id"])["body"] == "Version three"
    edits = bob.get(f"{API}/messages/{message['id']}/edits").json["edits"]
    assert [e["body"] for e in edits] == ["Version *one*", "Version **two**"]
    for edit in edits:
        assert_utc_iso(edit["replaced_at"])


def test_only_the_author_edits(factory, login, town):
    alice, bob = town
    factory.user("root", role="admin")
    message = post(alice, "mine")
    for other in (bob, login("root")):
        response = other.patch(f"{API}/messages/{message['id']}", json={"body": "theirs"})
        assert_error(response, 403, "not_author")
    assert get_message(alice, message["id"])["body"] == "mine"
    assert get_message(alice, message["id"])["edited_at"] is None
    assert alice.get(f"{API}/messages/{message['id']}/edits").json["edits"] == []


def test_editing_validates_the_new_body(town):
    alice, _ = town
    message = post(alice, "mine")
    assert_error(
        alice.patch(f"{API}/messages/{message['id']}", json={"body": " "}), 422, "empty_body"
    )
    assert_error(
        alice.patch(f"{API}/messages/{message['id']}", json={"body": "x" * 10_001}),
        422,
        "body_too_long",
    )
    assert get_message(alice, message["id"])["body"] == "mine"


# --- deleting --------------------------------------------------------------------------------


def test_deleting_leaves_a_tombstone_without_text_history_or_reactions(town):
    alice, bob = town
    message = post(alice, "Draft tip")
    alice.patch(f"{API}/messages/{message['id']}", json={"body": "Final tip"})
    bob.post(f"{API}/messages/{message['id']}/reactions", json={"emoji": "👍"})

    response = alice.delete(f"{API}/messages/{message['id']}")
    assert response.status_code == 200
    tombstone = response.json["message"]
    assert (tombstone["body"], tombstone["html"], tombstone["deleted"]) == ("", "", True)
    assert tombstone["reactions"] == []
    assert get_message(bob, message["id"]) == tombstone
    assert history(bob)["messages"] == [tombstone]
    assert bob.get(f"{API}/messages/{message['id']}/edits").json["edits"] == []
    assert_error(
        alice.patch(f"{API}/messages/{message['id']}", json={"body": "back"}),
        422,
        "message_deleted",
    )
    assert_error(
        bob.post(f"{API}/messages/{message['id']}/reactions", json={"emoji": "👍"}),
        422,
        "message_deleted",
    )


def test_moderators_and_admins_delete_other_peoples_messages(factory, login, town):
    alice, bob = town
    factory.user("mod")
    factory.user("root", role="admin")
    factory.channel("cardiology", members=("alice",), moderators=("mod",))
    in_cardiology = post(alice, "off-topic", channel="cardiology")
    in_town = post(alice, "also off-topic")

    assert_error(bob.delete(f"{API}/messages/{in_town['id']}"), 403, "not_author")
    assert get_message(bob, in_town["id"])["deleted"] is False
    response = login("mod").delete(f"{API}/messages/{in_cardiology['id']}")
    assert response.status_code == 200
    assert response.json["message"]["deleted"] is True
    response = login("root").delete(f"{API}/messages/{in_town['id']}")
    assert response.status_code == 200
    assert get_message(bob, in_town["id"])["deleted"] is True


def test_a_channel_moderator_cannot_delete_in_another_channel(factory, login, town):
    alice, _ = town
    factory.user("mod")
    factory.channel("cardiology", moderators=("mod",))
    message = post(alice, "town business")
    assert_error(login("mod").delete(f"{API}/messages/{message['id']}"), 403, "not_author")


# --- reactions -------------------------------------------------------------------------------


def test_reactions_toggle_and_are_counted_per_emoji(factory, login, town):
    alice, bob = town
    message = post(alice, "Order set updated")
    url = f"{API}/messages/{message['id']}/reactions"

    first = alice.post(url, json={"emoji": "👍"})
    assert first.status_code == 200
    assert first.json["added"] is True
    assert first.json["message"]["reactions"] == [{"emoji": "👍", "count": 1, "users": ["alice"]}]
    bob.post(url, json={"emoji": "👍"})
    both = bob.post(url, json={"emoji": "🎉"}).json["message"]["reactions"]
    assert both == [
        {"emoji": "👍", "count": 2, "users": ["alice", "bob"]},
        {"emoji": "🎉", "count": 1, "users": ["bob"]},
    ]

    removed = alice.post(url, json={"emoji": "👍"})
    assert removed.json["added"] is False
    assert removed.json["message"]["reactions"] == [
        {"emoji": "👍", "count": 1, "users": ["bob"]},
        {"emoji": "🎉", "count": 1, "users": ["bob"]},
    ]
    assert get_message(alice, message["id"])["reactions"] == removed.json["message"]["reactions"]


@pytest.mark.parametrize(
    ("emoji", "status", "code"),
    [
        ("", 422, "invalid_emoji"),
        ("thumbs up", 422, "invalid_emoji"),
        ("x" * 33, 422, "invalid_emoji"),
        (None, 400, "invalid_type"),
        (["👍"], 400, "invalid_type"),
    ],
)
def test_malformed_reactions_are_refused(town, emoji, status, code):
    alice, _ = town
    message = post(alice, "hi")
    response = alice.post(f"{API}/messages/{message['id']}/reactions", json={"emoji": emoji})
    assert_error(response, status, code)
    assert get_message(alice, message["id"])["reactions"] == []


def test_reacting_with_a_nul_character_is_refused_without_a_500(backend, town):
    alice, _ = town
    message = post(alice, "hi")
    response = alice.post(f"{API}/messages/{message['id']}/reactions", json={"emoji": "a\x00"})
    assert_error(response, 422, "invalid_emoji")


# --- mentions --------------------------------------------------------------------------------


def test_mentioning_a_member_counts_in_their_channel_list(town):
    alice, bob = town
    post(alice, "@bob can you review the BPA?")
    post(alice, "`@bob` inside code is not a mention")
    post(alice, "@nobody is not a person")
    assert listing(bob)["town-square"]["mentions"] == 1
    assert listing(alice)["town-square"]["mentions"] == 0


def test_mentioning_someone_who_cannot_read_a_private_channel_creates_nothing(factory, login):
    factory.user("alice")
    factory.user("carol")
    factory.channel("council", kind="private", members=("alice",))
    alice = login("alice")
    post(alice, "@carol should see this some day", channel="council")
    alice.post(f"{API}/channels/council/members", json={"username": "carol"})
    assert listing(login("carol"))["council"]["mentions"] == 0


def test_editing_in_a_mention_notifies_once(town):
    alice, bob = town
    message = post(alice, "please review")
    alice.patch(f"{API}/messages/{message['id']}", json={"body": "@bob please review"})
    alice.patch(f"{API}/messages/{message['id']}", json={"body": "@bob please review now"})
    assert listing(bob)["town-square"]["mentions"] == 1


def test_deleting_a_message_removes_its_mention(town):
    alice, bob = town
    message = post(alice, "@bob wrong channel, sorry")
    alice.delete(f"{API}/messages/{message['id']}")
    assert listing(bob)["town-square"]["mentions"] == 0


# --- ids the database cannot hold -------------------------------------------------------------


def test_a_message_id_too_large_for_the_database_is_404(town):
    alice, _ = town
    assert_error(alice.get(f"{API}/messages/{10**25}"), 404, "unknown_message")


def test_read_marker_refuses_ids_that_are_not_messages_of_the_channel(town):
    alice, bob = town
    for message_id in (10**30, 3_000_000_000):
        response = alice.post(f"{API}/channels/town-square/read", json={"message_id": message_id})
        assert 400 <= response.status_code < 500, response.get_data(as_text=True)
    post(bob, "new after the bogus read marker")
    assert listing(alice)["town-square"]["unread"] == 1
