"""gunicorn settings for one PhysNet server process.

    PHYSNET_BIND=127.0.0.1:8001 gunicorn -c deploy/gunicorn.conf.py physnet.wsgi:app

The app comes from the installed package, so any working directory will do; systemd units
read a copy at /etc/physnet/gunicorn.conf.py (docs/install.md).

One worker per process: Socket.IO keeps each socket's state in the process that accepted
it, so PhysNet scales by running more processes (one per port, behind nginx with sticky
sessions), never more workers. The gevent worker holds thousands of idle sockets in one
process (docs/deployment.md has the measurements); blocking calls that gevent cannot
switch around (LDAP binds, password hashing) run in its thread pool.
"""

import os

bind = os.environ.get("PHYSNET_BIND", "127.0.0.1:8001")
workers = 1
worker_class = os.environ.get("PHYSNET_WORKER_CLASS", "gevent")
# Open sockets (websockets and HTTP requests) this process accepts at once.
worker_connections = int(os.environ.get("PHYSNET_WORKER_CONNECTIONS", "10000"))
# For the gthread worker only: one thread per open websocket (and three more it starts).
threads = int(os.environ.get("PHYSNET_THREADS", "200"))
# A socket is idle between pings (20 s); the worker itself must check in every 30 s.
timeout = 30
graceful_timeout = 15
keepalive = 75  # longer than nginx's upstream keepalive_timeout (60 s)
# nginx on the same host sets X-Forwarded-Proto; PhysNet reads the rest (PHYSNET_PROXY_HOPS).
forwarded_allow_ips = os.environ.get("PHYSNET_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
accesslog = os.environ.get("PHYSNET_ACCESS_LOG") or None
errorlog = "-"
loglevel = "info"
# Socket.IO's long-lived connections make `max_requests` recycling pointless and harmful.
max_requests = 0
# gunicorn 23+ opens a control socket at one fixed path per user; several PhysNet processes
# on one host would take it from each other. systemd (or the Procfile) manages them instead.
control_socket_disable = True
