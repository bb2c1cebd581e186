"""Measures 3 and 4: the set-based sweeps against their floor, a single raw SQL UPDATE of the same rows.

Each sweep runs for real (its own transactions, commits, events and enqueued tasks on Redis). Before
every run, of the app or of the floor, the rows it changes are put back as they were from a snapshot
taken first, the rows it added are deleted, and the tables are vacuumed and analysed: every run starts
from the same data, with no dead rows left by the one before.
"""

import contextlib
import datetime as dt
from statistics import median
from unittest import mock

from django.db import DatabaseError, connection

from .stats import timed


def _execute(sql: str, params=()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _settle(*tables: str) -> None:
    _execute(f"VACUUM ANALYZE {', '.join(tables)}")
    # The next run does not pay for writing out this one's pages. Not a superuser: the checkpointer does it in
    # its own time.
    with contextlib.suppress(DatabaseError):
        _execute("CHECKPOINT")


def _snapshot(name: str, select_sql: str, params, *, events: str) -> int:
    """Keep the rows a sweep will change in ``bench_snapshot_<name>`` and return the last id of its event table.

    A snapshot left by an interrupted run is kept as it is (the data may be half swept): the first reset puts
    the rows back from it.
    """
    table = f"bench_snapshot_{name}"
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [table])
        if cursor.fetchone()[0] is None:
            cursor.execute(f"SELECT coalesce(max(id), 0) FROM {events}")  # noqa: S608 (names of our own)
            last_event = cursor.fetchone()[0]
            cursor.execute(f"CREATE TABLE {table} AS {select_sql}", params)
            cursor.execute(f"COMMENT ON TABLE {table} IS '{last_event}'")
        cursor.execute("SELECT obj_description(%s::regclass, 'pg_class')", [table])
        return int(cursor.fetchone()[0])


def _compare(name: str, *, runs: int, reset, floor, app, log) -> dict:
    floors, apps, changed = [], [], set()
    for run in range(runs):
        reset()
        seconds, rows = timed(floor)
        floors.append(seconds)
        changed.add(("floor", rows))
        reset()
        seconds, rows = timed(app)
        apps.append(seconds)
        changed.add(("app", rows))
        log(f"  {name} run {run + 1}: app {apps[-1]:.2f} s, floor {floors[-1]:.2f} s")
    reset()
    app_rows = {rows for who, rows in changed if who == "app"}
    floor_rows = {rows for who, rows in changed if who == "floor"}
    if len(app_rows | floor_rows) != 1:
        raise RuntimeError(f"{name}: the app and the floor changed different numbers of rows: {changed}")
    rows = app_rows.pop()
    return {"rows": rows, "app_seconds": round(median(apps), 3), "floor_seconds": round(median(floors), 3),
            "app_runs_seconds": [round(s, 3) for s in apps], "floor_runs_seconds": [round(s, 3) for s in floors],
            "rows_per_second": round(rows / median(apps)), "ratio_to_floor": round(median(apps) / median(floors), 2)}


def measure_workflow_sweep(*, as_of: dt.datetime, runs: int, log=print) -> dict:
    """The seller-silence sweep (``seller_notified`` past ``respond_by`` → ``taken_down``, through
    ``workflow.items_move_due``) against one UPDATE of the same items to the same values."""
    from complaints import services

    last_event = _snapshot("items", """
        SELECT id, complaint_id, state, updated_at, state_since, decided_at, claimed_by_id, claimed_until
        FROM complaints_complaintitem WHERE state = 'seller_notified' AND respond_by <= %s""", [as_of],
        events="complaints_complaintitemevent")
    _snapshot("complaints", """SELECT id, status FROM complaints_complaint
                               WHERE id IN (SELECT complaint_id FROM bench_snapshot_items)""", [],
              events="complaints_complaintitemevent")

    def reset() -> None:
        _execute("""UPDATE complaints_complaintitem i SET state = s.state, updated_at = s.updated_at,
                        state_since = s.state_since, decided_at = s.decided_at, claimed_by_id = s.claimed_by_id,
                        claimed_until = s.claimed_until
                    FROM bench_snapshot_items s WHERE i.id = s.id AND i.state IS DISTINCT FROM s.state""")
        _execute("""UPDATE complaints_complaint c SET status = s.status FROM bench_snapshot_complaints s
                    WHERE c.id = s.id AND c.status <> s.status""")
        _execute("DELETE FROM complaints_complaintitemevent WHERE id > %s", [last_event])
        _settle("complaints_complaintitem", "complaints_complaintitemevent", "complaints_complaint")

    def floor() -> int:
        return _execute("""UPDATE complaints_complaintitem SET state = 'taken_down', decided_at = now(),
                               state_since = now(), claimed_by_id = NULL, claimed_until = NULL, updated_at = now()
                           WHERE state = 'seller_notified' AND respond_by <= %s""", [as_of])

    def app() -> int:
        return services.seller_silence_sweep(as_of=as_of)

    try:
        result = _compare("workflow sweep", runs=runs, reset=reset, floor=floor, app=app, log=log)
    finally:
        _execute("DROP TABLE IF EXISTS bench_snapshot_items, bench_snapshot_complaints")
    log(f"  workflow sweep: {result['rows']:,} items, {result['rows_per_second']:,} items/s, "
        f"{result['ratio_to_floor']}× the floor")
    return result


def measure_expiry_sweep(*, as_of: dt.date, runs: int, log=print) -> dict:
    """``ipr.services.ipr_withdraw_sweep`` over every IP right on ``as_of`` against one UPDATE giving the same
    records the same status and reason (the first rule that matches, as the sweep decides it)."""
    from ipr.services import ipr_withdraw_sweep

    last_event = _snapshot("iprs", """SELECT id, status, withdrawal_reason, withdrawn_at, updated_at FROM ipr_ipr
                                      WHERE status = 'approved'""", [], events="ipr_iprevent")

    def reset() -> None:
        _execute("""UPDATE ipr_ipr i SET status = s.status, withdrawal_reason = s.withdrawal_reason,
                        withdrawn_at = s.withdrawn_at, updated_at = s.updated_at
                    FROM bench_snapshot_iprs s WHERE i.id = s.id AND i.status IS DISTINCT FROM s.status""")
        _execute("DELETE FROM ipr_iprevent WHERE id > %s", [last_event])
        _settle("ipr_ipr", "ipr_iprevent")

    def floor() -> int:
        return _execute("""
            UPDATE ipr_ipr i SET status = 'withdrawn', withdrawn_at = now(), updated_at = now(),
                withdrawal_reason = CASE WHEN i.expires_on < %(day)s THEN 'ipr_expired'
                                         WHEN i.letter_valid_until < %(day)s THEN 'letter_expired'
                                         ELSE 'identity_expired' END
            WHERE i.status = 'approved' AND (i.expires_on < %(day)s OR i.letter_valid_until < %(day)s OR NOT EXISTS (
                SELECT 1 FROM accounts_identityproof p WHERE p.user_id = i.filed_by_id AND p.status = 'verified'
                AND (p.expires_on IS NULL OR p.expires_on >= %(day)s)))""", {"day": as_of})

    def app() -> int:
        return ipr_withdraw_sweep(as_of=as_of)

    try:
        result = _compare("expiry sweep", runs=runs, reset=reset, floor=floor, app=app, log=log)
        # Where the time goes: the same sweep once more with its tasks (withdrawal notices, up to
        # NOTICE_USERS_PER_TASK filers each) counted instead of sent to Redis.
        reset()
        with mock.patch("ipr.services.enqueue") as enqueue:
            seconds, _rows = timed(app)
        reset()
        result["app_seconds_without_sending_tasks"] = round(seconds, 3)
        result["tasks_sent"] = enqueue.call_count
        result["ratio_to_floor_without_sending_tasks"] = round(seconds / result["floor_seconds"], 2)
    finally:
        _execute("DROP TABLE IF EXISTS bench_snapshot_iprs")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM ipr_ipr")
        result["iprs"] = cursor.fetchone()[0]
    log(f"  expiry sweep: {result['rows']:,} of {result['iprs']:,} rights withdrawn, {result['ratio_to_floor']}× "
        f"the floor; without sending its {result['tasks_sent']:,} tasks {result['app_seconds_without_sending_tasks']} s "
        f"({result['ratio_to_floor_without_sending_tasks']}×)")
    return result
