"""A real Celery worker consuming from Redis: what the services enqueue on commit gets done.

Each test points the project's Celery app (``ipp.celery.app``) at the test Redis with a
queue of its own, so parallel pytest-xdist workers, other runs and a developer's own
worker never take each other's messages; the app's configuration is restored afterwards.
The worker runs in a thread of this process (solo pool), so the locmem mail outbox is
shared, and it has its own database connection: hence ``transaction=True``.
"""

import datetime as dt
import logging
import time

import pytest
from celery.beat import ScheduleEntry, Scheduler
from django.conf import settings
from django.core import mail
from django.utils import timezone

from accounts import services
from accounts.models import AccountEvent, IdentityProof
from ipp.celery import app
from ipp.models import Heartbeat

from .conftest import celery_config, checked_png, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

FUTURE = dt.date.today() + dt.timedelta(days=400)


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
