"""The WSGI entry point for gunicorn: `gunicorn -w 1 --threads 100 wsgi:app`."""

from physnet import create_app, serving

app = create_app()
serving.prepare(app)
