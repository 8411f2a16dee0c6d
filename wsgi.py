from physnet.wsgi import app  # noqa: F401  (kept for `gunicorn wsgi:app` from a checkout)
