"""Sessions and hardening: admins ending sessions, fixation, cookies, own tokens, idle
sockets, socket Origin checks, security headers and rate limits."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import socketio as socketio_client
from sqlalchemy import func, select, update

from physnet import create_app
from physnet.actions.sessions import do_sign_out
from physnet.extensions import db, socketio
from physnet.models import ApiToken, AuditEvent, EndedSession, Message, User, utcnow
from physnet.realtime.expiry import expiry

from conftest import PASSWORD, Factory, Listener, LiveServer, _settings, csrf_token

API = "/api/v1"
COOKIE = "physnet_session"


def audit_actions(app: Any, prefix: str) -> list[tuple[str, str, str]]:
    with app.app_context():
        rows = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action.like(prefix + "%")).order_by(AuditEvent.seq)
        ).all()
        return [(e.actor, e.action, e.target) for e in rows]


def signed_in(client: Any) -> bool:
    return client.get(f"{API}/me").status_code == 200


# --- admins end someone's sessions ----------------------------------------------------------


def test_an_admin_ends_every_session_and_socket_of_a_person(app, factory, login):
    factory.user("root", role="admin")
    factory.user("alice")
    factory.user("bob")
    laptop, phone, bob = login("alice"), login("alice"), login("bob")
    sockets = [laptop.socket(), phone.socket()]
    assert all(s.is_connected() for s in sockets)

    root = login("root")
    response = root.post(f"{API}/admin/users/alice/sessions/revoke")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.json == {"ok": True, "username": "alice", "tokens_revoked": 0}

    assert not signed_in(laptop.client) and not signed_in(phone.client)
    assert [s.is_connected() for s in sockets] == [False, False]
    assert signed_in(bob.client)
    assert audit_actions(app, "admin.") == [("user:root", "admin.sessions_ended", "user:alice")]
    assert signed_in(login("alice").client)  # signed out, not locked out


def test_only_admins_end_sessions(app, factory, login):
    factory.user("root", role="admin")
    factory.user("mod", role="moderator")
    factory.user("alice")
    alice = login("alice")
    for caller in ("alice", "mod"):
        response = login(caller).post(f"{API}/admin/users/alice/sessions/revoke")
        assert response.status_code == 403
        assert response.json["error"]["code"] == "admin_only"
    root = login("root")
    missing = root.post(f"{API}/admin/users/nobody/sessions/revoke")
    assert missing.status_code == 404
    forged = root.client.post(f"{API}/admin/users/alice/sessions/revoke")  # no CSRF header
    assert forged.status_code == 400
    assert signed_in(alice.client)
    assert audit_actions(app, "admin.") == []


def test_the_sessions_page_ends_sessions_with_a_button(factory, login):
    factory.user("root", role="admin")
    factory.user("alice", display_name="Dr. Alice Moreno")
    alice = login("alice")
    root = login("root")
    page = root.get("/admin/sessions", query_string={"q": "dr. alice"}).get_data(as_text=True)
    assert "Dr. Alice Moreno" in page and "End sessions" in page
    token = csrf_token(root.client, "/admin/sessions")
    response = root.client.post(
        "/admin/sessions/alice/end", data={"csrf_token": token, "q": "alice"}
    )
    assert response.status_code == 302
    assert "ended" in root.get(response.headers["Location"]).get_data(as_text=True)
    assert not signed_in(alice.client)
    assert alice.get("/admin/sessions").status_code == 404  # signed out: like a missing page
    again = login("alice")
    assert again.get("/admin/sessions").status_code == 404
    assert (
        again.client.post("/admin/sessions/root/end", data={"csrf_token": again.csrf}).status_code
        == 404
    )


# --- session fixation and cookies ------------------------------------------------------------


def _cookie(client: Any) -> str | None:
    cookie = client.get_cookie(COOKIE)
    return cookie.value if cookie else None


def test_a_session_cookie_from_before_sign_in_is_not_signed_in_afterwards(app, factory):
    """An attacker who planted a cookie (and knows its CSRF token) gains nothing."""
    factory.user("alice")
    victim = app.test_client()
    planted_token = csrf_token(victim)  # GET /login: an anonymous session with a CSRF token
    planted = _cookie(victim)
    assert planted
    response = victim.post(
        "/login", data={"username": "alice", "password": PASSWORD, "csrf_token": planted_token}
    )
    assert response.status_code == 302
    assert _cookie(victim) != planted
    assert signed_in(victim)

    attacker = app.test_client()
    attacker.set_cookie(COOKIE, planted)
    assert not signed_in(attacker)
    # The old CSRF token does not work with the new session either.
    forged = victim.post(
        f"{API}/channels", json={"name": "forged"}, headers={"X-CSRFToken": planted_token}
    )
    assert forged.status_code == 400
    assert forged.json["error"]["code"] == "csrf_failed"


# --- sign-out ends the session itself, not just this browser's cookie ----------------------


def _sign_out(client: Any) -> None:
    response = client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert response.status_code == 302


def test_a_copied_cookie_stops_working_when_its_owner_signs_out(app, factory, login):
    factory.user("alice")
    factory.channel("town", members=("alice",))
    alice = login("alice")
    copy = app.test_client()
    copy.set_cookie(COOKIE, _cookie(alice.client))
    assert signed_in(copy)
    copied_socket = alice.socket()  # a socket opened with the same session
    other = login("alice")  # another device: a session of its own
    other_socket = other.socket()
    assert copied_socket.is_connected() and other_socket.is_connected()

    _sign_out(alice.client)

    assert not signed_in(alice.client)
    assert not signed_in(copy), "a copy of a signed-out cookie still worked"
    assert copy.get("/c/town").status_code == 302  # pages send it to sign in
    assert not socketio.test_client(app, flask_test_client=copy).is_connected()
    assert not copied_socket.is_connected(), "the session's socket stayed open"
    assert signed_in(other.client) and other_socket.is_connected()
    assert audit_actions(app, "auth.signout") == [("user:alice", "auth.signout", "user:alice")]
    assert signed_in(login("alice").client)  # signed out, not locked out


def test_ended_sessions_are_forgotten_once_past_their_lifetime_only(app, factory, login):
    factory.user("alice")
    old, recent = login("alice"), login("alice")
    recent_copy = app.test_client()
    recent_copy.set_cookie(COOKIE, _cookie(recent.client))
    _sign_out(old.client)
    _sign_out(recent.client)
    lifetime = timedelta(hours=app.config["PHYSNET"].session_lifetime_hours)
    with app.app_context():
        rows = db.session.scalars(select(EndedSession).order_by(EndedSession.ended_at)).all()
        assert len(rows) == 2
        assert all(abs(r.started_at - r.ended_at) < timedelta(seconds=30) for r in rows)
        # The first session signed in longer ago than the lifetime: its cookie is dead anyway.
        rows[0].started_at = utcnow() - lifetime - timedelta(seconds=1)
        db.session.commit()
        kept = rows[1].sid
    _sign_out(login("alice").client)  # any sign-out prunes
    with app.app_context():
        sids = {r.sid for r in db.session.scalars(select(EndedSession))}
    assert len(sids) == 2 and kept in sids  # the live risk stays, with the new one
    assert not signed_in(recent_copy)


def test_signing_out_twice_with_one_cookie_is_one_ended_session(app, factory, login):
    """A double-click, or two tabs of one session signing out at once."""
    factory.user("alice")
    alice = login("alice")
    twin = app.test_client()
    twin.set_cookie(COOKIE, _cookie(alice.client))
    csrf = csrf_token(twin, "/")
    _sign_out(alice.client)
    # The twin's page was loaded before: its sign-out reaches an already ended session.
    response = twin.post("/logout", data={"csrf_token": csrf})
    assert response.status_code == 302
    with app.app_context():
        assert len(db.session.scalars(select(EndedSession)).all()) == 1
        user = db.session.scalar(select(User).where(User.username == "alice"))
        sid = db.session.scalar(select(EndedSession.sid))
        do_sign_out(user, sid, utcnow(), None)  # the same session ended again: no conflict
        assert len(db.session.scalars(select(EndedSession)).all()) == 1


def test_a_bearer_request_to_logout_ends_no_cookie_session(app, factory, login):
    factory.user("alice")
    factory.user("bob")
    alice = login("alice")
    token = factory.token("bob")
    response = alice.client.post(
        "/logout",
        data={"csrf_token": alice.csrf},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalars(select(EndedSession)).all() == []
    assert audit_actions(app, "auth.signout") == []
    bob = app.test_client()
    assert bob.get(f"{API}/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_a_socket_whose_close_was_missed_is_refused_and_then_closed(app, factory, login):
    """If the close of a signed-out session's socket never arrived (it was still connecting,
    or the control message was lost), its events are refused and the watcher closes it."""
    factory.user("alice")
    factory.channel("town", members=("alice",))
    alice = login("alice")
    sock = alice.socket()
    sid = socketio.server.manager.sid_from_eio_sid(sock.eio_sid, "/")
    session_id = expiry.session_of(sid)
    assert session_id
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "alice"))
        db.session.add(
            EndedSession(sid=session_id, user_id=user.id, ended_at=utcnow(), started_at=utcnow())
        )
        db.session.commit()
    ack = sock.emit("typing", {"channel": "town"}, callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == "session_ended"
    assert expiry.end_session(session_id) == [sid]
    assert sid in expiry.expired(time.time())  # the watcher closes it on its next round


def test_a_session_found_idle_is_ended_for_every_copy(app, factory, login):
    """The owner's browser went idle; a copy someone kept busy elsewhere ends with it."""
    factory.user("alice")
    alice = login("alice")
    copy = app.test_client()
    copy.set_cookie(COOKIE, _cookie(alice.client))
    with alice.client.session_transaction() as browser_session:
        browser_session["seen"] = time.time() - 3 * 3600  # the owner walked away
    assert not signed_in(alice.client)
    assert not signed_in(copy), "a busy copy outlived its idle session"
    assert [a for _, a, _ in audit_actions(app, "auth.session_expired")] == ["auth.session_expired"]


@pytest.fixture
def secure_app(tmp_path: Any, sqlite_template: Any) -> Iterator[Any]:
    path = tmp_path / "secure.db"
    shutil.copy(sqlite_template, path)
    application = create_app(_settings(tmp_path, f"sqlite:///{path}", secure_cookies=True))
    application.config["TESTING"] = True
    yield application
    with application.app_context():
        db.engine.dispose()


def test_session_cookie_is_secure_httponly_and_samesite_lax(secure_app):
    Factory(secure_app).user("alice")
    client = secure_app.test_client()
    base = "https://physnet.example-health.org"
    page = client.get("/login", base_url=base).get_data(as_text=True)
    token = page.split('name="csrf-token" content="')[1].split('"')[0]
    response = client.post(
        "/login",
        base_url=base,
        data={"username": "alice", "password": PASSWORD, "csrf_token": token},
        headers={"Referer": base + "/login"},  # over HTTPS the CSRF check wants it
    )
    assert response.status_code == 302
    set_cookie = response.headers["Set-Cookie"]
    assert set_cookie.startswith(f"{COOKIE}=")
    for flag in ("Secure", "HttpOnly", "SameSite=Lax"):
        assert flag in set_cookie, set_cookie
    assert "max-age=31536000" in response.headers["Strict-Transport-Security"]


def test_without_tls_cookies_are_still_httponly_and_lax_and_there_is_no_hsts(app, client):
    response = client.get("/login")
    set_cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in set_cookie and "SameSite=Lax" in set_cookie
    assert "Secure" not in set_cookie
    assert "Strict-Transport-Security" not in response.headers


def test_pages_send_the_usual_security_headers(client):
    headers = client.get("/login").headers
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert "camera=()" in headers["Permissions-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    policy = headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy
    assert "object-src 'none'" in policy


# --- a person's own API tokens ---------------------------------------------------------------


def test_people_list_and_revoke_their_own_tokens(app, factory, login):
    factory.user("alice")
    factory.user("bob")
    first, second = factory.token("alice"), factory.token("alice")
    factory.token("bob")
    alice = login("alice")
    listed = alice.get(f"{API}/me/tokens").json["tokens"]
    assert [t["label"] for t in listed] == ["test", "test"]
    assert all(t["revoked_at"] is None for t in listed)
    assert first not in str(listed) and "hash" not in str(listed)

    bob = login("bob")
    assert bob.delete(f"{API}/me/tokens/{listed[0]['id']}").status_code == 404
    response = alice.delete(f"{API}/me/tokens/{listed[0]['id']}")
    assert response.status_code == 200
    assert response.json["token"]["revoked_at"]
    bearer = {"Authorization": f"Bearer {first}"}
    assert app.test_client().get(f"{API}/me", headers=bearer).status_code == 401

    # A token can revoke itself (scripts rotating their credentials), without CSRF.
    own = {"Authorization": f"Bearer {second}"}
    gone = app.test_client().delete(f"{API}/me/tokens/{listed[1]['id']}", headers=own)
    assert gone.status_code == 200
    assert app.test_client().get(f"{API}/me", headers=own).status_code == 401
    assert [a for _, a, _ in audit_actions(app, "token.")] == ["token.revoked"] * 2
    assert alice.delete(f"{API}/me/tokens/99999999999").status_code == 404
    assert alice.client.delete(f"{API}/me/tokens/{listed[0]['id']}").status_code == 400  # CSRF


def _token_socket(app: Any, token: str) -> Any:
    return socketio.test_client(app, auth={"token": token})


def test_revoking_a_token_closes_the_sockets_opened_with_it(app, factory, login):
    factory.user("alice")
    factory.user("bob")
    factory.channel("order-sets", members=("alice", "bob"))
    token, other = factory.token("alice"), factory.token("alice")
    revoked, kept = _token_socket(app, token), _token_socket(app, other)
    assert revoked.is_connected() and kept.is_connected()
    alice = login("alice")
    [first, _] = alice.get(f"{API}/me/tokens").json["tokens"]
    assert alice.delete(f"{API}/me/tokens/{first['id']}").status_code == 200

    assert not revoked.is_connected()
    assert kept.is_connected()  # another token of the same person is untouched
    assert not _token_socket(app, token).is_connected()  # and it cannot come back
    kept.get_received()
    bob = login("bob")
    bob.post(f"{API}/channels/order-sets/messages", json={"body": "Favorites live here"})
    assert [e["name"] for e in kept.get_received()] == ["message"]


def test_a_socket_whose_token_was_revoked_elsewhere_is_refused_on_its_next_event(app, factory):
    """The close may be missed (a process restarting, Redis down): every event checks."""
    factory.user("alice")
    factory.channel("order-sets", members=("alice",))
    sock = _token_socket(app, factory.token("alice"))
    ack = sock.emit("typing", {"channel": "order-sets"}, callback=True)
    assert ack == {"ok": True}
    with app.app_context():  # revoked in the database only, as by a process that died
        db.session.execute(update(ApiToken).values(revoked_at=utcnow()))
        db.session.commit()
    ack = sock.emit(
        "send_message",
        {"channel": "order-sets", "body": "Shortcut list", "client_msg_id": "r-1"},
        callback=True,
    )
    assert ack["ok"] is False and ack["error"]["code"] == "token_revoked"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Message)) == 0


def test_admins_list_and_revoke_someone_elses_tokens(app, factory, login):
    factory.user("root", role="admin")
    factory.user("alice")
    factory.user("bob")
    secret = factory.token("alice")
    sock = _token_socket(app, secret)
    root, bob = login("root"), login("bob")
    listed = root.get(f"{API}/admin/users/alice/tokens")
    assert listed.status_code == 200
    [token] = listed.json["tokens"]
    assert secret not in listed.get_data(as_text=True)
    for forbidden in (
        bob.get(f"{API}/admin/users/alice/tokens"),
        bob.delete(f"{API}/admin/users/alice/tokens/{token['id']}"),
    ):
        assert forbidden.status_code == 403
        assert forbidden.json["error"]["code"] == "admin_only"
    assert root.delete(f"{API}/admin/users/bob/tokens/{token['id']}").status_code == 404
    assert sock.is_connected()

    response = root.delete(f"{API}/admin/users/alice/tokens/{token['id']}")
    assert response.status_code == 200
    assert response.json["token"]["revoked_at"]
    assert not sock.is_connected()
    bearer = {"Authorization": f"Bearer {secret}"}
    assert app.test_client().get(f"{API}/me", headers=bearer).status_code == 401
    assert audit_actions(app, "admin.token") == [
        ("user:root", "admin.token_revoked", f"token:{token['id']}")
    ]


def test_ending_sessions_can_revoke_the_tokens_too(app, factory, login):
    factory.user("root", role="admin")
    factory.user("alice")
    tokens = [factory.token("alice"), factory.token("alice")]
    root = login("root")
    # Without the choice, token sockets close with the rest but the tokens stay valid.
    plain = root.post(f"{API}/admin/users/alice/sessions/revoke")
    assert plain.json["tokens_revoked"] == 0
    sockets = [_token_socket(app, t) for t in tokens]
    assert all(s.is_connected() for s in sockets)

    response = root.post(f"{API}/admin/users/alice/sessions/revoke", json={"tokens": True})
    assert response.status_code == 200
    assert response.json["tokens_revoked"] == 2
    assert not any(s.is_connected() for s in sockets)
    for token in tokens:
        bearer = {"Authorization": f"Bearer {token}"}
        assert app.test_client().get(f"{API}/me", headers=bearer).status_code == 401
        assert not _token_socket(app, token).is_connected()
    bad = root.post(f"{API}/admin/users/alice/sessions/revoke", json={"tokens": "yes"})
    assert bad.status_code == 400 and bad.json["error"]["code"] == "invalid_type"


def test_the_sessions_page_offers_to_revoke_tokens(app, factory, login):
    factory.user("root", role="admin")
    factory.user("alice")
    token = factory.token("alice")
    root = login("root")
    page = root.get("/admin/sessions?q=alice").get_data(as_text=True)
    assert "also revoke 1 API token" in page
    response = root.client.post(
        "/admin/sessions/alice/end",
        data={"csrf_token": root.csrf, "q": "alice", "tokens": "on"},
        follow_redirects=True,
    )
    assert "1 API token(s) revoked" in response.get_data(as_text=True)
    bearer = {"Authorization": f"Bearer {token}"}
    assert app.test_client().get(f"{API}/me", headers=bearer).status_code == 401


# --- sockets: idle sessions and Origin, over real websockets ---------------------------------


def _cookie_header(http: Any) -> str:
    return "; ".join(f"{c.name}={c.value}" for c in http.cookies)


@pytest.fixture
def short_idle_server(tmp_path: Any, sqlite_template: Any) -> Iterator[LiveServer]:
    """A live server whose sessions go idle after 6 seconds."""
    server = LiveServer(tmp_path, sqlite_template, {"PHYSNET_SESSION_IDLE_MINUTES": "0.1"})
    yield server
    server.stop()


@pytest.mark.live
def test_an_idle_session_closes_its_socket_without_any_request(short_idle_server):
    server = short_idle_server
    server.factory.user("alice")
    server.factory.user("bob")
    server.factory.channel("town", members=("alice", "bob"))
    alice_cookie = _cookie_header(server.session("alice"))
    idle = Listener(server.url, cookie=alice_cookie)
    busy = Listener(server.url, cookie=_cookie_header(server.session("bob")))
    by_token = Listener(server.url, token=server.factory.token("alice"))
    try:
        assert idle.client.connected and busy.client.connected
        deadline = time.monotonic() + 30
        while idle.client.connected and time.monotonic() < deadline:
            assert busy.call("typing", {"channel": "town"}) == {"ok": True}  # activity
            time.sleep(1)
        assert not idle.client.connected, "the idle socket stayed open"
        assert busy.client.connected, "an active socket was closed"
        assert by_token.client.connected  # API tokens have no session to go idle
        # The browser's automatic reconnect is refused: the session itself is over.
        with pytest.raises(socketio_client.exceptions.ConnectionError):
            Listener(server.url, cookie=alice_cookie)
    finally:
        for listener in (idle, busy, by_token):
            listener.close()


def _connect(url: str, cookie: str, origin: str) -> socketio_client.Client:
    """A websocket client that sends `origin` as its Origin header, as a browser would."""
    client = socketio_client.Client(reconnection=False, websocket_extra_options={"origin": origin})
    client.connect(url, headers={"Cookie": cookie}, transports=["websocket"], wait_timeout=10)
    return client


@pytest.mark.live
def test_a_socket_from_a_foreign_origin_is_refused_even_with_the_cookie(live_server):
    live_server.factory.user("alice")
    cookie = _cookie_header(live_server.session("alice"))
    for origin in ("http://evil.example", "null", f"http://127.0.0.1:{live_server.port + 1}"):
        with pytest.raises(socketio_client.exceptions.ConnectionError):
            _connect(live_server.url, cookie, origin)
    same = _connect(live_server.url, cookie, live_server.url)
    assert same.connected
    same.disconnect()


@pytest.mark.live
def test_with_a_public_url_only_that_origin_may_open_sockets(tmp_path, sqlite_template):
    public = "https://physnet.example-health.org"
    server = LiveServer(tmp_path, sqlite_template, {"PHYSNET_PUBLIC_URL": public + "/"})
    try:
        server.factory.user("alice")
        cookie = _cookie_header(server.session("alice"))
        with pytest.raises(socketio_client.exceptions.ConnectionError):
            _connect(server.url, cookie, "https://evil.example")
        with pytest.raises(socketio_client.exceptions.ConnectionError):
            _connect(server.url, cookie, server.url)  # the internal address is not public
        ok = _connect(server.url, cookie, public)
        assert ok.connected
        ok.disconnect()
    finally:
        server.stop()


# --- rate limits ------------------------------------------------------------------------------


def test_posting_and_searching_are_rate_limited_with_retry_after(limited_app):
    from conftest import ApiClient

    factory = Factory(limited_app)
    factory.user("alice")
    factory.channel("town", members=("alice",))
    alice = ApiClient(limited_app.test_client(), "alice")
    for i in range(60):
        response = alice.post(f"{API}/channels/town/messages", json={"body": f"note {i}"})
        assert response.status_code == 201
    over = alice.post(f"{API}/channels/town/messages", json={"body": "one too many"})
    assert over.status_code == 429
    assert over.json["error"]["code"] == "rate_limited"
    assert 1 <= int(over.headers["Retry-After"]) <= 60
    ack = alice.socket().emit(
        "send_message",
        {"channel": "town", "body": "via socket", "client_msg_id": "x1"},
        callback=True,
    )
    assert ack["ok"] is False and ack["error"]["code"] == "rate_limited"

    from physnet.search import service

    service(limited_app).indexer.catch_up()
    for _ in range(60):
        assert alice.get(f"{API}/search", query_string={"q": "note"}).status_code == 200
    over = alice.get(f"{API}/search", query_string={"q": "note"})
    assert over.status_code == 429
    assert int(over.headers["Retry-After"]) >= 1
    service(limited_app).close()


def test_the_idle_clock_of_a_socket_follows_its_session():
    """Socket events and HTTP requests of the same session keep its sockets open; the
    lifetime ends them regardless."""
    from physnet.realtime.expiry import SocketExpiry

    clocks = SocketExpiry()
    clocks._thread = threading.current_thread()  # no watcher thread: expired() is asked directly
    now = 1_000_000.0
    clocks.watch("tab-1", "session-a", 60, now + 60, now + 600)
    clocks.watch("tab-2", "session-a", 60, now + 60, now + 600)
    clocks.watch("other", "session-b", 60, now + 60, now + 600)
    clocks.touch_session("session-a", now + 50)  # an HTTP request of session a
    clocks.touch("other", now + 30)  # a socket event
    assert clocks.expired(now + 85) == []
    assert clocks.expired(now + 100) == ["other"]
    assert sorted(clocks.expired(now + 111)) == ["other", "tab-1", "tab-2"]
    clocks.touch("tab-1", now + 200)  # too late: an expired clock is not revived
    assert "tab-1" in clocks.expired(now + 201)
    clocks.touch_session("session-a", now + 200)  # nor by a request
    assert "tab-2" in clocks.expired(now + 201)
    clocks.watch("long", "session-c", 1000, now + 1000, now + 600)
    assert "long" not in clocks.expired(now + 599)
    assert "long" in clocks.expired(now + 601)  # the lifetime wins
