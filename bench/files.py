"""Attachments: upload → stored time, OCR time per screenshot, and the event loop under OCR.

Usage: .venv/bin/python bench/files.py [--uploads N] [--concurrent N]

1. Per screenshot (1920×1080, a build screen of 12 lines of EHR-workflow text, each one
   different), in this process on SQLite with folder storage: the OCR time alone
   (`ocr_image`), and the whole upload → stored time (the HTTP request through Flask's
   test client: parse, decode, re-encode, OCR, PHI guard, bytes fsync'd, row committed).
   p50/p95 over N uploads.
2. Under gevent (a subprocess patched as under gunicorn's gevent worker): a greenlet sleeps
   10 ms again and again and records how late it wakes up: that lateness is what every
   socket of the process waits on top of its own work. Measured idle (baseline), then while
   `--concurrent` (10) uploads are read at once; their p50/p95/max and the ratio.
Only 127.0.0.1 and local files; nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for path in (ROOT / "tests", ROOT / "bench"):  # the project itself: by common, below
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from common import format_table, latency_summary  # noqa: E402

WORDS = [
    "Order set favorites: open Orders, click the star beside the bundle",
    "Sepsis bundle: lactate, cultures, fluids, antibiotics within the hour",
    "SmartPhrase .HPI pulls the last three vitals into the note",
    "Downtime procedure: print the MAR from the BCA workstation",
    "In Basket: route results to the pool, not the covering resident",
    "Discharge navigator: reconcile meds before the AVS prints",
]


def build_screen(seed: int) -> bytes:
    """A 1920×1080 screenshot of 12 lines of workflow text (no patient information)."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.load_default(size=26)
    image = Image.new("RGB", (1920, 1080), (248, 249, 251))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 1920, 60), fill=(20, 60, 110))
    draw.text((30, 14), f"Build screen {seed}", fill=(255, 255, 255), font=font)
    for i in range(12):
        draw.text((60, 100 + 75 * i), WORDS[(seed + i) % len(WORDS)], fill=(25, 25, 25), font=font)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def per_upload(count: int) -> dict[str, dict[str, float]]:
    from files_support import upload
    from PIL import Image

    from physnet import create_app
    from physnet.actions.channels import do_add_member, do_create_channel
    from physnet.actions.users import do_create_local_user
    from physnet.files.ocr import ocr_image

    folder = Path(tempfile.mkdtemp(prefix="physnet-bench-files-"))
    os.environ["PHYSNET_INSTANCE"] = str(folder / "instance")
    url = f"sqlite:///{folder / 'bench.db'}"
    settings = {
        "database_url": url,
        "secret_key": "bench-only-secret-key-0123456789abcdef0123456789",
        "search_index": str(folder / "search_index"),
        "ratelimits": False,
    }
    app = create_app(settings)
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()
        user = do_create_local_user("bench", "bench-password-not-secret", display_name="Bench")
        channel = do_create_channel(None, "ehr-build", "EHR build", "", "public")
        do_add_member(channel, user)
        token_user = user.id
    client = app.test_client()

    class Api:  # Bearer token: no CSRF, as a script would upload
        def __init__(self) -> None:
            from physnet.actions.users import do_create_token

            with app.app_context():
                from physnet.extensions import db
                from physnet.models import User

                self.token = do_create_token(db.session.get(User, token_user), "bench")[1]

        def post(self, path: str, **kwargs: object) -> object:
            headers = {"Authorization": f"Bearer {self.token}"}
            return client.post(path, headers=headers, **kwargs)

    api = Api()
    screens = [build_screen(i) for i in range(count)]
    ocr, stored = [], []
    settings_files = app.config["PHYSNET"].files
    for i, raw in enumerate(screens):
        picture = Image.open(io.BytesIO(raw))
        start = time.perf_counter()
        ocr_image(picture, workers=1, timeout_s=settings_files.ocr_timeout_s)
        ocr.append(time.perf_counter() - start)
        start = time.perf_counter()
        response = upload(api, "ehr-build", raw, f"screen-{i}.png")
        stored.append(time.perf_counter() - start)
        assert response.status_code == 201, response.get_data(as_text=True)
    return {"ocr": latency_summary(ocr), "stored": latency_summary(stored)}


LOOP = textwrap.dedent(
    """
    from gevent import monkey

    monkey.patch_all()

    import json, os, sys, time

    import gevent

    sys.path[:0] = [sys.argv[2], sys.argv[2] + "/tests", sys.argv[2] + "/bench"]
    from files import build_screen
    from physnet import create_app
    from physnet.actions.channels import do_add_member, do_create_channel
    from physnet.actions.files.upload import check_upload_file
    from physnet.actions.users import do_create_local_user
    from physnet.extensions import db
    from physnet.models import User

    settings = json.loads(sys.argv[1])
    concurrent = int(sys.argv[3])
    app = create_app(settings)
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()
        user = do_create_local_user("bench", "bench-password-not-secret", display_name="B")
        channel = do_create_channel(None, "ehr-build", "EHR build", "", "public")
        do_add_member(channel, user)
        uid = user.id
    screens = [build_screen(100 + i) for i in range(concurrent)]
    # The guard reads its census name lists once per process (bench/phi.py times that).
    from physnet.phi import phi_scan

    phi_scan("warm up the name lists: seen by Dr Smith in bed 4", app.config["PHYSNET"].phi)

    def lateness(seconds):
        late = []
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            start = time.perf_counter()
            gevent.sleep(0.010)
            late.append(time.perf_counter() - start - 0.010)
        return late

    idle = lateness(3.0)

    def one(raw, i):
        with app.app_context():
            check_upload_file(db.session.get(User, uid), "ehr-build", f"s{i}.png", raw)
            db.session.remove()

    start = time.perf_counter()
    jobs = [gevent.spawn(one, raw, i) for i, raw in enumerate(screens)]
    busy = []
    while not all(job.ready() for job in jobs):
        busy += lateness(0.2)
    took = time.perf_counter() - start
    failed = [str(job.exception) for job in jobs if job.exception]
    print(json.dumps({"idle": idle, "busy": busy, "took": took, "failed": failed}))
    """
)


def under_gevent(concurrent: int) -> dict[str, object]:
    folder = Path(tempfile.mkdtemp(prefix="physnet-bench-files-gevent-"))
    settings = {
        "database_url": f"sqlite:///{folder / 'bench.db'}",
        "secret_key": "bench-only-secret-key-0123456789abcdef0123456789",
        "search_index": str(folder / "search_index"),
        "ratelimits": False,
    }
    env = {**os.environ, "PHYSNET_INSTANCE": str(folder / "instance")}
    done = subprocess.run(
        [sys.executable, "-c", LOOP, json.dumps(settings), str(ROOT), str(concurrent)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT / "bench",
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uploads", type=int, default=20)
    parser.add_argument("--concurrent", type=int, default=10)
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()

    figures = per_upload(args.uploads)
    print(f"\n1. One 1920x1080 screenshot at a time, {args.uploads} uploads (ms)")
    rows = [[name, f["p50"], f["p95"], f["max"]] for name, f in figures.items()]
    print(format_table(["", "p50", "p95", "max"], rows, markdown=args.markdown))

    loop = under_gevent(args.concurrent)
    idle = latency_summary(loop["idle"])  # type: ignore[arg-type]
    busy = latency_summary(loop["busy"])  # type: ignore[arg-type]
    print(
        f"\n2. gevent event loop: how late a 10 ms sleep wakes (ms), idle vs while "
        f"{args.concurrent} uploads are OCR'd at once ({loop['took']:.1f} s for all; "
        f"failed: {len(loop['failed'])})"  # type: ignore[arg-type]
    )
    rows = [
        ["idle (baseline)", idle["p50"], idle["p95"], idle["max"]],
        [f"{args.concurrent} uploads", busy["p50"], busy["p95"], busy["max"]],
        [
            "ratio",
            busy["p50"] / max(idle["p50"], 1e-3),
            busy["p95"] / max(idle["p95"], 1e-3),
            busy["max"] / max(idle["max"], 1e-3),
        ],
    ]
    print(format_table(["", "p50", "p95", "max"], rows, markdown=args.markdown, digits=2))


if __name__ == "__main__":
    main()
