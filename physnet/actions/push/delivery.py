"""Drain the push outbox after commit, off the request path, with worker threads.

Rows are written in the transaction that caused them (a crash between commit and sending
loses nothing). A dispatcher thread per process claims due rows (a lease: next_attempt_at
moves a minute ahead; PostgreSQL skips rows another process holds), sends them on a small
thread pool, then records the answers in one transaction:
2xx sent (audited, without content); 404/410 the subscription is gone and is deleted;
429/5xx/no answer retried with exponential backoff (Retry-After wins); any other 4xx dropped.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from flask import Flask, current_app
from sqlalchemy import delete, func, select, union

from physnet.actions.audit import record_audit
from physnet.actions.push import vapid, wire
from physnet.actions.push.endpoints import EndpointRefused, resolve
from physnet.db.transaction import atomic
from physnet.extensions import db
from physnet.models import HelpOffer, Mention, PushOutbox, PushSubscription, utcnow

log = logging.getLogger(__name__)
BATCH = 200
LEASE = timedelta(seconds=60)
MAX_ATTEMPTS = 6
IDLE_EXIT = 15.0  # seconds without work before a lazily started dispatcher ends
TICK = 5.0  # how often a waiting dispatcher looks for due retries and ended periods


def backoff(attempts: int) -> timedelta:
    """5 s, 10 s, 20 s, ... capped at 10 minutes."""
    return timedelta(seconds=min(5 * 2 ** max(attempts - 1, 0), 600))


class Dispatcher:
    """One per app and process: a thread that drains, a pool that sends."""

    def __init__(self, app: Flask, workers: int) -> None:
        self.app = app
        self.wake = threading.Event()
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None
        self.persistent = False
        self.stopped = False
        # Work handed over after a commit (who gets a push, held counts, sender notices):
        # done here, so posting a message costs no query for push.
        self.intake: deque[Callable[[], None]] = deque()
        self.pool = ThreadPoolExecutor(workers, thread_name_prefix="push-send")

    def kick(self) -> None:
        """Work may be waiting: start the thread if it is not running, and wake it."""
        with self.lock:
            if self.stopped:
                return
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._run, name="push-dispatch", daemon=True)
                self.thread.start()
        self.wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        """End the thread after its current batch (tests; a server runs until exit)."""
        self.stopped = True
        self.wake.set()
        thread = self.thread
        if thread is not None:
            thread.join(timeout)
        self.pool.shutdown(wait=False)

    def submit(self, work: Callable[[], None]) -> None:
        self.intake.append(work)
        self.kick()

    def _take_in(self) -> None:
        """Run the handed-over work in one transaction (each item queues outbox rows)."""
        if not self.intake:
            return
        items: list[Callable[[], None]] = []
        while self.intake and len(items) < BATCH:
            items.append(self.intake.popleft())
        with atomic():
            for work in items:
                work()

    def _run(self) -> None:
        from physnet.actions import availability
        from physnet.actions.push import mail

        idle = 0.0
        with self.app.app_context():
            while not self.stopped:
                self.wake.clear()
                try:
                    self._take_in()
                    availability.release_ended_holds()
                    availability.end_passed_periods()
                    mail.send_due()
                    done = drain_once(self.pool)
                except Exception:  # a broken row or a database blip must not end delivery
                    log.exception("push delivery failed; retrying")
                    done = 0
                finally:
                    db.session.remove()
                if done or self.intake:
                    idle = 0.0
                    continue
                if self.wake.wait(TICK):
                    idle = 0.0
                    continue
                idle += TICK
                if idle >= IDLE_EXIT and not self.persistent and not _pending_or_unknown():
                    with self.lock:
                        if not self.wake.is_set():
                            self.thread = None
                            return


def dispatcher(app: Flask | None = None) -> Dispatcher:
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    found = app.extensions.get("physnet_push")
    if found is None:
        found = app.extensions.setdefault(
            "physnet_push", Dispatcher(app, app.config["PHYSNET"].push.workers)
        )
    return found


def kick() -> None:
    """after_commit hook: pushes were queued."""
    dispatcher().kick()


def stop(app: Flask) -> None:
    """End this app's dispatcher, if it has one (test teardown)."""
    found = app.extensions.get("physnet_push")
    if found is not None:
        found.stop()


def submit(work: Callable[[], None]) -> None:
    """after_commit hook: run `work` (which queues pushes) on the dispatcher's thread."""
    dispatcher().submit(work)


def start(app: Flask) -> None:
    """A server keeps its dispatcher running (retries, the ends of off-duty periods)."""
    worker = dispatcher(app)
    worker.persistent = True
    worker.kick()


def _pending_or_unknown() -> bool:
    """Whether rows wait in the outbox; False when the database cannot say (gone, or its
    file removed under a stopped app): the thread ends, and the next kick starts it again."""
    try:
        return _pending()
    except Exception:
        log.warning("push: cannot read the outbox; the dispatcher stops until kicked")
        return False
    finally:
        db.session.remove()


def _pending() -> bool:
    return db.session.scalar(select(func.count()).select_from(PushOutbox)) != 0


def drain_once(pool: ThreadPoolExecutor | None = None) -> int:
    """Send one batch of due pushes; returns how many rows were handled."""
    now = utcnow()
    with atomic():
        rows = db.session.execute(
            select(PushOutbox, PushSubscription)
            .join(PushSubscription, PushSubscription.id == PushOutbox.subscription_id)
            .where(PushOutbox.next_attempt_at <= now)
            .order_by(PushOutbox.id)
            .limit(BATCH)
            .with_for_update(skip_locked=True, of=PushOutbox)
        ).all()
        jobs = []
        for row, sub in rows:
            row.next_attempt_at = now + LEASE
            jobs.append(
                (
                    row.id,
                    sub.id,
                    sub.user_id,
                    sub.endpoint,
                    sub.p256dh,
                    sub.auth,
                    row.topic,
                    row.payload,
                    row.attempts,
                )
            )
    if not jobs:
        return 0
    badges = _badges({job[2] for job in jobs})
    settings = current_app.config["PHYSNET"].push
    key = vapid.private_key(current_app.config["PHYSNET"])
    args = [(job, badges.get(job[2], 0), settings, key) for job in jobs]
    answers = list(pool.map(_send, args)) if pool else [_send(a) for a in args]
    _record(jobs, answers)
    return len(jobs)


def _badges(user_ids: set[int]) -> dict[int, int]:
    """Unread mentions and "Can you help?" offers per person (a message that is both counts
    once), for the app badge: one grouped query per batch."""
    unread = union(
        select(Mention.user_id, Mention.message_id).where(
            Mention.user_id.in_(user_ids), Mention.read_at.is_(None)
        ),
        select(HelpOffer.user_id, HelpOffer.message_id).where(
            HelpOffer.user_id.in_(user_ids), HelpOffer.read_at.is_(None)
        ),
    ).subquery()
    rows = db.session.execute(
        select(unread.c.user_id, func.count()).group_by(unread.c.user_id)
    ).all()
    return {user_id: count for user_id, count in rows}


def _send(arg: tuple[Any, int, Any, Any]) -> wire.Answer:
    job, badge, settings, key = arg
    _, _, _, endpoint, p256dh, auth, topic, payload, _ = job
    try:
        target = resolve(endpoint, settings.endpoint_hosts)
    except EndpointRefused:
        return wire.Answer(-1)
    body = json.loads(payload)
    body["badge"] = badge
    try:
        data = wire.encrypt(json.dumps(body).encode(), p256dh, auth)
    except Exception:  # a malformed key stored before validation tightened
        return wire.Answer(-1)
    headers = {
        "Authorization": vapid.authorization(endpoint, key, settings.subject),
        "Content-Encoding": "aes128gcm",
        "Content-Type": "application/octet-stream",
        "TTL": str(settings.ttl_seconds),
        "Topic": topic,
        "Urgency": "high" if body.get("kind") in ("mention", "message") else "normal",
    }
    return wire.post(target, headers, data)


def _record(jobs: list[tuple[Any, ...]], answers: list[wire.Answer]) -> None:
    now = utcnow()
    gone: set[int] = set()
    with atomic():
        for job, answer in zip(jobs, answers, strict=True):
            row_id, sub_id, _, _, _, _, topic, payload, attempts = job
            if sub_id in gone:
                continue
            kind = json.loads(payload).get("kind", "")
            status = answer.status
            if 200 <= status < 300:
                db.session.execute(delete(PushOutbox).where(PushOutbox.id == row_id))
                sub = db.session.get(PushSubscription, sub_id)
                if sub is not None:
                    sub.last_sent_at = now
                record_audit(
                    "system",
                    "push.sent",
                    f"push_subscription:{sub_id}",
                    kind=kind,
                    topic=topic,
                    status=status,
                )
            elif status in (404, 410):
                gone.add(sub_id)
                db.session.execute(delete(PushOutbox).where(PushOutbox.subscription_id == sub_id))
                db.session.execute(delete(PushSubscription).where(PushSubscription.id == sub_id))
                record_audit(
                    "system",
                    "push.subscription_expired",
                    f"push_subscription:{sub_id}",
                    status=status,
                )
            elif (status == 429 or status >= 500 or status == 0) and attempts + 1 < MAX_ATTEMPTS:
                row = db.session.get(PushOutbox, row_id)
                if row is not None:
                    row.attempts = attempts + 1
                    wait = backoff(attempts + 1)
                    if answer.retry_after is not None:
                        wait = max(wait, timedelta(seconds=answer.retry_after))
                    row.next_attempt_at = now + wait
            else:  # refused endpoint, another 4xx, or out of attempts
                db.session.execute(delete(PushOutbox).where(PushOutbox.id == row_id))
                record_audit(
                    "system",
                    "push.dropped",
                    f"push_subscription:{sub_id}",
                    kind=kind,
                    status=status,
                    attempts=attempts + 1,
                )
