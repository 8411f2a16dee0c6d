"""Mentions & replies, notification preferences, and `notification` events."""

from __future__ import annotations

import json
from typing import Any

import pytest
import test_multiprocess
from sqlalchemy import select
from test_query_counts import count_queries

from physnet.actions.messages.send import check_send_message
from physnet.actions.notifications import queue_message_notifications
from physnet.extensions import db
from physnet.models import Message, User

from conftest import Listener

# Two server processes on one PostgreSQL database with Redis between them.
two_servers = test_multiprocess.two_servers
API = "/api/v1"
PAYLOAD_KEYS = {"kind", "channel", "author", "message_id", "thread_id", "text"}


@pytest.fixture
def people(factory: Any) -> None:
    """#town (public): alice, bob, carol, erin; #council (private): alice, bob; dave belongs
    nowhere; root is an admin who belongs nowhere."""
    for name in ("alice", "bob", "carol", "dave", "erin"):
        factory.user(name, display_name=f"Dr. {name.title()}")
    factory.user("root", role="admin")
    factory.channel("town", members=("alice", "bob", "carol", "erin"))
    factory.channel("council", kind="private", members=("alice", "bob"))


def post(api: Any, channel: str, body: str, **extra: Any) -> dict[str, Any]:
    response = api.post(f"{API}/channels/{channel}/messages", json={"body": body, **extra})
    assert response.status_code == 201, response.json
    return response.json["message"]


def feed(api: Any, **params: Any) -> dict[str, Any]:
    response = api.get(f"{API}/mentions", query_string=params)
    assert response.status_code == 200, response.json
    return response.json


def summary(api: Any) -> list[tuple[str, str, str, bool]]:
    """(kind, channel, body, unread) per item, newest first."""
    return [
        (i["kind"], i["channel"]["name"], i["message"]["body"], i["unread"])
        for i in feed(api)["items"]
    ]


def set_level(api: Any, channel: str, level: Any) -> Any:
    return api.request("PUT", f"{API}/channels/{channel}/notifications", json={"level": level})


def notifications(sock: Any) -> list[dict[str, Any]]:
    return [e["args"][0] for e in sock.get_received() if e["name"] == "notification"]


# --- the Mentions & replies view --------------------------------------------------------------


def test_mentions_of_me_are_listed_newest_first_with_channel_and_unread(people, login):
    alice, bob = login("alice"), login("bob")
    post(alice, "town", "@bob the order set favorites are back")
    post(alice, "town", "no mention here")
    post(alice, "council", "@bob council agenda is up")
    post(bob, "town", "@alice thanks")
    assert summary(bob) == [
        ("mention", "council", "@bob council agenda is up", True),
        ("mention", "town", "@bob the order set favorites are back", True),
    ]
    data = feed(bob)
    assert data["unread_mentions"] == 2 and data["has_more"] is False
    assert data["items"][0]["channel"] == {"name": "council", "title": "Council", "kind": "private"}
    assert summary(alice) == [("mention", "town", "@alice thanks", True)]
    assert summary(login("carol")) == []


def test_replies_in_threads_i_started_or_joined_are_listed(people, login):
    alice, bob, carol, erin = (login(n) for n in ("alice", "bob", "carol", "erin"))
    root = post(alice, "town", "Which SmartPhrase do you use for discharge?")
    post(carol, "town", "The hospital medicine one", thread_id=root["id"])
    post(bob, "town", "Ours, with the follow-up block", thread_id=root["id"])
    post(erin, "town", "unrelated top-level message")
    assert summary(alice) == [
        ("reply", "town", "Ours, with the follow-up block", True),
        ("reply", "town", "The hospital medicine one", True),
    ]
    # carol took part: bob's later reply is hers to see; her own is not.
    assert summary(carol) == [("reply", "town", "Ours, with the follow-up block", True)]
    # bob's own post moved his read marker in #town past carol's reply: listed, but read.
    assert summary(bob) == [("reply", "town", "The hospital medicine one", False)]
    assert summary(erin) == []


def test_a_reply_that_mentions_me_is_listed_once_as_a_mention(people, login):
    alice, bob = login("alice"), login("bob")
    root = post(alice, "town", "Downtime procedures?")
    post(bob, "town", "@alice see the binder", thread_id=root["id"])
    assert summary(alice) == [("mention", "town", "@alice see the binder", True)]


def test_deleted_messages_are_not_listed(people, login):
    alice, bob = login("alice"), login("bob")
    message = post(alice, "town", "@bob draft")
    assert alice.delete(f"{API}/messages/{message['id']}").status_code == 200
    assert summary(bob) == []


def test_after_leaving_a_private_channel_its_mentions_and_replies_disappear(people, login):
    alice, bob = login("alice"), login("bob")
    root = post(bob, "council", "CDS rule review")
    post(alice, "council", "agreed", thread_id=root["id"])
    post(alice, "council", "@bob can you present?")
    post(alice, "town", "@bob and here too")
    assert len(feed(bob)["items"]) == 3
    assert bob.post(f"{API}/channels/council/leave").status_code == 200
    assert summary(bob) == [("mention", "town", "@bob and here too", True)]
    assert feed(bob)["unread_mentions"] == 1
    # Leaving a public channel keeps it readable, so its mentions stay.
    assert bob.post(f"{API}/channels/town/leave").status_code == 200
    assert summary(bob) == [("mention", "town", "@bob and here too", True)]


@pytest.mark.parametrize("username", ["dave", "root"], ids=["non-member", "admin-outside"])
def test_a_non_member_mentioned_in_a_public_channel_sees_and_clears_it(people, login, username):
    alice, outsider = login("alice"), login(username)
    message = post(alice, "town", f"@{username} you might like this channel")
    post(alice, "council", f"@{username} cannot see this one")
    assert summary(outsider) == [
        ("mention", "town", f"@{username} you might like this channel", True)
    ]
    listing = {c["name"]: c for c in outsider.get(f"{API}/channels").json["channels"]}
    assert listing["town"]["mentions"] == 1
    response = outsider.post(f"{API}/mentions/read", json={"up_to_id": message["id"]})
    assert response.status_code == 200
    assert response.json["unread_mentions"] == 0
    assert summary(outsider)[0][3] is False
    listing = {c["name"]: c for c in outsider.get(f"{API}/channels").json["channels"]}
    assert listing["town"]["mentions"] == 0


def test_marking_read_clears_up_to_the_given_id_only(people, login):
    alice, bob = login("alice"), login("bob")
    root = post(bob, "town", "Sepsis BPA thresholds?")
    first = post(alice, "town", "@bob first")
    reply = post(alice, "town", "a reply", thread_id=root["id"])
    post(alice, "town", "@bob second")
    response = bob.post(f"{API}/mentions/read", json={"up_to_id": reply["id"]})
    assert response.status_code == 200
    assert response.json == {"last_read_id": reply["id"], "unread_mentions": 1}
    assert summary(bob) == [
        ("mention", "town", "@bob second", True),
        ("reply", "town", "a reply", False),
        ("mention", "town", "@bob first", False),
    ]
    assert first["id"] < reply["id"]


def test_the_marker_cannot_run_ahead_of_existing_messages(people, login):
    alice, bob = login("alice"), login("bob")
    root = post(bob, "council", "Order set review")
    response = bob.post(f"{API}/mentions/read", json={"up_to_id": 2**31 - 1})
    assert response.json["last_read_id"] == root["id"]
    post(alice, "council", "later reply", thread_id=root["id"])
    assert summary(bob) == [("reply", "council", "later reply", True)]


def test_reading_the_channel_also_reads_its_replies_and_mentions(people, login):
    alice, bob = login("alice"), login("bob")
    root = post(bob, "town", "In-basket rules?")
    post(alice, "town", "filter by pool", thread_id=root["id"])
    last = post(alice, "town", "@bob and sort by due date", thread_id=root["id"])
    assert bob.post(f"{API}/channels/town/read", json={"message_id": last["id"]}).status_code == 200
    assert [item[3] for item in summary(bob)] == [False, False]


def test_mentions_pages_with_before_and_limit(people, login):
    alice, bob = login("alice"), login("bob")
    ids = [post(alice, "town", f"@bob note {i}")["id"] for i in range(5)]
    page = feed(bob, limit=2)
    assert [i["message"]["id"] for i in page["items"]] == ids[:2:-1]
    assert page["has_more"] is True
    page = feed(bob, limit=2, before=ids[3])
    assert [i["message"]["id"] for i in page["items"]] == [ids[2], ids[1]]
    page = feed(bob, limit=2, before=ids[1])
    assert [i["message"]["id"] for i in page["items"]] == [ids[0]]
    assert page["has_more"] is False
    assert len(feed(bob, limit=10_000)["items"]) == 5  # clamped, not refused


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({}, 400, "invalid_type"),
        ({"up_to_id": "12"}, 400, "invalid_type"),
        ({"up_to_id": True}, 400, "invalid_type"),
        ({"up_to_id": -1}, 422, "out_of_range"),
        ({"up_to_id": 2**40}, 422, "out_of_range"),
        ([], 400, "invalid_json"),
    ],
)
def test_mark_read_refuses_bad_input(people, login, body, status, code):
    response = login("bob").post(f"{API}/mentions/read", json=body)
    assert response.status_code == status
    assert response.json["error"]["code"] == code


@pytest.mark.parametrize("query", ["limit=abc", "before=-1", "limit=1e3", "before=%00"])
def test_mentions_query_parameters_are_validated(people, login, query):
    response = login("bob").get(f"{API}/mentions?{query}")
    assert response.status_code == 400
    assert response.json["error"]["code"] == "invalid_parameter"


def test_marking_read_tells_my_other_sockets(people, login):
    alice, bob = login("alice"), login("bob")
    other_tab = bob.socket()
    message = post(alice, "town", "@bob hello")
    other_tab.get_received()
    bob.post(f"{API}/mentions/read", json={"up_to_id": message["id"]})
    events = [e for e in other_tab.get_received() if e["name"] == "mentions_read"]
    assert [e["args"][0] for e in events] == [{"up_to_id": message["id"]}]


# --- preferences ------------------------------------------------------------------------------


def test_default_levels_are_mentions_for_channels_and_all_for_direct_messages(people, login):
    bob = login("bob")
    response = bob.get(f"{API}/channels/town/notifications")
    assert response.json == {"channel": "town", "level": "mentions", "default": "mentions"}
    direct = bob.post(f"{API}/direct", json={"username": "alice"}).json["channel"]
    assert direct["notifications"] == "all"
    response = bob.get(f"{API}/channels/{direct['name']}/notifications")
    assert response.json["level"] == response.json["default"] == "all"


@pytest.mark.parametrize("level", ["all", "mentions", "none"])
def test_a_member_sets_a_level_that_sticks(people, login, level):
    bob = login("bob")
    response = set_level(bob, "council", level)
    assert response.status_code == 200
    assert response.json == {"channel": "council", "level": level, "default": "mentions"}
    assert bob.get(f"{API}/channels/council/notifications").json["level"] == level
    listing = {c["name"]: c for c in bob.get(f"{API}/channels").json["channels"]}
    assert listing["council"]["notifications"] == level
    assert listing["town"]["notifications"] == "mentions"  # other channels unchanged
    assert login("alice").get(f"{API}/channels/council/notifications").json["level"] == "mentions"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"level": "loud"}, 422, "invalid_notification_level"),
        ({"level": "ALL"}, 422, "invalid_notification_level"),
        ({"level": ""}, 422, "invalid_notification_level"),
        ({"level": None}, 400, "invalid_type"),
        ({"level": 1}, 400, "invalid_type"),
        ({"level": ["all"]}, 400, "invalid_type"),
        ({}, 400, "invalid_type"),
        ("all", 400, "invalid_json"),
    ],
)
def test_bad_levels_are_refused_and_change_nothing(people, login, body, status, code):
    bob = login("bob")
    set_level(bob, "town", "all")
    response = bob.request("PUT", f"{API}/channels/town/notifications", json=body)
    assert response.status_code == status
    assert response.json["error"]["code"] == code
    assert response.json["error"]["message"].strip()
    assert bob.get(f"{API}/channels/town/notifications").json["level"] == "all"


def test_only_members_have_preferences_and_hidden_channels_stay_hidden(people, login):
    dave = login("dave")
    for response in (
        dave.get(f"{API}/channels/town/notifications"),
        set_level(dave, "town", "all"),
    ):
        assert response.status_code == 422
        assert response.json["error"]["code"] == "not_a_member"
    hidden = set_level(dave, "council", "all")
    missing = set_level(dave, "no-such-channel", "all")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json["error"]["code"] == missing.json["error"]["code"] == "unknown_channel"


# --- notification events ----------------------------------------------------------------------


def test_each_level_decides_who_is_notified(people, login):
    alice = login("alice")
    apis = {name: login(name) for name in ("bob", "carol", "erin", "dave")}
    set_level(apis["bob"], "town", "all")
    set_level(apis["erin"], "town", "none")  # carol keeps the default, "mentions"
    socks = {name: api.socket() for name, api in apis.items()}
    author_sock = alice.socket()
    for sock in [*socks.values(), author_sock]:
        sock.get_received()

    badges: dict[str, int] = {}

    def kinds() -> dict[str, list[str]]:
        got = {}
        for name, sock in socks.items():
            events = sock.get_received()
            got[name] = [e["args"][0]["kind"] for e in events if e["name"] == "notification"]
            badges[name] = sum(1 for e in events if e["name"] == "mention")
        assert notifications(author_sock) == []  # never the author
        return got

    post(alice, "town", "A plain update on order sets")
    assert kinds() == {"bob": ["message"], "carol": [], "erin": [], "dave": []}

    mention = post(alice, "town", "@carol @erin @dave please review")
    assert kinds() == {"bob": ["message"], "carol": ["mention"], "erin": [], "dave": ["mention"]}
    assert badges["erin"] == 1  # "none" silences notifications; the mention badge still moves

    root = post(login("carol"), "town", "Question about SmartPhrases")
    for sock in [*socks.values(), author_sock]:
        sock.get_received()
    reply = post(alice, "town", "Here is how", thread_id=root["id"])
    assert kinds() == {"bob": ["message"], "carol": ["reply"], "erin": [], "dave": []}
    assert reply["id"] > mention["id"]


def test_direct_messages_notify_every_message_by_default(people, login):
    alice, bob = login("alice"), login("bob")
    channel = alice.post(f"{API}/direct", json={"username": "bob"}).json["channel"]["name"]
    sock = bob.socket()
    sock.get_received()
    message = post(alice, channel, "Quick question on the downtime binder")
    [note] = notifications(sock)
    assert note == {
        "kind": "message",
        "channel": channel,
        "author": {"username": "alice", "display_name": "Dr. Alice"},
        "message_id": message["id"],
        "thread_id": None,
        "text": "Dr. Alice sent you a direct message",
    }
    set_level(bob, channel, "none")
    post(alice, channel, "@bob another")
    assert notifications(sock) == []


def test_mention_payload_names_the_channel_and_author(people, login):
    alice, bob = login("alice"), login("bob")
    sock = bob.socket()
    sock.get_received()
    message = post(alice, "council", "@bob the new rule")
    [note] = notifications(sock)
    assert note["text"] == "Dr. Alice mentioned you in #council"
    assert note["message_id"] == message["id"] and note["channel"] == "council"


def test_notifications_never_carry_message_content(people, login):
    alice, bob = login("alice"), login("bob")
    set_level(bob, "town", "all")
    socks = [login(n).socket() for n in ("bob", "carol", "dave", "erin")]
    for sock in socks:
        sock.get_received()
    word = "Zymurgyquokka"
    root = post(alice, "town", f"@carol **{word}** protocol draft")
    post(bob, "town", f"@alice {word} reply", thread_id=root["id"])
    post(alice, "town", f"{word} again", thread_id=root["id"])
    message = post(alice, "town", "@dave plain")
    alice.patch(f"{API}/messages/{message['id']}", json={"body": f"@dave @erin {word} edit"})
    seen = [n for sock in socks for n in notifications(sock)]
    seen += notifications(alice.socket())
    assert len(seen) >= 6
    for note in seen:
        assert set(note) == PAYLOAD_KEYS
        assert word.lower() not in json.dumps(note).lower()


def test_an_edit_that_adds_a_mention_notifies_once(people, login):
    alice, carol = login("alice"), login("carol")
    sock = carol.socket()
    message = post(alice, "town", "Sepsis bundle timer")
    sock.get_received()
    alice.patch(f"{API}/messages/{message['id']}", json={"body": "Sepsis bundle timer @carol"})
    alice.patch(f"{API}/messages/{message['id']}", json={"body": "Sepsis bundle timer, @carol?"})
    assert [n["kind"] for n in notifications(sock)] == ["mention"]


def test_a_real_client_over_a_live_server_gets_its_notification(live_server_any):
    server = live_server_any
    for name in ("alice", "bob", "carol"):
        server.factory.user(name, display_name=f"Dr. {name.title()}")
    server.factory.channel("ehr-tips", members=("alice", "bob", "carol"))
    bob = Listener(server.url, token=server.factory.token("bob"))
    carol = Listener(server.url, token=server.factory.token("carol"))
    for listener in (bob, carol):
        listener.client.on("notification", listener._recorder("notification"))
    try:
        http = server.session("alice")
        response = http.post(
            f"{server.url}{API}/channels/ehr-tips/messages",
            json={"body": "@bob the Kestrelwort order panel"},
        )
        assert response.status_code == 201
        [note] = bob.wait_for("notification")
        assert note["kind"] == "mention" and note["channel"] == "ehr-tips"
        assert note["text"] == "Dr. Alice mentioned you in #ehr-tips"
        assert "kestrelwort" not in json.dumps(note).lower()
        carol.wait_for("message")
        assert carol.of("notification") == []
    finally:
        bob.close()
        carol.close()


@pytest.mark.live
def test_a_notification_for_several_people_reaches_each_through_redis(two_servers):
    a, b, _ = two_servers
    for name in ("alice", "bob", "carol", "dave"):
        a.factory.user(name, display_name=f"Dr. {name.title()}")
    a.factory.channel("ehr-tips", members=("alice", "bob", "carol", "dave"))
    # bob and carol on process A, dave not connected; alice posts on process B.
    listeners = {n: Listener(a.url, token=a.factory.token(n)) for n in ("bob", "carol")}
    for listener in listeners.values():
        listener.client.on("notification", listener._recorder("notification"))
    try:
        alice = b.session("alice")
        for name in ("bob", "carol"):
            http = b.session(name)
            assert http.put(
                f"{b.url}{API}/channels/ehr-tips/notifications", json={"level": "all"}
            ).ok
        posted = alice.post(f"{b.url}{API}/channels/ehr-tips/messages", json={"body": "Huddle"})
        assert posted.status_code == 201
        for listener in listeners.values():
            [note] = listener.wait_for("notification")
            assert note["kind"] == "message"
            assert note["message_id"] == posted.json()["message"]["id"]
            assert note["text"] == "Dr. Alice posted in #ehr-tips"
    finally:
        for listener in listeners.values():
            listener.close()


# --- cost on the hot path ---------------------------------------------------------------------


def _user(name: str) -> User:
    user = db.session.scalar(select(User).where(User.username == name))
    assert user is not None
    return user


def _notification_queries(app: Any, root_id: int) -> tuple[int, int, int]:
    """Queries of the notification step alone, and of a whole reply post, leaving out the
    event rows they log (one per kind of notification, not per person); and those rows."""
    with app.app_context():
        alice = _user("alice")
        message = db.session.scalar(select(Message).order_by(Message.id.desc()).limit(1))
        root = db.session.get(Message, root_id)
        bob_id = _user("bob").id
        with count_queries() as step:
            queue_message_notifications(message, root, [bob_id])
        db.session.rollback()
        with count_queries() as whole:
            check_send_message(alice, "big", "@bob reply", None, root_id)
        logged = [q for q in step if q.startswith("INSERT INTO change_log")]
        others = [q for q in whole if not q.startswith("INSERT INTO change_log")]
        return len(step) - len(logged), len(others), len(logged)


def test_finding_who_to_notify_is_one_query_whatever_the_channel_size(app, factory, login):
    for name in ("alice", "bob"):
        factory.user(name)
    factory.channel("big", members=("alice", "bob"))
    root = post(login("bob"), "big", "thread root")
    small = _notification_queries(app, root["id"])
    for i in range(25):
        factory.user(f"member{i}")
        factory.channel(f"c{i}")  # unrelated channels too
    with app.app_context():
        from physnet.actions.channels import do_add_member
        from physnet.models import Channel

        big = db.session.scalar(select(Channel).where(Channel.name == "big"))
        for i in range(25):
            do_add_member(big, _user(f"member{i}"))
    for i in range(0, 25, 2):  # half of them want every message
        set_level(login(f"member{i}"), "big", "all")
    large = _notification_queries(app, root["id"])
    assert small[0] == large[0] == 1
    assert small[1] == large[1]
    assert (small[2], large[2]) == (1, 2)  # "mention" to bob; then "message" to the "all"s


def _feed_queries(app: Any) -> int:
    from physnet.reads.mentions import mentions_page, unread_mention_count

    with app.app_context():
        bob = _user("bob")
        with count_queries() as statements:
            mentions_page(bob, limit=50)
            unread_mention_count(bob)
        return len(statements)


def test_the_mentions_view_costs_the_same_for_few_or_many_items(people, app, login):
    alice = login("alice")
    root = post(login("bob"), "town", "A thread of mine")
    for i in range(3):
        post(alice, "town", f"@bob tip {i}")
    post(alice, "town", "reply", thread_id=root["id"])
    few = _feed_queries(app)
    for i in range(30):
        post(alice, "council" if i % 2 else "town", f"@bob note {i}")
        post(alice, "town", f"reply {i}", thread_id=root["id"])
    many = _feed_queries(app)
    # The page (author and channel joined), its reactions, its attached files, the count.
    assert few == many <= 4
