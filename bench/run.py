"""make bench: the portal's speed at a million complaint items, measured on this machine.

Builds (or reuses) a data set on its own PostgreSQL database, then measures in this process:

1. filing a 200-listing complaint through the API (p50/p95);
2. the reviewers' queue and Manage Complaints pages (p50/p95 and their query counts);
3. the seller-silence sweep over 100,000 due items (items/s, and against one raw UPDATE);
4. the expiry sweep over every IP right (against one raw UPDATE);
5. the dashboard's requests per second under gunicorn and wrk, against a bare view;

and writes docs/benchmarks.md and docs/benchmarks.json. ``--help`` lists the options.
"""

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MARKER = "bench_dataset"
MEASURES = ("1", "2", "3", "4", "5")


def log(message: str) -> None:
    print(message, flush=True)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="make bench ARGS=...", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0,
                        help="share of the full data set (1: 1,000,000 complaint items; 0.01 for a quick run)")
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/ipp_bench",
                        help="the benchmark's own PostgreSQL database (created, and dropped on --rebuild)")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/12",
                        help="the Redis database for the cache and the broker (its Celery queue is purged)")
    parser.add_argument("--rebuild", action="store_true", help="build the data set again even if it is at this scale")
    parser.add_argument("--runs", type=int, default=40, help="timed runs of each latency (after the warm-up)")
    parser.add_argument("--warmup", type=int, default=5, help="untimed runs before each latency")
    parser.add_argument("--sweep-runs", type=int, default=3, help="runs of each sweep and of its floor (median)")
    parser.add_argument("--wrk-seconds", type=int, help="length of each wrk run (10 s; 5 s below scale 0.1)")
    parser.add_argument("--wrk-rounds", type=int,
                        help="wrk runs of each page, the pages taking turns; the median counts (3; 2 below scale 0.1)")
    parser.add_argument("--only", default=",".join(MEASURES),
                        help="measures to take, e.g. 1,2 (docs/ is written only when all five are taken)")
    parser.add_argument("--docs", default=str(ROOT / "docs"), help="where benchmarks.md and benchmarks.json go")
    parser.add_argument("--before", default=str(ROOT / "bench" / "before-fixes.json"),
                        help="an earlier run's JSON to show beside this one in the table (when the file exists)")
    return parser.parse_args(argv)


# --- The database ---------------------------------------------------------------------------------


def _admin_connection(database_url: str):
    """A connection to the server's maintenance database, to create and drop the benchmark's."""
    import psycopg2

    parts = urlsplit(database_url)
    conn = psycopg2.connect(urlunsplit(parts._replace(path="/postgres")))
    conn.autocommit = True
    return conn, parts.path.lstrip("/")


def _database_exists(database_url: str) -> bool:
    conn, name = _admin_connection(database_url)
    with conn, conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        found = cursor.fetchone() is not None
    conn.close()
    return found


def _create_database(database_url: str, *, drop: bool) -> None:
    from psycopg2 import sql

    conn, name = _admin_connection(database_url)
    with conn.cursor() as cursor:
        if drop:
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    conn.close()


def _marker() -> dict | None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [MARKER])
        if cursor.fetchone()[0] is None:
            cursor.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
            return {"tables": cursor.fetchone()[0]}
        cursor.execute(f"SELECT info FROM {MARKER}")  # noqa: S608 (our own table's name)
        row = cursor.fetchone()
    if not row:
        return {"tables": -1}
    return json.loads(row[0]) if isinstance(row[0], str) else row[0]


def _migrate() -> None:
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    call_command("createcachetable", verbosity=0)
    log(f"  migrated in {time.perf_counter() - started:.1f} s")


def prepare_dataset(args) -> dict:
    """The data set at ``args.scale``: the one kept in the database if it matches, otherwise built anew."""
    import django
    from django.db import connection

    from bench import dataset

    created = not _database_exists(args.database_url)
    if created:
        _create_database(args.database_url, drop=False)
    django.setup()
    marker = _marker()
    fits = (marker.get("version") == dataset.VERSION and marker.get("scale") == args.scale) if marker else False
    if fits and not args.rebuild:
        log(f"Data set: kept (scale {args.scale:g}, built {marker['built_at']} in {marker['build_seconds']:.0f} s)")
        _migrate()
        return {**marker, "built_this_run": False}
    if "version" not in marker and marker.get("tables", 0) > 0 and "bench" not in urlsplit(args.database_url).path:
        raise SystemExit(f"{args.database_url} has tables but no benchmark data set: it is not the benchmark's "
                         "database. Give another with --database-url.")
    log(f"Data set: building at scale {args.scale:g} "
        f"({'asked' if args.rebuild else 'none kept' if 'version' not in marker else 'another scale kept'})")
    started = time.perf_counter()
    connection.close()
    _create_database(args.database_url, drop=True)
    _migrate()
    anchor = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    builder = dataset.Builder(args.scale, anchor=anchor, log=log)
    rows = builder.build()
    log("  vacuum analyse")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    info = {
        "version": dataset.VERSION, "scale": args.scale, "anchor": anchor.isoformat(),
        "built_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "build_seconds": round(time.perf_counter() - started, 1), "rows": rows, "counts": builder.counts,
        "item_states": builder.item_state_counts,
    }
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {MARKER} (info jsonb NOT NULL)")
        cursor.execute(f"INSERT INTO {MARKER} (info) VALUES (%s)", [json.dumps(info)])  # noqa: S608
    log(f"  built in {info['build_seconds']:.0f} s")
    return {**info, "built_this_run": True}


def prepare_app() -> None:
    """Static files collected for the production storage, and the accounts the benchmark signs in as."""
    from django.conf import settings
    from django.core.management import call_command

    from accounts.models import User
    from bench import dataset

    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    sources = [path for folder in settings.STATICFILES_DIRS for path in Path(folder).rglob("*") if path.is_file()]
    if not manifest.exists() or max(path.stat().st_mtime for path in sources) > manifest.stat().st_mtime:
        log("Collecting static files (production storage) into var/bench/staticfiles/")
        call_command("collectstatic", interactive=False, verbosity=0)
    for email in (dataset.BUSY_EMAIL, dataset.REVIEWER_EMAIL, dataset.typical_holder_email()):
        user = User.objects.get(email=email)
        if not user.check_password(dataset.PASSWORD):
            user.set_password(dataset.PASSWORD)
            user.save(update_fields=["password"])


def purge_broker() -> int:
    from ipp.celery import app

    return app.control.purge()


# --- What the report says about the machine and the data -----------------------------------------------


def machine() -> dict:
    from django import get_version
    from django.db import connection

    def cpu() -> str:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
        return platform.processor() or "unknown"

    def ram() -> float:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
        return 0.0

    def version_of(command: list[str]) -> str:
        try:
            output = subprocess.run(command, capture_output=True, text=True, timeout=10)  # noqa: S603
            return (output.stdout or output.stderr).strip().splitlines()[0]
        except (OSError, IndexError, subprocess.SubprocessError):
            return "unknown"

    import gunicorn
    import redis
    from django.conf import settings

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgresql = cursor.fetchone()[0]
        cursor.execute("SHOW shared_buffers")
        shared_buffers = cursor.fetchone()[0]
        cursor.execute("SHOW work_mem")
        work_mem = cursor.fetchone()[0]
    redis_version = redis.Redis.from_url(settings.REDIS_URL).info("server").get("redis_version", "unknown")
    return {"cpu": cpu(), "cores": os.cpu_count(), "ram_gib": ram(), "postgresql": postgresql,
            "shared_buffers": shared_buffers, "work_mem": work_mem, "redis": redis_version,
            "python": platform.python_version(), "django": get_version(), "gunicorn": gunicorn.__version__,
            "wrk": version_of(["wrk", "-v"]).split(" [")[0].removeprefix("wrk "), "os": platform.platform()}


def dataset_figures(info: dict) -> dict:
    from django.db import connection

    from bench import dataset

    queries = {
        "rights_holders": "SELECT count(*) FROM accounts_user WHERE role = 'rights_holder'",
        "sellers": "SELECT count(*) FROM accounts_user WHERE role = 'seller'",
        "reviewers": "SELECT count(*) FROM accounts_user WHERE role IN ('reviewer', 'admin')",
        "shops": "SELECT count(*) FROM complaints_shop",
        "iprs": "SELECT count(*) FROM ipr_ipr",
        "iprs_approved": "SELECT count(*) FROM ipr_ipr WHERE status = 'approved'",
        "listings": "SELECT count(*) FROM complaints_listing",
        "complaints": "SELECT count(*) FROM complaints_complaint",
        "complaint_items": "SELECT count(*) FROM complaints_complaintitem",
        "complaint_item_events": "SELECT count(*) FROM complaints_complaintitemevent",
        "counter_notices": "SELECT count(*) FROM complaints_counternotice",
        "penalty_entries": "SELECT count(*) FROM complaints_penaltyentry",
    }
    rows = {}
    with connection.cursor() as cursor:
        for name, sql in queries.items():
            cursor.execute(sql)
            rows[name] = cursor.fetchone()[0]
        cursor.execute("SELECT state, count(*) FROM complaints_complaintitem GROUP BY state")
        states = dict(cursor.fetchall())
        cursor.execute("""SELECT count(DISTINCT c.id), count(i.id) FROM complaints_complaint c
                          LEFT JOIN complaints_complaintitem i ON i.complaint_id = c.id
                          JOIN accounts_user u ON u.id = c.complainant_id WHERE u.email = %s""", [dataset.BUSY_EMAIL])
        busy_complaints, busy_items = cursor.fetchone()
    return {"scale": info["scale"], "built_at": info["built_at"], "build_seconds": info["build_seconds"],
            "built_this_run": info["built_this_run"], "anchor": info["anchor"], "rows": rows, "item_states": states,
            "busy_holder": dataset.BUSY_EMAIL, "busy_holder_complaints": busy_complaints,
            "busy_holder_items": busy_items, "in_review": states.get("in_review", 0),
            "expiry_days": dataset.EXPIRY_SWEEP_DAYS}


# --- The run ---------------------------------------------------------------------------------------------


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    quick = args.scale < 0.1
    args.wrk_seconds = args.wrk_seconds or (5 if quick else 10)
    args.wrk_rounds = args.wrk_rounds or (2 if quick else 3)
    only = {part.strip() for part in args.only.split(",") if part.strip()}
    if not only <= set(MEASURES):
        raise SystemExit(f"--only takes measures among {', '.join(MEASURES)}")
    started = time.perf_counter()
    load_before = os.getloadavg()
    if load_before[0] > (os.cpu_count() or 1) / 2:
        log(f"Note: the machine is busy (load average {load_before[0]:.1f} on {os.cpu_count()} cores): other work "
            "shares it with the benchmark and its figures will be lower.")
    env = {"BENCH_DATABASE_URL": args.database_url, "BENCH_REDIS_URL": args.redis_url}
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    info = prepare_dataset(args)
    prepare_app()

    from bench import dataset, pages, report, sweeps, web

    anchor = dt.datetime.fromisoformat(info["anchor"])
    var = ROOT / "var" / "bench"
    var.mkdir(parents=True, exist_ok=True)
    purge_broker()
    measures: dict = {}
    try:
        if "1" in only:
            log("1. Filing a 200-listing complaint through the API")
            measures["filing"] = pages.measure_filing(runs=args.runs, warmup=args.warmup,
                                                      last_complaint=info["counts"]["complaints"], log=log)
        if "2" in only:
            log("2. The reviewers' queue and Manage Complaints")
            measures["pages"] = pages.measure_pages(runs=args.runs, warmup=args.warmup, log=log)
        if "5" in only:
            log("5. The dashboard under gunicorn and wrk, against the bare view")
            busy = pages.cookies_of(pages.signed_in(dataset.BUSY_EMAIL))
            typical_email = dataset.typical_holder_email()
            typical = pages.cookies_of(pages.signed_in(typical_email))
            targets = {
                "dashboard": ("/dashboard/", busy),
                "dashboard_typical_holder": ("/dashboard/", typical),
                "signed_in_empty_page": ("/bench/signed-in/", busy),
                "bare": ("/bench/bare/", busy),
            }
            measures["dashboard"] = web.measure_dashboard(targets=targets, env=env, seconds=args.wrk_seconds,
                                                          rounds=args.wrk_rounds, log=log, log_dir=var)
            measures["dashboard"]["typical_holder"] = typical_email
            measures["dashboard"]["in_process"] = pages.measure_dashboard_latency(runs=args.runs, warmup=args.warmup,
                                                                                 log=log)
        if "3" in only:
            log("3. The workflow sweep (seller silence → taken down) against its floor")
            measures["workflow_sweep"] = sweeps.measure_workflow_sweep(as_of=anchor, runs=args.sweep_runs, log=log)
        if "4" in only:
            log("4. The expiry sweep over every IP right against its floor")
            measures["expiry_sweep"] = sweeps.measure_expiry_sweep(
                as_of=anchor.date() + dt.timedelta(days=dataset.EXPIRY_SWEEP_DAYS), runs=args.sweep_runs, log=log)
    finally:
        purge_broker()
    results = {
        "finished_at": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "duration_seconds": round(time.perf_counter() - started, 1),
        "config": {"runs": args.runs, "warmup": args.warmup, "sweep_runs": args.sweep_runs,
                   "wrk_seconds": args.wrk_seconds, "wrk_rounds": args.wrk_rounds, "database_url": args.database_url, "redis_url": args.redis_url},
        "machine": {**machine(), "load_average_at_start": [round(x, 2) for x in load_before],
                    "load_average_at_end": [round(x, 2) for x in os.getloadavg()]},
        "dataset": dataset_figures(info), "measures": measures,
        "summary": report.summary(measures),
    }
    findings = ROOT / "bench" / "findings.md"
    if findings.exists():
        results["notes"] = findings.read_text().strip().splitlines()
    var.joinpath("last.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    log("")
    for row in results["summary"]:
        met = {True: "met   ", False: "MISSED", None: "      "}[row["met"]]
        log(f"{met}  {row['measure']}: {row['result']}  (target {row['target']})")
    if only == set(MEASURES):
        before_path = Path(args.before)
        before = json.loads(before_path.read_text()) if before_path.exists() else None
        report.write(results, docs=Path(args.docs), before=before)
        log(f"\nWrote {args.docs}/benchmarks.md and benchmarks.json ({results['duration_seconds'] / 60:.1f} min)")
    else:
        log(f"\nOnly measures {','.join(sorted(only))}: docs/ left as it was; results in var/bench/last.json")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
