"""Typing events are rate-limited per socket: the excess is refused and never broadcast."""

from __future__ import annotations

from flask import Flask

from physnet.ratelimit import LIMITS

from conftest import ApiClient, Factory


def test_excess_typing_events_are_dropped_per_socket(limited_app: Flask) -> None:
    factory = Factory(limited_app)
    for name in ("alice", "bob"):
        factory.user(name)
    factory.channel("town", members=("alice", "bob"))
    alice = ApiClient(limited_app.test_client(), "alice")
    bob = ApiClient(limited_app.test_client(), "bob")
    flooding, other_tab, watching = alice.socket(), alice.socket(), bob.socket()
    watching.get_received()
    allowed = LIMITS["typing"][0]

    acks = [flooding.emit("typing", {"channel": "town"}, callback=True) for _ in range(allowed + 5)]
    assert acks[:allowed] == [{"ok": True}] * allowed
    for ack in acks[allowed:]:
        assert ack["ok"] is False and ack["error"]["code"] == "rate_limited"
        assert ack["error"]["message"].endswith("seconds.")
    heard = [e for e in watching.get_received() if e["name"] == "typing"]
    assert len(heard) == allowed  # the refused ones were never broadcast

    # The limit is the socket's own: alice's other tab still types.
    assert other_tab.emit("typing", {"channel": "town"}, callback=True) == {"ok": True}
    assert [e["name"] for e in watching.get_received()] == ["typing"]
