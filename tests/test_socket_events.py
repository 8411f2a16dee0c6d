"""Socket.IO: connecting, each server event's payload and recipients, and client events."""

from __future__ import annotations

import dataclasses
import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from physnet.actions import availability, broadcast
from physnet.extensions import db, socketio
from physnet.models import Channel, Message, User

API = "/api/v1"
SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")


@pytest.fixture
def people(factory: Any) -> None:
    """alice and bob share #town (public) and #council (private); #cardiology (public) has
    alice alone; carol is a member of nothing."""
    for name in ("alice", "bob", "carol"):
        factory.user(name)
    factory.channel("town", members=("alice", "bob"))
    factory.channel("council", kind="private", members=("alice", "bob"))
    factory.channel("cardiology", members=("alice",))


def payload(event: dict[str, Any]) -> Any:
    # The test client unwraps the arguments of an event named "message" (Socket.IO's
    # default event name), and keeps them as a list for every other event.
    return event["args"] if event["name"] == "message" else event["args"][0]


def received(sock: Any, name: str) -> list[Any]:
    """The payloads of every `name` event the socket got since the last call (clears all)."""
    return [payload(e) for e in sock.get_received() if e["name"] == name]


def drain(*socks: Any) -> None:
    for sock in socks:
        sock.get_received()


def post(api: Any, channel: str, body: str, **extra: Any) -> dict[str, Any]:
    response = api.post(f"{API}/channels/{channel}/messages", json={"body": body, **extra})
    assert response.status_code == 201, response.json
    return response.json["message"]


def stored_messages(app: Any) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Message))


# --- connecting ------------------------------------------------------------------------------


@pytest.mark.parametrize("auth", [None, {}, {"token": "pn_bogus"}, {"token": 5}, "token"])
def test_connection_without_valid_credentials_is_refused(app, people, auth):
    sock = socketio.test_client(app, auth=auth)
    assert not sock.is_connected()


def test_connection_with_a_token_joins_the_users_channels(app, people, factory, login):
    sock = socketio.test_client(app, auth={"token": factory.token("bob")})
    assert sock.is_connected()
    drain(sock)
    post(login("alice"), "council", "for council members")
    assert [m["body"] for m in received(sock, "message")] == ["for council members"]


def test_a_socket_receives_events_of_its_own_channels_only(people, login):
    alice, bob = login("alice"), login("bob")
    bob_socket = bob.socket()
    drain(bob_socket)
    for channel in ("town", "cardiology", "council"):
        post(alice, channel, f"news in {channel}")
    assert [m["channel"] for m in received(bob_socket, "message")] == ["town", "council"]


# --- server events ---------------------------------------------------------------------------


def test_message_event_is_the_message_object_and_reaches_members_only(people, login):
    alice, bob, carol = login("alice"), login("bob"), login("carol")
    alice_socket, bob_socket, carol_socket = alice.socket(), bob.socket(), carol.socket()
    drain(alice_socket, bob_socket, carol_socket)

    message = post(alice, "council", "Agenda for the **CDS** review")
    assert received(bob_socket, "message") == [message]
    assert received(alice_socket, "message") == [message]  # the author's other tabs too
    assert received(carol_socket, "message") == []


def test_message_updated_carries_the_edited_message(people, login):
    alice, bob = login("alice"), login("bob")
    bob_socket = bob.socket()
    message = post(alice, "town", "Version one")
    drain(bob_socket)
    edited = alice.patch(f"{API}/messages/{message['id']}", json={"body": "Version two"})
    assert received(bob_socket, "message_updated") == [edited.json["message"]]


def test_a_reply_updates_the_thread_root_for_everyone(people, login):
    alice, bob = login("alice"), login("bob")
    bob_socket = bob.socket()
    root = post(alice, "town", "Question")
    drain(bob_socket)
    reply = post(alice, "town", "Answer", thread_id=root["id"])
    events = bob_socket.get_received()
    assert [e["name"] for e in events] == ["message", "message_updated"]
    assert payload(events[0]) == reply
    updated_root = payload(events[1])
    assert (updated_root["id"], updated_root["reply_count"]) == (root["id"], 1)
    assert updated_root == bob.get(f"{API}/messages/{root['id']}").json["message"]


def test_message_deleted_names_the_message_and_channel_only(people, login):
    alice, bob = login("alice"), login("bob")
    bob_socket = bob.socket()
    message = post(alice, "council", "Posted in the wrong place")
    drain(bob_socket)
    alice.delete(f"{API}/messages/{message['id']}")
    [deleted] = received(bob_socket, "message_deleted")
    assert (deleted["id"], deleted["channel"]) == (message["id"], "council")
    assert "Posted in the wrong place" not in str(deleted)


def test_reaction_event_carries_the_new_counts(people, login):
    alice, bob = login("alice"), login("bob")
    alice_socket = alice.socket()
    message = post(alice, "town", "Useful tip")
    drain(alice_socket)
    bob.post(f"{API}/messages/{message['id']}/reactions", json={"emoji": "👍"})
    bob.post(f"{API}/messages/{message['id']}/reactions", json={"emoji": "👍"})
    added, removed = received(alice_socket, "reaction")
    assert added == {
        "message_id": message["id"],
        "channel": "town",
        "emoji": "👍",
        "username": "bob",
        "added": True,
        "reactions": [{"emoji": "👍", "count": 1, "users": ["bob"]}],
    }
    assert (removed["added"], removed["reactions"]) == (False, [])


def test_typing_reaches_other_members_but_not_the_sender(people, login):
    alice, bob, carol = login("alice"), login("bob"), login("carol")
    alice_socket, alice_other_tab = alice.socket(), alice.socket()
    bob_socket, carol_socket = bob.socket(), carol.socket()
    drain(alice_socket, alice_other_tab, bob_socket, carol_socket)

    ack = alice_socket.emit("typing", {"channel": "town"}, callback=True)
    assert ack == {"ok": True}
    assert received(bob_socket, "typing") == [{"channel": "town", "username": "alice"}]
    assert received(alice_other_tab, "typing") == [{"channel": "town", "username": "alice"}]
    assert received(alice_socket, "typing") == []
    assert received(carol_socket, "typing") == []


def _presence_everyone(app) -> None:
    """The deprecated setting that keeps the pre-2026-12 contract (everyone hears everyone)."""
    app.config["PHYSNET"] = dataclasses.replace(app.config["PHYSNET"], presence_everyone=True)


def test_presence_goes_online_with_the_first_socket_and_offline_with_the_last(people, login):
    carol_socket = login("carol").socket()
    assert carol_socket.emit("presence_subscribe", {"usernames": ["bob"]}, callback=True) == {
        "ok": True,
        "online": [],
        "availability": {},
    }
    drain(carol_socket)
    bob = login("bob")
    first = bob.socket()
    second = bob.socket()
    assert received(carol_socket, "presence") == [{"username": "bob", "status": "online"}]
    first.disconnect()
    assert received(carol_socket, "presence") == []
    second.disconnect()
    assert received(carol_socket, "presence") == [{"username": "bob", "status": "offline"}]


def test_a_socket_hears_presence_only_about_the_people_it_named(people, factory, login):
    """The contract since 2026-12: N people connecting cost N presence events, not N x N."""
    factory.user("dave")
    factory.user("erin")
    watcher = login("carol").socket()
    token_socket = login("alice").socket(auth={"presence": "subscribe"})  # the old opt-in
    drain(watcher, token_socket)
    login("bob").socket()
    assert received(watcher, "presence") == []  # subscribed to nobody yet
    assert received(token_socket, "presence") == []

    ack = watcher.emit("presence_subscribe", {"usernames": ["bob", "dave", "bob"]}, callback=True)
    assert ack == {"ok": True, "online": ["bob"], "availability": {}}  # dave has no socket
    dave = login("dave").socket()
    assert received(watcher, "presence") == [{"username": "dave", "status": "online"}]
    login("erin").socket()  # not named: nobody hears it
    assert received(watcher, "presence") == []
    assert received(token_socket, "presence") == []

    # A new subscription replaces the old one.
    ack = watcher.emit("presence_subscribe", {"usernames": ["erin"]}, callback=True)
    assert ack == {"ok": True, "online": ["erin"], "availability": {}}
    dave.disconnect()
    assert received(watcher, "presence") == []


def test_presence_subscribe_brings_availability_then_availability_events(people, login):
    """Busy and off-duty labels of the people named come with the ack, and changes follow as
    `availability` events to the sockets that named them only."""
    bob, alice = login("bob"), login("alice")
    assert bob.put(f"{API}/me/availability", json={"status": "busy"}).status_code == 200
    watcher, other = login("carol").socket(), login("carol").socket()
    drain(watcher, other)
    ack = watcher.emit("presence_subscribe", {"usernames": ["alice", "bob"]}, callback=True)
    assert ack["availability"] == {"bob": "busy"}  # alice is available: no label
    alice.put(f"{API}/me/availability", json={"status": "off_duty"})
    bob.put(f"{API}/me/availability", json={"status": "available"})
    events = [(e["username"], e["label"]) for e in received(watcher, "availability")]
    assert events == [("alice", "off duty"), ("bob", "")]
    assert received(other, "availability") == []  # named nobody


def test_off_duty_ends_by_itself_when_its_time_passes(app, people, login):
    """Off duty until a time: once it passes, the person is available again and the sockets
    that show them hear it, without anyone reloading (the dispatcher's tick does this)."""
    bob = login("bob")
    until = (datetime.now(UTC) + timedelta(seconds=1)).isoformat()
    answer = bob.put(f"{API}/me/availability", json={"status": "off_duty", "until": until})
    assert answer.status_code == 200 and answer.json["label"].startswith("off duty until ")
    watcher = login("carol").socket()
    drain(watcher)
    ack = watcher.emit("presence_subscribe", {"usernames": ["bob"]}, callback=True)
    assert ack["availability"]["bob"].startswith("off duty until ")
    with app.app_context():
        assert availability.end_passed_periods() == 0  # not yet
        time.sleep(1.2)
        assert availability.end_passed_periods() == 1
        assert availability.end_passed_periods() == 0  # once
    assert [(e["username"], e["label"]) for e in received(watcher, "availability")] == [("bob", "")]
    assert bob.get(f"{API}/me/availability").json["status"] == "available"


def test_the_deprecated_setting_keeps_everyone_hearing_everyone(app, people, factory, login):
    _presence_everyone(app)
    factory.user("dave")
    everyone = login("alice").socket()
    watcher = login("carol").socket(auth={"presence": "subscribe"})  # still opts out
    drain(everyone, watcher)
    dave = login("dave").socket()
    assert received(everyone, "presence") == [{"username": "dave", "status": "online"}]
    assert received(watcher, "presence") == []
    dave.disconnect()
    assert received(everyone, "presence") == [{"username": "dave", "status": "offline"}]


def test_an_everyone_socket_that_subscribes_stops_hearing_everyone(app, people, login):
    _presence_everyone(app)
    socket = login("carol").socket()
    drain(socket)
    assert socket.emit("presence_subscribe", {"usernames": []}, callback=True) == {
        "ok": True,
        "online": [],
        "availability": {},
    }
    login("bob").socket()
    assert received(socket, "presence") == []


@pytest.mark.parametrize(
    "payload, code",
    [
        ({}, "invalid_usernames"),
        ({"usernames": "bob"}, "invalid_usernames"),
        ({"usernames": ["bob", 7]}, "invalid_usernames"),
        ({"usernames": [f"doc{i}" for i in range(501)]}, "too_many_usernames"),
    ],
)
def test_presence_subscribe_refuses_bad_lists_with_a_reason(people, login, payload, code):
    socket = login("carol").socket()
    ack = socket.emit("presence_subscribe", payload, callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == code
    assert ack["error"]["message"]


def test_mention_goes_to_the_mentioned_persons_sockets_without_the_text(people, login):
    alice, bob, carol = login("alice"), login("bob"), login("carol")
    alice_socket, bob_socket, carol_socket = alice.socket(), bob.socket(), carol.socket()
    drain(alice_socket, bob_socket, carol_socket)
    message = post(alice, "council", "@bob @carol the sepsis BPA fires twice")

    [mention] = received(bob_socket, "mention")
    assert mention["channel"] == "council"
    assert mention["author"] == {"username": "alice", "display_name": "Alice"}
    assert mention.get("message_id") == message["id"]
    assert "body" not in mention and "html" not in mention
    assert "sepsis" not in str(mention)
    assert received(carol_socket, "mention") == []  # carol cannot read #council
    assert received(alice_socket, "mention") == []


def test_a_person_added_to_a_channel_gets_channel_joined_then_its_messages(people, login):
    alice, carol = login("alice"), login("carol")
    carol_socket = carol.socket()
    drain(carol_socket)
    post(alice, "council", "before carol joined")
    assert received(carol_socket, "message") == []

    alice.post(f"{API}/channels/council/members", json={"username": "carol"})
    events = carol_socket.get_received()
    joined = [payload(e) for e in events if e["name"] == "channel_joined"]
    assert [(c["name"], c["member"], c["private"]) for c in joined] == [("council", True, True)]
    post(alice, "council", "welcome carol")
    assert [m["body"] for m in received(carol_socket, "message")] == ["welcome carol"]


def test_leaving_a_channel_stops_delivery(people, login):
    alice, bob = login("alice"), login("bob")
    bob_socket = bob.socket()
    drain(bob_socket)
    bob.post(f"{API}/channels/town/leave")
    assert received(bob_socket, "channel_left") == [{"channel": "town"}]
    post(alice, "town", "after bob left")
    alice.post(f"{API}/channels/town/join")
    assert received(bob_socket, "message") == []


def test_a_join_carried_out_late_after_a_removal_does_not_let_the_socket_back_in(
    app, people, login
):
    """Moving sockets into a channel's room is a logged control that the republisher may
    carry out seconds late: by then the person may have left, and must stay out."""
    alice, bob = login("alice"), login("bob")
    bob_socket = bob.socket()
    bob.post(f"{API}/channels/town/leave")
    drain(bob_socket)
    with app.app_context():
        bob_id = db.session.scalar(select(User.id).where(User.username == "bob"))
        town_id = db.session.scalar(select(Channel.id).where(Channel.name == "town"))
        broadcast.publish(1, "enter_channel", {"user_id": bob_id, "channel_id": town_id}, None)
    post(alice, "town", "after bob left")
    assert received(bob_socket, "message") == []


def test_a_joined_public_channel_starts_delivering(people, login):
    alice, carol = login("alice"), login("carol")
    carol_socket = carol.socket()
    drain(carol_socket)
    carol.post(f"{API}/channels/town/join")
    post(alice, "town", "hello carol")
    assert [m["body"] for m in received(carol_socket, "message")] == ["hello carol"]


# --- client events ---------------------------------------------------------------------------


def test_send_message_acknowledges_with_the_stored_message(people, login):
    alice, bob = login("alice"), login("bob")
    alice_socket, bob_socket = alice.socket(), bob.socket()
    drain(bob_socket)
    ack = alice_socket.emit(
        "send_message",
        {"channel": "town", "body": "From the **socket**", "client_msg_id": "sock-1"},
        callback=True,
    )
    assert set(ack) == {"ok", "message"}
    assert ack["ok"] is True
    message = ack["message"]
    assert (message["body"], message["client_msg_id"]) == ("From the **socket**", "sock-1")
    assert message["html"] == "<p>From the <strong>socket</strong></p>"
    assert message == alice.get(f"{API}/messages/{message['id']}").json["message"]
    assert received(bob_socket, "message") == [message]


def test_send_message_in_a_thread(people, login):
    alice = login("alice")
    sock = alice.socket()
    root = post(alice, "town", "root")
    ack = sock.emit(
        "send_message",
        {"channel": "town", "body": "reply", "client_msg_id": "r1", "thread_id": root["id"]},
        callback=True,
    )
    assert ack["message"]["thread_id"] == root["id"]


def test_the_same_client_msg_id_twice_stores_one_message(app, people, login):
    alice, bob = login("alice"), login("bob")
    sock, bob_socket = alice.socket(), bob.socket()
    drain(bob_socket)
    data = {"channel": "town", "body": "retry me", "client_msg_id": "retry-7"}
    first = sock.emit("send_message", data, callback=True)
    second = sock.emit("send_message", data, callback=True)
    assert first["ok"] is second["ok"] is True
    assert first["message"]["id"] == second["message"]["id"]
    assert stored_messages(app) == 1
    assert len(received(bob_socket, "message")) == 1


def test_catch_up_returns_everything_after_an_id_in_order(people, login):
    alice, bob = login("alice"), login("bob")
    seen = post(alice, "town", "already seen")
    root = post(alice, "town", "missed root")
    reply = post(bob, "town", "missed reply", thread_id=root["id"])
    post(alice, "cardiology", "another channel")
    last = post(alice, "town", "missed last")

    ack = bob.socket().emit("catch_up", {"channel": "town", "after": seen["id"]}, callback=True)
    assert ack["ok"] is True
    assert [m["id"] for m in ack["messages"]] == [root["id"], reply["id"], last["id"]]
    assert ack["messages"][1] == bob.get(f"{API}/messages/{reply['id']}").json["message"]
    assert ack.get("has_more", False) is False
    everything = bob.socket().emit("catch_up", {"channel": "town", "after": 0}, callback=True)
    assert len(everything["messages"]) == 4


MALFORMED = [
    ("send_message", None),
    ("send_message", ["town", "hi"]),
    ("send_message", "hi"),
    ("send_message", 5),
    ("send_message", True),
    ("send_message", {}),
    ("send_message", {"channel": "town"}),
    ("send_message", {"body": "hi", "client_msg_id": "m1"}),
    ("send_message", {"channel": 5, "body": "hi"}),
    ("send_message", {"channel": "town", "body": ["hi"]}),
    ("send_message", {"channel": "town", "body": {"text": "hi"}}),
    ("send_message", {"channel": "town", "body": ""}),
    ("send_message", {"channel": "town", "body": "x" * 10_001}),
    ("send_message", {"channel": "x" * 20_000, "body": "hi"}),
    ("send_message", {"channel": "town", "body": "hi", "client_msg_id": "x" * 1000}),
    ("send_message", {"channel": "town", "body": "hi", "client_msg_id": ["a"]}),
    ("send_message", {"channel": "town", "body": "hi", "thread_id": "1"}),
    ("send_message", {"channel": "town", "body": "hi", "thread_id": -1}),
    ("send_message", {"channel": "town", "body": "hi", "thread_id": 2**80}),
    ("send_message", {"channel": "town", "body": "hi", "thread_id": 1.5}),
    ("send_message", {"channel": "town", "body": "hi", "thread_id": 999_999}),
    ("catch_up", None),
    ("catch_up", []),
    ("catch_up", "town"),
    ("catch_up", {}),
    ("catch_up", {"channel": "town"}),
    ("catch_up", {"channel": "town", "after": "1"}),
    ("catch_up", {"channel": "town", "after": -1}),
    ("catch_up", {"channel": "town", "after": 2**80}),
    ("catch_up", {"channel": "town", "after": 1.5}),
    ("catch_up", {"channel": ["town"], "after": 0}),
    ("catch_up", {"channel": "x" * 20_000, "after": 0}),
    ("typing", None),
    ("typing", 7),
    ("typing", {}),
    ("typing", {"channel": 5}),
    ("typing", {"channel": None}),
    ("typing", {"channel": {"name": "town"}}),
    ("typing", {"channel": "x" * 20_000}),
]


@pytest.mark.parametrize(
    ("event", "data"), MALFORMED, ids=[f"{e}-{i}" for i, (e, _) in enumerate(MALFORMED)]
)
def test_malformed_payloads_get_an_error_ack(app, people, login, event, data):
    sock = login("alice").socket()
    ack = sock.emit(event, data, callback=True)
    assert set(ack) == {"ok", "error"}, ack
    assert ack["ok"] is False
    assert SNAKE.match(ack["error"]["code"]), ack
    assert ack["error"]["code"] != "internal_error"
    assert isinstance(ack["error"]["message"], str) and ack["error"]["message"].strip()
    assert stored_messages(app) == 0
    assert sock.is_connected()
    # The connection still works after the refusal.
    assert sock.emit("typing", {"channel": "town"}, callback=True) == {"ok": True}


@pytest.mark.parametrize("event", ["send_message", "catch_up", "typing"])
def test_deactivated_users_next_socket_event_fails_with_session_ended(app, people, login, event):
    sock = login("alice").socket()
    assert sock.emit("typing", {"channel": "town"}, callback=True) == {"ok": True}
    with app.app_context():
        db.session.execute(update(User).where(User.username == "alice").values(active=False))
        db.session.commit()
    data = {"channel": "town", "body": "still here?", "client_msg_id": "d1", "after": 0}
    ack = sock.emit(event, data, callback=True)
    assert ack["ok"] is False
    assert ack["error"]["code"] == "session_ended"
    assert stored_messages(app) == 0


@pytest.mark.parametrize("event", ["send_message", "catch_up", "typing"])
def test_a_channel_name_with_nul_is_refused_like_any_unknown_channel(people, login, event):
    sock = login("alice").socket()
    data = {"channel": "town\x00", "body": "hi", "client_msg_id": "n1", "after": 0}
    ack = sock.emit(event, data, callback=True)
    assert ack["ok"] is False
    assert ack["error"]["code"] == "unknown_channel"
