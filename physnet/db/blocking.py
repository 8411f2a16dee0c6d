"""Run calls that gevent cannot switch around in a real OS thread.

Under gunicorn's gevent worker every socket shares one OS thread. A C library that does its
own network I/O (python-ldap's bind) or a long CPU burst that releases the GIL (Argon2)
would stall every socket of the process meanwhile; gevent's thread pool runs them beside
the hub instead. Without gevent (threading mode) the call simply runs in place.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def _gevent_active() -> bool:
    monkey = sys.modules.get("gevent.monkey")
    return monkey is not None and bool(monkey.is_module_patched("socket"))


def off_hub(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Return fn(*args, **kwargs), computed in a real thread when gevent runs the process."""
    if not _gevent_active():
        return fn(*args, **kwargs)
    import gevent

    result: T = gevent.get_hub().threadpool.apply(fn, args, kwargs)
    return result


def off_hub_released(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """off_hub, after giving the request's database connection back to the pool.

    A directory bind or a password hash takes 50-100 ms, longer while a shift change queues
    them; a request holding its pooled connection meanwhile starved every other socket of
    the process (bench/scale.py: 503s at 500 sign-ins). Only between transactions: with a
    write pending or an `atomic` block open, the connection stays.
    """
    from physnet.db.transaction import in_atomic
    from physnet.extensions import db

    session = db.session()
    if not in_atomic() and not (session.new or session.dirty or session.deleted):
        session.rollback()  # ends the read transaction; loaded rows reload when next used
    return off_hub(fn, *args, **kwargs)
