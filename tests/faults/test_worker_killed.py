"""A Celery worker killed with SIGKILL in the middle of a sweep: no item skipped, none moved twice, no effect twice.

The faults version of tests/test_workflow_worker.py's
``test_a_worker_killed_mid_sweep_loses_and_repeats_nothing``, with nothing patched or slowed
down: the real ``celery worker`` process (prefork, 2 processes) on a private Redis and
PostgreSQL runs ``ipp.tasks.run_periodic_sweeps`` (sent through the broker, as beat sends it)
over thousands of listings whose seller let the counter-notice window pass. The test watches
the database and, as soon as the first batch has committed, kills the worker's whole process
group with SIGKILL: the sweep is between batches or inside one, and the other worker process is
running the first batch's side effects (taking listings down, penalty points, notices to both
sides). Then a new worker takes beat's next sweep, and ``run_sweeps`` (as beat's later sweeps
would) runs the side effects whose messages the dead worker had taken with it.

What must hold: the batches are all or nothing (what was moved at the kill is a whole number of
batches, each with its events); at the end every item is taken down with exactly one event, and
every side effect ran once: one penalty entry and one notice to each side per item.
"""

import datetime as dt

import pytest

from complaints.workflow import BATCH_SIZE
from tests.polling import wait_until

ITEMS = 10_000
BATCH = BATCH_SIZE  # the sweep moves and commits this many at a time


@pytest.mark.timeout(900)
def test_a_worker_killed_mid_sweep_skips_nothing_and_moves_nothing_twice(make_stack):
    stack = make_stack()
    stack.prepare()
    complaint = stack.setup("due-items", "--count", str(ITEMS))["complaint"]
    worker = stack.worker(pool="prefork", concurrency=2)
    db = stack.db

    def taken_down() -> int:
        return db.value("SELECT count(*) FROM complaints_complaintitem WHERE complaint_id = %s "
                        "AND state = 'taken_down'", (complaint,))

    def takedown_events() -> tuple[int, int]:
        return db.rows("SELECT count(*), count(DISTINCT e.item_id) FROM complaints_complaintitemevent e "
                       "JOIN complaints_complaintitem i ON i.id = e.item_id "
                       "WHERE i.complaint_id = %s AND e.to_state = 'taken_down'", (complaint,))[0]

    def locks_held_by_others() -> int:
        return db.value("SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                        "WHERE c.relname IN ('complaints_complaintitem', 'complaints_complaintitemevent') "
                        "AND l.pid <> pg_backend_pid()")

    assert taken_down() == 0
    stack.send_task("ipp.tasks.run_periodic_sweeps")  # what beat sends every IPP_SWEEP_INTERVAL
    wait_until(lambda: taken_down() > 0, timeout=120, interval=0.005,
               message="the worker's sweep to commit its first batch")
    worker.kill()  # SIGKILL to the worker's process group: the main process and both pool processes
    # PostgreSQL rolls back the dead processes' transactions once it sees their connections closed.
    wait_until(lambda: locks_held_by_others() == 0, timeout=60, message="PostgreSQL to drop the killed worker's locks")

    moved_at_kill = taken_down()
    effects_at_kill = db.value("SELECT count(*) FROM complaints_penaltyentry p JOIN complaints_complaintitem i "
                               "ON i.id = p.item_id WHERE i.complaint_id = %s", (complaint,))
    assert 0 < moved_at_kill < ITEMS, f"the kill did not land inside the sweep ({moved_at_kill} of {ITEMS} moved)"
    assert moved_at_kill % BATCH == 0, f"a batch was committed in part: {moved_at_kill} moved"
    assert takedown_events() == (moved_at_kill, moved_at_kill)  # every committed move has its event, once

    # Beat's next sweep, taken by a new worker, moves the rest; later sweeps run what the dead worker's side effects
    # left (events older than the sweep's 5-minute grace: rehearsed with --as-of).
    stack.worker(pool="prefork", concurrency=2, name="worker-2")
    stack.send_task("ipp.tasks.run_periodic_sweeps")
    wait_until(lambda: taken_down() == ITEMS, timeout=120, message="the next sweep to take the other listings down")
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10)).isoformat()

    def effects_pending() -> int:
        return db.value("SELECT count(*) FROM complaints_complaintitemevent e JOIN complaints_complaintitem i "
                        "ON i.id = e.item_id WHERE i.complaint_id = %s AND e.to_state = 'taken_down' "
                        "AND e.effects_done_at IS NULL", (complaint,))

    def a_later_sweep_ran_and_nothing_is_pending() -> bool:
        if effects_pending():
            stack.manage("run_sweeps", "--as-of", later)
        return effects_pending() == 0

    wait_until(a_later_sweep_ran_and_nothing_is_pending, timeout=600, interval=1,
               message="every takedown's side effects to run")

    # Every item moved, none twice.
    assert takedown_events() == (ITEMS, ITEMS)
    assert db.value("SELECT count(*) FROM complaints_complaintitemevent e JOIN complaints_complaintitem i "
                    "ON i.id = e.item_id WHERE i.complaint_id = %s AND e.from_state = 'seller_notified' "
                    "AND e.to_state <> 'taken_down'", (complaint,)) == 0
    # Every side effect once: the listing removed, one penalty entry, one notice to the complainant and one to the
    # seller (a notice is keyed by its event; one event per item).
    assert db.value("SELECT count(*) FROM complaints_listing l JOIN complaints_complaintitem i ON i.listing_id = l.id "
                    "WHERE i.complaint_id = %s AND l.status = 'removed'", (complaint,)) == ITEMS
    assert db.rows("SELECT i.id FROM complaints_complaintitem i LEFT JOIN complaints_penaltyentry p ON p.item_id = i.id "
                   "WHERE i.complaint_id = %s GROUP BY i.id HAVING count(p.id) <> 1", (complaint,)) == []
    notices = db.rows(
        "SELECT count(n.id), count(DISTINCT (n.user_id, e.item_id)) FROM complaints_complaintitemevent e "
        "JOIN complaints_complaintitem i ON i.id = e.item_id JOIN ipp_notification n ON n.key = 'event:' || e.id "
        "WHERE i.complaint_id = %s AND e.to_state = 'taken_down' AND n.kind = 'takedown'", (complaint,))[0]
    assert notices == (2 * ITEMS, 2 * ITEMS)
    assert db.rows("SELECT i.id FROM complaints_complaintitem i JOIN complaints_complaintitemevent e ON e.item_id = i.id "
                   "LEFT JOIN ipp_notification n ON n.key = 'event:' || e.id AND n.kind = 'takedown' "
                   "WHERE i.complaint_id = %s AND e.to_state = 'taken_down' GROUP BY i.id HAVING count(n.id) <> 2",
                   (complaint,)) == []
    print(f"\n[worker killed] SIGKILL after {moved_at_kill} of {ITEMS} items moved ({moved_at_kill // BATCH} whole "
          f"batches of {BATCH}; {effects_at_kill} penalty entries by then); at the end {ITEMS} items taken down with "
          f"{takedown_events()[0]} events, {ITEMS} penalty entries, {notices[0]} takedown notices (2 per item)")
