"""Attachments through the HTTP API on SQLite and PostgreSQL: screened before stored,
downloaded only by readers, found by the words inside them, removed with their message."""

from __future__ import annotations

import dataclasses
import io
import json
from pathlib import Path
from typing import Any

import pytest
from files_support import (
    CLEAN_LINES,
    PHI_LINES,
    animated_gif,
    gps_exif,
    office,
    scanned_pdf,
    screenshot,
    text_pdf,
    upload,
)
from flask import Flask
from PIL import Image
from sqlalchemy import func, select

from physnet.extensions import db
from physnet.models import AuditEvent, File, FileChunk
from physnet.search import service

API = "/api/v1"


@pytest.fixture
def ward(app: Flask, factory: Any, login: Any) -> dict[str, Any]:
    """#ehr-build, private: alice and bob are members, carol is not."""
    for name in ("alice", "bob", "carol"):
        factory.user(name)
    factory.channel("ehr-build", kind="private", members=("alice", "bob"))
    yield {name: login(name) for name in ("alice", "bob", "carol")}
    service(app).close()


def stored_files(app: Flask) -> list[Path]:
    folder = Path(app.config["PHYSNET"].instance_path) / "files"
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def file_rows(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(File)) or 0


def share(api: Any, data: bytes, name: str, body: str = "") -> tuple[dict, dict]:
    up = upload(api, "ehr-build", data, name)
    assert up.status_code == 201, up.get_data(as_text=True)
    posted = api.post(
        f"{API}/channels/ehr-build/messages",
        json={"body": body, "file_ids": [up.json["file"]["id"]]},
    )
    assert posted.status_code == 201, posted.get_data(as_text=True)
    return up.json["file"], posted.json["message"]


def search(app: Flask, api: Any, q: str) -> list[dict]:
    service(app).indexer.catch_up()
    response = api.get(f"{API}/search", query_string={"q": q})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json["results"]


def test_a_clean_screenshot_is_shared_downloaded_by_a_member_and_found(
    app: Flask, ward: dict[str, Any]
) -> None:
    alice, bob, carol = ward["alice"], ward["bob"], ward["carol"]
    file, message = share(alice, screenshot(CLEAN_LINES), "favorites.png")
    assert message["body"] == "" and [f["id"] for f in message["files"]] == [file["id"]]
    assert file["kind"] == "image" and file["content_type"] == "image/png"

    got = bob.get(file["url"])
    assert got.status_code == 200
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in got.headers["Content-Security-Policy"]
    assert Image.open(io.BytesIO(got.data)).size == (900, 210)
    thumb = bob.get(file["thumbnail_url"])
    assert thumb.status_code == 200 and max(Image.open(io.BytesIO(thumb.data)).size) <= 320

    for path in (file["url"], file["thumbnail_url"]):
        assert carol.get(path).status_code == 404  # not a member: as if it did not exist

    found = search(app, bob, "sepsis bundle")  # words only inside the picture
    assert [r["id"] for r in found] == [message["id"]]
    assert found[0]["files"] == ["favorites.png"]
    assert [r["id"] for r in search(app, bob, "has:image")] == [message["id"]]
    assert [r["id"] for r in search(app, bob, "has:file favorites")] == [message["id"]]
    assert search(app, bob, "has:pdf") == []
    assert search(app, carol, "sepsis bundle") == []


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (screenshot(PHI_LINES), "build.png"),
        (scanned_pdf(PHI_LINES), "scan.pdf"),
        (text_pdf(PHI_LINES), "tip-sheet.pdf"),
    ],
    ids=["screenshot", "scanned-pdf", "text-pdf"],
)
def test_a_file_showing_a_patient_is_refused_before_it_is_stored(
    app: Flask, ward: dict[str, Any], data: bytes, name: str
) -> None:
    refused = upload(ward["alice"], "ehr-build", data, name)
    assert refused.status_code == 422
    error = refused.json["error"]
    assert error["code"] == "possible_phi"
    assert error["message"].startswith(f"The text read from {name} looks like")
    kinds = {f["kind"] for f in error["findings"]}
    assert {"mrn", "dob"} <= kinds
    assert {f["label"] for f in error["findings"]} >= {"medical record number", "date of birth"}
    # Nothing kept: no bytes, no row, and no audit event carries its words.
    assert stored_files(app) == [] and file_rows(app) == 0
    with app.app_context():
        details = " ".join(db.session.scalars(select(AuditEvent.detail)))
    assert "48213907" not in details and "Quibble" not in details


def test_a_clean_pdf_is_accepted_and_searchable(app: Flask, ward: dict[str, Any]) -> None:
    file, message = share(ward["alice"], text_pdf(CLEAN_LINES), "order-sets.pdf", "Tip sheet")
    assert file["kind"] == "pdf" and file["thumbnail_url"]
    got = ward["bob"].get(file["url"])
    assert got.status_code == 200 and got.data.startswith(b"%PDF-")
    assert got.headers["Content-Disposition"].startswith("attachment")
    assert [r["id"] for r in search(app, ward["bob"], "has:pdf admission")] == [message["id"]]


def test_gps_and_camera_metadata_are_gone_and_orientation_kept(ward: dict[str, Any]) -> None:
    raw = screenshot(CLEAN_LINES, "JPEG", exif=gps_exif())
    assert b"PhoneMaker" in raw
    file, _ = share(ward["alice"], raw, "photo.jpg")
    data = ward["bob"].get(file["url"]).data
    picture = Image.open(io.BytesIO(data))
    assert picture.format == "JPEG"
    assert dict(picture.getexif()) == {} and b"PhoneMaker" not in data
    assert picture.size == (210, 900)  # orientation 6 applied to the pixels


def test_html_is_stored_as_text_and_never_rendered(ward: dict[str, Any]) -> None:
    page = b"<html><body><script>alert(1)</script>Order set tips</body></html>"
    file, _ = share(ward["alice"], page, "tips.html")
    got = ward["bob"].get(file["url"])
    assert got.data == page
    assert got.headers["Content-Type"].startswith("text/plain")
    assert got.headers["Content-Disposition"].startswith("attachment")
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in got.headers["Content-Security-Policy"]


def test_sixty_megabytes_are_refused_with_413_unread(app: Flask, ward: dict[str, Any]) -> None:
    refused = upload(ward["alice"], "ehr-build", b"\x89PNG\r\n\x1a\n" + bytes(60 * 2**20), "x.png")
    assert refused.status_code == 413
    assert refused.json["error"]["code"] == "file_too_large"
    assert stored_files(app) == [] and file_rows(app) == 0


@pytest.mark.parametrize(
    ("data", "name"),
    [(b"\x7fELF\x02\x01\x01" + bytes(200), "tool"), (b"PK\x03\x04" + bytes(40), "x.zip")],
)
def test_other_types_are_refused_with_415(ward: dict[str, Any], data: bytes, name: str) -> None:
    refused = upload(ward["alice"], "ehr-build", data, name)
    assert refused.status_code in (415, 422), refused.get_data(as_text=True)
    assert refused.json["error"]["code"] in ("unsupported_file_type", "invalid_file")


def test_a_forged_picture_is_refused(ward: dict[str, Any]) -> None:
    forged = screenshot(CLEAN_LINES)[:400]  # a PNG header, then the body cut short
    refused = upload(ward["alice"], "ehr-build", forged, "cut.png")
    assert refused.status_code == 422 and refused.json["error"]["code"] == "invalid_file"


def test_deleting_the_message_removes_the_file(app: Flask, ward: dict[str, Any]) -> None:
    file, message = share(ward["alice"], screenshot(CLEAN_LINES), "favorites.png")
    assert len(stored_files(app)) == 2  # the picture and its thumbnail
    assert ward["alice"].delete(f"{API}/messages/{message['id']}").status_code == 200
    assert ward["bob"].get(file["url"]).status_code == 404
    assert ward["alice"].get(file["url"]).status_code == 404
    assert stored_files(app) == [] and file_rows(app) == 0
    assert search(app, ward["bob"], "sepsis bundle") == []


def test_a_records_export_lists_attachments_by_reference(
    app: Flask, ward: dict[str, Any], runner: Any
) -> None:
    """Compliance gets each file's name, type, size and SHA-256, never the bytes."""
    file, message = share(ward["alice"], screenshot(CLEAN_LINES), "favorites.png", "Favorites")
    with app.app_context():
        digest = db.session.get(File, file["id"]).digest
    result = runner.invoke(args=["export", "messages", "--since", "2020-01-01"])
    assert result.exit_code == 0, result.output
    (row,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert row["id"] == message["id"]
    assert row["attachments"] == [
        {
            "id": file["id"],
            "name": "favorites.png",
            "content_type": "image/png",
            "size": file["size"],
            "sha256": digest,
            "url": file["url"],
        }
    ]


def test_an_unattached_upload_is_its_uploaders_alone(ward: dict[str, Any]) -> None:
    up = upload(ward["alice"], "ehr-build", b"Downtime procedure: print the MAR.", "downtime.txt")
    assert up.status_code == 201
    url = up.json["file"]["url"]
    assert ward["alice"].get(url).status_code == 200
    assert ward["bob"].get(url).status_code == 404
    # Bob cannot attach Alice's upload to his own message.
    taken = ward["bob"].post(
        f"{API}/channels/ehr-build/messages",
        json={"body": "mine", "file_ids": [up.json["file"]["id"]]},
    )
    assert taken.status_code == 422 and taken.json["error"]["code"] == "unknown_file"


def test_a_non_member_cannot_upload_into_a_private_channel(ward: dict[str, Any]) -> None:
    refused = upload(ward["carol"], "ehr-build", b"Order set tip", "tip.txt")
    assert refused.status_code == 404


def test_an_override_reason_lets_a_flagged_file_through_audited(
    app: Flask, ward: dict[str, Any]
) -> None:
    data = text_pdf(["Test patient build: MRN 00000000 is the training record"])
    first = upload(ward["alice"], "ehr-build", data, "training.pdf")
    assert first.status_code == 422 and first.json["error"]["policy"] == "confirm"
    second = upload(
        ward["alice"],
        "ehr-build",
        data,
        "training.pdf",
        phi_override_reason="the training environment's test record, not a person",
    )
    assert second.status_code == 201, second.get_data(as_text=True)
    with app.app_context():
        actions = list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    assert actions[-2:] == ["file.uploaded", "phi.override"]


def test_postgresql_storage_keeps_bytes_in_the_database(app: Flask, ward: dict[str, Any]) -> None:
    settings = app.config["PHYSNET"]
    app.config["PHYSNET"] = dataclasses.replace(
        settings, files=dataclasses.replace(settings.files, storage="postgresql")
    )
    big = b"Downtime checklist line\n" * 100_000  # 2.4 MB: three chunks
    file, message = share(ward["alice"], big, "downtime.txt")
    assert stored_files(app) == []
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(FileChunk)) == 3
    assert ward["bob"].get(file["url"]).data == big
    ward["alice"].delete(f"{API}/messages/{message['id']}")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(FileChunk)) == 0


def test_retention_removes_files_and_their_bytes(app: Flask, ward: dict[str, Any]) -> None:
    from datetime import timedelta

    from physnet.actions.retention import apply_retention
    from physnet.models import Message, utcnow

    _file, message = share(ward["alice"], screenshot(CLEAN_LINES), "favorites.png")
    with app.app_context():
        db.session.get(Message, message["id"]).created_at = utcnow() - timedelta(days=400)
        db.session.commit()
        app.config["PHYSNET"] = dataclasses.replace(app.config["PHYSNET"], retention_days=365)
        report = apply_retention()
        assert report.files == 1
        actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"file.removed", "retention.applied"} <= actions
    assert stored_files(app) == [] and file_rows(app) == 0


def test_files_collect_removes_orphaned_bytes(
    app: Flask, ward: dict[str, Any], runner: Any
) -> None:
    import os
    import time

    from physnet.files.store import FolderStore

    with app.app_context():
        store = FolderStore(Path(app.config["PHYSNET"].instance_path) / "files")
        digest = store.put(b"bytes whose row was never written")
    path = store._path(digest)
    old = time.time() - 2 * 3600
    os.utime(path, (old, old))
    kept, _ = share(ward["alice"], b"Order set tip", "tip.txt")
    result = runner.invoke(args=["files", "collect"])
    assert result.exit_code == 0, result.output
    assert "1 orphaned" in result.output
    assert not path.exists()
    assert ward["bob"].get(kept["url"]).status_code == 200


@pytest.mark.parametrize("kind", ["docx", "xlsx"])
def test_office_documents_are_read_screened_and_searchable(
    app: Flask, ward: dict[str, Any], kind: str
) -> None:
    clean = office(kind, ["Downtime procedure", "print the MAR from the BCA workstation"])
    file, message = share(ward["alice"], clean, f"downtime.{kind}")
    assert file["kind"] == "document"
    assert [r["id"] for r in search(app, ward["bob"], "BCA workstation")] == [message["id"]]
    flagged = office(kind, ["Census", "MRN: 48213907 DOB: 03/14/1961"])
    refused = upload(ward["alice"], "ehr-build", flagged, f"census.{kind}")
    assert refused.status_code == 422 and refused.json["error"]["code"] == "possible_phi"


def test_a_gif_keeps_its_first_frame_as_a_png(ward: dict[str, Any]) -> None:
    file, _ = share(ward["alice"], animated_gif(), "steps.gif")
    picture = Image.open(io.BytesIO(ward["bob"].get(file["url"]).data))
    assert picture.format == "PNG" and getattr(picture, "n_frames", 1) == 1
    assert picture.convert("L").getextrema()[0] < 100  # the text of frame one, not a blank


def test_a_file_whose_text_cannot_be_read_needs_a_reason(app: Flask, ward: dict[str, Any]) -> None:
    settings = app.config["PHYSNET"]
    app.config["PHYSNET"] = dataclasses.replace(
        settings, files=dataclasses.replace(settings.files, ocr_timeout_s=0.001)
    )
    refused = upload(ward["alice"], "ehr-build", screenshot(CLEAN_LINES), "slow.png")
    assert refused.status_code == 422 and refused.json["error"]["code"] == "unreadable_file"
    assert stored_files(app) == [] and file_rows(app) == 0
    accepted = upload(
        ward["alice"],
        "ehr-build",
        screenshot(CLEAN_LINES),
        "slow.png",
        phi_override_reason="a build screen of the order composer, no patient on it",
    )
    assert accepted.status_code == 201
    with app.app_context():
        override = db.session.scalars(
            select(AuditEvent.detail).where(AuditEvent.action == "phi.override")
        ).one()
    assert '"unreadable": 1' in override


def test_a_quarantined_message_hides_its_files(app: Flask, ward: dict[str, Any]) -> None:
    file, message = share(ward["alice"], screenshot(CLEAN_LINES), "favorites.png")
    reported = ward["bob"].post(
        f"{API}/messages/{message['id']}/report", json={"kind": "other", "reason": "check it"}
    )
    assert reported.status_code in (200, 201), reported.get_data(as_text=True)
    assert reported.json["report"]["message_hidden"] is True
    assert ward["bob"].get(file["url"]).status_code == 404
    assert search(app, ward["bob"], "sepsis bundle") == []


def test_files_settings_are_checked_at_start_up() -> None:
    from physnet.config import ConfigError, load_settings

    env = {"PHYSNET_SECRET_KEY": "tests-only-secret-key-0123456789abcdef0123456789"}
    settings = load_settings({"files": {"max_mb": 5, "storage": "postgresql"}}, environ=env)
    assert settings.files.max_bytes == 5 * 2**20 and settings.files.storage == "postgresql"
    env_settings = load_settings(environ={**env, "PHYSNET_FILES_UNREADABLE": "block"})
    assert env_settings.files.unreadable == "block"
    for bad, words in (
        ({"storage": "s3"}, "storage"),
        ({"max_mb": 0}, "max_mb"),
        ({"ocr_seconds": 3}, "ocr_seconds"),
    ):
        with pytest.raises(ConfigError, match=words):
            load_settings({"files": bad}, environ=env)


def test_a_socket_send_attaches_files_and_broadcasts_them(ward: dict[str, Any]) -> None:
    up = upload(ward["alice"], "ehr-build", b"Order set tip: star the bundle", "tip.txt")
    listener = ward["bob"].socket()
    sender = ward["alice"].socket()
    ack = sender.emit(
        "send_message",
        {
            "channel": "ehr-build",
            "body": "",
            "client_msg_id": "s-1",
            "file_ids": [up.json["file"]["id"]],
        },
        callback=True,
    )
    assert ack["ok"] is True, ack
    assert [f["name"] for f in ack["message"]["files"]] == ["tip.txt"]
    # The test client unwraps the arguments of an event named "message".
    heard = [e["args"] for e in listener.get_received() if e["name"] == "message"]
    assert [m["files"][0]["id"] for m in heard] == [up.json["file"]["id"]]
    sender.disconnect()
    listener.disconnect()
