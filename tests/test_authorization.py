"""Who may do what: every API call and socket event, for every kind of caller.

The world: alice is a member of #town (public) and #council (private) and wrote a message in
each; bob is a member of #town only; carol belongs nowhere; root is a global admin who is a
member of nothing; dave exists to be added. A private channel must leak through no door.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from physnet.actions.channels import do_remove_member
from physnet.actions.users import do_revoke_token
from physnet.extensions import db, socketio
from physnet.models import ApiToken, Channel, Membership, Message, Reaction, User

from conftest import csrf_token

API = "/api/v1"
MISSING_CHANNEL = "no-such-channel"
MISSING_MESSAGE = 987_654
SECRET_TEXT = "council-only draft of the new CDS rule"


Send = Callable[..., Any]


@dataclass
class World:
    app: Any
    login: Any
    factory: Any
    messages: dict[str, int]  # channel name -> alice's message there

    def cookie(self, username: str, csrf: bool = True) -> Send:
        api = self.login(username)

        def send(method: str, path: str, body: Any = None) -> Any:
            if not csrf:  # the session cookie alone, as a forged cross-site request sends it
                return api.client.open(API + path, method=method, json=body)
            return api.request(method, API + path, json=body)

        return send

    def bearer(self, token: str) -> Send:
        client = self.app.test_client()

        def send(method: str, path: str, body: Any = None) -> Any:
            return client.open(
                API + path, method=method, json=body, headers={"Authorization": f"Bearer {token}"}
            )

        return send

    def anonymous(self, with_csrf_token: bool) -> Send:
        client = self.app.test_client()
        headers = {}
        if with_csrf_token:  # a signed-out browser: it has a session and its CSRF token
            headers["X-CSRFToken"] = csrf_token(client)

        def send(method: str, path: str, body: Any = None) -> Any:
            return client.open(API + path, method=method, json=body, headers=headers)

        return send

    def snapshot(self) -> Any:
        """Everything a refused call must leave untouched, read from the database."""
        with self.app.app_context():
            messages = [
                (
                    m.id,
                    m.channel_id,
                    m.author_id,
                    m.body,
                    m.edited_at,
                    m.deleted_at,
                    m.thread_id,
                    m.reply_count,
                )
                for m in db.session.scalars(select(Message).order_by(Message.id))
            ]
            reactions = sorted(
                db.session.execute(
                    select(Reaction.message_id, Reaction.user_id, Reaction.emoji)
                ).tuples()
            )
            members = sorted(
                db.session.execute(
                    select(
                        Membership.channel_id,
                        Membership.user_id,
                        Membership.role,
                        Membership.last_read_id,
                    )
                ).tuples()
            )
            channels = sorted(db.session.scalars(select(Channel.name)))
            return messages, reactions, members, channels


@pytest.fixture
def world(app: Any, factory: Any, login: Any) -> World:
    for name in ("alice", "bob", "carol", "dave"):
        factory.user(name)
    factory.user("root", role="admin")
    factory.channel("town", members=("alice", "bob"))
    factory.channel("council", kind="private", members=("alice",))
    alice = login("alice")
    messages = {}
    for channel, body in (("town", "A tip for everyone"), ("council", SECRET_TEXT)):
        response = alice.post(f"{API}/channels/{channel}/messages", json={"body": body})
        assert response.status_code == 201
        messages[channel] = response.json["message"]["id"]
    return World(app, login, factory, messages)


@dataclass(frozen=True)
class Call:
    label: str
    method: str
    path: str  # {channel} and {message} are filled in
    body: Any = None

    def send(self, send: Send, channel: str, message: int) -> Any:
        path = self.path.format(channel=channel, message=message)
        body = {"message_id": message} if self.body == "READ" else self.body
        return send(self.method, path, body)

    @property
    def about_message(self) -> bool:
        return self.path.startswith("/messages/")

    @property
    def unsafe(self) -> bool:
        return self.method != "GET"


CALLS = [
    Call("list channels", "GET", "/channels"),
    Call("create channel", "POST", "/channels", {"name": "new-channel"}),
    Call("get channel", "GET", "/channels/{channel}"),
    Call("join", "POST", "/channels/{channel}/join"),
    Call("leave", "POST", "/channels/{channel}/leave"),
    Call("list members", "GET", "/channels/{channel}/members"),
    Call("add member", "POST", "/channels/{channel}/members", {"username": "dave"}),
    Call("history", "GET", "/channels/{channel}/messages"),
    Call("post", "POST", "/channels/{channel}/messages", {"body": "hello"}),
    Call("mark read", "POST", "/channels/{channel}/read", "READ"),
    Call("get message", "GET", "/messages/{message}"),
    Call("edit", "PATCH", "/messages/{message}", {"body": "changed"}),
    Call("delete", "DELETE", "/messages/{message}"),
    Call("edit history", "GET", "/messages/{message}/edits"),
    Call("react", "POST", "/messages/{message}/reactions", {"emoji": "👍"}),
    Call("report", "POST", "/messages/{message}/report", {"kind": "phi", "reason": "check"}),
    Call("set phi policy", "PATCH", "/channels/{channel}", {"phi_policy": "block"}),
    Call("phi scan", "POST", "/phi/scan", {"text": "order set 3040123"}),
    Call("list reports", "GET", "/moderation/reports"),
    Call("release report", "POST", "/moderation/reports/1/release"),
    Call("delete report", "POST", "/moderation/reports/1/delete"),
    Call("pin", "POST", "/messages/{message}/pin"),
    Call("unpin", "DELETE", "/messages/{message}/pin"),
    Call("list pins", "GET", "/channels/{channel}/pins"),
    Call("history around", "GET", "/channels/{channel}/messages?around={message}&limit=5"),
    Call("get notifications", "GET", "/channels/{channel}/notifications"),
    Call("set notifications", "PUT", "/channels/{channel}/notifications", {"level": "all"}),
    Call("mentions", "GET", "/mentions"),
    Call("mark mentions read", "POST", "/mentions/read", {"up_to_id": 1}),
]
BY_LABEL = {call.label: call for call in CALLS}
CHANNEL_CALLS = [call for call in CALLS if "{" in call.path]

# Who is calling, in which channel: (username, channel).
ROLES = {
    "member": ("alice", "council"),  # a member of the private channel, and the author
    "member of public": ("bob", "town"),  # a member, not the author
    "outsider of public": ("carol", "town"),
    "admin outside public": ("root", "town"),
}
# Expected (status, error code) per call, for each role above, in that order.
OK, CREATED = (200, None), (201, None)
NOT_MEMBER_403, NOT_MEMBER_422 = (403, "not_a_member"), (422, "not_a_member")
NOT_AUTHOR = (403, "not_author")
EXPECTED = {
    "get channel": (OK, OK, OK, OK),
    "join": (OK, OK, OK, OK),
    "leave": (OK, OK, NOT_MEMBER_422, NOT_MEMBER_422),
    "list members": (OK, OK, OK, OK),
    "add member": (CREATED, CREATED, NOT_MEMBER_403, CREATED),
    "history": (OK, OK, OK, OK),
    "post": (CREATED, CREATED, NOT_MEMBER_403, NOT_MEMBER_403),
    "mark read": (OK, OK, NOT_MEMBER_422, NOT_MEMBER_422),
    "get message": (OK, OK, OK, OK),
    "edit": (OK, NOT_AUTHOR, NOT_AUTHOR, NOT_AUTHOR),
    "delete": (OK, NOT_AUTHOR, NOT_AUTHOR, OK),
    "edit history": (OK, OK, OK, OK),
    "react": (OK, OK, NOT_MEMBER_403, NOT_MEMBER_403),
    # Anyone who can read a message may report it; only moderators and admins set policy.
    "report": (CREATED, CREATED, CREATED, CREATED),
    "set phi policy": ((403, "not_moderator"), (403, "not_moderator"), (403, "not_moderator"), OK),
    "pin": (OK, OK, NOT_MEMBER_403, NOT_MEMBER_403),
    "unpin": (OK, OK, NOT_MEMBER_403, NOT_MEMBER_403),
    "list pins": (OK, OK, OK, OK),
    "history around": (OK, OK, OK, OK),
    "get notifications": (OK, OK, NOT_MEMBER_422, NOT_MEMBER_422),
    "set notifications": (OK, OK, NOT_MEMBER_422, NOT_MEMBER_422),
    "mentions": (OK, OK, OK, OK),
    "mark mentions read": (OK, OK, OK, OK),
}
MATRIX = [
    pytest.param(role, BY_LABEL[label], expected[i], id=f"{role}-{label}")
    for label, expected in EXPECTED.items()
    for i, role in enumerate(ROLES)
]


def assert_outcome(response: Any, expected: tuple[int, str | None]) -> None:
    status, code = expected
    assert response.status_code == status, response.get_data(as_text=True)
    if code is not None:
        assert response.json["error"]["code"] == code
        assert response.json["error"]["message"].strip()


@pytest.mark.parametrize(("role", "call", "expected"), MATRIX)
def test_signed_in_matrix(world, role, call, expected):
    username, channel = ROLES[role]
    send = world.cookie(username)
    before = world.snapshot()
    response = call.send(send, channel, world.messages[channel])
    assert_outcome(response, expected)
    if expected[0] >= 400:
        assert world.snapshot() == before


@pytest.mark.parametrize("call", CHANNEL_CALLS, ids=lambda c: c.label)
def test_member_with_a_bearer_token_needs_no_csrf(world, call):
    send = world.bearer(world.factory.token("alice"))
    response = call.send(send, "council", world.messages["council"])
    assert_outcome(response, EXPECTED[call.label][0])


# --- a private channel looks exactly like a missing one ----------------------------------------


def _same_as_missing(hidden: Any, missing: Any, hidden_name: str, missing_name: str) -> None:
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json["error"]["code"] == missing.json["error"]["code"]
    assert hidden.json["error"]["code"] in ("unknown_channel", "unknown_message")
    assert set(hidden.json) == {"error"}
    assert hidden.json["error"]["message"].replace(hidden_name, "X") == (
        missing.json["error"]["message"].replace(missing_name, "X")
    )


@pytest.mark.parametrize("username", ["bob", "root"], ids=["outsider", "admin"])
@pytest.mark.parametrize("call", CHANNEL_CALLS, ids=lambda c: c.label)
def test_private_channel_is_404_like_a_missing_one(world, username, call):
    send = world.cookie(username)
    before = world.snapshot()
    secret_id = world.messages["council"]
    hidden = call.send(send, "council", secret_id)
    if call.about_message:
        missing = call.send(send, "council", MISSING_MESSAGE)
        _same_as_missing(hidden, missing, str(secret_id), str(MISSING_MESSAGE))
    else:
        missing = call.send(send, MISSING_CHANNEL, secret_id)
        _same_as_missing(hidden, missing, "council", MISSING_CHANNEL)
    assert SECRET_TEXT not in hidden.get_data(as_text=True)
    assert world.snapshot() == before


@pytest.mark.parametrize("username", ["bob", "carol", "root"])
def test_private_channel_is_not_listed_for_non_members(world, username):
    names = [c["name"] for c in world.cookie(username)("GET", "/channels").json["channels"]]
    assert names == ["town"]
    assert "council" in [
        c["name"] for c in world.cookie("alice")("GET", "/channels").json["channels"]
    ]


def test_repeated_client_msg_id_does_not_reveal_a_channel_i_was_removed_from(world):
    alice = world.cookie("alice")
    response = alice(
        "POST",
        "/channels/council/messages",
        {"body": "Council agenda", "client_msg_id": "agenda-1"},
    )
    council_message = response.json["message"]["id"]
    with world.app.app_context():
        user = db.session.scalar(select(User).where(User.username == "alice"))
        channel = db.session.scalar(select(Channel).where(Channel.name == "council"))
        do_remove_member(channel, user)
    assert alice("GET", f"/messages/{council_message}").status_code == 404

    response = alice(
        "POST", "/channels/town/messages", {"body": "Town agenda", "client_msg_id": "agenda-1"}
    )
    assert response.status_code < 500
    assert "council" not in response.get_data(as_text=True)
    assert "Council agenda" not in response.get_data(as_text=True)


# --- anonymous, tokens, CSRF -------------------------------------------------------------------


def _assert_unauthorized(response: Any) -> None:
    assert response.status_code == 401, response.get_data(as_text=True)
    assert response.json["error"]["code"] == "unauthorized"
    assert response.json["error"]["message"].strip()


@pytest.mark.parametrize(
    "call",
    [pytest.param(call, id=call.label) for call in CALLS],
)
def test_anonymous_client_without_session_is_401(world, call):
    before = world.snapshot()
    _assert_unauthorized(
        call.send(world.anonymous(with_csrf_token=False), "town", world.messages["town"])
    )
    assert world.snapshot() == before


@pytest.mark.parametrize("call", CALLS, ids=lambda c: c.label)
def test_signed_out_browser_is_401(world, call):
    before = world.snapshot()
    _assert_unauthorized(
        call.send(world.anonymous(with_csrf_token=True), "town", world.messages["town"])
    )
    assert world.snapshot() == before


@pytest.mark.parametrize("call", CALLS, ids=lambda c: c.label)
def test_bogus_bearer_token_is_401(world, call):
    before = world.snapshot()
    _assert_unauthorized(
        call.send(world.bearer("pn_not-a-real-token"), "town", world.messages["town"])
    )
    assert world.snapshot() == before


@pytest.mark.parametrize("call", [BY_LABEL["history"], BY_LABEL["post"]], ids=lambda c: c.label)
def test_revoked_bearer_token_is_401(world, call):
    token = world.factory.token("alice")
    send = world.bearer(token)
    assert send("GET", "/me").status_code == 200
    with world.app.app_context():
        for record in db.session.scalars(select(ApiToken)):
            do_revoke_token(record)
    before = world.snapshot()
    _assert_unauthorized(call.send(send, "town", world.messages["town"]))
    assert world.snapshot() == before


def test_token_of_a_deactivated_user_is_401(world):
    send = world.bearer(world.factory.token("alice"))
    with world.app.app_context():
        db.session.scalar(select(User).where(User.username == "alice")).active = False
        db.session.commit()
    _assert_unauthorized(send("GET", "/channels"))


def test_bogus_bearer_token_next_to_a_session_cookie_is_401(world):
    api = world.login("alice")
    before = world.snapshot()
    response = api.client.post(
        f"{API}/channels/town/messages",
        json={"body": "hello"},
        headers={"Authorization": "Bearer pn_bogus"},
    )
    _assert_unauthorized(response)
    assert world.snapshot() == before


@pytest.mark.parametrize("call", [call for call in CALLS if call.unsafe], ids=lambda c: c.label)
def test_cookie_session_without_csrf_header_is_400(world, call):
    send = world.cookie("alice", csrf=False)
    before = world.snapshot()
    response = call.send(send, "council", world.messages["council"])
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.json["error"]["code"] == "csrf_failed"
    assert world.snapshot() == before


def test_cookie_session_with_a_wrong_csrf_token_is_400(world):
    api = world.login("alice")
    response = api.client.post(
        f"{API}/channels/town/messages", json={"body": "hello"}, headers={"X-CSRFToken": "forged"}
    )
    assert response.status_code == 400
    assert response.json["error"]["code"] == "csrf_failed"


# --- socket events -----------------------------------------------------------------------------


SOCKET_EVENTS = {
    "send_message": lambda channel: {"channel": channel, "body": "hello", "client_msg_id": "s1"},
    "catch_up": lambda channel: {"channel": channel, "after": 0},
    "typing": lambda channel: {"channel": channel},
}
# role -> (username, channel, expected error code per event or None for ok)
SOCKET_ROLES = {
    "member": ("alice", "council", {}),
    "member of public": ("bob", "town", {}),
    "outsider of public": (
        "carol",
        "town",
        {"send_message": "not_a_member", "typing": "not_a_member"},
    ),
    "outsider of private": ("bob", "council", dict.fromkeys(SOCKET_EVENTS, "unknown_channel")),
    "admin outside private": ("root", "council", dict.fromkeys(SOCKET_EVENTS, "unknown_channel")),
}


@pytest.mark.parametrize("event", list(SOCKET_EVENTS))
@pytest.mark.parametrize("role", list(SOCKET_ROLES))
def test_socket_event_matrix(world, role, event):
    username, channel, errors = SOCKET_ROLES[role]
    sock = world.login(username).socket()
    assert sock.is_connected()
    before = world.snapshot()
    ack = sock.emit(event, SOCKET_EVENTS[event](channel), callback=True)
    expected = errors.get(event)
    if expected is None:
        assert ack["ok"] is True, ack
        if event == "catch_up":
            assert [m["id"] for m in ack["messages"]] == [world.messages[channel]]
        return
    assert ack["ok"] is False
    assert ack["error"]["code"] == expected
    assert ack["error"]["message"].strip()
    assert SECRET_TEXT not in json.dumps(ack)
    assert world.snapshot() == before
    if expected == "unknown_channel":
        missing = sock.emit(event, SOCKET_EVENTS[event](MISSING_CHANNEL), callback=True)
        assert ack["error"]["message"].replace(channel, "X") == (
            missing["error"]["message"].replace(MISSING_CHANNEL, "X")
        )


@pytest.mark.parametrize("event", list(SOCKET_EVENTS))
def test_socket_authenticated_by_token_matches_the_member_row(world, event):
    sock = socketio.test_client(world.app, auth={"token": world.factory.token("alice")})
    assert sock.is_connected()
    ack = sock.emit(event, SOCKET_EVENTS[event]("council"), callback=True)
    assert ack["ok"] is True, ack


@pytest.mark.parametrize("how", ["nothing", "bogus token", "revoked token", "signed-out cookie"])
def test_anonymous_socket_connection_is_refused(world, how):
    if how == "nothing":
        sock = socketio.test_client(world.app)
    elif how == "bogus token":
        sock = socketio.test_client(world.app, auth={"token": "pn_bogus"})
    elif how == "revoked token":
        token = world.factory.token("alice")
        with world.app.app_context():
            for record in db.session.scalars(select(ApiToken)):
                do_revoke_token(record)
        sock = socketio.test_client(world.app, auth={"token": token})
    else:
        browser = world.app.test_client()
        browser.get("/login")
        sock = socketio.test_client(world.app, flask_test_client=browser)
    assert not sock.is_connected()


def test_private_channel_activity_reaches_no_outsider_socket(world):
    outsiders = {name: world.login(name).socket() for name in ("bob", "carol", "root")}
    alice = world.login("alice")
    alice_socket = alice.socket()
    alice_other_tab = alice.socket()
    for sock in (*outsiders.values(), alice_socket, alice_other_tab):
        sock.get_received()

    secret_id = world.messages["council"]
    alice.post(
        f"{API}/channels/council/messages", json={"body": "@bob @carol @root " + SECRET_TEXT}
    )
    alice.post(f"{API}/channels/council/messages", json={"body": "a reply", "thread_id": secret_id})
    alice.patch(f"{API}/messages/{secret_id}", json={"body": SECRET_TEXT + " (v2)"})
    alice.post(f"{API}/messages/{secret_id}/reactions", json={"emoji": "👍"})
    alice_socket.emit("typing", {"channel": "council"}, callback=True)
    alice.delete(f"{API}/messages/{secret_id}")

    seen = {e["name"] for e in alice_other_tab.get_received()}
    assert {"message", "message_updated", "reaction", "typing", "message_deleted"} <= seen
    for name, sock in outsiders.items():
        received = sock.get_received()
        leaked = [e for e in received if "council" in json.dumps(e) or "CDS" in json.dumps(e)]
        assert leaked == [], name


# --- moderation reviews ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "sees", "release"),
    [
        ("alice", False, (404, "unknown_report")),  # the author, a member of both channels
        ("bob", False, (404, "unknown_report")),
        ("carol", False, (404, "unknown_report")),
        ("root", True, OK),  # staff, for a channel it can read
    ],
)
def test_report_review_matrix(world, username, sees, release):
    bob = world.cookie("bob")
    response = bob("POST", f"/messages/{world.messages['town']}/report", {"kind": "other"})
    assert response.status_code == 201
    report_id = response.json["report"]["id"]
    send = world.cookie(username)
    reports = send("GET", "/moderation/reports").json["reports"]
    assert [r["id"] for r in reports] == ([report_id] if sees else [])
    for action in ("release", "delete"):
        assert_outcome(send("POST", f"/moderation/reports/{report_id}/{action}"), release)
        if release == OK:
            break


def test_a_report_in_a_private_channel_reaches_no_outsider(world):
    alice = world.cookie("alice")
    secret = world.messages["council"]
    response = alice("POST", f"/messages/{secret}/report", {"kind": "phi"})
    assert response.status_code == 201
    report_id = response.json["report"]["id"]
    for username in ("bob", "carol", "root"):
        send = world.cookie(username)
        listed = send("GET", "/moderation/reports")
        assert listed.json["reports"] == [] and SECRET_TEXT not in listed.get_data(as_text=True)
        assert_outcome(
            send("POST", f"/moderation/reports/{report_id}/release"), (404, "unknown_report")
        )


# --- profiles and the people directory ---------------------------------------------------------


def _png() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 40), (20, 90, 160)).save(buffer, "PNG")
    return buffer.getvalue()


# (label, method, path, body); the target is always alice's profile.
PROFILE_CALLS = {
    "list people": ("GET", "/users", None),
    "read profile": ("GET", "/users/alice", None),
    "edit profile": ("PATCH", "/users/alice", {"bio": "Edited"}),
    "edit me": ("PATCH", "/me", {"bio": "Mine"}),
    "upload photo": ("POST", "/users/alice/photo", "PHOTO"),
    "read photo": ("GET", "/users/alice/photo", None),
}
NOT_YOURS = (403, "not_your_profile")
PROFILE_EXPECTED = {  # alice herself, bob (shares #town), root (admin)
    "list people": (OK, OK, OK),
    "read profile": (OK, OK, OK),
    "edit profile": (OK, NOT_YOURS, NOT_YOURS),
    "edit me": (OK, OK, OK),
    "upload photo": (CREATED, NOT_YOURS, NOT_YOURS),
    "read photo": ((404, "no_photo"), (404, "no_photo"), (404, "no_photo")),
}
PROFILE_MATRIX = [
    pytest.param(who, label, expected[i], id=f"{who}-{label}")
    for label, expected in PROFILE_EXPECTED.items()
    for i, who in enumerate(("alice", "bob", "root"))
]


def _profile_call(api: Any, label: str) -> Any:
    method, path, body = PROFILE_CALLS[label]
    if body == "PHOTO":
        import io

        return api.request(method, API + path, data={"photo": (io.BytesIO(_png()), "me.png")})
    return api.request(method, API + path, json=body)


def _alice_profile(world: World) -> Any:
    with world.app.app_context():
        alice = db.session.scalar(select(User).where(User.username == "alice"))
        return alice.bio, alice.expertise, alice.display_name


@pytest.mark.parametrize(("who", "label", "expected"), PROFILE_MATRIX)
def test_profile_matrix(world, who, label, expected):
    before = _alice_profile(world)
    response = _profile_call(world.login(who), label)
    assert_outcome(response, expected)
    if expected[0] >= 400:
        assert _alice_profile(world) == before


@pytest.mark.parametrize("label", list(PROFILE_CALLS))
def test_profile_calls_need_a_signed_in_user(world, label):
    method, path, body = PROFILE_CALLS[label]
    client = world.app.test_client()
    response = client.open(API + path, method=method, json=None if body == "PHOTO" else body)
    _assert_unauthorized(response)


@pytest.mark.parametrize("viewer", ["bob", "carol", "root"])
def test_a_profile_never_lists_a_private_channel_the_viewer_is_not_in(world, viewer):
    response = world.cookie(viewer)("GET", "/users/alice")
    assert response.status_code == 200
    assert [c["name"] for c in response.json["channels"]] == ["town"]
    assert "council" not in response.get_data(as_text=True)
    mine = world.cookie("alice")("GET", "/users/alice").json["channels"]
    assert [c["name"] for c in mine] == ["council", "town"]


@pytest.mark.parametrize("username", ["bob", "carol", "root"])
def test_mentions_view_shows_nothing_from_a_private_channel_to_outsiders(world, username):
    alice = world.login("alice")
    alice.post(f"{API}/channels/council/messages", json={"body": f"@{username} {SECRET_TEXT}"})
    alice.post(
        f"{API}/channels/council/messages",
        json={"body": "a reply", "thread_id": world.messages["council"]},
    )
    response = world.cookie(username)("GET", "/mentions")
    assert response.status_code == 200
    assert response.json["items"] == [] and response.json["unread_mentions"] == 0
    assert "council" not in response.get_data(as_text=True)


# --- tips (issue 5): the same roles, on tips alice owns in each channel -----------------------


@dataclass(frozen=True)
class TipCall:
    label: str
    method: str
    path: str  # {channel}, {message} and {tip} are filled in
    body: Any = None

    def send(self, send: Send, channel: str, message: int, tip: int) -> Any:
        return send(
            self.method, self.path.format(channel=channel, message=message, tip=tip), self.body
        )


TIP_CALLS = [
    TipCall("list tips", "GET", "/tips?channel={channel}"),
    TipCall("create tip", "POST", "/tips", {"title": "T", "body": "B", "channel": "{channel}"}),
    TipCall("get tip", "GET", "/tips/{tip}"),
    TipCall("edit tip", "PATCH", "/tips/{tip}", {"title": "Changed"}),
    TipCall("tip history", "GET", "/tips/{tip}/history"),
    TipCall("endorse", "POST", "/tips/{tip}/endorse"),
    TipCall("unendorse", "DELETE", "/tips/{tip}/endorse"),
    TipCall("verify", "POST", "/tips/{tip}/verify"),
    TipCall("unverify", "DELETE", "/tips/{tip}/verify"),
    TipCall("delete tip", "DELETE", "/tips/{tip}"),
    TipCall("promote", "POST", "/messages/{message}/promote", {"title": "Promoted"}),
]
NOT_OWNER, NOT_MODERATOR = (403, "not_tip_owner"), (403, "not_a_moderator")
# Per role of ROLES: alice owns the tips; root is staff but a member of nothing.
TIP_EXPECTED = {
    "list tips": (OK, OK, OK, OK),
    "create tip": (CREATED, CREATED, NOT_MEMBER_403, NOT_MEMBER_403),
    "get tip": (OK, OK, OK, OK),
    "edit tip": (OK, NOT_OWNER, NOT_OWNER, OK),
    "tip history": (OK, OK, OK, OK),
    "endorse": (OK, OK, OK, OK),
    "unendorse": (OK, OK, OK, OK),
    "verify": (NOT_MODERATOR, NOT_MODERATOR, NOT_MODERATOR, OK),
    "unverify": (NOT_MODERATOR, NOT_MODERATOR, NOT_MODERATOR, OK),
    "delete tip": (OK, NOT_OWNER, NOT_OWNER, OK),
    "promote": (CREATED, CREATED, NOT_MEMBER_403, NOT_MEMBER_403),
}
TIP_BY_LABEL = {call.label: call for call in TIP_CALLS}


def _tip_call(call: TipCall, channel: str) -> TipCall:
    if isinstance(call.body, dict) and call.body.get("channel") == "{channel}":
        return TipCall(call.label, call.method, call.path, {**call.body, "channel": channel})
    return call


@pytest.fixture
def tips(world: World) -> dict[str, int]:
    """A tip alice owns in each channel: channel name -> tip id."""
    alice = world.cookie("alice")
    made = {}
    for channel in ("town", "council"):
        response = alice(
            "POST", "/tips", {"title": f"{channel} tip", "body": "B", "channel": channel}
        )
        assert response.status_code == 201, response.get_data(as_text=True)
        made[channel] = response.json["tip"]["id"]
    return made


def tip_snapshot(world: World) -> Any:
    """What a refused tip call must leave untouched."""
    from physnet.models import Tip, TipEdit, TipEndorsement

    with world.app.app_context():
        rows = [
            (t.id, t.title, t.body, t.verified_at, t.deleted_at, t.review_at)
            for t in db.session.scalars(select(Tip).order_by(Tip.id))
        ]
        edits = db.session.scalar(select(db.func.count()).select_from(TipEdit))
        endorsements = sorted(
            db.session.execute(select(TipEndorsement.tip_id, TipEndorsement.user_id)).tuples()
        )
        return rows, edits, endorsements, world.snapshot()


@pytest.mark.parametrize(
    ("role", "call", "expected"),
    [
        pytest.param(role, TIP_BY_LABEL[label], expected[i], id=f"{role}-{label}")
        for label, expected in TIP_EXPECTED.items()
        for i, role in enumerate(ROLES)
    ],
)
def test_tip_matrix(world, tips, role, call, expected):
    username, channel = ROLES[role]
    before = tip_snapshot(world)
    response = _tip_call(call, channel).send(
        world.cookie(username), channel, world.messages[channel], tips[channel]
    )
    assert_outcome(response, expected)
    if expected[0] >= 400:
        assert tip_snapshot(world) == before


@pytest.mark.parametrize("username", ["bob", "root"], ids=["outsider", "admin"])
@pytest.mark.parametrize("call", TIP_CALLS, ids=lambda c: c.label)
def test_private_channel_tips_are_404_like_missing_ones(world, tips, username, call):
    send = world.cookie(username)
    before = tip_snapshot(world)
    council = _tip_call(call, "council")
    hidden = council.send(send, "council", world.messages["council"], tips["council"])
    missing = _tip_call(call, MISSING_CHANNEL).send(
        send, MISSING_CHANNEL, MISSING_MESSAGE, MISSING_MESSAGE
    )
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json["error"]["code"] == missing.json["error"]["code"]
    assert hidden.json["error"]["code"] in ("unknown_channel", "unknown_message", "unknown_tip")
    shown = hidden.json["error"]["message"].replace("council", "X")
    for secret_id in {world.messages["council"], tips["council"]}:
        shown = shown.replace(str(secret_id), "N")
    assert shown == missing.json["error"]["message"].replace(MISSING_CHANNEL, "X").replace(
        str(MISSING_MESSAGE), "N"
    )
    assert tip_snapshot(world) == before


@pytest.mark.parametrize("call", TIP_CALLS, ids=lambda c: c.label)
def test_tip_calls_need_sign_in(world, tips, call):
    before = tip_snapshot(world)
    for send in (world.anonymous(with_csrf_token=False), world.bearer("pn_not-a-real-token")):
        response = _tip_call(call, "town").send(send, "town", world.messages["town"], tips["town"])
        _assert_unauthorized(response)
    assert tip_snapshot(world) == before


@pytest.mark.parametrize("call", [c for c in TIP_CALLS if c.method != "GET"], ids=lambda c: c.label)
def test_tip_changes_from_a_cookie_need_the_csrf_header(world, tips, call):
    before = tip_snapshot(world)
    response = _tip_call(call, "council").send(
        world.cookie("alice", csrf=False), "council", world.messages["council"], tips["council"]
    )
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.json["error"]["code"] == "csrf_failed"
    assert tip_snapshot(world) == before


# --- compliance: audit log, ending sessions, retention, own tokens -----------------------------

ADMIN_CALLS = [
    Call("audit log", "GET", "/admin/audit"),
    Call("audit export", "GET", "/admin/audit?format=csv"),
    Call("end sessions", "POST", "/admin/users/bob/sessions/revoke"),
    Call("end sessions and tokens", "POST", "/admin/users/bob/sessions/revoke", {"tokens": True}),
    Call("someone's tokens", "GET", "/admin/users/bob/tokens"),
    Call("channel retention", "PUT", "/admin/channels/council/retention", {"days": 30}),
    Call("account role", "PATCH", "/admin/users/bob", {"role": "member"}),
    Call("temporary password", "POST", "/admin/users/bob/password"),
    Call("legal holds", "GET", "/admin/legal-holds"),
    Call("records export", "GET", "/admin/exports/messages?since=2020-01-01"),
]
ADMIN_PAGES = [
    ("GET", "/admin/audit"),
    ("GET", "/admin/sessions"),
    ("POST", "/admin/sessions/bob/end"),
    ("GET", "/admin/"),
    ("GET", "/admin/people"),
    ("POST", "/admin/people/bob/active"),
    ("POST", "/admin/people/bob/role"),
    ("POST", "/admin/people/bob/password"),
    ("POST", "/admin/people/bob/sessions"),
    ("POST", "/admin/people/bob/sync"),
    ("POST", "/admin/people/bob/reset-link"),
    ("GET", "/admin/channels"),
    ("POST", "/admin/channels/council/archive"),
    ("POST", "/admin/channels/council/details"),
    ("POST", "/admin/channels/council/retention"),
    ("POST", "/admin/channels/council/phi"),
    ("POST", "/admin/channels/council/announcement"),
    ("POST", "/admin/channels/council/moderators"),
    ("GET", "/admin/settings"),
    ("POST", "/admin/settings"),
    ("GET", "/admin/records"),
    ("GET", "/admin/records/export"),
    ("POST", "/admin/records/holds"),
    ("POST", "/admin/records/holds/1/release"),
    ("POST", "/admin/sync/check"),
    ("POST", "/admin/sync/preview"),
]


@pytest.mark.parametrize("call", ADMIN_CALLS, ids=lambda c: c.label)
@pytest.mark.parametrize("username", ["alice", "carol"], ids=["member", "outsider"])
def test_admin_calls_are_403_for_everyone_else(world, username, call):
    before = world.snapshot()
    response = call.send(world.cookie(username), "town", 0)
    assert_outcome(response, (403, "admin_only"))
    assert world.snapshot() == before


@pytest.mark.parametrize("call", ADMIN_CALLS, ids=lambda c: c.label)
def test_admin_calls_work_for_admins_by_cookie_and_by_token(world, call):
    assert_outcome(call.send(world.cookie("root"), "town", 0), OK)
    assert_outcome(call.send(world.bearer(world.factory.token("root")), "town", 0), OK)


@pytest.mark.parametrize("call", ADMIN_CALLS, ids=lambda c: c.label)
def test_admin_calls_are_401_when_signed_out(world, call):
    _assert_unauthorized(call.send(world.anonymous(with_csrf_token=True), "town", 0))


@pytest.mark.parametrize("call", [c for c in ADMIN_CALLS if c.unsafe], ids=lambda c: c.label)
def test_admin_calls_need_csrf_with_a_cookie(world, call):
    response = call.send(world.cookie("root", csrf=False), "town", 0)
    assert response.status_code == 400
    assert response.json["error"]["code"] == "csrf_failed"


@pytest.mark.parametrize(("method", "path"), ADMIN_PAGES)
@pytest.mark.parametrize("username", ["alice", None], ids=["member", "anonymous"])
def test_admin_pages_are_404_for_everyone_else(world, username, method, path):
    if username:
        api = world.login(username)
        client, token = api.client, api.csrf
    else:
        client = world.app.test_client()
        token = csrf_token(client)
    response = client.open(path, method=method, data={"csrf_token": token})
    assert response.status_code == 404


def test_own_tokens_are_listed_and_revoked_by_their_owner_only(world):
    world.factory.token("alice")
    alice, bob = world.cookie("alice"), world.cookie("bob")
    [token] = alice("GET", "/me/tokens").json["tokens"]
    assert bob("GET", "/me/tokens").json["tokens"] == []
    assert bob("DELETE", f"/me/tokens/{token['id']}").status_code == 404
    assert world.cookie("root")("DELETE", f"/me/tokens/{token['id']}").status_code == 404
    assert (
        world.cookie("alice", csrf=False)("DELETE", f"/me/tokens/{token['id']}").status_code == 400
    )
    _assert_unauthorized(world.anonymous(with_csrf_token=False)("GET", "/me/tokens"))
    assert alice("DELETE", f"/me/tokens/{token['id']}").status_code == 200


# --- every route is in a table -----------------------------------------------------------------

# Routes the tables above do not call, each with the rule that guards it and the test that
# checks that rule. A new route must go into a table above, or here with its reason.
NOT_IN_TABLES = {
    ("GET", "/healthz"): "public liveness probe, no data (test_probes.py)",
    ("GET", "/readyz"): "public readiness; details for loopback and admins (test_readyz_detail.py)",
    ("GET", "/login"): "public: the sign-in page (test_auth.py)",
    ("POST", "/login"): "public: throttled sign-in (test_auth.py, test_signin_throttle.py)",
    ("POST", "/logout"): "a cookie session signs out itself only (test_auth.py, test_sessions.py)",
    ("GET", "/static/<path:filename>"): "public: CSS, JS, images",
    ("GET", "/"): "sign-in required, the app shell with no data (test_pages.py)",
    ("GET", "/c/<name>"): "sign-in required, the shell; data comes from the API (test_pages.py)",
    ("GET", "/c/<name>/m/<int:message_id>"): "sign-in, then access_message (test_pins.py)",
    ("GET", "/moderation"): "sign-in required, the shell; reports via the API (test_pages.py)",
    ("GET", "/people"): "sign-in required, the shell (test_pages.py, test_browser_people.py)",
    ("GET", "/people/<username>"): "sign-in required, the shell (test_browser_people.py)",
    ("GET", "/search"): "sign-in required, the shell; results via the API (test_pages.py)",
    ("GET", "/tips"): "sign-in required; only readable channels' tips (test_visibility.py)",
    ("GET", "/tips/<int:tip_id>"): "sign-in, then access_tip (test_visibility.py)",
    ("GET", "/admin/sync"): "admins only, 404 for others (test_directory.py, test_pages.py)",
    ("POST", "/api/v1/direct"): "a direct message with an active colleague (test_api_channels.py)",
    ("GET", "/api/v1/me"): "signed in: one's own account (test_signed_out_browser_is_401)",
    ("POST", "/api/v1/me/photo"): "signed in: one's own photo only (test_people.py)",
    ("DELETE", "/api/v1/me/photo"): "signed in: one's own photo only (test_people.py)",
    ("GET", "/api/v1/me/tokens"): "one's own tokens (test_own_tokens_are_listed_...)",
    ("DELETE", "/api/v1/me/tokens/<int:token_id>"): "one's own (test_own_tokens_are_listed_...)",
    ("DELETE", "/api/v1/admin/users/<username>/tokens/<int:token_id>"): "admins (test_sessions.py)",
    ("GET", "/api/v1/presence"): "signed in: who is online, no content (test_cluster.py)",
    ("POST", "/api/v1/admin/legal-holds"): "admins; a second identical hold is 409 (test_admin.py)",
    ("DELETE", "/api/v1/admin/legal-holds/<int:hold_id>"): "admins only (test_admin.py)",
    ("POST", "/api/v1/channels/<name>/archive"): "channel moderators and admins (test_admin.py)",
    ("DELETE", "/api/v1/channels/<name>/archive"): "channel moderators and admins (test_admin.py)",
    ("POST", "/api/v1/admin/users/<username>/sync"): "admins (test_directory_person.py)",
    ("POST", "/api/v1/admin/users/<username>/reset-link"): "admins; local accounts (test_admin.py)",
    ("GET", "/reset/<token>"): "public: a signed one-time link is the credential (test_admin.py)",
    ("POST", "/reset/<token>"): "public: the link's owner sets a password once (test_admin.py)",
    ("PUT", "/api/v1/channels/<name>/announcement"): "channel moderators, admins (test_admin.py)",
    ("DELETE", "/api/v1/channels/<name>/announcement"): "as above (test_admin.py)",
    ("PUT", "/api/v1/channels/<name>/moderators/<username>"): "channel moderators, admins",
    ("DELETE", "/api/v1/channels/<name>/moderators/<username>"): "as above (test_admin.py)",
    (
        "GET",
        "/api/v1/search",
    ): "signed in; results filtered by the visibility rule (test_search.py)",
    # Files (issue 15): their rules are pinned in tests/test_files.py.
    ("POST", "/api/v1/channels/<name>/files"): "who may post there; non-members refused",
    ("GET", "/api/v1/files/<int:file_id>"): "readers of the message's channel; 404 for others",
    ("GET", "/api/v1/files/<int:file_id>/thumbnail"): "as the file (test_files.py)",
    # The installable app and push (issue 16): tests/test_push.py, tests/test_browser_push.py.
    ("GET", "/manifest.webmanifest"): "public: the app's manifest, no data",
    ("GET", "/sw.js"): "public: the service worker script, no data",
    ("GET", "/offline"): "public: the page shown offline, no data",
    ("GET", "/api/v1/push/key"): "signed in: the server's public VAPID key, no data",
    ("GET", "/api/v1/me/push-subscriptions"): "signed in: one's own devices only",
    ("POST", "/api/v1/me/push-subscriptions"): "signed in: subscribes one's own device",
    ("POST", "/api/v1/me/push-subscriptions/remove"): "signed in: one's own, by endpoint",
    ("DELETE", "/api/v1/me/push-subscriptions/<int:subscription_id>"): "one's own; 404 others",
    ("GET", "/api/v1/me/availability"): "signed in: one's own availability",
    ("PUT", "/api/v1/me/availability"): "signed in: one's own availability only",
    # Questions and insights (issue 17): their rules are pinned in tests/test_questions.py.
    ("POST", "/api/v1/messages/<int:message_id>/answer"): "asker or moderator; 404 unreadable",
    ("DELETE", "/api/v1/messages/<int:message_id>/answer"): "asker or moderator (as above)",
    ("POST", "/api/v1/messages/<int:message_id>/promote-question"): "who may add tips there",
    ("GET", "/api/v1/questions"): "signed in; the visibility rule (test_questions.py)",
    ("GET", "/api/v1/admin/insights"): "admins and analysts; members 403 (test_questions.py)",
    ("GET", "/admin/insights"): "admins and analysts; members 403 (test_questions.py)",
    ("GET", "/admin/insights.csv"): "admins and analysts (test_questions.py)",
    # Onboarding (issue 17): rules pinned in tests/test_onboarding.py.
    ("GET", "/api/v1/me/onboarding"): "signed in: one's own checklist (test_onboarding.py)",
    ("POST", "/api/v1/me/onboarding/dismiss"): "signed in: one's own (test_onboarding.py)",
    ("POST", "/api/v1/me/onboarding/restore"): "signed in: one's own (test_onboarding.py)",
    ("GET", "/api/v1/admin/onboarding"): "admins; members 403 (test_onboarding.py)",
    ("PUT", "/api/v1/admin/onboarding"): "admins; members 403; audited (test_onboarding.py)",
    ("GET", "/welcome"): "signed in: one's own checklist (test_onboarding.py)",
    ("POST", "/welcome/dismiss"): "signed in: one's own (test_onboarding.py)",
    ("POST", "/welcome/restore"): "signed in: one's own (test_onboarding.py)",
    ("GET", "/admin/onboarding"): "admins; others 404 (test_onboarding.py)",
    ("POST", "/admin/onboarding"): "admins; others 404 (test_onboarding.py)",
    # The weekly digest (issue 17): rules pinned in tests/test_digest.py.
    ("GET", "/api/v1/me/digest"): "signed in: one's own choice and digest (test_digest.py)",
    ("PUT", "/api/v1/me/digest"): "signed in: one's own choice only (test_digest.py)",
    ("POST", "/api/v1/me/digest/read"): "signed in: one's own digest (test_digest.py)",
    ("GET", "/settings/notifications"): "signed in: one's own (test_digest.py)",
    ("POST", "/settings/notifications"): "signed in, CSRF: one's own (test_digest.py)",
    ("GET", "/digest/unsubscribe/<token>"): "public: shows, changes nothing (test_digest.py)",
    ("POST", "/digest/unsubscribe/<token>"): "public: the signed link turns its owner's digest "
    "off, nothing else (test_digest.py)",
}


def _covered_by_tables(app: Any) -> set[tuple[str, str]]:
    """(method, rule) of every route some table above calls."""
    adapter = app.url_map.bind("localhost")
    calls = [(c.method, API + c.path) for c in (*CALLS, *TIP_CALLS, *ADMIN_CALLS)]
    calls += [(method, API + path) for method, path, _ in PROFILE_CALLS.values()]
    calls += ADMIN_PAGES
    covered = set()
    for method, path in calls:
        concrete = path.format(channel="town", message=1, tip=1).split("?")[0]
        rule, _ = adapter.match(concrete, method=method, return_rule=True)
        covered.add((method, rule.rule))
    return covered


def test_every_route_is_in_an_authorization_table(app):
    routes = {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }
    covered = _covered_by_tables(app)
    missing = sorted(routes - covered - set(NOT_IN_TABLES))
    assert not missing, (
        f"routes in no authorization table (add them, or to NOT_IN_TABLES): {missing}"
    )
    stale = sorted(set(NOT_IN_TABLES) - routes)
    assert not stale, f"NOT_IN_TABLES lists routes that no longer exist: {stale}"
    doubled = sorted(set(NOT_IN_TABLES) & covered)
    assert not doubled, f"in a table already, drop them from NOT_IN_TABLES: {doubled}"
