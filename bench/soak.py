"""make soak: mixed traffic for several minutes against gunicorn + a Celery worker + beat, then count.

    make soak                                  # 5 minutes on private servers, writes docs/soak.md
    make soak ARGS="--minutes 1 --no-write"    # a quick check
    make soak ARGS="--database-url postgres://… --redis-url redis://…"   # on given servers instead

Starts, as the fault tests do (tests/faults/stack.py), a private PostgreSQL and redis-server
on free ports in a temporary folder (unless given URLs), migrates, seeds the demo accounts and
catalogue (``seed_demo``), adds soak accounts and listings, and runs the real processes with
production settings (DEBUG off): gunicorn, a Celery worker and Celery beat (sweeps every
``--sweep-interval`` seconds). Then, for ``--minutes``, client threads send a mix through the API
(and the dashboard page), back to back:

- rights holders file complaints (1-5 listings each), list and open their complaints, load
  their dashboard, withdraw a few complaints, and answer the counter-notices they are told of
  (accept one, maintain the complaint against another);
- reviewers claim batches from the queue and decide them (accept, reject; take down or keep
  after a counter-notice), and load the queue;
- sellers list their notices, open some, and file counter-notices on some.

At the end: a final sweep, the worker drained, and checks by counting in the database: no 5xx
(every answer counted by status), every complaint a 201 announced is there with all its items,
every decision, counter-notice and answer that succeeded has its event, nothing is left in
``submitted``, and every move's side effects ran. Then time moves ten days on (``run_sweeps
--as-of``): every listing whose seller stayed silent must be taken down once, its listing removed,
and every unanswered counter-notice go to a decision. Prints a summary (requests by kind and status,
p50/p95 latency, items per state) and writes it to docs/soak.md. Exits 1 if a check fails.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import platform
import queue
import random
import sys
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.stats import percentile  # noqa: E402 (the benchmark's own: interpolated, as in docs/benchmarks.md)
from tests.faults.stack import Client, Stack, file_complaint  # noqa: E402
from tests.polling import wait_until  # noqa: E402

REJECT_REASONS = ["invalid_listing", "ipr_mismatch", "use_not_found", "insufficient_proof"]
GROUNDS = ["authorised", "genuine", "own_right", "not_infringing", "other"]


class Recorder:
    """Every answer: its kind, status and time; and what the successes announced, to be found in the database."""

    def __init__(self):
        self.lock = threading.Lock()
        self.answers: list[tuple[str, int, float]] = []
        self.filed: dict[int, int] = {}  # complaint id -> items in the 201
        self.decided: list[tuple[int, str, int]] = []  # item id, new state, reviewer id
        self.counter_noticed: list[tuple[int, int]] = []  # item id, seller id
        self.answered: list[tuple[int, str]] = []  # item id, new state (counter_accepted / in_decision)
        self.withdrawn: set[int] = set()  # item ids the 200 of a withdrawal showed withdrawn
        self.owner_of_item: dict[int, tuple[int, Inbox]] = {}  # item id -> (complaint id, its filer's inbox)

    def answer(self, kind: str, response) -> None:
        with self.lock:
            self.answers.append((kind, response.status, response.elapsed))


class Inbox(queue.SimpleQueue):
    """What a complainant is told (the portal's notification and email): a counter-notice on one of its items."""


class Actor(threading.Thread):
    def __init__(self, name: str, client: Client, recorder: Recorder, stop: threading.Event, seed: int):
        super().__init__(name=name, daemon=True)
        self.client, self.recorder, self.stop, self.random = client, recorder, stop, random.Random(seed)
        self.error: BaseException | None = None

    def send(self, kind: str, method: str, path: str, payload: dict | None = None):
        response = self.client.request(method, path, payload if method == "POST" else None)
        self.recorder.answer(kind, response)
        return response

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                self.step()
        except BaseException as error:  # a bug of the soak itself: reported, never silent
            self.error = error
            raise

    def step(self) -> None:
        raise NotImplementedError


class Holder(Actor):
    def __init__(self, *args, ipr: int, urls: list[str], dashboard: Client, **kwargs):
        super().__init__(*args, **kwargs)
        self.ipr, self.urls, self.dashboard, self.inbox = ipr, urls, dashboard, Inbox()
        self.complaints: list[int] = []
        self.position = 0

    def step(self) -> None:
        while not self.inbox.empty():
            self.answer_counter_notice(*self.inbox.get())
        roll = self.random.random()
        if roll < 0.45 and self.position < len(self.urls):
            self.file()
        elif roll < 0.60:
            self.send("list complaints", "GET", "/api/v1/complaints/?page_size=20")
        elif roll < 0.75 and self.complaints:
            self.send("complaint detail", "GET", f"/api/v1/complaints/{self.random.choice(self.complaints)}/")
        elif roll < 0.97:
            self.recorder.answer("dashboard (page)", self.dashboard.get("/dashboard/"))
        elif self.complaints:
            self.withdraw(self.random.choice(self.complaints))

    def file(self) -> None:
        size = self.random.randint(1, 5)
        urls, self.position = self.urls[self.position:self.position + size], self.position + size
        response = file_complaint(self.client, ipr=self.ipr, urls=urls)
        self.recorder.answer("file complaint", response)
        if response.status == 201:
            body = response.json()
            self.complaints.append(body["id"])
            with self.recorder.lock:
                self.recorder.filed[body["id"]] = len(body["items"])
                for item in body["items"]:
                    self.recorder.owner_of_item[item["id"]] = (body["id"], self.inbox)

    def withdraw(self, complaint: int) -> None:
        response = self.send("withdraw complaint", "POST", f"/api/v1/complaints/{complaint}/withdraw/",
                             {"note": "Settled with the seller."})
        if response.status == 200:
            with self.recorder.lock:
                self.recorder.withdrawn.update(item["id"] for item in response.json()["items"]
                                               if item["status"] == "withdrawn")

    def answer_counter_notice(self, complaint: int, item: int) -> None:
        base = f"/api/v1/complaints/{complaint}/items/{item}"
        if self.random.random() < 0.5:
            response = self.send("accept counter-notice", "POST", f"{base}/accept-counter-notice/", {})
            state = "counter_accepted"
        else:
            response = self.send("maintain complaint", "POST", f"{base}/maintain/",
                                 {"note": "The invoices are for another model; our test purchase shows a fake."})
            state = "in_decision"
        if response.status == 200:
            with self.recorder.lock:
                self.recorder.answered.append((item, state))


class Reviewer(Actor):
    def __init__(self, *args, user_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.user_id = user_id

    def step(self) -> None:
        if self.random.random() < 0.2:
            self.send("review queue", "GET", "/api/v1/review/queue/?page_size=50")
            return
        claimed = self.send("claim batch", "POST", "/api/v1/review/claims/", {"count": 10})
        if claimed.status != 201 or not claimed.json():
            self.send("review queue", "GET", "/api/v1/review/queue/?page_size=50")
            return
        for entry in claimed.json():
            if self.stop.is_set():
                self.send("release claims", "POST", "/api/v1/review/claims/release/", {})
                return
            self.decide(entry)

    def decide(self, entry: dict) -> None:
        roll = self.random.random()
        if entry["state"] == "in_review":
            payload = {"decision": "accept", "note": "The mark is on the product photos."} if roll < 0.75 else {
                "decision": "reject", "reason": self.random.choice(REJECT_REASONS)}
        else:
            payload = {"decision": "take_down" if roll < 0.6 else "reinstate", "note": "Checked the invoices."}
        response = self.send("decide item", "POST", f"/api/v1/review/items/{entry['id']}/decide/", payload)
        if response.status == 200:
            with self.recorder.lock:
                self.recorder.decided.append((entry["id"], response.json()["state"], self.user_id))


class Seller(Actor):
    def __init__(self, *args, user_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.user_id, self.seen = user_id, set()

    def step(self) -> None:
        listed = self.send("list notices", "GET", "/api/v1/notices/?state=seller_notified&page_size=50")
        if listed.status != 200:
            return
        fresh = [notice["id"] for notice in listed.json()["results"] if notice["id"] not in self.seen]
        self.seen.update(fresh)
        for notice in fresh:
            if self.stop.is_set():
                return
            roll = self.random.random()
            if roll < 0.3:
                self.counter_notice(notice)
            elif roll < 0.5:
                self.send("notice detail", "GET", f"/api/v1/notices/{notice}/")
        if not fresh:
            self.send("list notices", "GET", "/api/v1/notices/?page_size=20")

    def counter_notice(self, notice: int) -> None:
        response = self.send("file counter-notice", "POST", f"/api/v1/notices/{notice}/counter-notice/", {
            "statement": "Genuine goods bought from the brand's authorised distributor; invoices on request.",
            "ground": self.random.choice(GROUNDS), "perjury_statement": True})
        if response.status == 201:
            with self.recorder.lock:
                self.recorder.counter_noticed.append((notice, self.user_id))
                owner = self.recorder.owner_of_item.get(notice)
            if owner:  # the complainant is told (a notification and an email in the portal)
                owner[1].put((owner[0], notice))


# --- the report -----------------------------------------------------------------------------------

def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "unknown CPU")
    memory = next((int(line.split()[1]) // 1024 // 1024 for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal")), 0)
    return f"{cpu}, {os.cpu_count()} cores, {memory} GB RAM, {platform.system()} {platform.release()}"


def table(header: list[str], rows: list[list]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return lines


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=5.0, help="how long the load runs (default 5)")
    parser.add_argument("--database-url", help="use this PostgreSQL database instead of a private cluster")
    parser.add_argument("--redis-url", help="use this Redis instead of a private redis-server")
    parser.add_argument("--holders", type=int, default=4, help="rights-holder threads (default 4)")
    parser.add_argument("--reviewers", type=int, default=2, help="reviewer threads (default 2)")
    parser.add_argument("--sellers", type=int, default=2, help="seller threads (default 2)")
    parser.add_argument("--web-workers", type=int, default=3, help="gunicorn workers (default 3, as docs/operations.md)")
    parser.add_argument("--concurrency", type=int, default=2, help="Celery worker processes (default 2)")
    parser.add_argument("--sweep-interval", type=int, default=30, help="seconds between beat's sweeps (default 30)")
    parser.add_argument("--listings-per-holder", type=int, default=0,
                        help="listings made for each holder to file against (default: enough for the duration)")
    parser.add_argument("--seed", type=int, default=20261206, help="the random seed of the mix")
    parser.add_argument("--output", default=str(ROOT / "docs" / "soak.md"), help="the report (default docs/soak.md)")
    parser.add_argument("--no-write", action="store_true", help="print the report only")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs, database)")
    args = parser.parse_args(argv)
    listings = args.listings_per_holder or int(2000 + args.minutes * 3000)

    print(f"soak: starting the servers and the portal ({'given' if args.database_url else 'private'} PostgreSQL, "
          f"{'given' if args.redis_url else 'private'} Redis)", flush=True)
    stack = Stack(database_url=args.database_url, redis_url=args.redis_url, debug=False, fast_postgres=False,
                  keep=args.keep, extra_env={"IPP_SWEEP_INTERVAL": str(args.sweep_interval),
                                             "IPP_HEARTBEAT_INTERVAL": "10"})
    try:
        return soak(stack, args, listings)
    finally:
        stack.close()


def soak(stack: Stack, args, listings: int) -> int:
    accounts = stack.prepare()
    extra = stack.setup("users", "--holders", str(max(0, args.holders - 1)), "--reviewers",
                        str(max(0, args.reviewers - 1)), "--sellers", str(max(0, args.sellers - 1)))
    holders = [accounts["holder"], *extra["holders"]][:args.holders]
    reviewers = [accounts["reviewer"], *extra["reviewers"]][:args.reviewers]
    sellers = [accounts["seller"], *extra["sellers"]][:args.sellers]
    password = accounts["password"]
    # Each holder files against listings of its own, spread over the sellers' shops.
    urls = {holder["email"]: [] for holder in holders}
    for seller in sellers:
        share = stack.setup("listings", "--count", str(listings * len(holders) // len(sellers)),
                            "--owner", seller["email"])["urls"]
        for offset, holder in enumerate(holders):
            urls[holder["email"]] += share[offset::len(holders)]
    for holder_urls in urls.values():
        random.Random(args.seed).shuffle(holder_urls)

    stack.gunicorn(workers=args.web_workers)
    stack.worker(pool="prefork", concurrency=args.concurrency)
    beat = stack.beat()
    pg_version = stack.db.value("SHOW server_version")
    redis_version = _redis_version(stack.redis_url)

    recorder, stop = Recorder(), threading.Event()
    actors: list[Actor] = []
    for n, holder in enumerate(holders):
        client, dashboard = stack.http(), stack.http()
        client.obtain_token(holder["email"], password)
        dashboard.sign_in(holder["email"], password)
        actors.append(Holder(f"holder-{n}", client, recorder, stop, args.seed + n, ipr=holder["ipr"],
                             urls=urls[holder["email"]], dashboard=dashboard))
    for n, reviewer in enumerate(reviewers):
        client = stack.http()
        client.obtain_token(reviewer["email"], password)
        actors.append(Reviewer(f"reviewer-{n}", client, recorder, stop, args.seed + 100 + n, user_id=reviewer["id"]))
    for n, seller in enumerate(sellers):
        client = stack.http()
        client.obtain_token(seller["email"], password)
        actors.append(Seller(f"seller-{n}", client, recorder, stop, args.seed + 200 + n, user_id=seller["id"]))

    api_before = stack.db.value("SELECT count(*) FROM complaints_complaint WHERE source = 'api'")
    started_at = dt.datetime.now(dt.UTC)
    print(f"soak: {len(holders)} holders, {len(reviewers)} reviewers, {len(sellers)} sellers for {args.minutes:g} min "
          f"against gunicorn ({args.web_workers} workers), a Celery worker ({args.concurrency} processes) and beat",
          flush=True)
    began = time.monotonic()
    for actor in actors:
        actor.start()
    deadline = began + args.minutes * 60
    progress = threading.Event()  # never set: a clock for the progress lines
    while (left := deadline - time.monotonic()) > 0 and all(actor.is_alive() for actor in actors):
        progress.wait(min(30.0, left))
        with recorder.lock:
            done, errors = len(recorder.answers), sum(1 for _kind, status, _e in recorder.answers if status >= 500)
        print(f"soak: {time.monotonic() - began:5.0f} s, {done} requests, {errors} 5xx, "
              f"{len(recorder.filed)} complaints filed", flush=True)
    stop.set()
    for actor in actors:
        actor.join(timeout=120)
    elapsed = time.monotonic() - began
    failed_actors = [f"{actor.name}: {actor.error!r}" for actor in actors if actor.error or actor.is_alive()]

    # --- the end: a final sweep, the worker drained, then counting --------------------------------------------
    print("soak: load stopped; final sweep and draining the worker", flush=True)
    beat.stop()
    db = stack.db
    stack.manage("run_sweeps")

    def pending_effects() -> int:
        return db.value("SELECT count(*) FROM complaints_complaintitemevent WHERE effects_done_at IS NULL")

    def submitted() -> int:
        return db.value("SELECT count(*) FROM complaints_complaintitem WHERE state = 'submitted'")

    drained = True
    try:
        wait_until(lambda: pending_effects() == 0 and submitted() == 0, timeout=600, interval=1,
                   message="the worker to run every side effect")
    except AssertionError:
        drained = False
    pending_after_drain = pending_effects()
    if pending_after_drain:  # what a lost message left: the sweep's 5-minute safety net, rehearsed
        stack.manage("run_sweeps", "--as-of", (dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10)).isoformat())

    checks = count_and_check(db, recorder, submitted(), pending_effects(), api_before=api_before)
    checks += check_automatic_moves(stack, pending_effects)
    checks.insert(0, ("the worker drained everything by itself (no safety-net sweep needed)",
                      drained and pending_after_drain == 0, f"{pending_after_drain} side effects left"))
    checks.insert(0, ("every client thread ran to the end", not failed_actors, "; ".join(failed_actors) or "all"))
    report = render(args, recorder, checks, db, elapsed=elapsed, started_at=started_at, pg_version=pg_version,
                    redis_version=redis_version, given=bool(args.database_url or args.redis_url),
                    counts={"holders": len(holders), "reviewers": len(reviewers), "sellers": len(sellers)})
    print(report)
    if not args.no_write:
        Path(args.output).write_text(report)
        print(f"soak: written to {args.output}")
    return 0 if all(ok for _name, ok, _detail in checks) else 1


def _redis_version(url: str) -> str:
    try:
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=2)
        try:
            return client.info("server")["redis_version"]
        finally:
            client.close()
    except Exception as error:  # noqa: BLE001 - the report says so
        return f"unknown ({error!r})"


def count_and_check(db, recorder: Recorder, submitted: int, pending: int, *,
                    api_before: int) -> list[tuple[str, bool, str]]:
    checks = []
    statuses = Counter(status for _kind, status, _elapsed in recorder.answers)
    server_errors = sum(n for status, n in statuses.items() if status >= 500)
    checks.append(("no 5xx", server_errors == 0, f"{server_errors} of {len(recorder.answers)} answers"))
    checks.append(("no request without an answer (connection errors, timeouts)", statuses[0] == 0,
                   f"{statuses[0]} without an answer"))
    ids = list(recorder.filed)
    in_db = dict(db.rows("SELECT complaint_id, count(*) FROM complaints_complaintitem WHERE complaint_id = ANY(%s) "
                         "GROUP BY complaint_id", (ids,))) if ids else {}
    missing = [complaint for complaint, items in recorder.filed.items() if in_db.get(complaint) != items]
    checks.append(("every complaint a 201 announced is in the database with all its items", not missing,
                   f"{len(ids)} complaints, {sum(recorder.filed.values())} items; {len(missing)} missing or short"))
    api_complaints = db.value("SELECT count(*) FROM complaints_complaint WHERE source = 'api'") - api_before
    checks.append(("no complaint in the database that no 201 announced", api_complaints == len(ids),
                   f"{api_complaints} API complaints added to the database"))

    def events_found(pairs: list[tuple], actor: bool) -> int:
        """How many of ``pairs`` ((item, state) or (item, state, actor)) have their event."""
        if not pairs:
            return 0
        rows = db.rows("SELECT item_id, to_state, actor_id FROM complaints_complaintitemevent WHERE item_id = ANY(%s)",
                       ([pair[0] for pair in pairs],))
        found = set(rows) if actor else {(item, state) for item, state, _actor in rows}
        return sum(1 for pair in pairs if pair in found)

    did = {"decisions": len(recorder.decided), "counter-notices": len(recorder.counter_noticed),
           "answers": len(recorder.answered), "withdrawals": len(recorder.withdrawn)}
    checks.append(("the load did every kind of work (the counts below are not of nothing)", all(did.values()),
                   ", ".join(f"{n} {kind}" for kind, n in did.items())))
    decided = events_found(recorder.decided, actor=True)
    checks.append(("every decision answered 200 has its event (item, new state, reviewer)",
                   decided == len(recorder.decided), f"{decided} of {len(recorder.decided)}"))
    counter_events = events_found([(item, "counter_noticed", seller) for item, seller in recorder.counter_noticed],
                                  actor=True)
    notices = db.value("SELECT count(*) FROM complaints_counternotice WHERE item_id = ANY(%s)",
                       ([item for item, _seller in recorder.counter_noticed],)) if recorder.counter_noticed else 0
    checks.append(("every counter-notice answered 201 is stored, with its event",
                   counter_events == notices == len(recorder.counter_noticed),
                   f"{counter_events} events, {notices} counter-notices of {len(recorder.counter_noticed)}"))
    answered = events_found(recorder.answered, actor=False)
    checks.append(("every answer to a counter-notice (accept, maintain) answered 200 has its event",
                   answered == len(recorder.answered), f"{answered} of {len(recorder.answered)}"))
    withdrawn = events_found([(item, "withdrawn") for item in recorder.withdrawn], actor=False)
    checks.append(("every item a withdrawal showed withdrawn has its event", withdrawn == len(recorder.withdrawn),
                   f"{withdrawn} of {len(recorder.withdrawn)}"))
    # A final state has no way out (complaints.workflow.TRANSITIONS): an item reaches one, once.
    twice = db.value("SELECT count(*) FROM (SELECT item_id FROM complaints_complaintitemevent WHERE to_state IN "
                     "('rejected', 'taken_down', 'counter_accepted', 'reinstated', 'withdrawn') "
                     "GROUP BY item_id HAVING count(*) > 1) AS repeated")
    checks.append(("no item decided twice (one event per final state)", twice == 0, f"{twice} repeated"))
    broken = db.value(
        "SELECT count(*) FROM complaints_complaintitem i WHERE i.state <> (SELECT e.to_state FROM "
        "complaints_complaintitemevent e WHERE e.item_id = i.id ORDER BY e.at DESC, e.id DESC LIMIT 1)")
    checks.append(("every item's last event is its state", broken == 0, f"{broken} items disagree"))
    checks.append(("no item left in submitted after the final sweep", submitted == 0, f"{submitted} submitted"))
    checks.append(("every move's side effects ran", pending == 0, f"{pending} pending"))
    return checks


def check_automatic_moves(stack: Stack, pending_effects) -> list[tuple[str, bool, str]]:
    """The windows the soak left open, closed by time: ``run_sweeps`` as of ten days later (past every seller's
    3 days and every complainant's 3 working days), the worker draining it. Every listing whose seller stayed silent
    is taken down once, and every counter-notice left unanswered goes to a reviewer's decision."""
    db = stack.db
    silent = [row[0] for row in db.rows("SELECT id FROM complaints_complaintitem WHERE state = 'seller_notified'")]
    unanswered = [row[0] for row in db.rows("SELECT id FROM complaints_complaintitem WHERE state = 'counter_noticed'")]
    print(f"soak: closing the windows: {len(silent)} notices unanswered, {len(unanswered)} counter-notices "
          "unanswered; run_sweeps as of ten days later", flush=True)
    stack.manage("run_sweeps", "--as-of", (dt.datetime.now(dt.UTC) + dt.timedelta(days=10)).isoformat())
    with contextlib.suppress(AssertionError):  # what is left is reported below
        wait_until(lambda: pending_effects() == 0, timeout=600, interval=1, message="the takedowns' side effects")
    taken_down = db.value(
        "SELECT count(*) FROM complaints_complaintitem i JOIN complaints_listing l ON l.id = i.listing_id "
        "WHERE i.id = ANY(%s) AND i.state = 'taken_down' AND l.status = 'removed' AND (SELECT count(*) FROM "
        "complaints_complaintitemevent e WHERE e.item_id = i.id AND e.to_state = 'taken_down' AND e.actor_id IS NULL) = 1",
        (silent,)) if silent else 0
    to_decision = db.value(
        "SELECT count(*) FROM complaints_complaintitem WHERE id = ANY(%s) AND state = 'in_decision'",
        (unanswered,)) if unanswered else 0
    left = pending_effects()
    return [
        ("every listing whose seller stayed silent is taken down once by the sweep, its listing removed",
         bool(silent) and taken_down == len(silent), f"{taken_down} of {len(silent)}"),
        ("every counter-notice left unanswered goes to a decision", to_decision == len(unanswered),
         f"{to_decision} of {len(unanswered)}"),
        ("the automatic moves' side effects ran", left == 0, f"{left} pending"),
    ]


def render(args, recorder: Recorder, checks, db, *, elapsed: float, started_at, pg_version: str,
           redis_version: str, given: bool, counts: dict) -> str:
    by_kind: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for kind, status, seconds in recorder.answers:
        by_kind[kind].append((status, seconds))
    statuses = sorted({status for _kind, status, _s in recorder.answers})
    rows = []
    for kind in sorted(by_kind, key=lambda name: -len(by_kind[name])):
        answers = by_kind[kind]
        count = Counter(status for status, _s in answers)
        times = [seconds * 1000 for _status, seconds in answers]
        rows.append([kind, len(answers), *[count.get(status, "") for status in statuses],
                     f"{percentile(times, 0.50):.0f}", f"{percentile(times, 0.95):.0f}", f"{max(times):.0f}"])
    total = len(recorder.answers)
    all_times = [seconds * 1000 for _k, _s, seconds in recorder.answers]
    rows.append(["**all**", total, *[sum(1 for _k, s, _e in recorder.answers if s == status) for status in statuses],
                 f"{percentile(all_times, 0.50):.0f}", f"{percentile(all_times, 0.95):.0f}",
                 f"{max(all_times, default=0):.0f}"])
    states = db.rows("SELECT state, count(*) FROM complaints_complaintitem WHERE complaint_id = ANY(%s) "
                     "GROUP BY state ORDER BY count(*) DESC", (list(recorder.filed),)) if recorder.filed else []
    lines = [
        "# Soak: mixed traffic against gunicorn + Celery worker + beat",
        "",
        "Written by `make soak` (`bench/soak.py`, its docstring says what it does); rerun it to replace these "
        "figures.",
        "Servers: " + ("the ones given on the command line." if given else "private, started for the run (a "
                       "PostgreSQL cluster and a redis-server of its own on free ports, default settings)."),
        f"Command: `make soak ARGS=\"{' '.join(sys.argv[1:])}\"`" if sys.argv[1:] else "Command: `make soak`",
        "",
        f"- **When**: {started_at:%Y-%m-%d %H:%M} UTC, load for {elapsed / 60:.1f} min ({elapsed:.0f} s)",
        f"- **Machine**: {machine()}; Python {platform.python_version()}, PostgreSQL {pg_version}, "
        f"Redis {redis_version}",
        f"- **Processes**: gunicorn `ipp.wsgi:application` ({args.web_workers} sync workers), "
        f"`celery worker` (prefork, {args.concurrency} processes), `celery beat` (sweeps every "
        f"{args.sweep_interval} s); production settings (DEBUG off)",
        f"- **Clients**: {counts['holders']} rights holders, {counts['reviewers']} reviewers, {counts['sellers']} "
        f"sellers, one thread each, requests back to back (no think time); random seed {args.seed}",
        f"- **Throughput**: {total} requests, {total / elapsed:.1f} requests/s; {len(recorder.filed)} complaints "
        f"filed ({sum(recorder.filed.values())} items), {len(recorder.decided)} decisions, "
        f"{len(recorder.counter_noticed)} counter-notices, {len(recorder.answered)} answers to them",
        "",
        "## Requests by kind and status (latency in ms)",
        "",
        *table(["kind", "requests", *[str(status) for status in statuses], "p50", "p95", "max"], rows),
        "",
        "409 answers are refusals the API documents, from races the mix makes on purpose: a reviewer's decision on an",
        "item its complainant withdrew meanwhile, a withdrawal when nothing is left to withdraw, an answer to a",
        "counter-notice already decided. They change nothing; 5xx would be a failure.",
        "",
        "## Items per state at the end (the complaints filed during the soak)",
        "",
        *table(["state", "items"], [[state, n] for state, n in states]),
        "",
        "## Checks (counted in the database after a final sweep)",
        "",
        *table(["check", "result", "counted"], [[name, "pass" if ok else "**FAIL**", detail]
                                               for name, ok, detail in checks]),
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
