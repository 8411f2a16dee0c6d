"""Settings for a long-running server process (`physnet run`, gunicorn via physnet.wsgi)."""

from __future__ import annotations

import gc

from flask import Flask

from physnet import checkpoint
from physnet.actions import presence


def prepare(app: Flask) -> None:
    """Tune the process for steady latency; call once, after the app is built."""
    checkpoint.start(app)
    presence.start_node(app)  # with Redis: the heartbeat that reaps dead peers
    # A server holds a few hundred thousand long-lived objects (SQLAlchemy, Jinja, one thread
    # per socket); every full collection walks them all and stalled whole messages by
    # 50-140 ms (bench/messaging.py, p99). Freeze what start-up built, and collect the young
    # generation less often: the same garbage goes, in fewer and shorter pauses.
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)
