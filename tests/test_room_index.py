"""The Socket.IO client manager's room index: the same rooms as python-socketio's own, and
nothing left behind when a socket goes."""

from __future__ import annotations

from typing import Any

import socketio as python_socketio
from hypothesis import given, settings
from hypothesis import strategies as st

from physnet.extensions import socketio
from physnet.realtime.room_index import IndexedManager, IndexedRedisManager, client_manager

API = "/api/v1"
NAMESPACES = ("/", "/admin")
ROOMS = ("channel:1", "channel:2", "user:1", "presence:ana", "everyone")

# One step: (operation, socket number, namespace, room)
step = st.tuples(
    st.sampled_from(("connect", "reconnect", "enter", "leave", "disconnect", "close")),
    st.integers(0, 5),
    st.sampled_from(NAMESPACES),
    # Besides ordinary rooms: another socket's sid room (refused) and the namespace room.
    st.sampled_from((*ROOMS, "s0", "s3", None)),
)


def apply(manager: Any, operation: str, n: int, namespace: str, room: Any) -> str:
    """One operation as python-socketio's server performs it (the sid is `s<n>`); the
    name of the error the library raised, if any."""
    sid = f"s{n}"
    connected = manager.is_connected(sid, namespace)
    try:
        if operation == "connect" and not connected:
            # What BaseManager.pre_connect does, with a sid of our choosing.
            manager.basic_enter_room(sid, namespace, None, eio_sid=f"e{n}-{namespace}")
            manager.basic_enter_room(sid, namespace, sid, eio_sid=f"e{n}-{namespace}")
        elif operation == "reconnect":  # the same Engine.IO session under a new sid
            manager.basic_enter_room(f"r{n}", namespace, None, eio_sid=f"e{n}-{namespace}")
        elif operation == "enter" and connected:
            manager.basic_enter_room(sid, namespace, room)
        elif operation == "leave":
            manager.basic_leave_room(sid, namespace, room)
        elif operation == "disconnect":
            manager.basic_disconnect(sid, namespace)
        elif operation == "close" and room is not None:
            manager.basic_close_room(room, namespace)
    except Exception as exc:  # the library refuses: both managers must refuse alike
        return type(exc).__name__
    return ""


def snapshot(manager: Any) -> tuple[Any, Any]:
    tables = {
        namespace: {room: dict(members) for room, members in table.items()}
        for namespace, table in manager.rooms.items()
    }
    joined = {
        (namespace, f"s{n}"): sorted(manager.get_rooms(f"s{n}", namespace))
        for namespace in NAMESPACES
        for n in range(6)
    }
    return tables, joined


@settings(max_examples=300, deadline=None)
@given(st.lists(step, max_size=60))
def test_rooms_match_python_socketios_own_manager_after_any_sequence(steps):
    stock, indexed = python_socketio.Manager(), IndexedManager()
    for operation in steps:
        assert apply(indexed, *operation) == apply(stock, *operation)
        assert snapshot(indexed) == snapshot(stock)
    # The index holds exactly the rooms each socket is in, and nothing for one that left.
    expected: dict[tuple[str, str], set[Any]] = {}
    for namespace, table in stock.rooms.items():
        for room, members in table.items():
            for sid in members:
                expected.setdefault((namespace, sid), set()).add(room)
    assert indexed.sid_rooms == expected


def test_a_disconnected_socket_leaves_no_trace():
    manager = IndexedManager()
    for n in range(3):
        apply(manager, "connect", n, "/", "")
        for room in ROOMS:
            apply(manager, "enter", n, "/", room)
    manager.callbacks["s1"] = {0: iter(())}
    manager.pending_disconnect["/"] = ["s1"]

    manager.basic_disconnect("s1", "/")

    assert all("s1" not in members for members in manager.rooms["/"].values())
    assert ("/", "s1") not in manager.sid_rooms
    assert "s1" not in manager.callbacks and "/" not in manager.pending_disconnect
    assert sorted(manager.get_rooms("s0", "/")) == sorted([*ROOMS, "s0"])


def test_the_app_uses_the_indexed_manager_with_or_without_redis():
    assert isinstance(client_manager(None, "physnet"), IndexedManager)
    queued = client_manager("redis://127.0.0.1:6379/0", "physnet-test")
    assert isinstance(queued, IndexedRedisManager) and queued.channel == "physnet-test"


def test_a_socket_is_indexed_in_its_channel_and_person_rooms(app, factory, login):
    ana_id = factory.user("ana").id
    factory.user("ben")
    town = factory.channel("town", members=("ana", "ben"))
    ward = factory.channel("ward", members=("ana",))
    ana = login("ana")
    sock = ana.socket()
    manager = socketio.server.manager
    assert isinstance(manager, IndexedManager)
    sid = manager.sid_from_eio_sid(sock.eio_sid, "/")

    expected = {f"channel:{town.id}", f"channel:{ward.id}", f"user:{ana_id}", sid}
    assert expected <= set(manager.get_rooms(sid, "/"))

    assert ana.post(f"{API}/channels/ward/leave").status_code == 200
    assert f"channel:{ward.id}" not in manager.get_rooms(sid, "/")
    assert sid not in dict(manager.rooms["/"].get(f"channel:{ward.id}", {}))

    sock.disconnect()
    assert ("/", sid) not in manager.sid_rooms
    assert all(sid not in members for members in manager.rooms.get("/", {}).values())
