"""The workflow with real parts: a Celery worker consuming Redis, PostgreSQL's locks, a worker process killed.

What issue 5 promises: a move's side effects run once however often its task is delivered;
a worker killed mid-batch loses and repeats nothing; two reviewers deciding one item at once
make exactly one decision; and the audit trail of every item is complete. The marketplace is
the only part replaced (by the catalogue adapter that counts its calls): it is the edge we do
not own.
"""

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from uuid import uuid4

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import User
from complaints import services, workflow
from complaints.effects import run_event_effects
from complaints.marketplaces import marketplace
from complaints.models import (
    Complaint,
    ComplaintItem,
    ComplaintItemEvent,
    Listing,
    PenaltyEntry,
    Shop,
)
from ipp.celery import app
from ipp.models import Heartbeat, Notification

from .conftest import (
    approve_ipr,
    celery_leaves_logging_alone,
    make_ipr,
    make_listing,
    make_user,
    wait_for,
)
from .recording_marketplace import RecordingMarketplace

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]
State = ComplaintItem.State
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def recorder(settings):
    settings.IPP_MARKETPLACE_ADAPTER = "tests.recording_marketplace.RecordingMarketplace"
    marketplace.cache_clear()
    RecordingMarketplace.reset()
    yield RecordingMarketplace
    RecordingMarketplace.reset()
    marketplace.cache_clear()


@pytest.fixture
def shop_owner():
    return make_user("shop@example.com", role=User.Role.SELLER, name="Demo Shop")


@pytest.fixture
def complainant(reviewer):
    return make_user("brand@example.com", name="Brand Ltd", verified_by=reviewer)


def file_complaint(complainant, reviewer, shop_owner, *, listings: int) -> Complaint:
    right = approve_ipr(make_ipr(complainant), reviewer=reviewer)
    urls = [make_listing(title=f"ACME copy {n}", shop_name="Demo Shop", owner=shop_owner).url for n in range(listings)]
    return services.complaint_file(user=complainant, platform_code="taobao", ipr_id=right.pk, reason="counterfeit",
                                   urls_text="\n".join(urls), statements=True)


def effects_done(events) -> bool:
    return not ComplaintItemEvent.objects.filter(pk__in=[event.pk for event in events],
                                                 effects_done_at__isnull=True).exists()


def worker_drained() -> None:
    """Wait until the worker has consumed everything sent before now: it runs tasks in order (solo pool, prefetch
    1), so when a heartbeat sent last has been written, the messages before it have been run."""
    token = uuid4().hex[:40]
    app.send_task("ipp.tasks.heartbeat", args=[token])
    wait_for(lambda: Heartbeat.objects.filter(name=token).exists(), message="the worker to reach the last message")


def mails_to(address: str, *, about: str) -> int:
    return sum(address in message.to and about in message.subject for message in mail.outbox)


# --- Side effects run once -------------------------------------------------------------------------------

@pytest.mark.redis
def test_a_moves_side_effects_run_once_however_often_its_task_is_delivered(
        celery_worker, recorder, reviewer, complainant, shop_owner):
    complaint = file_complaint(complainant, reviewer, shop_owner, listings=2)
    wait_for(lambda: set(complaint.items.values_list("state", flat=True)) == {State.IN_REVIEW},
             message="the worker to put the items into review")
    first, second = complaint.items.order_by("pk")

    services.item_review_decide(reviewer=reviewer, item_id=first.pk, decision="accept")
    notified = ComplaintItemEvent.objects.get(item=first, to_state=State.SELLER_NOTIFIED)
    wait_for(lambda: effects_done([notified]), message="the worker to notify the seller")
    # The same task delivered twice more (a redelivery after a lost ack), and the safety-net sweep looking too.
    for _ in range(2):
        app.send_task("complaints.tasks.run_item_effects", args=[notified.pk])
    assert services.item_effects_sweep(as_of=timezone.now() + dt.timedelta(minutes=10)) == 0
    worker_drained()
    assert recorder.calls["notify_seller", first.pk] == 1
    assert Notification.objects.filter(user=shop_owner, kind="notice_received").count() == 1
    assert mails_to(shop_owner.email, about="complaint against your listing") == 1

    # A timed move: the seller stays silent past the window, the sweep takes both listings down in one batch.
    services.item_review_decide(reviewer=reviewer, item_id=second.pk, decision="accept")
    assert services.seller_silence_sweep(as_of=timezone.now() + dt.timedelta(days=4)) == 2
    taken_down = list(ComplaintItemEvent.objects.filter(item__complaint=complaint, to_state=State.TAKEN_DOWN))
    wait_for(lambda: effects_done(taken_down), message="the worker to take the listings down")
    for _ in range(2):
        app.send_task("complaints.tasks.run_item_effects_batch", args=[[event.pk for event in taken_down]])
    worker_drained()
    for item in (first, second):
        assert recorder.calls["take_down", item.listing_id] == 1
    assert set(Listing.objects.filter(complaint_items__complaint=complaint).values_list("status", flat=True)) == {
        Listing.Status.REMOVED}
    assert PenaltyEntry.objects.filter(item__complaint=complaint).count() == 2
    assert Notification.objects.filter(user=shop_owner, kind="takedown").count() == 2
    assert Notification.objects.filter(user=complainant, kind="takedown").count() == 2
    assert mails_to(complainant.email, about="taken down") == 2


def test_two_runners_of_one_moves_side_effects_at_once_run_them_once(recorder, reviewer, complainant, shop_owner):
    complaint = file_complaint(complainant, reviewer, shop_owner, listings=1)
    services.complaint_review_start(complaint_id=complaint.pk)
    [item] = complaint.items.all()
    workflow.item_move(item_id=item.pk, to_state=State.SELLER_NOTIFIED, actor=reviewer)
    event = ComplaintItemEvent.objects.get(item=item, to_state=State.SELLER_NOTIFIED)
    entered, release = threading.Event(), threading.Event()
    recorder.hold = (entered, release)  # the first runner stops inside the marketplace call
    ran = []

    def first_runner():
        try:
            ran.append(run_event_effects([event.pk]))
        finally:
            connection.close()

    runner = threading.Thread(target=first_runner)
    runner.start()
    assert entered.wait(timeout=20), "the first runner never reached the marketplace"
    # A redelivered task (or the sweep) arrives while the first runner is still at work: it skips the event.
    assert run_event_effects([event.pk]) == 0
    release.set()
    runner.join(timeout=30)
    assert ran == [1]
    assert recorder.calls["notify_seller", item.pk] == 1
    assert Notification.objects.filter(user=shop_owner, kind="notice_received").count() == 1
    assert ComplaintItemEvent.objects.get(pk=event.pk).effects_done_at is not None


# --- Two reviewers at once ---------------------------------------------------------------------------

def test_two_reviewers_deciding_one_item_at_once_make_exactly_one_decision(reviewer, complainant, shop_owner):
    other = make_user("second-reviewer@example.com", role=User.Role.REVIEWER)
    complaint = file_complaint(complainant, reviewer, shop_owner, listings=5)
    services.complaint_review_start(complaint_id=complaint.pk)
    for item in complaint.items.order_by("pk"):
        start = threading.Barrier(2)
        outcomes: dict[str, str] = {}

        def decide(who, decision, *, item_id=item.pk, start=start, outcomes=outcomes):
            try:
                start.wait(timeout=20)
                services.item_review_decide(reviewer=who, item_id=item_id, decision=decision,
                                            reason="" if decision == "accept" else "use_not_found")
                outcomes[decision] = "decided"
            except services.ActionRefused:
                outcomes[decision] = "refused"
            finally:
                connection.close()

        threads = [threading.Thread(target=decide, args=(reviewer, "accept")),
                   threading.Thread(target=decide, args=(other, "reject"))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert sorted(outcomes.values()) == ["decided", "refused"], outcomes
        [decision] = ComplaintItemEvent.objects.filter(item=item, from_state=State.IN_REVIEW)
        winner = next(choice for choice, outcome in outcomes.items() if outcome == "decided")
        expected = {"accept": (State.SELLER_NOTIFIED, reviewer), "reject": (State.REJECTED, other)}[winner]
        assert (decision.to_state, decision.actor) == expected
        assert ComplaintItem.objects.get(pk=item.pk).state == expected[0]


# --- A worker killed mid-batch ---------------------------------------------------------------------------

def unlocked(item_ids: list[int]) -> int:
    """How many of the items no transaction holds a lock on."""
    with transaction.atomic():
        return len(ComplaintItem.objects.filter(pk__in=item_ids).select_for_update(skip_locked=True)
                   .values_list("pk", flat=True))


def _items_past_their_window(complaint: Complaint, shop_owner, count: int) -> list[int]:
    """``count`` items notified to ``shop_owner`` whose window closed an hour ago, made as rows (bulk)."""
    shop = Shop.objects.get(owner=shop_owner)
    listings = Listing.objects.bulk_create(
        Listing(platform_id="taobao", listing_id=str(700_000_000_000 + n), title=f"Copy {n}", category="Shoes",
                url=f"https://item.taobao.com/item.htm?id={700_000_000_000 + n}", shop=shop) for n in range(count))
    closed = timezone.now() - dt.timedelta(hours=1)
    items = ComplaintItem.objects.bulk_create(
        ComplaintItem(complaint=complaint, listing=listing, listing_url=listing.url, state=State.SELLER_NOTIFIED,
                      respond_by=closed) for listing in listings)
    ComplaintItemEvent.objects.bulk_create(
        ComplaintItemEvent(item=item, actor=None, from_state=State.IN_REVIEW, to_state=State.SELLER_NOTIFIED,
                           reason="accepted", effects_done_at=closed) for item in items)
    return [item.pk for item in items]


@pytest.mark.redis
@pytest.mark.timeout(180)
def test_a_worker_killed_mid_sweep_loses_and_repeats_nothing(redis_app, recorder, reviewer, complainant, shop_owner,
                                                             tmp_path):
    complaint = file_complaint(complainant, reviewer, shop_owner, listings=1)
    complaint.items.all().delete()
    item_ids = _items_past_their_window(complaint, shop_owner, 150)

    marker = tmp_path / "stalled"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "ipp.settings", "DEBUG": "1", "SECRET_KEY": "test-" + "k" * 50,
           "IPP_VAR_DIR": str(tmp_path), "CELERY_BROKER_URL": settings.TEST_REDIS_URL,
           "DATABASE_URL": "postgres://{USER}@{HOST}:{PORT}/{NAME}".format(**{
               **connection.settings_dict, "HOST": connection.settings_dict["HOST"] or "127.0.0.1",
               "PORT": connection.settings_dict["PORT"] or 5432})}
    with (tmp_path / "worker.log").open("w") as log:
        worker = subprocess.Popen([sys.executable, str(ROOT / "tests" / "stalling_worker.py"), redis_app, str(marker)],
                                  cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            app.send_task("ipp.tasks.run_periodic_sweeps")  # what beat sends every 5 minutes
            wait_for(marker.exists, timeout=90, message="the worker to stall in the sweep's second batch: "
                                                        + (tmp_path / "worker.log").read_text()[-2000:])
            os.kill(worker.pid, signal.SIGKILL)
            worker.wait(timeout=30)
        finally:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait(timeout=30)

    # The first batch of 50 committed; the second, killed before its commit, left no trace.
    wait_for(lambda: unlocked(item_ids) == len(item_ids), message="PostgreSQL to drop the killed worker's locks")
    assert ComplaintItem.objects.filter(pk__in=item_ids, state=State.TAKEN_DOWN).count() == 50
    assert ComplaintItemEvent.objects.filter(item_id__in=item_ids, to_state=State.TAKEN_DOWN).count() == 50

    # The next sweep, run by a fresh worker, finishes the work; the effects sweep runs what the dead one left.
    with celery_leaves_logging_alone(), start_worker(app, pool="solo", concurrency=1, perform_ping_check=False,
                                                      loglevel="WARNING", shutdown_timeout=10):
        app.send_task("ipp.tasks.run_periodic_sweeps")
        wait_for(lambda: ComplaintItem.objects.filter(pk__in=item_ids, state=State.TAKEN_DOWN).count() == 150,
                 timeout=60, message="the next sweep to take the other listings down")
        call_command("run_sweeps", as_of=(timezone.now() + dt.timedelta(minutes=10)).isoformat(),
                     stdout=open(os.devnull, "w"))  # noqa: SIM115
        taken_down = ComplaintItemEvent.objects.filter(item_id__in=item_ids, to_state=State.TAKEN_DOWN)
        wait_for(lambda: not taken_down.filter(effects_done_at__isnull=True).exists(), timeout=60,
                 message="every takedown's side effects to run")
        worker_drained()

    per_item = taken_down.values_list("item_id", flat=True)
    assert sorted(per_item) == sorted(item_ids)  # every item moved, none twice
    assert max(recorder.calls[key] for key in recorder.calls if key[0] == "take_down") == 1
    assert Listing.objects.filter(complaint_items__pk__in=item_ids, status=Listing.Status.REMOVED).count() == 150
    assert PenaltyEntry.objects.filter(item_id__in=item_ids).count() == 150
    assert Notification.objects.filter(user=complainant, kind="takedown").count() == 150
    assert Notification.objects.filter(user=shop_owner, kind="takedown").count() == 150


# --- The audit trail ---------------------------------------------------------------------------------

def assert_trail_complete(item: ComplaintItem) -> None:
    """The item's events tell its whole life: filed, then each move from where the last one left it, to where
    it is now; every move by a person names who, and every side effect has run."""
    events = list(item.events.order_by("at", "pk"))
    assert (events[0].from_state, events[0].to_state, events[0].reason) == ("", State.SUBMITTED, "filed"), item
    for before, after in zip(events, events[1:], strict=False):
        assert after.from_state == before.to_state, (item, before, after)
        assert workflow.can_move(after.from_state, after.to_state), (item, after)
    assert events[-1].to_state == item.state, item
    assert all(event.effects_done_at for event in events), item
    timed = {"review_started", "no_counter_notice", "no_answer_to_counter_notice", "ipr_withdrawn", "ipr_reapproved"}
    assert all(event.actor_id for event in events if event.reason not in timed), item


@pytest.mark.redis
def test_every_items_audit_trail_is_complete_after_the_whole_story_on_a_real_worker(
        celery_worker, recorder, reviewer, complainant, shop_owner):
    complaint = file_complaint(complainant, reviewer, shop_owner, listings=6)
    wait_for(lambda: set(complaint.items.values_list("state", flat=True)) == {State.IN_REVIEW},
             message="the worker to put the items into review")
    accepted, maintained, silent, rejected, withdrawn, answered_late = complaint.items.order_by("pk")

    # A right withdrawn and authenticated again holds and resumes every item on it.
    workflow.items_hold(complaint.items.all(), reason="ipr_withdrawn")
    workflow.items_resume(complaint.items.all(), reason="ipr_reapproved")
    for item in (accepted, maintained, silent, withdrawn, answered_late):
        services.item_review_decide(reviewer=reviewer, item_id=item.pk, decision="accept")
    services.item_review_decide(reviewer=reviewer, item_id=rejected.pk, decision="reject", reason="ipr_mismatch",
                                note="The class is for clothing; the listing sells jewellery.")
    for item in (accepted, maintained, answered_late):
        services.counter_notice_file(seller=shop_owner, item_id=item.pk, ground="authorised",
                                     statement="Bought from the brand's distributor; invoices attached.",
                                     perjury_statement=True)
    services.counter_notice_accept(user=complainant, item_id=accepted.pk)
    services.complaint_maintain(user=complainant, item_id=maintained.pk, note="The invoices are for another model.")
    services.item_decide(reviewer=reviewer, item_id=maintained.pk, decision="reinstate", note="The invoices match.")
    services.complaint_withdraw(user=complainant, complaint=complaint, item_ids=[withdrawn.pk], note="Settled.")
    answered_late.refresh_from_db()
    assert services.complainant_silence_sweep(as_of=answered_late.answer_by) == 1
    services.item_decide(reviewer=reviewer, item_id=answered_late.pk, decision="take_down")
    assert services.seller_silence_sweep(as_of=timezone.now() + dt.timedelta(days=4)) == 1
    wait_for(lambda: not ComplaintItemEvent.objects.filter(item__complaint=complaint,
                                                           effects_done_at__isnull=True).exists(),
             message="the worker to run every move's side effects")

    outcome = dict(complaint.items.values_list("pk", "state"))
    assert outcome == {accepted.pk: State.COUNTER_ACCEPTED, maintained.pk: State.REINSTATED,
                       silent.pk: State.TAKEN_DOWN, rejected.pk: State.REJECTED, withdrawn.pk: State.WITHDRAWN,
                       answered_late.pk: State.TAKEN_DOWN}
    for item in complaint.items.all():
        assert_trail_complete(item)
    assert Listing.objects.get(pk=maintained.listing_id).status == Listing.Status.ACTIVE  # kept on sale
    assert recorder.calls["put_back", maintained.listing_id] == 0  # it was never hidden: nothing to put back
    assert recorder.calls["take_down", silent.listing_id] == recorder.calls["take_down", answered_late.listing_id] == 1
