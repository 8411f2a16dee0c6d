"""The baseline for bench/messaging.py: a bare Flask-SocketIO server that only rebroadcasts.

Same stack and same serving path as `physnet run` (Flask-SocketIO, async_mode="threading",
simple-websocket, Werkzeug through socketio.run), the same Socket.IO settings, but no
authentication, no database, no Markdown: every socket joins one room on connect, and
`send_message` emits a message-shaped payload to that room and acknowledges it. The payload
has the keys and roughly the size of PhysNet's message object (SPEC: a message), so both
servers push the same bytes per delivery and the ratio isolates what PhysNet adds per
message (auth re-check, access checks, the SQLite transaction, rendering, serialisation).

Like `physnet run` (physnet/realtime/nodelay.py), the baseline sets TCP_NODELAY on its
sockets. Werkzeug's request handler leaves Nagle's algorithm on, and then a burst of small
websocket frames written by separate send() calls waits for the peer's delayed ACK (~40 ms
on Linux), which caps a server at a few hundred messages/s with its CPU idle. `--nagle`
serves the baseline like stock Werkzeug, to see that effect.

    python bench/baseline_server.py --port 5099
    gunicorn --worker-class gevent --chdir bench 'baseline_server:wsgi()'   # gevent mode

Under gunicorn's gevent worker (`bench/messaging.py --layout gevent`) it serves as PhysNet
does in production (deploy/gunicorn.conf.py): Socket.IO in gevent mode, picked by the rule
PhysNet uses.
"""

from __future__ import annotations

import argparse
import html
import itertools
import sys
import threading
from datetime import UTC, datetime
from typing import Any

from flask import Flask, jsonify
from flask_socketio import SocketIO, join_room
from werkzeug.serving import WSGIRequestHandler

ROOM = "everyone"


def async_mode() -> str:
    """gevent under gunicorn's gevent worker (the process is monkey-patched), else threading:
    the rule PhysNet follows (physnet.async_mode)."""
    monkey = sys.modules.get("gevent.monkey")
    if monkey is not None and monkey.is_module_patched("socket"):
        return "gevent"
    return "threading"


def wsgi() -> Flask:
    """For gunicorn (`bench/messaging.py --layout gevent`): `baseline_server:wsgi()`."""
    return create_app()[0]


def create_app() -> tuple[Flask, SocketIO]:
    app = Flask(__name__)
    app.config["SECRET_KEY"] = "baseline"
    # The same engine.io settings as physnet/__init__.py register_extensions.
    socketio = SocketIO(
        app,
        async_mode=async_mode(),
        cors_allowed_origins=None,
        max_http_buffer_size=64 * 1024,
        ping_interval=20,
        ping_timeout=20,
    )
    ids = itertools.count(1)
    ids_lock = threading.Lock()

    @app.get("/healthz")
    def healthz() -> Any:
        return jsonify(status="ok")

    @socketio.on("connect")
    def on_connect(auth: Any = None) -> bool:
        join_room(ROOM)
        return True

    @socketio.on("send_message")
    def send_message(data: Any = None) -> dict[str, Any]:
        if not isinstance(data, dict):
            return {
                "ok": False,
                "error": {
                    "code": "invalid_payload",
                    "message": "send_message expects a JSON object.",
                },
            }
        with ids_lock:
            message_id = next(ids)
        body = str(data.get("body", ""))
        message = {
            "id": message_id,
            "channel": data.get("channel"),
            "author": {"username": "bench", "display_name": "Bench"},
            "body": body,
            "html": f"<p>{html.escape(body)}</p>\n",
            "created_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
            "edited_at": None,
            "deleted": False,
            "thread_id": None,
            "reply_count": 0,
            "reactions": [],
            "client_msg_id": data.get("client_msg_id"),
        }
        socketio.emit("message", message, to=ROOM)
        return {"ok": True, "message": message}

    return app, socketio


class NoDelayRequestHandler(WSGIRequestHandler):
    """socketserver sets TCP_NODELAY on each accepted socket when this is True."""

    disable_nagle_algorithm = True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5099)
    parser.add_argument(
        "--nagle",
        action="store_true",
        help="leave Nagle's algorithm on, exactly like stock Werkzeug",
    )
    args = parser.parse_args()
    app, socketio = create_app()
    print(
        f"baseline on http://{args.host}:{args.port}"
        f" ({'Nagle on' if args.nagle else 'TCP_NODELAY'})",
        flush=True,
    )
    handler = WSGIRequestHandler if args.nagle else NoDelayRequestHandler
    socketio.run(
        app,
        host=args.host,
        port=args.port,
        allow_unsafe_werkzeug=True,
        log_output=False,
        request_handler=handler,
    )


if __name__ == "__main__":
    main()
