"""The WSGI entry point for gunicorn: `gunicorn -c deploy/gunicorn.conf.py wsgi:app`.

One worker per process (see deploy/gunicorn.conf.py); the gevent worker monkey-patches the
process before this module is imported, and PhysNet picks Socket.IO's async mode from that.
"""

from physnet import create_app, serving

app = create_app()
serving.prepare(app)
