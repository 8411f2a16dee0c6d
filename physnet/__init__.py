"""PhysNet: the internal collaboration network for physicians."""

from __future__ import annotations

import gc
import logging
import sys
from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from physnet import extensions
from physnet.config import Settings, load_settings, make_instance_folder, shipped
from physnet.extensions import csrf, login_manager, migrate, socketio

__all__ = ["create_app", "prepare_server"]


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Build the app from settings; `overrides` (tests) win over file and environment."""
    settings = load_settings(overrides)
    app = Flask(
        __name__,
        instance_path=str(settings.instance_path),
        template_folder=str(shipped.folder("templates")),
        static_folder=str(shipped.folder("static")),
    )
    configure(app, settings)
    register_session_hooks()
    register_extensions(app, settings)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def configure(app: Flask, settings: Settings) -> None:
    make_instance_folder(settings.instance_path)
    app.config.update(
        PHYSNET=settings,
        SECRET_KEY=settings.secret_key,
        SQLALCHEMY_DATABASE_URI=settings.database_url,
        SQLALCHEMY_ENGINE_OPTIONS=engine_options(settings),
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        SESSION_COOKIE_NAME="physnet_session",
        REMEMBER_COOKIE_DURATION=0,
        WTF_CSRF_CHECK_DEFAULT=False,  # checked in auth.before_request, skipping Bearer calls
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
        JSON_SORT_KEYS=False,
    )
    if not settings.search_indexer:
        app.config["PHYSNET_SEARCH_INDEXER"] = False
    if not app.debug:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )


def engine_options(settings: Settings) -> dict[str, Any]:
    if settings.database_url.startswith("sqlite"):
        # pysqlite opens a transaction only at the first write, and IMMEDIATE takes the write
        # lock right then, so concurrent posts queue on the busy timeout instead of failing
        # with "database is locked" when a read transaction tries to upgrade.
        return {
            "connect_args": {
                "timeout": 30,
                "check_same_thread": False,
                "isolation_level": "IMMEDIATE",
            },
            # SQLite connections are cheap, and a pool smaller than the number of busy
            # threads starved some of them for seconds (bench/ldap_sync.py, 20 sign-ins).
            "pool_size": 20,
            "max_overflow": 80,
        }
    return {
        "pool_pre_ping": True,  # a connection that died with the server is replaced, not used
        # Under gevent thousands of sockets share these: size them with PostgreSQL's
        # max_connections in mind (processes x 3 x db_pool_size, plus jobs).
        "pool_size": settings.db_pool_size,
        "max_overflow": 2 * settings.db_pool_size,
        "pool_recycle": 1800,
        "pool_timeout": settings.db_pool_timeout,
        # An unreachable host fails in seconds (503), not after the kernel's TCP timeout.
        "connect_args": {"connect_timeout": 5},
    }


def register_session_hooks() -> None:
    """Register the SQLAlchemy hooks, in the order each event runs them.

    They are process-wide (on the Session and Engine classes), so registering again for the
    next app is a no-op. What runs when:
    - connect: SQLite pragmas (WAL, foreign keys; no inline checkpoints in a server);
    - before_flush: people's sort names follow their display names;
    - after_flush: search change-log rows and the people name/tag index, in the same transaction;
    - before_commit: the audit chain's head is stored with the events it covers;
    - after_commit: queued effects (broadcasts, audit, jobs) become due, `atomic` runs them
      once commit() returns; the indexer is woken; the audit head is forgotten;
    - after_rollback: queued effects and indexer wake-ups are dropped.
    """
    from physnet.audit import chain
    from physnet.db import change_log, checkpoint, transaction
    from physnet.people import index as people_index
    from physnet.search.sources import WATCHED

    change_log.watch(WATCHED)
    hooks: list[tuple[Any, str, Any]] = [
        (Engine, "connect", checkpoint.sqlite_pragmas),
        (Session, "before_flush", people_index.fold_names),
        (Session, "after_flush", change_log.record_changes),
        (Session, "after_flush", people_index.index_people),
        (Session, "before_commit", chain.store_head),
        (Session, "after_commit", transaction.effects_ready),
        (Session, "after_commit", change_log.wake_indexers),
        (Session, "after_commit", chain.forget_head),
        (Session, "after_soft_rollback", chain.forget_head),
        (Session, "after_rollback", transaction.drop_effects),
        (Session, "after_rollback", change_log.forget_changes),
    ]
    for target, name, fn in hooks:
        if not event.contains(target, name, fn):
            event.listen(target, name, fn)


def register_extensions(app: Flask, settings: Settings) -> None:
    from physnet import ratelimit, search
    from physnet.realtime import control, frames, origins, room_index
    from physnet.realtime.cluster_presence import cluster
    from physnet.realtime.nodelay import NoDelayMiddleware
    from physnet.sockets import events  # noqa: F401  (handlers must exist before init_app)
    from physnet.web import session

    # `extensions.db`, not a bare `db`: that name is the physnet.db package here.
    extensions.db.init_app(app)
    migrate.init_app(
        app, extensions.db, directory=str(shipped.folder("migrations")), render_as_batch=True
    )
    csrf.init_app(app)
    login_manager.init_app(app)
    session.init_app(app)
    ratelimit.init_app(app)
    # init_app keeps the previous app's options; start from a clean slate.
    for option in ("client_manager", "message_queue", "channel"):
        socketio.server_options.pop(option, None)
    socketio.init_app(
        app,
        async_mode=async_mode(),
        # Redis when configured; either way a manager that indexes each socket's rooms, so a
        # mass disconnect does not scan every room of the process per socket.
        client_manager=room_index.client_manager(
            settings.redis_url, pubsub_channel(settings.redis_url)
        ),
        # Browsers send Origin: a cross-site page cannot ride the session cookie into a socket.
        # Same host by default; only the public address when one is configured. A refusal
        # is logged with the origin expected (origins.py).
        cors_allowed_origins=origins.OriginRule(settings.public_url),
        max_http_buffer_size=64 * 1024,
        ping_interval=20,
        ping_timeout=20,
    )
    frames.install(socketio.server.eio)  # one frame per broadcast, no per-socket deflate
    # Inside ProxyFix: it sees the Host and scheme the socket's origin rule sees.
    app.wsgi_app = origins.OriginCheck(app.wsgi_app, settings.public_url)  # type: ignore[method-assign]
    app.wsgi_app = NoDelayMiddleware(app.wsgi_app)  # type: ignore[method-assign]
    if settings.proxy_hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Behind nginx: the client's address (rate limits, audit) and https come from the
        # X-Forwarded-* headers the proxy sets; only that many hops are believed.
        hops = settings.proxy_hops
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops
        )
    control.bus.configure(settings.redis_url, pubsub_channel(settings.redis_url) + ":control")
    cluster.configure(settings.redis_url, pubsub_channel(settings.redis_url) + ":presence")
    search.init_app(app)  # last: its WSGI wrapper must see Socket.IO requests too


def async_mode() -> str:
    """gevent when the process was monkey-patched (gunicorn's gevent worker), else threading.

    Threading (`physnet run`, tests) costs four OS threads per socket; gevent holds 5,000+
    idle sockets in one process (docs/deployment.md has the measurements).
    """
    monkey = sys.modules.get("gevent.monkey")
    if monkey is not None and monkey.is_module_patched("socket"):
        return "gevent"
    return "threading"


def pubsub_channel(redis_url: str | None) -> str:
    """Name the Redis pub/sub channel after the database number: pub/sub ignores database
    numbers, so two PhysNets sharing one Redis (say, staging and tests) stay apart."""
    path = urlsplit(redis_url or "").path.strip("/")
    return f"physnet-{path or '0'}"


def register_blueprints(app: Flask) -> None:
    from physnet.api import bp as api_bp
    from physnet.web import bp as web_bp
    from physnet.web.admin_compliance import bp as compliance_bp
    from physnet.web.admin_console import bp as console_bp
    from physnet.web.admin_records import bp as records_bp
    from physnet.web.admin_sync import bp as admin_bp
    from physnet.web.auth import bp as auth_bp
    from physnet.web.insights import bp as insights_bp
    from physnet.web.probes import bp as probes_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(web_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(compliance_bp)
    app.register_blueprint(console_bp)
    app.register_blueprint(records_bp)
    app.register_blueprint(probes_bp)
    app.register_blueprint(insights_bp)


def register_errorhandlers(app: Flask) -> None:
    from physnet.api.errors import register
    from physnet.web import headers

    register(app)
    headers.register(app)


def register_commands(app: Flask) -> None:
    from physnet.cli import register

    register(app)


def prepare_server(app: Flask) -> None:
    """Tune a long-running server (`physnet run`, gunicorn via physnet.wsgi) for steady
    latency; call once, after the app is built."""
    from physnet.actions import presence
    from physnet.actions.push import delivery
    from physnet.db import checkpoint

    checkpoint.start(app)
    delivery.start(app)  # pushes: retries and the ends of off-duty periods, without a request
    presence.start_node(app)  # with Redis: the heartbeat that reaps dead peers
    # A server holds a few hundred thousand long-lived objects (SQLAlchemy, Jinja, one thread
    # per socket); every full collection walks them all and stalled whole messages by
    # 50-140 ms (bench/messaging.py, p99). Freeze what start-up built, and collect the young
    # generation less often: the same garbage goes, in fewer and shorter pauses.
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)
