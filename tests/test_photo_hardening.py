"""Profile photo uploads: decoded beside the gevent hub (like Argon2), and rate-limited."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

from flask import Flask
from test_people import image, upload

from conftest import ApiClient, Factory, _settings

API = "/api/v1"

# A gevent-patched process, as under gunicorn's gevent worker: a greenlet counts how often
# the hub lets it run while one upload is checked. A decode on the hub never yields, so it
# never runs; a decode in the hub's thread pool lets it run while the hub waits.
SCRIPT = textwrap.dedent(
    """
    from gevent import monkey

    monkey.patch_all()

    import io, json, sys

    import gevent
    from PIL import Image

    from physnet import create_app
    from physnet.actions.profiles import check_upload_photo
    from physnet.actions.users import do_create_local_user

    app = create_app(json.loads(sys.argv[1]))
    buffer = io.BytesIO()
    Image.new("RGB", (4000, 4000), (30, 120, 200)).save(buffer, "PNG")  # small file, big decode
    with app.app_context():
        user = do_create_local_user("alice", "a-long-enough-password", display_name="Alice")
        ticks = [0]

        def tick():
            while True:
                ticks[0] += 1
                gevent.sleep(0)

        ticker = gevent.spawn(tick)
        gevent.sleep(0)
        before = ticks[0]
        stored = check_upload_photo(user, user, buffer.getvalue())
        print(json.dumps({"ticks": ticks[0] - before, "width": stored.width}))
        ticker.kill()
    """
)


def test_the_decode_runs_off_the_gevent_hub(tmp_path: Path, sqlite_template: Path) -> None:
    path = tmp_path / "gevent.db"
    shutil.copy(sqlite_template, path)
    settings = _settings(tmp_path, f"sqlite:///{path}", search_indexer=False)
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, json.dumps(settings)],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PHYSNET_INSTANCE": str(tmp_path / "instance"), "PATH": "/usr/bin:/bin"},
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["width"] == 512  # it was decoded and re-encoded, at the stored size
    assert result["ticks"] > 0  # the hub ran other greenlets during the decode


def test_photo_uploads_are_rate_limited(limited_app: Flask) -> None:
    Factory(limited_app).user("mdo")
    api = ApiClient(limited_app.test_client(), "mdo")
    for _ in range(10):
        assert upload(api, image()).status_code == 201
    refused = upload(api, image())
    assert refused.status_code == 429
    assert refused.json["error"]["code"] == "rate_limited"
    assert "photo upload" in refused.json["error"]["message"]
    assert int(refused.headers["Retry-After"]) >= 1
