"""Redis stopped while complaints are filed: every filing is kept, and every item moves on once Redis is back.

The real processes on private servers (tests/faults/stack.py): gunicorn (2 workers) and a
Celery worker (prefork, 2 processes). Complaints are filed through the API in three rounds:
with Redis up, with the redis-server killed (SIGKILL), and after it is started again (empty:
no persistence, so whatever it held is gone). When Redis goes away the worker is at work, running
the side effects of a sweep's takedowns (acknowledged late, so unacknowledged), which is when
kombu 5.7 used to turn the lost connection into an "Unrecoverable error" and the worker shut
down (see ipp/celery.py).

What must hold: each filing answers 201 at once (the broker error is logged, not shown); the
database holds exactly the complaints and items the 201s announced; the items filed while Redis
was down wait in ``submitted`` (their message never went out) and the sweep (``run_sweeps``) puts
them into review; the items filed before and after the outage are put into review by the worker,
the same worker process, which reconnected by itself.
"""

import pytest

from tests.polling import wait_until

from .stack import file_complaint, states_of

ROUNDS = ("before", "during", "after")  # Redis up, Redis killed, Redis started again
FILINGS_PER_ROUND = 10
LISTINGS_PER_COMPLAINT = 3
BUSY_ITEMS = 1000  # takedowns whose side effects keep the worker busy (about 10 s) when Redis goes away

REDIS_ROLES = {
    # CELERY_BROKER_URL only: Redis is the broker; the cache (rate limits, API throttles) is the database's table.
    "broker": {"REDIS_URL": ""},
    # REDIS_URL as docs/operations.md shows it: Redis is the broker and the cache.
    "broker-and-cache": {},
}


@pytest.mark.timeout(600)
# With REDIS_URL the API's filing throttle reads the Redis cache too: it fails open (ipp/cache.py), so filing goes
# on while Redis is down (with Django's plain RedisCache every filing answered 500 then).
@pytest.mark.parametrize("redis_role", ["broker", "broker-and-cache"])
def test_redis_stopped_while_complaints_are_filed_loses_nothing_and_every_item_moves_on(make_stack, redis_role):
    stack = make_stack(extra_env=REDIS_ROLES[redis_role])
    accounts = stack.prepare()
    holder, ipr = accounts["holder"], accounts["holder"]["ipr"]
    count = len(ROUNDS) * FILINGS_PER_ROUND * LISTINGS_PER_COMPLAINT
    urls = stack.setup("listings", "--count", str(count))["urls"]
    batches = iter([urls[n:n + LISTINGS_PER_COMPLAINT] for n in range(0, count, LISTINGS_PER_COMPLAINT)])
    stack.setup("due-items", "--count", str(BUSY_ITEMS))
    stack.gunicorn(workers=2)
    worker = stack.worker(pool="prefork", concurrency=2)
    client = stack.http()
    client.obtain_token(holder["email"], accounts["password"])
    db = stack.db

    answers: dict[str, list] = {name: [] for name in ROUNDS}

    def file_round(name: str) -> list[int]:
        for _ in range(FILINGS_PER_ROUND):
            answer = file_complaint(client, ipr=ipr, urls=next(batches))
            body = answer.json() if answer.status == 201 else {}
            answers[name].append((answer.status, body.get("id"), len(body.get("items", [])), answer.elapsed))
        return [complaint for status, complaint, _items, _elapsed in answers[name] if status == 201]

    def all_in(state: str, complaints: list[int]) -> dict[str, int]:
        return {state: len(complaints) * LISTINGS_PER_COMPLAINT} if complaints else {}

    def takedown_notices() -> int:
        return db.value("SELECT count(*) FROM ipp_notification WHERE kind = 'takedown'")

    # The worker at work: beat's sweep takes BUSY_ITEMS listings down, and a worker process runs their side effects.
    stack.send_task("ipp.tasks.run_periodic_sweeps")
    wait_until(lambda: takedown_notices() > 0, timeout=60, message="the worker to start the takedowns' side effects")

    # Round 1, Redis up: the worker puts each complaint's items into review as it is filed.
    before = file_round("before")
    wait_until(lambda: states_of(db, before) == all_in("in_review", before), timeout=60,
               message=f"the worker to put the first round into review: {states_of(db, before)}")

    # Round 2, Redis gone (killed) while the worker still runs the side effects.
    busy_at_kill = takedown_notices()
    stack.redis.kill()
    assert busy_at_kill < 2 * BUSY_ITEMS, "the side effects ended before Redis went away: make BUSY_ITEMS larger"
    during = file_round("during")

    # Round 3, Redis back (empty): gunicorn's next sends and the worker's consumer reconnect by themselves.
    stack.redis.start()
    after = file_round("after")
    wait_until(lambda: states_of(db, after) == all_in("in_review", after), timeout=90,
               message=f"the worker to put the third round into review: {states_of(db, after)}\n{worker.log_tail()}")
    # No sweep has run since the outage: what was filed during it still waits (its message never went out).
    assert states_of(db, during) == all_in("submitted", during)

    # The worker that was running the side effects when Redis went away finishes them and stays: the same process
    # takes a new task.
    wait_until(lambda: takedown_notices() == 2 * BUSY_ITEMS, timeout=120,
               message="the side effects of every takedown (a notice to each side)")
    assert worker.alive(), worker.log_tail()
    stack.send_task("ipp.tasks.heartbeat", "after-the-outage")
    wait_until(lambda: not worker.alive() or db.value("SELECT count(*) FROM ipp_heartbeat WHERE name = %s",
                                                      ("after-the-outage",)),
               timeout=60, message="the worker to run a task sent after the outage")
    assert worker.alive(), "the worker shut down after losing Redis:\n" + worker.log_tail()
    assert "Unrecoverable error" not in worker.log_tail(10_000_000)

    # The sweep, which reads the database, not the queue, puts the second round into review.
    stack.manage("run_sweeps")
    filed = before + during + after
    assert states_of(db, filed) == all_in("in_review", filed)

    # Nothing lost, nothing twice: the API's complaints are exactly those the 201s announced, with all their items,
    # and each item went into review once.
    in_db = dict(db.rows("SELECT c.id, count(i.id) FROM complaints_complaint c JOIN complaints_complaintitem i "
                         "ON i.complaint_id = c.id WHERE c.source = 'api' GROUP BY c.id"))
    announced = {complaint: items for round_ in answers.values() for status, complaint, items, _ in round_
                 if status == 201}
    assert in_db == announced
    assert db.rows("SELECT item_id FROM complaints_complaintitemevent e JOIN complaints_complaintitem i "
                   "ON i.id = e.item_id WHERE i.complaint_id = ANY(%s) AND e.to_state = 'in_review' "
                   "GROUP BY item_id HAVING count(*) <> 1", (filed,)) == []
    # The broker's error was logged by the web process, once a filing, and not shown to the client.
    web_log = "\n".join(process.log_tail(10_000_000) for process in stack.processes if process.name == "gunicorn")
    assert web_log.count("Could not enqueue complaints.tasks.start_review") >= len(during)

    slowest = max(elapsed for round_ in answers.values() for *_rest, elapsed in round_)
    statuses = {name: sorted({status for status, *_rest in round_}) for name, round_ in answers.items()}
    print(f"\n[redis stopped, {redis_role}] filings by round: "
          + ", ".join(f"{name} {len(round_)} -> {statuses[name]}" for name, round_ in answers.items())
          + f"; complaints in the database {len(in_db)} (= the 201s), items {sum(in_db.values())}; "
          f"worker busy at the kill ({busy_at_kill}/{2 * BUSY_ITEMS} notices), still the same process; "
          f"slowest filing {slowest:.2f} s")
    # Last, so that the other promises are checked in both configurations: every filing answered 201, quickly.
    assert statuses == {name: [201] for name in ROUNDS}, answers
    assert slowest < 5, answers
