"""Directory sign-in, `physnet ldap check` and `physnet ldap sync`, against a real slapd.

AD specifics that slapd cannot show (ranged `member;range=` answers) are tested on the
parsing functions with the raw attribute dicts AD sends.
"""

from __future__ import annotations

import dataclasses
import io
import json
import re
import socket
import threading
import time
from typing import Any

import ldap
import pytest
from flask import Flask
from ldap_fixtures import SERVICE_DN, SERVICE_PASSWORD, Directory
from sqlalchemy import func, select

from physnet import create_app
from physnet.actions import directory as directory_actions
from physnet.actions import directory_signin
from physnet.config import ConfigError
from physnet.directory import connection, signin
from physnet.directory.entries import guid_to_str, person_of, resize_photo, uac_disabled
from physnet.directory.settings import normalize_dn, parse_directory_settings
from physnet.extensions import db
from physnet.models import ApiToken, AuditEvent, Channel, DirectorySyncRun, Membership, User

from conftest import PASSWORD, ApiClient, csrf_token, free_port

DOWN_MESSAGE = "The hospital directory is not answering; try again shortly."


# --- fixtures and helpers ------------------------------------------------------------------


def use(app: Flask, conf: dict[str, Any]) -> None:
    """Point the app at a directory, as a [ldap] table in the TOML file would."""
    app.config["PHYSNET"] = dataclasses.replace(app.config["PHYSNET"], ldap=conf)
    app.extensions.pop("physnet_directory", None)


def sync(app: Flask, *args: str) -> Any:
    return app.test_cli_runner().invoke(args=["ldap", "sync", *args])


def check(app: Flask) -> Any:
    return app.test_cli_runner().invoke(args=["ldap", "check"])


def closed_uri() -> str:
    return f"ldap://127.0.0.1:{free_port()}/"


def user(app: Flask, username: str) -> User | None:
    with app.app_context():
        found = db.session.scalar(select(User).where(User.username == username))
        if found is not None:
            db.session.expunge(found)
        return found


def memberships(app: Flask, channel: str) -> dict[str, str]:
    with app.app_context():
        rows = db.session.execute(
            select(User.username, Membership.source)
            .join(Membership.user)
            .join(Membership.channel)
            .where(Channel.name == channel)
        )
        return dict(rows.all())


def audit_actions(app: Flask) -> list[tuple[str, str]]:
    with app.app_context():
        rows = db.session.execute(
            select(AuditEvent.action, AuditEvent.target).order_by(AuditEvent.id)
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


def db_state(app: Flask) -> Any:
    """Everything a sync may change, except its own history (runs, sync audit events) and
    the sign-in trail."""
    with app.app_context():
        users = [
            (
                u.id,
                u.username,
                u.display_name,
                u.email,
                u.title,
                u.specialty,
                u.role,
                u.active,
                u.session_generation,
                u.directory_dn,
                u.photo,
            )
            for u in db.session.scalars(select(User).order_by(User.id))
        ]
        members = sorted(
            tuple(r)
            for r in db.session.execute(
                select(Membership.user_id, Membership.channel_id, Membership.source)
            )
        )
        tokens = sorted(
            tuple(r) for r in db.session.execute(select(ApiToken.id, ApiToken.revoked_at))
        )
        audit = db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action.not_like("directory.sync%"))
            .where(AuditEvent.action.not_like("auth.%"))  # sign-ins are audited, not synced
        )
        return users, members, tokens, audit


def runs(app: Flask) -> list[DirectorySyncRun]:
    with app.app_context():
        found = db.session.scalars(select(DirectorySyncRun).order_by(DirectorySyncRun.id)).all()
        for run in found:
            db.session.expunge(run)
        return list(found)


def sign_in(app: Flask, username: str, password: str, **kwargs: Any) -> Any:
    client = app.test_client()
    token = csrf_token(client)
    response = client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}, **kwargs
    )
    return client, response


def jpeg(width: int, height: int, color: tuple[int, int, int] = (40, 90, 160)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, "JPEG")
    return buffer.getvalue()


def population(tree: Directory) -> dict[str, str]:
    """Alice (admin, cardiology), Bob (moderator), Zoë, and John Smith with a comma in his DN."""
    dns = {
        "alice": tree.person(
            "alice",
            "Alice Adams",
            title="Cardiologist",
            businessCategory=["Cardiology", "Internal Medicine"],
            jpegPhoto=jpeg(640, 480),
        ),
        "bob": tree.person("bob", "Bob Brown"),
        "zobrien": tree.person(
            "zobrien", "Zoë O'Brien-Núñez", telephoneNumber=None, physicalDeliveryOfficeName=None
        ),
        "jsmith": tree.add(
            f"cn=Smith\\, John,{tree.people}",
            objectClass="inetOrgPerson",
            cn="Smith, John",
            sn="Smith",
            uid="jsmith",
            displayName="Smith, John",
            mail="jsmith@example-health.org",
            userPassword=PASSWORD,
        ),
    }
    return dns


def groups(tree: Directory, dns: dict[str, str]) -> dict[str, Any]:
    """Role and channel groups; John's membership is spelled in another case and escaping."""
    admins = tree.group("physnet-admins", [dns["alice"]])
    moderators = tree.group("physnet-moderators", [dns["bob"]])
    cardiology = tree.group(
        "cardiology", [dns["alice"], f"CN=Smith\\2C John,{tree.people.upper()}"]
    )
    return {
        "admins": admins,
        "moderators": moderators,
        "cardiology": cardiology,
        "settings": {
            "groups": {"admins": [admins], "moderators": [moderators]},
            "channels": {cardiology: ["cardiology"]},
        },
    }


# --- settings and AD parsing (no server) ------------------------------------------------------


def test_settings_defaults_and_sentences() -> None:
    settings = parse_directory_settings(
        {
            "uri": "ldaps://dc1",
            "user_base": "ou=people,dc=x",
            "bind_dn": "cn=svc,dc=x",
            "bind_password": "s",
        }
    )
    assert settings is not None
    assert (settings.login_attr, settings.id_attr, settings.page_size) == ("uid", "entryUUID", 500)
    assert settings.attributes["specialty"] == "businessCategory"
    assert not settings.sso.enabled and not settings.sso.trusts("127.0.0.1")
    assert parse_directory_settings({}) is None
    bad = {
        "user_bse": "Unknown setting ldap.user_bse.",
        "uri": "must start with ldap:// or ldaps://",
        "bind_password": "its password is empty",
        "user_filter": "balanced parentheses",
        "attributes": "Unknown setting ldap.attributes.shoe_size.",
        "channels": "list of channel names",
        "sso": "needs ldap.sso.trusted_proxies",
        "page_size": "greater than zero",
    }
    base = {
        "uri": "ldap://dc1",
        "user_base": "ou=people,dc=x",
        "bind_dn": "cn=svc,dc=x",
        "bind_password": "s",
    }
    variants = {
        "user_bse": {"user_bse": "x"},
        "uri": {"uri": "http://dc1"},
        "bind_password": {"bind_password": ""},
        "user_filter": {"user_filter": "(objectClass=person"},
        "attributes": {"attributes": {"shoe_size": "x"}},
        "channels": {"channels": {"cn=g,dc=x": ["Not A Channel"]}},
        "sso": {"sso": {"enabled": True}},
        "page_size": {"page_size": 0},
    }
    for key, sentence in bad.items():
        with pytest.raises(ConfigError, match=sentence.replace("(", r"\(").replace(".", r"\.")):
            parse_directory_settings({**base, **variants[key]})


def test_bad_setting_stops_start_up(tmp_path: Any) -> None:
    with pytest.raises(ConfigError, match=r"ldap\.user_filter"):
        create_app(
            {
                "database_url": f"sqlite:///{tmp_path}/x.db",
                "secret_key": "tests-only-secret-key-0123456789abcdef0123456789",
                "ldap": {"uri": "ldap://dc1", "user_base": "dc=x", "user_filter": "uid=x"},
            }
        )


def test_ad_object_guid_and_disabled_bit() -> None:
    raw = b"\xd3N\xc1\xde\xd5i<H\x99R(\x8e!a\x96\r"
    assert guid_to_str(raw) == "dec14ed3-69d5-483c-9952-288e2161960d"
    assert [
        uac_disabled({"userAccountControl": [v]}) for v in (b"512", b"514", b"66050", b"66048")
    ] == [False, True, True, False]


def test_ad_entry_maps_with_member_of() -> None:
    settings = parse_directory_settings(
        {
            "uri": "ldaps://dc1",
            "user_base": "DC=corp,DC=example",
            "login_attr": "sAMAccountName",
            "id_attr": "objectGUID",
            "groups": {"member_of_attr": "memberOf"},
            "attributes": {"department": "department", "facility": "physicalDeliveryOfficeName"},
        }
    )
    assert settings is not None
    entry = {
        "sAMAccountName": [b"JSmith"],
        "objectGUID": [b"\xd3N\xc1\xde\xd5i<H\x99R(\x8e!a\x96\r"],
        "userAccountControl": [b"514"],
        "displayName": ["Smith, Jöhn".encode()],
        "title": [b"Hospitalist", b"Clinical Informatics Lead"],
        "memberOf": [b"CN=PhysNet Admins,OU=Groups,DC=corp,DC=example"],
    }
    person = person_of("CN=Smith\\, John,OU=People,DC=corp,DC=example", entry, settings)
    assert person.username == "jsmith"
    assert person.directory_id == "dec14ed3-69d5-483c-9952-288e2161960d"
    assert person.disabled
    assert person.profile["display_name"] == "Smith, Jöhn"
    assert person.profile["title"] == "Hospitalist, Clinical Informatics Lead"
    assert person.profile["email"] == "" and person.profile["photo"] is None
    assert person.groups == {normalize_dn("cn=physnet admins,ou=groups,dc=corp,dc=example")}


def test_dn_spellings_normalize_alike() -> None:
    assert normalize_dn("CN=Smith\\, John,OU=People,DC=x") == normalize_dn(
        "cn=smith\\2C john, ou=people,dc=x"
    )


class FakeAD:
    """Answers like AD for a group of 3,200 members: 1,500 values per range."""

    def __init__(self) -> None:
        self.members = [f"CN=Doctor {i},OU=People,DC=corp".encode() for i in range(3200)]
        self.asked: list[str] = []

    def search_ext_s(
        self, dn: str, scope: int, filterstr: str, attrs: list[str], **kwargs: Any
    ) -> list[Any]:
        self.asked.append(attrs[0])
        start = int(attrs[0].split("=")[1].split("-")[0]) if ";range=" in attrs[0] else 0
        end = start + 1500
        if end >= len(self.members):
            return [(dn, {f"member;range={start}-*": self.members[start:]})]
        return [(dn, {"member": [], f"member;range={start}-{end - 1}": self.members[start:end]})]


def test_ad_ranged_member_retrieval() -> None:
    assert connection.ranged_values({"member;range=0-1499": [b"a"]}, "member") == ([b"a"], 1500)
    assert connection.ranged_values({"Member;Range=1500-*": [b"b"]}, "member") == ([b"b"], None)
    assert connection.ranged_values({"member": [b"c"]}, "member") == ([b"c"], None)
    fake = FakeAD()
    settings = parse_directory_settings({"uri": "ldap://dc1", "user_base": "DC=corp"})
    assert settings is not None
    values = connection.read_all_values(fake, settings, "CN=Big,DC=corp", "member")  # type: ignore[arg-type]
    assert values == fake.members
    assert fake.asked == ["member", "member;range=1500-*", "member;range=3000-*"]


def test_login_filter_escapes_injection() -> None:
    settings = parse_directory_settings({"uri": "ldap://dc1", "user_base": "dc=x"})
    assert settings is not None
    corpus = {
        "*": "(uid=\\2a)",
        "alice)(uid=*": "(uid=alice\\29\\28uid=\\2a)",
        "a\\b": "(uid=a\\5cb)",
        "x\x00y": "(uid=x\\00y)",
        "*)(|(objectClass=*": "(uid=\\2a\\29\\28|\\28objectClass=\\2a)",
    }
    for username, expected in corpus.items():
        assert signin.login_filter(settings, username) == (
            f"(&(objectClass=inetOrgPerson){expected})"
        )


def test_photo_is_resized_and_tagged() -> None:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (1200, 900), (200, 30, 30)).save(buffer, "PNG")
    photo = resize_photo(buffer.getvalue())
    assert photo is not None and photo.startswith(b"\xff\xd8")
    with Image.open(io.BytesIO(photo)) as image:
        assert max(image.size) == 256
    assert resize_photo(b"not an image") is None


# --- physnet ldap check ---------------------------------------------------------------------


def test_check_all_good_shows_mapping(sqlite_app: Flask, directory: Directory) -> None:
    population(directory)
    use(sqlite_app, directory.settings())
    result = check(sqlite_app)
    assert result.exit_code == 0, result.output
    out = result.output
    assert f"ok       connected to {directory.server.ldap_uri}" in out
    assert f"ok       bound as {SERVICE_DN}" in out
    assert "filter (objectClass=inetOrgPerson) matches 4 entries" in out
    assert "disabled filter (employeeType=disabled) matches 0 of them" in out
    assert "username      alice  (uid)" in out
    assert "display_name  Alice Adams  (displayName)" in out
    assert "specialty     Cardiology, Internal Medicine  (businessCategory)" in out
    assert f"photo         {len(jpeg(640, 480)):,} bytes  (jpegPhoto)" in out
    assert "photo (jpegPhoto) is missing on 2 of 3 sampled entries" in out
    assert "The directory settings work." in out


def test_check_cannot_connect_names_the_uri(sqlite_app: Flask, directory: Directory) -> None:
    uri = closed_uri()
    use(sqlite_app, directory.settings(uri=uri, timeout_s=2))
    started = time.monotonic()
    result = check(sqlite_app)
    assert result.exit_code == 1
    assert f"Error: Cannot connect to {uri}" in result.output
    assert time.monotonic() - started < 5


def test_check_service_bind_refused(sqlite_app: Flask, directory: Directory) -> None:
    use(sqlite_app, directory.settings(bind_password="wrong-password"))
    result = check(sqlite_app)
    assert result.exit_code == 1
    assert f"refused the service account bind as {SERVICE_DN}" in result.output


def test_check_missing_base_dn(sqlite_app: Flask, directory: Directory) -> None:
    base = f"ou=nobody-here,{directory.base}"
    use(sqlite_app, directory.settings(user_base=base))
    result = check(sqlite_app)
    assert result.exit_code == 1
    assert f"The base DN {base} (ldap.user_base) was not found" in result.output


def test_check_filter_matches_nothing(sqlite_app: Flask, directory: Directory) -> None:
    population(directory)
    use(sqlite_app, directory.settings(user_filter="(objectClass=posixAccount)"))
    result = check(sqlite_app)
    assert result.exit_code == 1
    assert "The filter (objectClass=posixAccount) (ldap.user_filter) matches nothing" in (
        result.output
    )


def test_check_mapped_attribute_missing(sqlite_app: Flask, directory: Directory) -> None:
    population(directory)
    use(sqlite_app, directory.settings(attributes={"specialty": "employeeNumber"}))
    result = check(sqlite_app)
    # An optional profile attribute: a warning, and the check passes (issue 14).
    assert result.exit_code == 0, result.output
    assert (
        "WARNING  mapped attribute employeeNumber (ldap.attributes.specialty) is missing on "
        "all 3 sampled entries"
    ) in result.output
    # An attribute missing on some entries only is normal: a note, not a failure.
    assert "phone (telephoneNumber) is missing on 1 of 3 sampled entries" in result.output
    assert "ldap.attributes.photo" not in result.output


def test_check_tls(sqlite_app: Flask, directory: Directory) -> None:
    population(directory)
    server = directory.server
    wrong_ca = "/etc/ssl/certs/ca-certificates.crt"
    cases = [
        ({"start_tls": True, "ca_file": server.cafile}, 0, "and started TLS"),
        ({"uri": server.ldaps_uri, "ca_file": server.cafile}, 0, "(LDAPS, timeout"),
        ({"start_tls": True, "ca_file": wrong_ca}, 1, f"Error: TLS failure with {server.ldap_uri}"),
        (
            {"uri": server.ldaps_uri, "ca_file": wrong_ca},
            1,
            f"Error: TLS failure with {server.ldaps_uri}",
        ),
    ]
    for overrides, code, text in cases:
        use(sqlite_app, directory.settings(**overrides))
        result = check(sqlite_app)
        assert result.exit_code == code, (overrides, result.output)
        assert text in result.output, result.output


def test_check_and_sync_without_directory(sqlite_app: Flask) -> None:
    for result in (check(sqlite_app), sync(sqlite_app)):
        assert result.exit_code == 1
        assert "No directory is configured" in result.output


# --- sign-in ----------------------------------------------------------------------------------


def test_sign_in_provisions_profile(app: Flask, directory: Directory, factory: Any) -> None:
    dns = population(directory)
    setup = groups(directory, dns)
    factory.channel("cardiology")
    use(app, directory.settings(**setup["settings"]))
    client, response = sign_in(app, "alice", PASSWORD)
    assert response.status_code == 302, response.get_data(as_text=True)
    me = client.get("/api/v1/me").get_json()
    me = me.get("user", me)
    assert me["source"] == "directory"
    assert (me["display_name"], me["title"], me["specialty"], me["email"]) == (
        "Alice Adams",
        "Cardiologist",
        "Cardiology, Internal Medicine",
        "alice@example-health.org",
    )
    alice = user(app, "alice")
    assert alice is not None
    assert alice.directory_id == directory.entry_uuid(dns["alice"])
    assert alice.directory_dn == dns["alice"]
    assert alice.password_hash is None and alice.role == "admin"
    assert alice.photo is not None and alice.photo.startswith(b"\xff\xd8")
    assert memberships(app, "cardiology") == {"alice": "directory"}
    # John's DN has an escaped comma; his group membership is spelled differently.
    _, response = sign_in(app, "jsmith", PASSWORD)
    assert response.status_code == 302
    assert memberships(app, "cardiology") == {"alice": "directory", "jsmith": "directory"}
    # The next sign-in refreshes the profile from the directory.
    directory.modify(dns["alice"], title="Chief of Cardiology")
    _, response = sign_in(app, "alice", PASSWORD)
    assert response.status_code == 302
    assert user(app, "alice").title == "Chief of Cardiology"  # type: ignore[union-attr]
    assert ("user.updated", "user:alice") in audit_actions(app)


def test_wrong_password_and_unknown_user_answer_alike(app: Flask, directory: Directory) -> None:
    population(directory)
    use(app, directory.settings())
    pages = []
    for username, password in [("alice", "not-her-password"), ("nobody", PASSWORD)]:
        _, response = sign_in(app, username, password)
        assert response.status_code == 401
        page = response.get_data(as_text=True)
        assert "That username and password did not match an active account." in page
        pages.append(re.sub(r'(content|value)="[^"]*"', "", page))  # CSRF token, username
    assert pages[0] == pages[1]
    assert user(app, "alice") is None


def test_empty_password_refused_before_any_bind(
    app: Flask, directory: Directory, monkeypatch: pytest.MonkeyPatch
) -> None:
    population(directory)
    use(app, directory.settings())
    calls: list[str] = []
    real = ldap.initialize
    monkeypatch.setattr(ldap, "initialize", lambda *a, **k: calls.append(a[0]) or real(*a, **k))
    _, response = sign_in(app, "alice", "")
    assert response.status_code == 401
    with app.app_context():
        assert directory_signin.sign_in("alice", "") is None
        settings = parse_directory_settings(directory.settings())
        assert settings is not None
        assert signin.lookup(settings, "alice", "") is None
        assert connection.bind_as(settings, "uid=alice," + directory.people, "") is False
    assert calls == []
    # The same path with a password does reach the directory.
    _, response = sign_in(app, "alice", PASSWORD)
    assert response.status_code == 302 and calls


def test_injection_corpus_signs_nobody_in(app: Flask, directory: Directory) -> None:
    population(directory)
    use(app, directory.settings())
    for username in [
        "*",
        "a*",
        "alice)(uid=*",
        "*)(|(uid=*",
        "alice\\",
        "alice\x00",
        "alice)(|(objectClass=*",
        "(uid=alice)",
    ]:
        _, response = sign_in(app, username, PASSWORD)
        assert response.status_code == 401, username
        # Past the username check too, the directory search matches nobody.
        with app.app_context():
            settings = parse_directory_settings(directory.settings())
            assert settings is not None
            assert signin.lookup(settings, username, PASSWORD) is None, username
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_special_character_passwords(app: Flask, directory: Directory) -> None:
    secret = "pä$$ wörd'\")(*\\ ünïcødé,;"
    directory.person("greta", "Greta Gómez", password=secret)
    use(app, directory.settings())
    _, response = sign_in(app, "greta", secret)
    assert response.status_code == 302
    _, response = sign_in(app, "greta", secret[:-1])
    assert response.status_code == 401


def test_disabled_and_deactivated_users_cannot_sign_in(app: Flask, directory: Directory) -> None:
    dns = population(directory)
    use(app, directory.settings())
    directory.modify(dns["bob"], employeeType="disabled")
    _, response = sign_in(app, "bob", PASSWORD)
    assert response.status_code == 401
    assert user(app, "bob") is None
    # Alice is deactivated by a sync; re-enabled in the directory, she waits for the next sync.
    assert sync(app).exit_code == 0
    directory.modify(dns["alice"], employeeType="disabled")
    assert sync(app).exit_code == 0
    directory.modify(dns["alice"], employeeType=None)
    _, response = sign_in(app, "alice", PASSWORD)
    assert response.status_code == 401
    assert sync(app).exit_code == 0
    _, response = sign_in(app, "alice", PASSWORD)
    assert response.status_code == 302


def test_local_break_glass_admin_works_while_directory_is_down(
    app: Flask, directory: Directory, factory: Any
) -> None:
    factory.user("root-admin", role="admin")
    use(app, directory.settings(uri=closed_uri(), timeout_s=1))
    _, response = sign_in(app, "root-admin", PASSWORD)
    assert response.status_code == 302
    _, response = sign_in(app, "alice", PASSWORD)
    assert response.status_code == 503
    assert DOWN_MESSAGE in response.get_data(as_text=True)


def test_directory_user_never_uses_a_local_password(app: Flask, directory: Directory) -> None:
    from physnet.actions.users import _hasher, authenticate_local

    population(directory)
    use(app, directory.settings())
    assert sync(app).exit_code == 0
    with app.app_context():
        alice = db.session.scalar(select(User).where(User.username == "alice"))
        assert alice is not None
        alice.password_hash = _hasher.hash("a-local-password-123")
        db.session.commit()
        assert authenticate_local("alice", "a-local-password-123") is None
    _, response = sign_in(app, "alice", "a-local-password-123")
    assert response.status_code == 401
    # Even with the directory down, the local hash is not a way in.
    use(app, directory.settings(uri=closed_uri(), timeout_s=1))
    _, response = sign_in(app, "alice", "a-local-password-123")
    assert response.status_code == 503


class SilentServer:
    """Accepts TCP connections and never answers: a hung directory."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.uri = f"ldap://127.0.0.1:{self.sock.getsockname()[1]}/"
        self.held: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        try:
            while True:
                self.held.append(self.sock.accept()[0])
        except OSError:
            return

    def close(self) -> None:
        self.sock.close()
        for conn in self.held:
            conn.close()


def test_slow_directory_answers_within_the_timeout(app: Flask, directory: Directory) -> None:
    silent = SilentServer()
    try:
        use(app, directory.settings(uri=silent.uri, timeout_s=1))
        started = time.monotonic()
        _, response = sign_in(app, "alice", PASSWORD)
        assert response.status_code == 503
        assert DOWN_MESSAGE in response.get_data(as_text=True)
        assert time.monotonic() - started < 4
    finally:
        silent.close()


def test_trusted_sso_header(app: Flask, directory: Directory, factory: Any) -> None:
    population(directory)
    factory.user("root-admin", role="admin")
    header = {"X-Remote-User": "alice@EXAMPLE-HEALTH.ORG"}
    use(app, directory.settings())
    # Off by default: the header is ignored.
    response = app.test_client().get("/login", headers=header)
    assert response.status_code == 200 and user(app, "alice") is None
    use(app, directory.settings(sso={"enabled": True, "trusted_proxies": ["127.0.0.1/32"]}))
    client = app.test_client()
    response = client.get("/login?next=/c/general", headers=header)
    assert response.status_code == 302 and response.location.endswith("/c/general")
    assert client.get("/api/v1/me").status_code == 200
    assert user(app, "alice").source == "directory"  # type: ignore[union-attr]
    # From an address that is not a trusted proxy, the header means nothing.
    client = app.test_client()
    response = client.get(
        "/login", headers={"X-Remote-User": "bob"}, environ_base={"REMOTE_ADDR": "10.9.8.7"}
    )
    assert response.status_code == 200 and client.get("/api/v1/me").status_code == 401
    # Local (break-glass) accounts are never signed in by a header.
    client = app.test_client()
    response = client.get("/login", headers={"X-Remote-User": "root-admin"})
    assert response.status_code == 200 and client.get("/api/v1/me").status_code == 401


# --- physnet ldap sync --------------------------------------------------------------------------


def test_first_sync_creates_accounts_and_reports_bad_entries(
    app: Flask, directory: Directory
) -> None:
    dns = population(directory)
    directory.add(
        f"cn=No Login,{directory.people}", objectClass="inetOrgPerson", cn="No Login", sn="Login"
    )
    directory.person("twin1", mail="shared@example-health.org")
    directory.person("twin2", mail="Shared@example-health.org")
    directory.person("9lives")
    use(app, directory.settings())
    result = sync(app)
    assert result.exit_code == 0, result.output
    assert "+ create alice (Alice Adams) role=member" in result.output
    assert "+ create zobrien (Zoë O'Brien-Núñez) role=member" in result.output
    assert f"! skipped: cn=No Login,{directory.people} has no uid; skipped" in result.output
    assert (
        f"uid=twin2,{directory.people} shares the email 'shared@example-health.org' with 1 "
        "other entries; skipped"
    ) in result.output
    assert "'9lives', which is not a PhysNet username" in result.output
    assert result.output.rstrip().endswith(
        "Synced: 8 entries read: 4 created, 0 updated, 0 deactivated, 0 reactivated, "
        "0 memberships added, 0 memberships removed, 4 skipped."
    )
    zoe = user(app, "zobrien")
    assert zoe is not None and zoe.source == "directory" and zoe.active
    assert (zoe.display_name, zoe.phone, zoe.facility) == ("Zoë O'Brien-Núñez", "", "")
    assert zoe.directory_id == directory.entry_uuid(dns["zobrien"])
    assert user(app, "jsmith").display_name == "Smith, John"  # type: ignore[union-attr]
    assert user(app, "twin1") is None
    [run] = runs(app)
    assert run.status == "ok" and run.count_map["created"] == 4
    assert len(run.error_list) == 4
    actions = audit_actions(app)
    assert actions.count(("user.created", "user:alice")) == 1
    assert actions[-1] == ("directory.synced", f"sync:{run.id}")
    # A second sync finds nothing to do.
    result = sync(app, "--quiet")
    assert result.exit_code == 0
    assert result.output.startswith("Synced: 8 entries read: 0 created, 0 updated")


def test_update_rename_and_field_diffs(app: Flask, directory: Directory, factory: Any) -> None:
    dns = population(directory)
    setup = groups(directory, dns)
    factory.channel("cardiology")
    use(app, directory.settings(**setup["settings"]))
    assert sync(app).exit_code == 0
    before = user(app, "alice")
    assert before is not None
    directory.modify(dns["alice"], title="Chief of Cardiology", jpegPhoto=jpeg(300, 300, (9, 9, 9)))
    new_dn = directory.rename(dns["alice"], "aadams")
    for group in (setup["cardiology"], setup["admins"]):  # what OpenLDAP's refint overlay does
        directory.add_member(group, new_dn)
        directory.remove_member(group, dns["alice"])
    result = sync(app)
    assert result.exit_code == 0, result.output
    assert (
        "~ update alice: username: 'alice' -> 'aadams'; title: 'Cardiologist' -> "
        "'Chief of Cardiology'; photo: (photo) -> (photo); directory_dn: "
    ) in result.output
    assert "0 memberships added, 0 memberships removed" in result.output
    after = user(app, "aadams")
    assert after is not None and user(app, "alice") is None
    assert after.id == before.id and after.directory_id == before.directory_id
    assert after.directory_dn == new_dn and after.photo != before.photo
    assert memberships(app, "cardiology")["aadams"] == "directory"
    with app.app_context():
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "user.updated")
        ).one()
        assert event.target == "user:aadams" and event.actor == "ldap-sync"
        assert event.details["changes"]["title"] == ["Cardiologist", "Chief of Cardiology"]
        assert event.details["changes"]["username"] == ["alice", "aadams"]


def test_leavers_disabled_filter_mismatch_and_returning(app: Flask, directory: Directory) -> None:
    dns = population(directory)
    use(app, directory.settings(sync={"max_deactivate_fraction": 1.0}))
    assert sync(app).exit_code == 0
    directory.delete(dns["bob"])  # left the hospital
    directory.modify(dns["zobrien"], employeeType="disabled")  # disabled account
    directory.modify(
        dns["jsmith"], objectClass=["inetOrgPerson", "extensibleObject"], description="x"
    )
    use(
        app,
        directory.settings(
            sync={"max_deactivate_fraction": 1.0},
            user_filter="(&(objectClass=inetOrgPerson)(!(description=x)))",
        ),
    )
    result = sync(app)
    assert result.exit_code == 0, result.output
    assert "- deactivate bob: no longer found under ldap.user_base" in result.output
    assert "- deactivate zobrien: disabled in the directory" in result.output
    assert "- deactivate jsmith: no longer found" in result.output
    for name in ("bob", "zobrien", "jsmith"):
        gone = user(app, name)
        assert gone is not None and not gone.active and gone.deactivated_at is not None
    assert user(app, "alice").active  # type: ignore[union-attr]
    # Zoë is enabled again, John matches again: both come back.
    directory.modify(dns["zobrien"], employeeType=None)
    use(app, directory.settings(sync={"max_deactivate_fraction": 1.0}))
    result = sync(app)
    assert "^ reactivate zobrien" in result.output and "^ reactivate jsmith" in result.output
    assert user(app, "zobrien").active and user(app, "jsmith").active  # type: ignore[union-attr]
    assert ("user.reactivated", "user:zobrien") in audit_actions(app)


def test_deactivation_ends_sessions_tokens_and_sockets(
    app: Flask, directory: Directory, factory: Any
) -> None:
    dns = population(directory)
    factory.channel("general")
    use(app, directory.settings(sync={"max_deactivate_fraction": 1.0}))
    assert sync(app).exit_code == 0
    bob = ApiClient(app.test_client(), "bob")  # signs in through the directory
    sock = bob.socket()
    assert sock.is_connected()
    token = factory.token("bob")
    bearer = {"Authorization": f"Bearer {token}"}
    assert app.test_client().get("/api/v1/me", headers=bearer).status_code == 200
    assert bob.get("/api/v1/me").status_code == 200
    directory.delete(dns["bob"])
    assert sync(app).exit_code == 0
    assert not sock.is_connected()
    assert bob.get("/api/v1/me").status_code == 401
    assert app.test_client().get("/api/v1/me", headers=bearer).status_code == 401
    with app.app_context():
        assert db.session.scalars(select(ApiToken.revoked_at)).one() is not None


def test_groups_drive_roles_and_channel_memberships(
    app: Flask, directory: Directory, factory: Any
) -> None:
    dns = population(directory)
    setup = groups(directory, dns)
    factory.channel("cardiology")
    use(app, directory.settings(**setup["settings"]))
    result = sync(app)
    assert "+ create alice (Alice Adams) role=admin" in result.output
    assert "+ add to #cardiology: alice" in result.output
    assert (
        user(app, "alice").role,
        user(app, "bob").role,  # type: ignore[union-attr]
        user(app, "zobrien").role,
    ) == ("admin", "moderator", "member")  # type: ignore[union-attr]
    assert memberships(app, "cardiology") == {"alice": "directory", "jsmith": "directory"}
    # Bob joins by hand; a manual membership is never the directory's to remove.
    with app.app_context():
        bob = db.session.scalar(select(User).where(User.username == "bob"))
        channel = db.session.scalar(select(Channel).where(Channel.name == "cardiology"))
        from physnet.actions.channels import do_add_member

        do_add_member(channel, bob)
    directory.remove_member(setup["cardiology"], dns["alice"])
    directory.add_member(setup["cardiology"], dns["zobrien"])
    directory.remove_member(setup["admins"], dns["alice"])
    result = sync(app)
    assert result.exit_code == 0, result.output
    assert "~ update alice: role: 'admin' -> 'member'" in result.output
    assert "- remove from #cardiology: alice" in result.output
    assert "+ add to #cardiology: zobrien" in result.output
    assert memberships(app, "cardiology") == {
        "bob": "manual",
        "jsmith": "directory",
        "zobrien": "directory",
    }
    assert user(app, "alice").role == "member"  # type: ignore[union-attr]
    actions = audit_actions(app)
    assert ("membership.removed", "channel:cardiology") in actions
    assert ("membership.added", "channel:cardiology") in actions


def test_missing_group_stops_the_sync(app: Flask, directory: Directory) -> None:
    population(directory)
    use(app, directory.settings(groups={"admins": [f"cn=typo,{directory.groups}"]}))
    result = sync(app)
    assert result.exit_code == 1
    assert f"The group cn=typo,{directory.groups} named in [ldap.groups]" in result.output
    assert user(app, "alice") is None


def test_mass_deactivation_guard(app: Flask, directory: Directory) -> None:
    dns = {f"doc{i}": directory.person(f"doc{i}") for i in range(10)}
    use(app, directory.settings(sync={"max_deactivate_fraction": 0.10}))
    assert sync(app).exit_code == 0
    directory.delete(dns["doc9"])  # one leaver in ten: at the limit, not above it
    assert sync(app).exit_code == 0
    for i in range(5):
        directory.delete(dns[f"doc{i}"])
    before = db_state(app)
    result = sync(app)
    assert result.exit_code == 1
    assert (
        "Error: Refusing to deactivate 5 of 9 active directory users (56%, above "
        "ldap.sync.max_deactivate_fraction 10%)"
    ) in result.output
    assert db_state(app) == before
    assert runs(app)[-1].status == "refused"
    dry = sync(app, "--dry-run")
    assert dry.exit_code == 0 and "a real sync would stop here: Refusing" in dry.output
    assert db_state(app) == before
    result = sync(app, "--force")
    assert result.exit_code == 0, result.output
    assert sum(not user(app, f"doc{i}").active for i in range(10)) == 6  # type: ignore[union-attr]
    assert runs(app)[-1].forced and runs(app)[-1].status == "ok"


def test_dry_run_prints_the_plan_and_changes_nothing(
    app: Flask, directory: Directory, factory: Any
) -> None:
    dns = population(directory)
    setup = groups(directory, dns)
    factory.channel("cardiology")
    use(app, directory.settings(**setup["settings"]))
    assert sync(app).exit_code == 0
    directory.person("newdoc", "New Doctor")
    directory.modify(dns["bob"], title="Hospitalist")
    directory.delete(dns["zobrien"])
    directory.remove_member(setup["cardiology"], dns["alice"])
    before, history = db_state(app), len(runs(app))
    result = sync(app, "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-5:] == [
        "+ create newdoc (New Doctor) role=member",
        "~ update bob: title: 'Attending Physician' -> 'Hospitalist'",
        "- deactivate zobrien: no longer found under ldap.user_base with ldap.user_filter",
        "- remove from #cardiology: alice",
        "Dry run, nothing changed: 4 entries read: 1 created, 1 updated, 1 deactivated, "
        "0 reactivated, 0 memberships added, 1 memberships removed, 0 skipped.",
    ]
    assert db_state(app) == before and len(runs(app)) == history
    result = sync(app)
    assert "Synced: 4 entries read: 1 created, 1 updated, 1 deactivated" in result.output


def test_sync_is_one_transaction(
    app: Flask, directory: Directory, monkeypatch: pytest.MonkeyPatch
) -> None:
    dns = population(directory)
    use(app, directory.settings(sync={"max_deactivate_fraction": 1.0}))
    assert sync(app).exit_code == 0
    directory.person("newdoc")
    directory.modify(dns["alice"], title="Chief")
    directory.delete(dns["bob"])
    before = db_state(app)

    def explode(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk full")

    # Creates and updates are applied before deactivations: the failure comes after them.
    monkeypatch.setattr(directory_actions, "do_deactivate_user", explode)
    result = sync(app)
    assert result.exit_code == 1
    assert "Applying the sync failed and was rolled back: disk full" in result.output
    assert db_state(app) == before
    assert user(app, "newdoc") is None and user(app, "alice").title == "Cardiologist"  # type: ignore[union-attr]
    failed = runs(app)[-1]
    assert failed.status == "failed" and "disk full" in failed.message


def test_paged_search_gets_past_the_size_limit(app: Flask, directory: Directory) -> None:
    from ldap_fixtures import SERVICE_SIZE_LIMIT

    for i in range(23):
        directory.person(f"resident{i:02d}")
    plain = ldap.initialize(directory.server.ldap_uri)
    plain.simple_bind_s(SERVICE_DN, SERVICE_PASSWORD)
    with pytest.raises(ldap.SIZELIMIT_EXCEEDED):
        plain.search_s(directory.people, ldap.SCOPE_SUBTREE, "(objectClass=inetOrgPerson)")
    plain.unbind_s()
    assert SERVICE_SIZE_LIMIT < 23
    use(app, directory.settings(page_size=5))
    result = sync(app)
    assert result.exit_code == 0, result.output
    assert "Read 20 directory entries..." in result.output
    assert "Synced: 23 entries read: 23 created" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 23


def test_unreachable_directory_changes_nothing(app: Flask, directory: Directory) -> None:
    population(directory)
    use(app, directory.settings())
    assert sync(app).exit_code == 0
    before = db_state(app)
    uri = closed_uri()
    use(app, directory.settings(uri=uri, timeout_s=1))
    result = sync(app)
    assert result.exit_code == 1
    assert f"Error: Cannot connect to {uri}" in result.output
    assert db_state(app) == before
    assert runs(app)[-1].status == "failed"


def test_directory_stopped_mid_test(app: Flask, directory: Directory, factory: Any) -> None:
    population(directory)
    factory.user("root-admin", role="admin")
    use(app, directory.settings(timeout_s=2))
    assert sync(app).exit_code == 0
    alice = ApiClient(app.test_client(), "alice")
    before = db_state(app)
    server = directory.server
    server.terminate()
    server.wait()
    try:
        assert alice.get("/api/v1/me").status_code == 200  # existing sessions go on
        _, response = sign_in(app, "bob", PASSWORD)
        assert response.status_code == 503 and DOWN_MESSAGE in response.get_data(as_text=True)
        _, response = sign_in(app, "root-admin", PASSWORD)
        assert response.status_code == 302
        result = sync(app)
        assert result.exit_code == 1 and "Cannot connect" in result.output
        assert db_state(app) == before
    finally:
        server.resume()
    directory.conn = server.root()
    assert sync(app).exit_code == 0


def test_ad_shaped_entries_in_slapd(app: Flask, directory: Directory, factory: Any) -> None:
    """sAMAccountName, binary objectGUID, the userAccountControl bit and memberOf."""
    from ldap_fixtures import ad_guid

    ou = directory.add(f"ou=Users,{directory.base}", objectClass="organizationalUnit", ou="Users")
    admins = f"CN=PhysNet Admins,{directory.groups}"
    cardiology = f"CN=Cardiology Staff,{directory.groups}"
    factory.channel("cardiology")
    guid = ad_guid()

    def ad_user(cn: str, login: str, uac: int, guid: bytes, groups: list[str]) -> str:
        dn = ldap.dn.dn2str([[("CN", cn, 1)]]) + f",{ou}"
        return directory.add(
            dn,
            objectClass=["user", "extensibleObject"],
            cn=cn,
            sn=cn.split(",")[0],
            sAMAccountName=login,
            objectGUID=guid,
            userAccountControl=str(uac),
            instanceType="4",
            nTSecurityDescriptor=b"\x01",
            objectCategory="CN=Person",
            displayName=cn,
            mail=f"{login.lower()}@corp.example",
            department="Emergency",
            memberOf=groups or None,
            userPassword=PASSWORD,
        )

    john = ad_user("Smith, John", "JSmith", 512, guid, [admins, cardiology])
    ad_user("Off, Ina", "IOff", 514, ad_guid(), [])
    for group in (admins, cardiology):
        directory.add(
            group,
            objectClass=["group"],
            cn=group[3:].split(",")[0],
            groupType="-2147483646",
            instanceType="4",
            nTSecurityDescriptor=b"\x01",
            objectCategory="CN=Group",
            objectGUID=ad_guid(),
            member=john,
        )
    use(
        app,
        directory.settings(
            user_base=ou,
            user_filter="(objectClass=user)",
            login_attr="sAMAccountName",
            id_attr="objectGUID",
            disabled_filter="(userAccountControl:1.2.840.113556.1.4.803:=2)",
            groups={"member_of_attr": "memberOf", "admins": [admins]},
            channels={cardiology: ["cardiology"]},
            attributes={
                "department": "department",
                "specialty": "",
                "facility": "",
                "title": "",
                "phone": "",
                "photo": "",
            },
        ),
    )
    result = check(app)
    assert result.exit_code == 0, result.output
    assert "disabled filter (userAccountControl:1.2.840.113556.1.4.803:=2) matches 1" in (
        result.output
    )
    result = sync(app)
    assert result.exit_code == 0, result.output
    john = user(app, "jsmith")
    assert john is not None and user(app, "ioff") is None
    import uuid as uuid_module

    assert john.directory_id == str(uuid_module.UUID(bytes_le=guid))
    assert (john.display_name, john.department, john.role) == ("Smith, John", "Emergency", "admin")
    assert memberships(app, "cardiology") == {"jsmith": "directory"}
    _, response = sign_in(app, "JSmith", PASSWORD)
    assert response.status_code == 302
    _, response = sign_in(app, "ioff", PASSWORD)
    assert response.status_code == 401


def test_username_held_by_a_local_account_is_not_taken(
    app: Flask, directory: Directory, factory: Any
) -> None:
    population(directory)
    factory.user("alice", role="admin")
    use(app, directory.settings())
    result = sync(app)
    assert result.exit_code == 0
    assert "username 'alice' belongs to another account; not created" in result.output
    local = user(app, "alice")
    assert local is not None and local.source == "local" and local.role == "admin"
    # She keeps signing in with her local password, never through the directory entry.
    _, response = sign_in(app, "alice", PASSWORD)
    assert response.status_code == 302


def test_photo_stored_resized_and_not_rewritten(app: Flask, directory: Directory) -> None:
    directory.person("photographed", jpegPhoto=jpeg(1024, 768))
    use(app, directory.settings())
    assert sync(app).exit_code == 0
    stored = user(app, "photographed").photo  # type: ignore[union-attr]
    from PIL import Image

    assert stored is not None
    with Image.open(io.BytesIO(stored)) as image:
        assert image.size == (256, 192)
    result = sync(app)
    assert "0 updated" in result.output


def test_admin_sync_page(app: Flask, directory: Directory, factory: Any, login: Any) -> None:
    population(directory)
    use(app, directory.settings())
    assert sync(app).exit_code == 0
    factory.user("root-admin", role="admin")
    factory.user("carol")
    page = login("root-admin").get("/admin/sync")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Directory" in html and directory.server.ldap_uri in html
    assert "4 entries read: 4 created" in html
    assert 'class="sidebar"' in html and "Administration" in html  # the console's shell
    assert login("carol").get("/admin/sync").status_code == 404
    assert app.test_client().get("/admin/sync").status_code == 404
    assert json.loads(runs(app)[0].counts)["created"] == 4


def test_console_checks_the_connection_and_previews_a_sync(
    app: Flask, directory: Directory, factory: Any, login: Any
) -> None:
    dns = population(directory)
    use(app, directory.settings())
    assert sync(app).exit_code == 0
    factory.user("root-admin", role="admin")
    root = login("root-admin")
    checked = root.post("/admin/sync/check").get_data(as_text=True)
    assert "The directory settings work" in checked and "ok " in checked

    directory.person("newcomer", "Nia Newcomer")
    directory.modify(dns["bob"], title="Hospitalist")
    page = root.post("/admin/sync/preview")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Nothing has changed" in html and "1 created, 1 updated" in html
    assert "+ create newcomer (Nia Newcomer)" in html
    assert "~ update bob: title: " in html and "Hospitalist" in html
    assert user(app, "newcomer") is None  # a preview changes nothing
    assert len(runs(app)) == 1  # and is not a run in the history

    use(app, directory.settings(uri=closed_uri()))
    failed = root.post("/admin/sync/check").get_data(as_text=True)
    assert "The check failed" in failed
    refused = root.post("/admin/sync/preview").get_data(as_text=True)
    assert "admin-flash--error" in refused
    factory.user("carol")
    assert login("carol").post("/admin/sync/preview").status_code == 404


def test_sign_in_over_starttls_and_ldaps(app: Flask, directory: Directory) -> None:
    population(directory)
    server = directory.server
    for overrides in (
        {"start_tls": True, "ca_file": server.cafile},
        {"uri": server.ldaps_uri, "ca_file": server.cafile},
    ):
        use(app, directory.settings(**overrides))
        _, response = sign_in(app, "bob", PASSWORD)
        assert response.status_code == 302, overrides
    # A certificate PhysNet cannot verify is a directory it cannot use.
    use(app, directory.settings(start_tls=True, ca_file="/etc/ssl/certs/ca-certificates.crt"))
    _, response = sign_in(app, "bob", PASSWORD)
    assert response.status_code == 503


def test_a_few_hundred_people(app: Flask, directory: Directory, factory: Any) -> None:
    """First sync, then a 1% change: joiners, leavers, a changed title, a group change."""
    dns = [directory.person(f"md{i:03d}", f"Doctor {i:03d}") for i in range(300)]
    hospitalists = directory.group("hospitalists", dns[:150])
    factory.channel("hospital-medicine")
    use(
        app,
        directory.settings(
            page_size=100,
            channels={hospitalists: ["hospital-medicine"]},
            sync={"max_deactivate_fraction": 0.05},
        ),
    )
    result = sync(app, "--quiet")
    assert result.exit_code == 0, result.output
    assert result.output == (
        "Synced: 300 entries read: 300 created, 0 updated, 0 deactivated, "
        "0 reactivated, 150 memberships added, 0 memberships removed, "
        "0 skipped.\n"
    )
    for i in range(3):
        directory.delete(dns[i])
        directory.person(f"new{i}")
        directory.modify(dns[200 + i], title="Hospitalist")
    directory.remove_member(hospitalists, dns[100])
    directory.add_member(hospitalists, dns[250])
    result = sync(app, "--quiet")
    assert result.exit_code == 0, result.output
    assert result.output == (
        "Synced: 300 entries read: 3 created, 3 updated, 3 deactivated, "
        "0 reactivated, 1 memberships added, 1 memberships removed, "
        "0 skipped.\n"
    )
    assert len(memberships(app, "hospital-medicine")) == 150


def test_bulk_first_sync_indexes_audits_and_keeps_the_chain(
    app: Flask, directory: Directory, factory: Any
) -> None:
    """A first sync writes accounts, memberships and audit events in bulk: each account is
    in the people index with its sort name, each change has its audit event in order, and
    the hash chain still verifies across the events written before, in and after it."""
    from physnet.audit.chain import verify
    from physnet.models import UserNameToken

    dns = [directory.person(f"hosp{i:03d}", f"Hospitalist {i:03d}") for i in range(120)]
    wards = directory.group("wards", dns[:40])
    factory.channel("ward-east")
    with app.app_context():
        before = db.session.scalar(select(func.count(AuditEvent.id)))
    use(app, directory.settings(page_size=50, channels={wards: ["ward-east"]}))
    result = sync(app, "--quiet")
    assert result.exit_code == 0, result.output
    assert "120 created" in result.output and "40 memberships added" in result.output
    assert len(memberships(app, "ward-east")) == 40
    with app.app_context():
        verdict = verify()
        assert verdict.intact, verdict.problem
        rows = db.session.execute(
            select(AuditEvent.action, AuditEvent.target, AuditEvent.detail).order_by(AuditEvent.seq)
        ).all()[before:]
        actions = [r.action for r in rows]
        assert actions == ["user.created"] * 120 + ["membership.added"] * 40 + ["directory.synced"]
        first = json.loads(rows[0].detail)
        assert (rows[0].target, first["source"], first["role"]) == (
            "user:hosp000",
            "directory",
            "member",
        )
        assert first["dn"] == dns[0] and first["display_name"] == "Hospitalist 000"
        assert json.loads(rows[120].detail) == {"username": "hosp000", "source": "directory"}
        made = db.session.scalar(select(User).where(User.username == "hosp007"))
        assert made is not None and made.sort_name and made.source == "directory"
        tokens = set(
            db.session.scalars(select(UserNameToken.token).where(UserNameToken.user_id == made.id))
        )
        assert {"hospitalist", "hosp007"} <= tokens, tokens
    # The next event chains after the bulk ones.
    directory.modify(dns[5], title="Chief Hospitalist")
    assert sync(app, "--quiet").exit_code == 0
    with app.app_context():
        assert verify().intact


def test_console_script_reads_the_toml_file(
    tmp_path: Any, sqlite_template: Any, directory: Directory
) -> None:
    """`python -m physnet ldap ...` with [ldap] in PHYSNET_CONFIG and the password in the env."""
    import os
    import shutil
    import subprocess
    import sys

    population(directory)
    shutil.copy(sqlite_template, tmp_path / "physnet.db")
    (tmp_path / "physnet.toml").write_text(f"""
database_url = "sqlite:///{tmp_path}/physnet.db"
secret_key = "tests-only-secret-key-0123456789abcdef0123456789"

[ldap]
uri = "{directory.server.ldap_uri}"
bind_dn = "{SERVICE_DN}"
user_base = "{directory.people}"
timeout_s = 3

[ldap.attributes]
photo = ""
""")
    env = {
        **os.environ,
        "PHYSNET_CONFIG": str(tmp_path / "physnet.toml"),
        "PHYSNET_INSTANCE": str(tmp_path / "instance"),
        "PHYSNET_LDAP_BIND_PASSWORD": SERVICE_PASSWORD,
    }
    env.pop("PHYSNET_DATABASE_URL", None)

    def physnet(*args: str, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "physnet", *args],
            env={**env, **extra},
            capture_output=True,
            text=True,
            timeout=60,
            cwd=tmp_path,
        )

    done = physnet("ldap", "check")
    assert done.returncode == 0, done.stderr + done.stdout
    assert "The directory settings work." in done.stdout
    done = physnet("ldap", "sync", "--dry-run")
    assert done.returncode == 0 and "+ create alice (Alice Adams)" in done.stdout
    done = physnet("ldap", "sync")
    assert done.returncode == 0 and "Synced: 4 entries read: 4 created" in done.stdout
    assert "Read 4 directory entries." in done.stderr  # progress goes to stderr
    done = physnet("ldap", "sync", PHYSNET_LDAP_BIND_PASSWORD="wrong")
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == (
        f"Error: The directory refused the service account bind as {SERVICE_DN}: check "
        "ldap.bind_dn and its password."
    )
    (tmp_path / "physnet.toml").write_text(
        '[ldap]\nuri = "ldap://x"\nuser_base = "dc=x"\nuser_filter = \'uid=x\'\n'
    )
    done = physnet("ldap", "check")
    assert done.returncode == 2 and "ldap.user_filter" in done.stderr
