"""docs/benchmarks.md and docs/benchmarks.json from a run's results: each measure against its target."""

import json
from pathlib import Path

TARGETS = {
    "filing": "p95 < 500 ms",
    "review_queue": "p95 < 150 ms, constant query count",
    "manage_complaints": "p95 < 150 ms, constant query count",
    "workflow_sweep": "≥ 2,000 items/s and ≤ 10× the floor",
    "expiry_sweep": "≤ 5× the floor",
    "dashboard": "≥ 0.3 × the bare view",
    "listing_search": "— (not one of the five)",
}
NAMES = {
    "filing": "1. File a 200-listing complaint (POST /api/v1/complaints/)",
    "review_queue": "2a. Reviewers' queue (/review/items/?state=in_review)",
    "manage_complaints": "2b. Manage Complaints (/complaints/), busy holder",
    "workflow_sweep": "3. Workflow sweep: seller silence → taken down",
    "expiry_sweep": "4. Expiry sweep over all IP rights",
    "dashboard": "5. Dashboard under gunicorn (requests/s)",
    "listing_search": "Listing search while filing (GET /api/v1/listings/?platform=taobao&q=running+shoes)",
}


def summary(measures: dict) -> list[dict]:
    """One row per measure: what it came to in words, its target and whether it is met."""
    rows = []
    if (filing := measures.get("filing")):
        rows.append(_row("filing", f"p50 {filing['p50_ms']:.0f} ms, p95 {filing['p95_ms']:.0f} ms "
                                   f"({filing['queries']} queries)", filing["p95_ms"] < 500))
    for key in ("review_queue", "manage_complaints"):
        if (page := measures.get("pages", {}).get(key)):
            rows.append(_row(key, f"p50 {page['p50_ms']:.0f} ms, p95 {page['p95_ms']:.0f} ms, {page['queries']} "
                                  f"queries ({'constant' if page['constant'] else 'NOT constant'})",
                             page["p95_ms"] < 150 and page["constant"]))
    if (sweep := measures.get("workflow_sweep")):
        rows.append(_row("workflow_sweep", f"{sweep['rows']:,} items in {sweep['app_seconds']:.1f} s: "
                                           f"{sweep['rows_per_second']:,} items/s, {sweep['ratio_to_floor']}× the "
                                           f"floor ({sweep['floor_seconds']:.2f} s)",
                         sweep["rows_per_second"] >= 2000 and sweep["ratio_to_floor"] <= 10))
    if (sweep := measures.get("expiry_sweep")):
        result = (f"{sweep['rows']:,} of {sweep['iprs']:,} rights withdrawn in {sweep['app_seconds']:.2f} s, "
                  f"{sweep['ratio_to_floor']}× the floor ({sweep['floor_seconds']:.2f} s)")
        if "tasks_sent" in sweep:
            result += (f"; the same without sending its {sweep['tasks_sent']:,} withdrawal-notice tasks to Redis: "
                       f"{sweep['app_seconds_without_sending_tasks']:.2f} s, "
                       f"{sweep['ratio_to_floor_without_sending_tasks']}×")
        rows.append(_row("expiry_sweep", result, sweep["ratio_to_floor"] <= 5))
    if (web := measures.get("dashboard")):
        result = f"{web['dashboard_rps']:.0f} vs {web['bare_rps']:.0f} requests/s bare: {web['ratio']:.2f}×"
        if "ratios" in web:
            rps, ratios = web["requests_per_second"], web["ratios"]
            result += (f" (busy holder); a typical holder's dashboard {rps['dashboard_typical_holder']:.0f} "
                       f"({ratios['dashboard_typical_holder']:.2f}×); an empty signed-in page "
                       f"{rps['signed_in_empty_page']:.0f} ({ratios['signed_in_empty_page']:.2f}×)")
        if (inside := web.get("in_process")):
            kept, counted = inside["figures_kept"], inside["figures_counted"]
            result += (f"; in one process p50 {kept['p50_ms']:.0f} ms ({kept['queries']} queries), "
                       f"{counted['p50_ms']:.0f} ms when its decided listings' figures are counted again "
                       f"({counted['queries']} queries)")
        rows.append(_row("dashboard", result, web["ratio"] >= 0.3))
    if (search := measures.get("pages", {}).get("listing_search")):
        rows.append(_row("listing_search", f"p50 {search['p50_ms']:.0f} ms, p95 {search['p95_ms']:.0f} ms "
                                           f"({search['queries']} queries)", None))
    return rows


def _row(key: str, result: str, met: bool | None) -> dict:
    return {"key": key, "measure": NAMES[key], "result": result, "target": TARGETS[key], "met": met}


def _load(values) -> str:
    return ", ".join(f"{value:.2f}" for value in values) if values else "not recorded"


def _met(met: bool | None, strong: bool = False) -> str:
    if met is None:
        return "—"
    return "yes" if met else ("**no**" if strong else "missed")


def write(results: dict, *, docs: Path, before: dict | None = None) -> None:
    docs.joinpath("benchmarks.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    docs.joinpath("benchmarks.md").write_text(markdown(results, before=before))


def markdown(results: dict, *, before: dict | None = None) -> str:
    machine, data = results["machine"], results["dataset"]
    rows = results["summary"]
    # The earlier run's rows in this version's words.
    earlier = {row["key"]: row for row in summary(before["measures"])} if before else {}
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`bench/run.py`); rerun it to measure again. `make bench ARGS=\"--scale 0.01\"` is a",
        "quick run on a hundredth of the data; `--rebuild` builds the data set again; `--help` lists the options.",
        "",
        f"Run of {results['finished_at']} at scale {data['scale']:g} "
        f"({data['rows']['complaint_items']:,} complaint items).",
        "",
    ]
    if earlier:
        lines += ["| Measure | Result | Before the fixes | Target | Met? |", "|---|---|---|---|---|"]
        for row in rows:
            previous = earlier.get(row["key"])
            was = (previous["result"] + ("" if previous["met"] is None else f" ({_met(previous['met'])})")
                   if previous else "—")
            lines.append(f"| {row['measure']} | {row['result']} | {was} | {row['target']} | {_met(row['met'], True)} |")
        then, now = before.get("machine", {}), machine
        then_bare = before["measures"].get("dashboard", {}).get("bare_rps")
        now_bare = results["measures"].get("dashboard", {}).get("bare_rps")
        if then.get("cpu") != now.get("cpu") and then_bare and now_bare:
            lines += ["", f"“Before the fixes” ran on another machine ({then.get('cpu')}: the bare view "
                          f"{then_bare:,.0f} requests/s there, {now_bare:,.0f} here): between the columns, compare "
                          "ratios and query counts, not milliseconds."]
    else:
        lines += ["| Measure | Result | Target | Met? |", "|---|---|---|---|"]
        for row in rows:
            lines.append(f"| {row['measure']} | {row['result']} | {row['target']} | {_met(row['met'], True)} |")
    counts = data["rows"]
    lines += [
        "",
        "## The machine",
        "",
        f"- CPU: {machine['cpu']}, {machine['cores']} cores; RAM: {machine['ram_gib']} GiB",
        f"- PostgreSQL {machine['postgresql']} (its settings as installed: shared_buffers {machine['shared_buffers']}, "
        f"work_mem {machine['work_mem']}); Redis {machine['redis']}",
        f"- Python {machine['python']}, Django {machine['django']}, gunicorn {machine['gunicorn']}, wrk {machine['wrk']}",
        f"- Date: {results['finished_at']}; the whole run took {results['duration_seconds'] / 60:.1f} min",
        f"- Load average (1, 5, 15 min) at the start: {_load(machine.get('load_average_at_start'))}; at the end: "
        f"{_load(machine.get('load_average_at_end'))} (the benchmark alone keeps about one core busy; more means "
        "other work shared the machine)",
        "",
        "## The data set",
        "",
        f"Scale {data['scale']:g}, built {data['built_at']} in {data['build_seconds'] / 60:.1f} min "
        f"({'in this run' if data['built_this_run'] else 'kept from an earlier run'}) with PostgreSQL COPY "
        "(`bench/dataset.py`, seeded: the same scale gives the same rows):",
        "",
        f"- {counts['rights_holders']:,} rights holders, {counts['sellers']:,} sellers with {counts['shops']:,} shops, "
        f"{counts['reviewers']:,} reviewers",
        f"- {counts['iprs']:,} IP rights ({counts['iprs_approved']:,} approved), {counts['listings']:,} listings",
        f"- {counts['complaints']:,} complaints, {counts['complaint_items']:,} complaint items, "
        f"{counts['complaint_item_events']:,} item events (each item's history of moves), "
        f"{counts['counter_notices']:,} counter-notices, {counts['penalty_entries']:,} penalty entries",
        "- Items by state: " + ", ".join(f"{state} {n:,}" for state, n in sorted(
            data["item_states"].items(), key=lambda pair: -pair[1])),
        f"- The busy holder (`{data['busy_holder']}`) has {data['busy_holder_complaints']:,} complaints with "
        f"{data['busy_holder_items']:,} items; the reviewers' queue has {data['in_review']:,} items in review.",
        "",
        "## How each is measured",
        "",
        "All from one process, `bench/run.py`, against the portal's own code and settings (`bench/settings.py`: the",
        "production settings with `DEBUG` off on the benchmark's database and Redis database; `bench/urls.py` adds",
        "only the two comparison pages of measure 5). Latencies are p50/p95 over "
        f"{results['config']['runs']} runs after {results['config']['warmup']} warm-up runs.",
        "",
        "1. **Filing**: Django's test Client in this process posts a JSON complaint of 200 listing addresses with",
        "   an API token (`Authorization: Token …`) for the busy holder: the token, the throttle (Redis), the",
        "   serializer, `complaint_file` (every line read, the listings resolved through the marketplace adapter,",
        "   the already-reported check), the rows, the response with the complaint and its 200 items, and the",
        "   start-of-review task sent to **Redis** (the real broker; no worker consumes it, the queue is purged",
        "   afterwards). Each run's complaint is deleted after it, outside the timing, so every run files the same",
        "   listings on the same data.",
        "2. **Pages**: the test Client signed in with a password (reviewer; busy holder), `GET` with",
        "   `X-Forwarded-Proto: https` as behind the production proxy. The query count is `CaptureQueriesContext`",
        "   over a whole request; it is taken again with 100 rows a page (queue) and on page 2 and the last page",
        "   (Manage Complaints): *constant* means the same number each time.",
        "3. **Workflow sweep**: `complaints.services.seller_silence_sweep(as_of=<build time>)`, which moves every",
        "   `seller_notified` item past `respond_by` to `taken_down` through `workflow.items_move_due` (batches of",
        "   2,000 under `FOR UPDATE SKIP LOCKED`, a re-checking UPDATE, one INSERT of events, one task per batch,",
        "   the complaints' status). The floor is one `UPDATE` giving the same rows the same values. Before each",
        "   run the items and complaints are restored from a snapshot, the new events deleted, and the tables",
        "   vacuumed, analysed and checkpointed; the median of the runs is reported.",
        f"4. **Expiry sweep**: `ipr.services.ipr_withdraw_sweep(as_of=<build date + {data['expiry_days']} days>)`",
        "   over every record (term, letter and identity rules, history rows, withdrawal-notice tasks of up to",
        "   100 filers each on Redis), against one `UPDATE` with the same rule order in a `CASE`; restored the same way.",
        "5. **Dashboard**: the project's gunicorn (2 sync workers, `ipp.wsgi`, `DJANGO_SETTINGS_MODULE=bench.settings`)",
        "   started on a free port; after a warm-up of each, `wrk -t1 -c4 --latency` for "
        f"{results['config']['wrk_seconds']} s on, in turn:",
        "   `/dashboard/` with the busy holder's session and device cookies (the measure), the same for a holder",
        "   with the median number of complaints, `/bench/signed-in/` (the base layout of a signed-in page and",
        "   nothing on it) and `/bench/bare/` (a fixed string through the same middleware: the reference);",
        f"   {results['config'].get('wrk_rounds', 2)} rounds, the median of each page counts. wrk shares the two "
        "cores with",
        "   gunicorn and PostgreSQL.",
        "",
    ]
    if results.get("notes"):  # bench/findings.md: what the runs found and what was done about it
        lines += [*results["notes"], ""]
    return "\n".join(lines)
