"""The WSGI entry point: `gunicorn -c /etc/physnet/gunicorn.conf.py physnet.wsgi:app`.

It lives in the package, so gunicorn needs no working directory or checkout. One worker per
process (deploy/gunicorn.conf.py); the gevent worker monkey-patches the process before this
module is imported, and PhysNet picks Socket.IO's async mode from that.
"""

from physnet import create_app, prepare_server

app = create_app()
prepare_server(app)
