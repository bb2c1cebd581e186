"""PostgreSQL restarted under load: the web and the worker recover by themselves, without a restart of their own.

gunicorn (2 workers) and a Celery worker (prefork, 2 processes) run on a private PostgreSQL and
Redis while threads send a steady load: the rights holder's dashboard (a signed-in page), filings
through the API (each one enqueues the worker's "start review" task), the reviewers' queue by API
and /health/. Mid-load the cluster is restarted with ``pg_ctl restart -m fast``: every database
session is cut and the server is gone for a moment.

Requests running during the restart may fail. What must hold: every request started once
``pg_ctl`` is back answers as before (200/201), by the very same gunicorn and Celery processes
(none restarted, none replaced); the worker runs the tasks sent after the restart (each filed
complaint's items go into review without any sweep); and no complaint a 201 announced is missing.

It holds because of the settings: ``CONN_HEALTH_CHECKS = True`` (Django checks a persistent
connection before reusing it in a new request, and opens a new one if the server has gone) with
``CONN_MAX_AGE``, and in the worker Celery's Django fixup, which closes the task's database
connections before and after each task.
"""

import threading
import time
from collections import Counter, defaultdict

import pytest

from tests.polling import wait_until

from .stack import children_of, file_complaint, states_of

EXPECTED = {"dashboard": 200, "filing": 201, "review queue": 200, "health": 200}
BASELINE = 5  # answers of each kind before the restart
AFTERWARDS = 15  # answers of each kind started after the restart
QUIET_ROUNDS = 10  # requests of each kind, one at a time, after a second restart with no request running


class Load:
    """One thread per kind of request, sending them back to back until stopped; every answer is recorded."""

    def __init__(self):
        self.records: list[tuple[str, float, float, int]] = []  # kind, started, ended, status (0: no answer)
        self.filed: list[tuple[float, int]] = []  # started, complaint id (of each 201)
        self.stopped = threading.Event()
        self.threads: list[threading.Thread] = []
        self.lock = threading.Lock()

    def add(self, kind: str, client, send) -> None:
        def loop():
            while not self.stopped.is_set():
                started = time.monotonic()
                answer = send(client)
                with self.lock:
                    self.records.append((kind, started, time.monotonic(), answer.status))
                    if kind == "filing" and answer.status == 201:
                        self.filed.append((started, answer.json()["id"]))

        thread = threading.Thread(target=loop, name=f"load-{kind}", daemon=True)
        thread.start()
        self.threads.append(thread)

    def count(self, kind: str, *, started_after: float = 0.0) -> int:
        with self.lock:
            return sum(1 for k, started, _ended, _status in self.records if k == kind and started > started_after)

    def stop(self) -> None:
        self.stopped.set()
        for thread in self.threads:
            thread.join(timeout=60)


@pytest.mark.timeout(600)
def test_after_postgres_restarts_under_load_the_web_and_the_worker_recover_by_themselves(make_stack):
    stack = make_stack()
    accounts = stack.prepare()
    holder, reviewer, password = accounts["holder"], accounts["reviewer"], accounts["password"]
    urls = iter(stack.setup("listings", "--count", "4000")["urls"])
    web = stack.gunicorn(workers=2)
    worker = stack.worker(pool="prefork", concurrency=2)
    db = stack.db

    dashboard = stack.http()
    dashboard.sign_in(holder["email"], password)
    filer = stack.http()
    filer.obtain_token(holder["email"], password)
    queue = stack.http()
    queue.obtain_token(reviewer["email"], password)

    senders = [
        ("dashboard", dashboard, lambda client: client.get("/dashboard/")),
        ("filing", filer, lambda client: file_complaint(client, ipr=holder["ipr"], urls=[next(urls), next(urls)])),
        ("review queue", queue, lambda client: client.get("/api/v1/review/queue/?page_size=25")),
        ("health", stack.http(), lambda client: client.get("/health/")),
    ]
    load = Load()
    try:
        for kind, client, send in senders:
            load.add(kind, client, send)
        wait_until(lambda: all(load.count(kind) >= BASELINE for kind in EXPECTED), timeout=120,
                   message="the load to get going")
        web_workers, pool = children_of(web.pid), children_of(worker.pid)
        assert len(web_workers) == 2 and len(pool) == 2, (web_workers, pool)

        began = time.monotonic()
        stack.pg.restart("fast")  # pg_ctl restart -m fast: every session cut, the server down, then up again
        back = time.monotonic()

        wait_until(lambda: all(load.count(kind, started_after=back) >= AFTERWARDS for kind in EXPECTED), timeout=180,
                   message="requests after the restart")
    finally:
        load.stop()

    by_period: dict[str, Counter] = defaultdict(Counter)
    for kind, started, ended, status in load.records:
        period = "before" if ended < began else "after" if started > back else "during"
        by_period[period][kind, status] += 1
    summary = "; ".join(f"{period}: " + ", ".join(f"{kind} {status} x{n}" for (kind, status), n in sorted(counts.items()))
                        for period, counts in by_period.items())
    print(f"\n[postgres restarted] pg_ctl restart took {back - began:.1f} s; {summary}")

    # Before the restart everything answered; after it, everything answers again, at once: no request started after
    # the server came back failed.
    for period in ("before", "after"):
        wrong = {key: n for key, n in by_period[period].items() if EXPECTED[key[0]] != key[1]}
        assert not wrong, f"{period} the restart: {wrong} ({summary})"
    # By the same processes: no gunicorn worker and no Celery pool process was restarted or replaced.
    assert web.alive() and children_of(web.pid) == web_workers, web.log_tail()
    assert worker.alive() and children_of(worker.pid) == pool, worker.log_tail()

    # The worker runs the tasks sent after the restart: the complaints filed then are put into review (no sweep ran).
    filed_after = [complaint for started, complaint in load.filed if started > back]
    assert filed_after
    wait_until(lambda: states_of(db, filed_after) == {"in_review": 2 * len(filed_after)}, timeout=60,
               message=f"the worker to put the complaints filed after the restart into review: "
                       f"{states_of(db, filed_after)}\n{worker.log_tail()}")

    # A second restart while no request runs: every connection the processes keep open (CONN_MAX_AGE) is now stale,
    # and none may fail the next request that uses it. One request of each kind at a time, so that each gunicorn
    # worker meets its stale connection in a request that must answer.
    stack.pg.restart("fast")
    quiet: Counter = Counter()
    filed_quiet = []
    for _round in range(QUIET_ROUNDS):
        for kind, client, send in senders:
            answer = send(client)
            quiet[kind, answer.status] += 1
            if kind == "filing" and answer.status == 201:
                filed_quiet.append(answer.json()["id"])
    print("[postgres restarted] after a second restart with no request running: "
          + ", ".join(f"{kind} {status} x{n}" for (kind, status), n in sorted(quiet.items())))
    assert all(EXPECTED[kind] == status for kind, status in quiet), quiet
    wait_until(lambda: states_of(db, filed_quiet) == {"in_review": 2 * len(filed_quiet)}, timeout=60,
               message=f"the worker to put the complaints filed after the second restart into review: "
                       f"{states_of(db, filed_quiet)}\n{worker.log_tail()}")
    assert web.alive() and children_of(web.pid) == web_workers, web.log_tail()
    assert worker.alive() and children_of(worker.pid) == pool, worker.log_tail()

    # And nothing a 201 announced is missing: a task lost in the restart is the sweep's (it reads the database).
    stack.manage("run_sweeps")
    announced = [complaint for _started, complaint in load.filed] + filed_quiet
    assert states_of(db, announced) == {"in_review": 2 * len(announced)}
