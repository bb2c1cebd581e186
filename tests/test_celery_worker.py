"""A real Celery worker consuming from Redis: what the services enqueue on commit gets done.

Each test points the project's Celery app (``ipp.celery.app``) at the test Redis with a
queue of its own, so parallel pytest-xdist workers, other runs and a developer's own
worker never take each other's messages; the app's configuration is restored afterwards.
The worker runs in a thread of this process (solo pool), so the locmem mail outbox is
shared, and it has its own database connection: hence ``transaction=True``.
"""

import contextlib
import datetime as dt
import logging
import os
import time
from uuid import uuid4

import pytest
import redis
from celery import signals
from celery.beat import ScheduleEntry, Scheduler
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core import mail
from django.utils import timezone
from kombu import pools
from kombu.utils.collections import eqhash

from accounts import services
from accounts.models import AccountEvent, IdentityProof
from ipp.celery import app
from ipp.models import Heartbeat

from .conftest import checked_png

pytestmark = pytest.mark.django_db(transaction=True)

FUTURE = dt.date.today() + dt.timedelta(days=400)


def wait_for(condition, *, timeout=20.0, interval=0.1, message="condition"):
    """Poll ``condition`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() >= deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {message}")
        time.sleep(interval)


def _drop_connections() -> None:
    """Close and forget the broker connection and producer pools of the current
    configuration (kombu keeps them in process-wide groups keyed by broker URL), and the
    queue/routing caches built from it, so the next send uses the new configuration."""
    key = eqhash(app.connection_for_write())  # describes the broker; does not connect
    for group in (pools.producers, pools.connections):
        pool = group.pop(key, None)
        if pool is not None:
            pool.force_close_all()
    app.__dict__.pop("amqp", None)  # a cached_property: rebuilt on next use
    app._pool = None


@contextlib.contextmanager
def celery_config(**overrides):
    """Reconfigure ``ipp.celery.app`` for the duration, then put its configuration back."""
    saved = {key: app.conf[key] for key in overrides}
    _drop_connections()
    app.conf.update(overrides)
    try:
        yield app
    finally:
        _drop_connections()
        app.conf.update(saved)


@pytest.fixture
def redis_app():
    """The project's app on the test Redis, with a queue nobody else consumes."""
    queue = f"ipp-test-{uuid4().hex}"
    with celery_config(
        broker_url=settings.TEST_REDIS_URL,
        task_default_queue=queue,
        task_default_exchange=queue,
        task_default_routing_key=queue,
        # No pidbox queue: broadcasts of other workers on this Redis never reach ours.
        worker_enable_remote_control=False,
        worker_hijack_root_logger=False,
        broker_connection_retry_on_startup=False,
    ):
        yield queue
    # Leave nothing behind in Redis: the queue (empty by now) and kombu's binding keys for it.
    client = redis.Redis.from_url(settings.TEST_REDIS_URL)
    try:
        keys = list(client.scan_iter(match=f"*{queue}*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@contextlib.contextmanager
def _celery_leaves_logging_alone():
    """Celery configures the root logger at worker start unless a ``setup_logging``
    receiver exists; keep pytest's log capture (and the rest of the suite's logging)."""

    def keep_logging(**kwargs):
        return None

    saved_env = {key: os.environ.get(key) for key in ("CELERY_LOG_LEVEL", "CELERY_LOG_FILE",
                                                       "_MP_FORK_LOGLEVEL_", "_MP_FORK_LOGFILE_", "_MP_FORK_LOGFORMAT_")}
    signals.setup_logging.connect(keep_logging, weak=False)
    try:
        yield
    finally:
        signals.setup_logging.disconnect(keep_logging)
        logging.captureWarnings(False)
        for key, value in saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture
def celery_worker(redis_app):
    """A real worker (solo pool, in a thread) consuming only this test's Redis queue."""
    with _celery_leaves_logging_alone(), start_worker(
        app, pool="solo", concurrency=1, perform_ping_check=False, loglevel="WARNING", shutdown_timeout=10,
    ) as worker:
        assert worker.consumer.connection.transport.driver_type == "redis"
        assert [q.name for q in worker.consumer.task_consumer.queues] == [redis_app]
        yield worker


@pytest.mark.redis
def test_an_approval_is_mailed_by_the_worker_from_the_redis_queue(celery_worker, reviewer, newcomer):
    proof = services.identity_submit(user=newcomer, document_kind="passport", document_number="E1234",
                                     expires_on=FUTURE, document=checked_png())
    assert mail.outbox == []

    services.identity_approve(proof_id=proof.pk, reviewer=reviewer)
    assert app.connection_for_write().transport.driver_type == "redis"  # sent to Redis, not memory://

    # The service only enqueued; the worker thread sends the mail after taking the message from Redis.
    wait_for(lambda: mail.outbox, message="the review decision email")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [newcomer.email]
    assert message.subject == "[IPP] Your identity is verified"
    proof.refresh_from_db()
    assert proof.status == "verified"


@pytest.mark.redis
def test_the_beat_heartbeat_task_sent_through_redis_updates_the_heartbeat_row(celery_worker):
    long_ago = timezone.now() - dt.timedelta(days=1)
    Heartbeat.objects.create(name="worker", beat_at=long_ago)
    before = timezone.now()

    # Send it the way beat does: the schedule's entry, through beat's Scheduler.
    schedule = settings.CELERY_BEAT_SCHEDULE["heartbeat"]
    entry = ScheduleEntry(name="heartbeat", task=schedule["task"], schedule=dt.timedelta(seconds=schedule["schedule"]),
                          app=app)
    Scheduler(app=app, lazy=True).apply_async(entry, advance=False)

    beat = wait_for(lambda: Heartbeat.objects.filter(name="worker", beat_at__gte=before).first(),
                    message="the heartbeat row to be updated")
    assert beat.beat_at <= timezone.now()
    assert Heartbeat.objects.count() == 1


def test_with_the_broker_down_an_approval_still_commits_and_the_error_is_logged(reviewer, newcomer, caplog):
    proof = services.identity_submit(user=newcomer, document_kind="passport", document_number="E1234",
                                     expires_on=FUTURE, document=checked_png())
    with celery_config(
        broker_url="redis://127.0.0.1:1/0",  # nothing listens on port 1
        broker_connection_retry=False,
        broker_connection_max_retries=1,
        broker_connection_timeout=1,
        task_publish_retry_policy={"max_retries": 1, "interval_start": 0, "interval_step": 0.1, "interval_max": 0.1},
    ), caplog.at_level(logging.ERROR, logger="ipp.tasks"):
        started = time.monotonic()
        services.identity_approve(proof_id=proof.pk, reviewer=reviewer)
        elapsed = time.monotonic() - started

    assert elapsed < 5, f"identity_approve took {elapsed:.1f} s with the broker down"
    proof.refresh_from_db()
    assert proof.status == "verified"
    assert proof.decided_by == reviewer
    assert AccountEvent.objects.filter(user=newcomer, action=AccountEvent.Action.IDENTITY_VERIFIED).exists()
    assert IdentityProof.objects.filter(user=newcomer, status="verified").count() == 1
    errors = [r for r in caplog.records if r.name == "ipp.tasks" and r.levelno == logging.ERROR]
    assert len(errors) == 1, [r.getMessage() for r in caplog.records]
    assert "Could not enqueue accounts.tasks.send_review_decision" in errors[0].getMessage()
    assert errors[0].exc_info is not None
    assert mail.outbox == []


# --- Complaints (issue 5): the worker drives the items; the sweep is the safety net ---------------------

def _filed_complaint(reviewer):
    from complaints.services import complaint_file

    from .conftest import approve_ipr, make_ipr, make_listing, make_user

    holder = make_user("brand@example.com", name="Brand Ltd", verified_by=reviewer)
    right = approve_ipr(make_ipr(holder), reviewer=reviewer)
    listings = [make_listing() for _n in range(3)]
    return complaint_file(user=holder, platform_code="taobao", ipr_id=right.pk, reason="counterfeit",
                          urls_text="\n".join(listing.url for listing in listings), statements=True)


@pytest.mark.redis
def test_a_filed_complaints_items_are_put_into_review_by_the_worker_through_redis(celery_worker, reviewer):
    complaint = _filed_complaint(reviewer)
    wait_for(lambda: set(complaint.items.values_list("state", flat=True)) == {"in_review"},
             message="the worker to put the items into review")
    assert complaint.items.filter(review_due_on__isnull=False).count() == 3


def test_with_the_broker_down_a_complaint_is_saved_and_the_sweep_puts_its_items_into_review(reviewer, caplog):
    from complaints.services import items_enter_review_sweep

    with celery_config(
        broker_url="redis://127.0.0.1:1/0",  # nothing listens on port 1
        broker_connection_retry=False,
        broker_connection_max_retries=1,
        broker_connection_timeout=1,
        task_publish_retry_policy={"max_retries": 1, "interval_start": 0, "interval_step": 0.1, "interval_max": 0.1},
    ), caplog.at_level(logging.ERROR, logger="ipp.tasks"):
        complaint = _filed_complaint(reviewer)
    assert set(complaint.items.values_list("state", flat=True)) == {"submitted"}  # saved, waiting
    assert any("Could not enqueue complaints.tasks.start_review" in r.getMessage() for r in caplog.records)
    # Once the broker is back, beat's sweep finds them (it reads the database, not the queue).
    assert items_enter_review_sweep(as_of=timezone.now()) == 3
    assert set(complaint.items.values_list("state", flat=True)) == {"in_review"}
