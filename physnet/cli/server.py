"""`physnet run`: the embedded server with websockets (production: gunicorn, docs/deployment.md)."""

from __future__ import annotations

import os

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("run")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--debug", is_flag=True, help="Reload on code changes and show tracebacks.")
@with_appcontext
def run_command(host: str, port: int, debug: bool) -> None:
    """Serve PhysNet with websockets (embedded and development server)."""
    from physnet import prepare_server
    from physnet.extensions import socketio

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    prepare_server(app)
    # Flask refuses app.run() under its CLI; this command is the server, so allow it.
    os.environ.pop("FLASK_RUN_FROM_CLI", None)
    click.echo(f"PhysNet on http://{host}:{port} (database {app.config['PHYSNET'].database_url})")
    socketio.run(
        app,
        host=host,
        port=port,
        debug=debug,
        use_reloader=debug,
        allow_unsafe_werkzeug=True,
        log_output=debug,
    )
