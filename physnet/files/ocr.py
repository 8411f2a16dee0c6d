"""Words in a picture, by Tesseract, in a bounded pool of processes with a time limit.

Tesseract runs as a child process fed through a pipe (`tesseract stdin stdout`): the picture
never touches the disk, so a refused file leaves no temp file behind. Under gevent the page
is encoded in the hub's thread pool and the subprocess module is cooperative, so the request
waits for Tesseract without holding the event loop; a semaphore (gevent's, once patched)
keeps at most `workers` Tesseracts per process.
"""

from __future__ import annotations

import io
import logging
import os
import shutil
import subprocess
import threading
from typing import Any

from physnet.db.blocking import off_hub

log = logging.getLogger(__name__)
MIN_SIDE = 1000  # small screenshots are upscaled: Tesseract reads ~30 px letters best
_pools: dict[int, threading.BoundedSemaphore] = {}
_pools_lock = threading.Lock()


class OcrUnavailable(RuntimeError):
    """Tesseract is not installed; say how to install it."""


def tesseract_path() -> str:
    path = shutil.which("tesseract")
    if path is None:
        raise OcrUnavailable(
            "Tesseract is not installed (Debian: apt-get install tesseract-ocr tesseract-ocr-eng)."
        )
    return path


def _pool(workers: int) -> threading.BoundedSemaphore:
    with _pools_lock:
        if workers not in _pools:
            _pools[workers] = threading.BoundedSemaphore(workers)
        return _pools[workers]


def _prepared(image: Any) -> bytes:
    """The picture as a grey PNG, upscaled when small, for Tesseract's stdin."""
    from PIL import Image

    grey = image.convert("L")
    longest = max(grey.size)
    if longest < MIN_SIDE:
        factor = min(3.0, MIN_SIDE / max(longest, 1))
        grey = grey.resize(
            (int(grey.width * factor), int(grey.height * factor)), Image.Resampling.LANCZOS
        )
    out = io.BytesIO()
    grey.save(out, "PNG")
    return out.getvalue()


def ocr_image(image: Any, *, workers: int, timeout_s: float) -> str | None:
    """The text Tesseract reads in a PIL image; None when it fails or runs past timeout_s."""
    data = off_hub(_prepared, image)  # a PNG encode of a 4K page: beside the hub, not on it
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}  # one core per page: the pool is the limit
    try:
        tesseract = tesseract_path()
    except OcrUnavailable as exc:
        log.warning("%s Pictures count as unreadable until it is.", exc)  # never file text
        return None
    with _pool(workers):
        try:
            done = subprocess.run(
                [tesseract, "stdin", "stdout", "-l", "eng", "--psm", "3"],
                input=data,
                capture_output=True,
                timeout=timeout_s,
                env=env,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return None
    if done.returncode != 0:
        return None
    return done.stdout.decode("utf-8", "replace")
