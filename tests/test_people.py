"""The people directory and profiles: search, facets, editing one's own profile, photos."""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Iterator
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import select

from physnet.actions.directory import do_deactivate_user
from physnet.extensions import db
from physnet.models import User, UserTag

from conftest import PASSWORD

API = "/api/v1"
BOUNDARY = "physnet-test-boundary"


def image(fmt: str = "PNG", size: tuple[int, int] = (120, 90)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (30, 120, 200)).save(buffer, fmt)
    return buffer.getvalue()


def upload(api: Any, data: bytes, path: str = f"{API}/me/photo", name: str = "me.png") -> Any:
    """POST a multipart/form-data upload, encoded here: werkzeug's own encoder spools big
    bodies to a temporary file that a refusal before reading would leave open."""
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="photo"; filename="{name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    )
    body = head.encode() + data + f"\r\n--{BOUNDARY}--\r\n".encode()
    return api.post(path, data=body, content_type=f"multipart/form-data; boundary={BOUNDARY}")


def usernames(response: Any) -> list[str]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return [u["username"] for u in response.json["users"]]


def facet(response: Any, name: str) -> dict[str, int]:
    return {f["value"]: f["count"] for f in response.json["facets"][name]}


@pytest.fixture
def people(factory: Any) -> None:
    """Seven physicians over two hospitals and three specialties."""
    for username, name, specialty, facility, department in [
        ("mokafor", "Dr. Miriam Okafor", "Cardiology", "Riverside", "Medicine"),
        ("sobrien", "Siobhan O'Brien", "Critical Care", "Riverside", "Medicine"),
        ("frashid", "Farah Al-Rashid", "Cardiology", "Northgate", "Medicine"),
        ("jsmith", "Smith, John", "Cardiology", "Northgate", "Surgery"),
        ("jsmythe", "Jane Smythe", "Nephrology", "Riverside", "Medicine"),
        ("zomar", "Zoë Ömar, MD", "Nephrology", "Northgate", "Medicine"),
        ("mdo", "Minh Do", "Critical Care", "Northgate", "Medicine"),
    ]:
        factory.user(
            username,
            display_name=name,
            specialty=specialty,
            facility=facility,
            department=department,
        )


# --- finding a colleague -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("mir", ["mokafor"]),  # first name
        ("okaf", ["mokafor"]),  # last name
        ("OKAFOR", ["mokafor"]),
        ("Dr. Oka", ["mokafor"]),  # the honorific is not a name
        ("o'b", ["sobrien"]),  # apostrophes fold away
        ("obri", ["sobrien"]),
        ("al-r", ["frashid"]),
        ("alras", ["frashid"]),
        ("rashid", ["frashid"]),
        ("sm", ["jsmythe", "jsmith"]),  # ordered by display name: "Jane S..." < "Smith, John"
        ("john sm", ["jsmith"]),  # every word must match
        ("zoe", ["zomar"]),  # accents fold away
        ("omar", ["zomar"]),
        ("md", ["mdo"]),  # the username; "MD" after the comma is a credential, not a name
        ("do", ["mdo"]),
        ("jsmy", ["jsmythe"]),
        ("nobody", []),
        ("%", ["frashid", "jsmythe", "mdo", "mokafor", "sobrien", "jsmith", "zomar"]),
    ],
)
def test_name_prefix_search(login: Any, people: None, q: str, expected: list[str]) -> None:
    api = login("mokafor")
    assert usernames(api.get(f"{API}/users", query_string={"q": q})) == expected


def test_facets_count_what_the_other_filters_leave(login: Any, people: None) -> None:
    api = login("mokafor")
    everyone = api.get(f"{API}/users")
    assert everyone.json["total"] == 7 and everyone.json["page"] == 1
    assert facet(everyone, "specialty") == {"Cardiology": 3, "Critical Care": 2, "Nephrology": 2}
    assert next(iter(facet(everyone, "specialty"))) == "Cardiology"  # most first
    assert facet(everyone, "facility") == {"Northgate": 4, "Riverside": 3}

    cardiology = api.get(f"{API}/users", query_string={"specialty": "Cardiology"})
    assert sorted(usernames(cardiology)) == ["frashid", "jsmith", "mokafor"]
    # Picking a specialty narrows the hospital counts, not the specialty counts themselves.
    assert facet(cardiology, "specialty")["Nephrology"] == 2
    assert facet(cardiology, "facility") == {"Northgate": 2, "Riverside": 1}

    both = api.get(
        f"{API}/users", query_string={"specialty": "Cardiology", "facility": "Northgate"}
    )
    assert sorted(usernames(both)) == ["frashid", "jsmith"]
    assert facet(both, "specialty") == {"Cardiology": 2, "Critical Care": 1, "Nephrology": 1}
    assert facet(both, "facility") == {"Northgate": 2, "Riverside": 1}

    surgery = api.get(f"{API}/users", query_string={"department": "Surgery", "q": "smith"})
    assert usernames(surgery) == ["jsmith"] and surgery.json["total"] == 1


def test_pagination_and_only_active_people(app: Any, login: Any, factory: Any) -> None:
    for i in range(57):
        factory.user(f"doc{i:02d}", display_name=f"Doctor {i:02d}", facility="Riverside")
    api = login("doc00")
    first = api.get(f"{API}/users", query_string={"facility": "Riverside"})
    assert first.json["total"] == 57 and len(first.json["users"]) == 50
    second = api.get(f"{API}/users", query_string={"facility": "Riverside", "page": 2})
    assert usernames(second) == [f"doc{i}" for i in range(50, 57)]
    assert second.json["page"] == 2
    assert api.get(f"{API}/users", query_string={"page": 99}).json["users"] == []
    assert api.get(f"{API}/users", query_string={"page": "two"}).status_code == 400

    with app.app_context():
        do_deactivate_user(
            db.session.scalar(select(User).where(User.username == "doc03")), "left", "test"
        )
    after = api.get(f"{API}/users", query_string={"q": "doctor"})
    assert after.json["total"] == 56 and "doc03" not in usernames(after)
    assert facet(after, "facility") == {"Riverside": 56}


def test_expertise_and_ehr_tags_are_normalized_and_searchable(
    app: Any, login: Any, people: None
) -> None:
    api = login("sobrien")
    response = api.patch(
        f"{API}/me",
        json={
            "expertise": ["Sepsis BPA", "sepsis  bpa", "SEP-1 abstraction", "  "],
            "ehr_systems": ["cerner", "EPIC"],
            "ask_me_about": "Sepsis alerts\nand SEP-1",
            "bio": "Intensivist.\n\n\n\nChairs the sepsis committee.",
        },
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    user = response.json["user"]
    assert user["expertise"] == ["Sepsis BPA", "SEP-1 abstraction"]
    assert user["ehr_systems"] == ["Oracle Health (Cerner)", "Epic"]
    assert user["ask_me_about"] == "Sepsis alerts and SEP-1"
    assert user["bio"] == "Intensivist.\n\nChairs the sepsis committee."
    with app.app_context():
        rows = db.session.execute(select(UserTag.kind, UserTag.tag_key, UserTag.tag)).all()
    assert sorted(rows) == [
        ("ehr", "epic", "Epic"),
        ("ehr", "oracle health (cerner)", "Oracle Health (Cerner)"),
        ("expertise", "sep-1 abstraction", "SEP-1 abstraction"),
        ("expertise", "sepsis bpa", "Sepsis BPA"),
    ]
    found = api.get(f"{API}/users", query_string={"expertise": "SEPSIS bpa"})
    assert usernames(found) == ["sobrien"]
    assert usernames(api.get(f"{API}/users", query_string={"ehr": "epic"})) == ["sobrien"]
    api.patch(f"{API}/me", json={"expertise": ["Ventilator order sets"]})
    assert usernames(api.get(f"{API}/users", query_string={"expertise": "sepsis bpa"})) == []


def test_renaming_reindexes_the_name(login: Any, people: None) -> None:
    api = login("jsmythe")
    assert api.patch(f"{API}/me", json={"display_name": "Jane Whitfield"}).status_code == 200
    assert usernames(api.get(f"{API}/users", query_string={"q": "whit"})) == ["jsmythe"]
    assert usernames(api.get(f"{API}/users", query_string={"q": "smythe"})) == []


# --- editing a profile ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"bio": "x" * 1001}, 422, "too_long"),
        ({"bio": "a\x00b"}, 422, "invalid_text"),
        ({"bio": 5}, 400, "invalid_type"),
        ({"ask_me_about": "y" * 201}, 422, "too_long"),
        ({"expertise": "sepsis"}, 400, "invalid_type"),
        ({"expertise": ["ok", 3]}, 400, "invalid_type"),
        ({"expertise": ["a, b"]}, 422, "invalid_tag"),
        ({"expertise": ["<script>"]}, 422, "invalid_tag"),
        ({"expertise": ["x" * 51]}, 422, "invalid_tag"),
        ({"ehr_systems": [f"system {i}" for i in range(21)]}, 422, "too_many_tags"),
        ({"display_name": "   "}, 422, "empty_display_name"),
        ({"username": "someone"}, 403, "read_only_field"),
        ({"role": "admin"}, 403, "read_only_field"),
        ({"email": "x@example.org"}, 403, "read_only_field"),
        ({"favourite_colour": "blue"}, 422, "unknown_field"),
    ],
)
def test_profile_validation(
    app: Any, login: Any, people: None, body: Any, status: int, code: str
) -> None:
    api = login("mdo")
    before = api.get(f"{API}/me").json["user"]
    response = api.patch(f"{API}/me", json=body)
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.json["error"]["code"] == code
    assert response.json["error"]["message"].endswith(".")
    assert api.get(f"{API}/me").json["user"] == before


def test_nobody_edits_another_persons_profile(login: Any, factory: Any, people: None) -> None:
    factory.user("root", role="admin")
    for who in ("mokafor", "root"):
        response = login(who).patch(f"{API}/users/mdo", json={"bio": "Hijacked"})
        assert response.status_code == 403
        assert response.json["error"]["code"] == "not_your_profile"
        response = upload(login(who), image(), path=f"{API}/users/mdo/photo")
        assert response.status_code == 403
    api = login("mdo")
    assert api.get(f"{API}/users/mdo").json["user"]["bio"] == ""
    assert api.patch(f"{API}/users/mdo", json={"bio": "Mine"}).json["user"]["bio"] == "Mine"
    assert api.get(f"{API}/users/nobody-here").json["error"]["code"] == "unknown_user"


def test_profile_lists_only_channels_the_viewer_may_see(login: Any, factory: Any) -> None:
    for name in ("alice", "bob", "carol"):
        factory.user(name)
    factory.channel("town", members=("alice", "bob", "carol"))
    factory.channel("council", kind="private", members=("alice", "bob"))
    factory.channel("secret", kind="private", members=("alice",))
    factory.channel("news", kind="announcement", members=("alice",))
    dm = login("bob").post(f"{API}/direct", json={"username": "alice"}).json["channel"]["name"]

    def channels(viewer: str) -> list[str]:
        response = login(viewer).get(f"{API}/users/alice")
        assert response.status_code == 200
        return [c["name"] for c in response.json["channels"]]

    assert channels("carol") == ["news", "town"]
    assert channels("bob") == ["council", "news", "town"]
    assert channels("alice") == ["council", "news", "secret", "town"]
    assert dm not in channels("bob")


# --- photos -----------------------------------------------------------------------------------


def test_upload_and_serve_a_photo(login: Any, people: None) -> None:
    api = login("mdo")
    assert api.get(f"{API}/users/mdo/photo").status_code == 404
    assert api.get(f"{API}/users/mdo").json["user"]["photo_url"] is None
    response = upload(api, image("PNG", (800, 600)))
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.json["user"]["uploaded_photo"] is True

    other = login("mokafor")
    photo = other.get(response.json["user"]["photo_url"])
    assert photo.status_code == 200
    assert photo.headers["Content-Type"] == "image/png"
    assert photo.headers["X-Content-Type-Options"] == "nosniff"
    assert "private" in photo.headers["Cache-Control"]
    with Image.open(io.BytesIO(photo.data)) as stored:
        assert stored.format == "PNG" and stored.size == (512, 384)  # shrunk, metadata-free
    again = other.get(f"{API}/users/mdo/photo", headers={"If-None-Match": photo.headers["ETag"]})
    assert again.status_code == 304
    listed = other.get(f"{API}/users", query_string={"q": "minh"}).json["users"][0]
    assert listed["photo_url"] == f"{API}/users/mdo/photo"

    assert upload(api, image("JPEG"), name="me.jpg").status_code == 201
    assert other.get(f"{API}/users/mdo/photo").headers["Content-Type"] == "image/jpeg"
    assert api.delete(f"{API}/me/photo").status_code == 200
    assert other.get(f"{API}/users/mdo/photo").status_code == 404
    assert api.delete(f"{API}/me/photo").json["error"]["code"] == "no_photo"


def _noise(size: int) -> bytes:
    import random

    return random.Random(5).randbytes(size)


@pytest.mark.parametrize(
    ("data", "status", "code"),
    [
        (b"\x89PNG\r\n\x1a\n" + _noise(1_100_000), 413, "photo_too_large"),
        (b"\xff\xd8\xff" + _noise(3_000_000), 413, "photo_too_large"),  # over the app limit
        (b"%PDF-1.7\n" + _noise(2000), 415, "unsupported_photo_type"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", 415, "unsupported_photo_type"),
        (image("GIF"), 415, "unsupported_photo_type"),
        (b"\xff\xd8\xff\xe0" + _noise(5000), 422, "invalid_photo"),  # JPEG magic, no image
        (image("PNG")[:200], 422, "invalid_photo"),  # truncated
        (image("PNG", (5000, 40)), 422, "invalid_photo_size"),
        (image("JPEG", (10, 10)), 422, "invalid_photo_size"),
    ],
    ids=["over-1mb", "over-2mb", "pdf", "svg", "gif", "fake-magic", "truncated", "wide", "tiny"],
)
def test_photo_refusals(login: Any, people: None, data: bytes, status: int, code: str) -> None:
    api = login("mdo")
    response = upload(api, data)
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.json["error"]["code"] == code
    assert response.json["error"]["message"].endswith(".")
    assert api.get(f"{API}/users/mdo/photo").status_code == 404


def test_photo_upload_needs_a_file(login: Any, people: None) -> None:
    api = login("mdo")
    response = api.post(f"{API}/me/photo", data={"other": "x"})
    assert response.status_code == 400 and response.json["error"]["code"] == "missing_photo"


# --- profiles provisioned from a real directory ------------------------------------------------


@pytest.fixture(scope="module")
def slapd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from ldap_fixtures import start_server

    server = start_server(str(tmp_path_factory.mktemp("slapd")))
    yield server
    server.stop()


def test_directory_fields_are_synced_and_read_only(app: Any, slapd: Any, login: Any) -> None:
    from ldap_fixtures import Directory

    from physnet.actions.directory import check_ldap_sync

    tree = Directory(slapd, PASSWORD)
    try:
        tree.person(
            "rvance",
            "Dr. Rosa Vance",
            title="Director of Cardiology",
            departmentNumber="Heart Institute",
            businessCategory="Cardiology",
            physicalDeliveryOfficeName="Lakeside Hospital",
            telephoneNumber="+1 555 0142",
            jpegPhoto=image("JPEG", (300, 400)),
        )
        tree.person("tnophoto", "Theo Nophoto", businessCategory="Nephrology")
        app.config["PHYSNET"] = dataclasses.replace(app.config["PHYSNET"], ldap=tree.settings())
        app.extensions.pop("physnet_directory", None)
        with app.app_context():
            check_ldap_sync()

        api = login("rvance")  # signs in against slapd
        me = api.get(f"{API}/me").json["user"]
        assert me["source"] == "directory"
        assert (me["display_name"], me["specialty"], me["facility"], me["department"]) == (
            "Dr. Rosa Vance",
            "Cardiology",
            "Lakeside Hospital",
            "Heart Institute",
        )
        assert set(me["directory_fields"]) >= {"display_name", "specialty", "facility", "photo"}
        assert "specialty" not in me["editable_fields"] and "bio" in me["editable_fields"]
        found = api.get(f"{API}/users", query_string={"q": "vance", "specialty": "Cardiology"})
        assert usernames(found) == ["rvance"]

        for field, value in [
            ("display_name", "Rosa V."),
            ("specialty", "Dermatology"),
            ("facility", "Elsewhere"),
            ("phone", "0"),
            ("title", "Chief"),
            ("email", "me@example.org"),
        ]:
            response = api.patch(f"{API}/me", json={"bio": "Echo lab.", field: value})
            assert response.status_code == 403, field
            error = response.json["error"]
            assert error["code"] == "directory_field" and error["field"] == field
            assert field in error["message"] and "directory" in error["message"]
        assert api.get(f"{API}/me").json["user"]["bio"] == ""  # nothing half-applied
        ok = api.patch(f"{API}/me", json={"bio": "Echo lab.", "ehr_systems": ["Epic"]})
        assert ok.status_code == 200 and ok.json["user"]["specialty"] == "Cardiology"

        photo = api.get(f"{API}/users/rvance/photo")
        assert photo.status_code == 200 and photo.headers["Content-Type"] == "image/jpeg"
        refused = upload(api, image("PNG"))
        assert refused.status_code == 409
        assert refused.json["error"]["code"] == "photo_from_directory"

        # A directory account without a directory photo may upload one; a sync keeps it.
        other = login("tnophoto")
        assert upload(other, image("PNG")).status_code == 201
        with app.app_context():
            check_ldap_sync()
        assert other.get(f"{API}/users/tnophoto/photo").headers["Content-Type"] == "image/png"
    finally:
        tree.close()
