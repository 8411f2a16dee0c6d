"""Publishing a tip follows the channel's posting rule: in an announcement channel only its
moderators (and admins who are members) publish, by creating or by promoting."""

from __future__ import annotations

from typing import Any

from test_tips import assert_error, count, make_tip, post_message

from physnet.models import Tip

API = "/api/v1"


def test_only_moderators_publish_tips_in_an_announcement_channel(
    app: Any, factory: Any, login: Any
) -> None:
    for name in ("alice", "mona"):
        factory.user(name)
    factory.channel("news", kind="announcement", members=("alice",), moderators=("mona",))
    alice, mona = login("alice"), login("mona")
    body = {"title": "Downtime procedure", "body": "Use the paper forms.", "channel": "news"}

    assert_error(alice.post(f"{API}/tips", json=body), 403, "announcement_only")
    announcement = post_message(mona, "news", "Downtime on Sunday: use the paper order forms")
    promote = {"title": "Downtime", "tags": []}
    assert_error(
        alice.post(f"{API}/messages/{announcement}/promote", json=promote), 403, "announcement_only"
    )
    assert_error(
        alice.post(f"{API}/messages/{announcement}/promote", json={**promote, "thread": True}),
        403,
        "announcement_only",
    )
    assert count(app, Tip) == 0

    assert make_tip(mona, "news")["channel"] == "news"
    response = mona.post(f"{API}/messages/{announcement}/promote", json=promote)
    assert response.status_code == 201, response.get_data(as_text=True)
    assert count(app, Tip) == 2
