"""The channels API: listing with unread counts, creating, membership, direct messages."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select, update

from physnet.extensions import db
from physnet.models import Channel, User

API = "/api/v1"


def assert_error(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.json["error"]
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"].strip()


def listing(api: Any) -> dict[str, dict[str, Any]]:
    response = api.get(f"{API}/channels")
    assert response.status_code == 200, response.json
    return {c["name"]: c for c in response.json["channels"]}


def post(api: Any, channel: str, body: str, **extra: Any) -> dict[str, Any]:
    response = api.post(f"{API}/channels/{channel}/messages", json={"body": body, **extra})
    assert response.status_code == 201, response.json
    return response.json["message"]


def user_id(app: Any, username: str) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.username == username))


# --- listing ---------------------------------------------------------------------------


def test_list_shows_public_announcement_and_my_private_channels_only(factory, login):
    for name in ("alice", "bob", "carol"):
        factory.user(name)
    factory.channel("town-square")
    factory.channel("news", kind="announcement")
    factory.channel("council", kind="private", members=("alice",))
    factory.channel("hidden", kind="private", members=("bob",))
    factory.channel("dm-x", kind="direct", members=("bob", "carol"))

    channels = listing(login("alice"))

    assert list(channels) == ["council", "news", "town-square"]
    assert channels["council"]["member"] is True
    assert channels["council"]["private"] is True
    assert channels["town-square"]["member"] is False
    assert channels["news"]["kind"] == "announcement"


def test_unread_and_mention_counts_rise_when_others_post_and_reset_after_read(factory, login):
    factory.user("alice")
    factory.user("bob")
    factory.channel("town-square", members=("alice", "bob"))
    alice, bob = login("alice"), login("bob")
    assert listing(alice)["town-square"]["unread"] == 0

    post(bob, "town-square", "first")
    post(bob, "town-square", "second")
    counts = listing(alice)["town-square"]
    assert (counts["unread"], counts["mentions"]) == (2, 0)

    last = post(bob, "town-square", "@alice could you look at this order set?")
    counts = listing(alice)["town-square"]
    assert (counts["unread"], counts["mentions"]) == (3, 1)

    response = alice.post(f"{API}/channels/town-square/read", json={"message_id": last["id"]})
    assert response.status_code == 200
    assert response.json["last_read_id"] == last["id"]
    counts = listing(alice)["town-square"]
    assert (counts["unread"], counts["mentions"]) == (0, 0)
    assert counts["last_read_id"] == last["id"]

    post(bob, "town-square", "one more")
    assert listing(alice)["town-square"]["unread"] == 1


def test_my_own_messages_are_not_unread(factory, login):
    factory.user("alice")
    factory.user("bob")
    factory.channel("town-square", members=("alice", "bob"))
    alice = login("alice")
    post(alice, "town-square", "note to self")
    assert listing(alice)["town-square"]["unread"] == 0
    assert listing(login("bob"))["town-square"]["unread"] == 1


def test_read_marker_never_moves_back(factory, login):
    factory.user("alice")
    factory.user("bob")
    factory.channel("town-square", members=("alice", "bob"))
    bob, alice = login("bob"), login("alice")
    first = post(bob, "town-square", "one")
    second = post(bob, "town-square", "two")
    alice.post(f"{API}/channels/town-square/read", json={"message_id": second["id"]})
    response = alice.post(f"{API}/channels/town-square/read", json={"message_id": first["id"]})
    assert response.json["last_read_id"] == second["id"]
    assert listing(alice)["town-square"]["unread"] == 0


# --- creating ------------------------------------------------------------------------------


def test_creator_becomes_member_and_moderator(factory, login):
    factory.user("alice")
    alice = login("alice")
    response = alice.post(
        f"{API}/channels",
        json={
            "name": "sepsis-protocol",
            "title": "Sepsis protocol",
            "description": "Bundle timing and the BPA.",
            "private": False,
        },
    )
    assert response.status_code == 201, response.json
    channel = response.json["channel"]
    assert channel["name"] == "sepsis-protocol"
    assert channel["title"] == "Sepsis protocol"
    assert channel["description"] == "Bundle timing and the BPA."
    assert (channel["kind"], channel["private"]) == ("public", False)
    assert (channel["member"], channel["role"]) == (True, "moderator")

    members = alice.get(f"{API}/channels/sepsis-protocol/members").json["members"]
    assert members == [{"username": "alice", "display_name": "Alice", "role": "moderator"}]
    assert listing(alice)["sepsis-protocol"]["member"] is True


def test_created_private_channel_is_invisible_to_others(factory, login):
    factory.user("alice")
    factory.user("bob")
    alice = login("alice")
    response = alice.post(f"{API}/channels", json={"name": "council", "private": True})
    assert response.status_code == 201
    assert (response.json["channel"]["kind"], response.json["channel"]["private"]) == (
        "private",
        True,
    )
    bob = login("bob")
    assert "council" not in listing(bob)
    assert_error(bob.get(f"{API}/channels/council"), 404, "unknown_channel")


@pytest.mark.parametrize("kind", ["public", "private"])
def test_duplicate_channel_name_is_409(factory, login, kind):
    factory.user("alice")
    factory.user("bob")
    factory.channel("cardiology", kind=kind, members=("bob",))
    response = login("alice").post(f"{API}/channels", json={"name": "cardiology"})
    assert_error(response, 409, "channel_exists")


@pytest.mark.parametrize(
    "name",
    [
        "Cardiology",  # uppercase
        "a" * 81,  # too long
        "-cardiology",  # leading hyphen
        "a",  # too short
        "ehr tips",  # space
        "ehr_tips",  # underscore
        "café",  # non-ASCII
        "",
        pytest.param(
            "ehr-tips\n",
        ),
    ],
)
def test_invalid_channel_names_are_422(factory, login, name):
    factory.user("alice")
    alice = login("alice")
    assert_error(alice.post(f"{API}/channels", json={"name": name}), 422, "invalid_channel_name")
    assert listing(alice) == {}


@pytest.mark.parametrize("name", ["ab", "a" * 80, "0-day", "ehr-tips-2"])
def test_valid_channel_names_at_the_edges_are_accepted(factory, login, name):
    factory.user("alice")
    response = login("alice").post(f"{API}/channels", json={"name": name})
    assert response.status_code == 201, response.json
    assert response.json["channel"]["name"] == name


@pytest.mark.parametrize("raw", ["{not json", "[]", '"a string"', "null", ""])
def test_malformed_json_body_is_400(factory, login, raw):
    factory.user("alice")
    alice = login("alice")
    response = alice.post(f"{API}/channels", data=raw, content_type="application/json")
    assert_error(response, 400, "invalid_json")


@pytest.mark.parametrize(
    "body",
    [
        {"name": 5},
        {"name": ["cardiology"]},
        {"name": None},
        {"name": "cardiology", "title": 7},
        {"name": "cardiology", "description": {"text": "x"}},
        {"name": "cardiology", "private": "yes"},
        {"name": "cardiology", "private": 1},
    ],
)
def test_wrong_field_types_are_400(factory, login, body):
    factory.user("alice")
    alice = login("alice")
    assert_error(alice.post(f"{API}/channels", json=body), 400, "invalid_type")
    assert "cardiology" not in listing(alice)


def test_only_staff_create_announcement_channels(factory, login):
    factory.user("alice")
    factory.user("mod", role="moderator")
    body = {"name": "news", "announcement": True}
    assert_error(login("alice").post(f"{API}/channels", json=body), 403, "staff_only")
    response = login("mod").post(f"{API}/channels", json=body)
    assert response.status_code == 201
    assert response.json["channel"]["kind"] == "announcement"


# --- join, leave, add -----------------------------------------------------------------------


def test_join_and_leave_a_public_channel(factory, login):
    factory.user("alice")
    factory.channel("cardiology")
    alice = login("alice")

    response = alice.post(f"{API}/channels/cardiology/join")
    assert response.status_code == 200
    assert (response.json["channel"]["member"], response.json["channel"]["role"]) == (
        True,
        "member",
    )
    assert listing(alice)["cardiology"]["member"] is True
    again = alice.post(f"{API}/channels/cardiology/join")
    assert again.status_code == 200
    members = alice.get(f"{API}/channels/cardiology/members").json["members"]
    assert [m["username"] for m in members] == ["alice"]

    assert alice.post(f"{API}/channels/cardiology/leave").json == {"ok": True}
    assert listing(alice)["cardiology"]["member"] is False
    assert alice.get(f"{API}/channels/cardiology/members").json["members"] == []
    assert_error(alice.post(f"{API}/channels/cardiology/leave"), 422, "not_a_member")


def test_joining_a_private_channel_looks_like_a_missing_channel(factory, login):
    factory.user("alice")
    factory.user("bob")
    factory.channel("council", kind="private", members=("bob",))
    alice = login("alice")
    hidden = alice.post(f"{API}/channels/council/join")
    missing = alice.post(f"{API}/channels/nothing-here/join")
    assert_error(hidden, 404, "unknown_channel")
    assert hidden.json["error"]["message"].replace("council", "X") == (
        missing.json["error"]["message"].replace("nothing-here", "X")
    )
    assert "council" not in listing(alice)


def test_a_member_adds_a_colleague_to_a_private_channel(factory, login):
    factory.user("alice")
    factory.user("bob")
    factory.channel("council", kind="private", members=("alice",))
    response = login("alice").post(f"{API}/channels/council/members", json={"username": "bob"})
    assert response.status_code == 201
    assert response.json["member"] == {"username": "bob", "role": "member"}
    bob = login("bob")
    assert listing(bob)["council"]["member"] is True
    assert bob.get(f"{API}/channels/council").status_code == 200


def test_adding_unknown_or_deactivated_people_is_404(app, factory, login):
    factory.user("alice")
    factory.user("gone")
    factory.channel("cardiology", members=("alice",))
    with app.app_context():
        db.session.execute(update(User).where(User.username == "gone").values(active=False))
        db.session.commit()
    alice = login("alice")
    for username in ("nobody", "gone"):
        response = alice.post(f"{API}/channels/cardiology/members", json={"username": username})
        assert_error(response, 404, "unknown_user")
    assert_error(
        alice.post(f"{API}/channels/cardiology/members", json={"username": 3}), 400, "invalid_type"
    )


def test_non_member_cannot_add_people_to_a_public_channel(factory, login):
    factory.user("alice")
    factory.user("bob")
    factory.channel("cardiology")
    response = login("alice").post(f"{API}/channels/cardiology/members", json={"username": "bob"})
    assert_error(response, 403, "not_a_member")


def test_only_moderators_add_people_to_announcement_channels(factory, login):
    for name in ("alice", "bob", "mod"):
        factory.user(name)
    factory.channel("news", kind="announcement", members=("alice",), moderators=("mod",))
    body = {"username": "bob"}
    assert_error(login("alice").post(f"{API}/channels/news/members", json=body), 403, "staff_only")
    assert login("mod").post(f"{API}/channels/news/members", json=body).status_code == 201


# --- direct messages -----------------------------------------------------------------------


def test_direct_channel_is_created_once_and_found_again(app, factory, login):
    factory.user("alice")
    factory.user("bob")
    alice, bob = login("alice"), login("bob")

    first = alice.post(f"{API}/direct", json={"username": "bob"})
    assert first.status_code == 200, first.json
    channel = first.json["channel"]
    assert (channel["kind"], channel["private"], channel["member"]) == ("direct", True, True)
    second = alice.post(f"{API}/direct", json={"username": "bob"})
    from_bob = bob.post(f"{API}/direct", json={"username": "alice"})
    assert second.json["channel"]["name"] == channel["name"]
    assert from_bob.json["channel"]["name"] == channel["name"]
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count()).select_from(Channel).where(Channel.kind == "direct")
            )
            == 1
        )
    members = alice.get(f"{API}/channels/{channel['name']}/members").json["members"]
    assert sorted(m["username"] for m in members) == ["alice", "bob"]


def test_only_the_two_people_can_see_a_direct_channel(factory, login):
    for name in ("alice", "bob", "carol"):
        factory.user(name)
    factory.user("root", role="admin")
    alice, bob = login("alice"), login("bob")
    name = alice.post(f"{API}/direct", json={"username": "bob"}).json["channel"]["name"]
    post(alice, name, "About the handoff tool")
    assert post(bob, name, "Sure")["channel"] == name
    assert name in listing(bob)

    for outsider in (login("carol"), login("root")):
        assert name not in listing(outsider)
        assert_error(outsider.get(f"{API}/channels/{name}/messages"), 404, "unknown_channel")
        assert_error(
            outsider.post(f"{API}/channels/{name}/messages", json={"body": "hi"}),
            404,
            "unknown_channel",
        )
        assert_error(outsider.post(f"{API}/channels/{name}/join"), 404, "unknown_channel")


def test_nobody_can_be_added_to_or_leave_a_direct_channel(factory, login):
    for name in ("alice", "bob", "carol"):
        factory.user(name)
    alice = login("alice")
    name = alice.post(f"{API}/direct", json={"username": "bob"}).json["channel"]["name"]
    assert_error(
        alice.post(f"{API}/channels/{name}/members", json={"username": "carol"}),
        403,
        "direct_channel",
    )
    assert_error(alice.post(f"{API}/channels/{name}/leave"), 403, "direct_channel")


def test_direct_message_needs_another_active_person(factory, login):
    factory.user("alice")
    alice = login("alice")
    assert_error(alice.post(f"{API}/direct", json={"username": "alice"}), 422, "direct_self")
    assert_error(alice.post(f"{API}/direct", json={"username": "nobody"}), 404, "unknown_user")
    assert_error(alice.post(f"{API}/direct", json={"username": ["bob"]}), 400, "invalid_type")


def test_a_squatted_direct_channel_name_does_not_expose_the_conversation(app, factory, login):
    for name in ("alice", "bob", "carol"):
        factory.user(name)
    low, high = sorted((user_id(app, "alice"), user_id(app, "bob")))
    carol = login("carol")
    carol.post(f"{API}/channels", json={"name": f"dm-{low}-{high}"})

    alice = login("alice")
    response = alice.post(f"{API}/direct", json={"username": "bob"})
    assert response.status_code == 200, response.json
    channel = response.json["channel"]
    assert (channel["kind"], channel["member"]) == ("direct", True)
    post(alice, channel["name"], "Private question about the discharge workflow")
    assert_error(carol.get(f"{API}/channels/{channel['name']}/messages"), 404, "unknown_channel")


# --- announcement channels -----------------------------------------------------------------


def test_announcement_channel_members_read_but_only_moderators_and_admins_post(factory, login):
    factory.user("alice")
    factory.user("mod")
    factory.user("root", role="admin")
    factory.user("lead", role="moderator")
    factory.channel(
        "news", kind="announcement", members=("alice", "root", "lead"), moderators=("mod",)
    )
    alice = login("alice")

    assert_error(
        alice.post(f"{API}/channels/news/messages", json={"body": "hello"}),
        403,
        "announcement_only",
    )
    posted = [
        post(login(name), "news", f"Update from {name}")["body"] for name in ("mod", "root", "lead")
    ]
    history = alice.get(f"{API}/channels/news/messages")
    assert history.status_code == 200
    assert [m["body"] for m in history.json["messages"]] == posted


def test_anyone_may_join_an_announcement_channel_to_read_it(factory, login):
    factory.user("alice")
    factory.user("mod")
    factory.channel("news", kind="announcement", moderators=("mod",))
    post(login("mod"), "news", "Downtime tonight at 02:00")
    alice = login("alice")
    assert alice.post(f"{API}/channels/news/join").status_code == 200
    assert listing(alice)["news"]["unread"] == 1
    assert_error(
        alice.post(f"{API}/channels/news/messages", json={"body": "ok"}), 403, "announcement_only"
    )


# --- input the database must never see -----------------------------------------------------


NUL_REQUESTS = [
    ("GET", "/channels/ehr%00tips", None, False),
    ("GET", "/channels/ehr%00tips/messages", None, False),
    ("POST", "/channels/ehr%00tips/join", None, False),
    ("POST", "/channels/cardiology/members", {"username": "bob\x00"}, False),
    ("POST", "/direct", {"username": "bob\x00"}, False),
    ("POST", "/channels", {"name": "ehr-tips", "title": "EHR\x00tips"}, True),
    ("POST", "/channels", {"name": "ehr-tips", "description": "a\x00b"}, True),
]


@pytest.mark.parametrize(("method", "path", "body", "stored"), NUL_REQUESTS)
def test_nul_bytes_in_channel_requests_are_refused_without_a_500(
    backend, factory, login, method, path, body, stored
):
    factory.user("alice")
    factory.user("bob")
    factory.channel("cardiology", members=("alice",))
    alice = login("alice")
    response = alice.request(method, API + path, json=body)
    assert 400 <= response.status_code < 500, response.get_data(as_text=True)
    assert response.json["error"]["code"]
    assert "ehr-tips" not in listing(alice)
