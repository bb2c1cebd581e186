"""Measures in this process through Django's test Client (the whole stack but the HTTP server): filing a
200-listing complaint through the API (1), the reviewers' queue and Manage Complaints pages (2), the listing search,
and the dashboard's own latency beside its throughput (5).

The client sends ``X-Forwarded-Proto: https`` as the production proxy does, so the production
security settings (HTTPS redirect, secure cookies) stay as they are.
"""

import json

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from . import dataset
from .stats import latency_summary, timed

HTTPS = {"HTTP_X_FORWARDED_PROTO": "https"}
FILING_LISTINGS = 200
SEARCH_WORDS = "running shoes"


def signed_in(email: str) -> Client:
    """A client signed in with the account's password (a real hash; the benchmark's few sign-ins only)."""
    client = Client(**HTTPS)
    if not client.login(email=email, password=dataset.PASSWORD):
        raise RuntimeError(f"Could not sign in as {email}")
    # The first page gives the browser its device cookie, as a real browser has it after signing in.
    client.get("/dashboard/")
    return client


def cookies_of(client: Client) -> dict[str, str]:
    return {name: morsel.value for name, morsel in client.cookies.items()}


def _filing_input(holder_id: int) -> dict:
    """A right of the busy holder that files on a China-only platform today, and 200 of the platform's active
    listings the holder has not reported in a complaint still being handled."""
    from complaints import services
    from complaints.models import Platform
    from ipp import workdays
    from ipr.models import IPR

    today = workdays.today_in_china()
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT l.platform_id, count(*) FROM complaints_listing l
            WHERE l.status = 'active' AND l.platform_id IN ('taobao', 'tmall', '1688') AND NOT EXISTS (
                SELECT 1 FROM complaints_complaintitem i JOIN complaints_complaint c ON c.id = i.complaint_id
                WHERE i.listing_id = l.id AND c.complainant_id = %s AND i.state = ANY(%s))
            GROUP BY l.platform_id ORDER BY count(*) DESC LIMIT 1""", [holder_id, list(services.BEING_HANDLED)])
        code, _available = cursor.fetchone()
        cursor.execute("""
            SELECT l.url FROM complaints_listing l
            WHERE l.status = 'active' AND l.platform_id = %s AND NOT EXISTS (
                SELECT 1 FROM complaints_complaintitem i JOIN complaints_complaint c ON c.id = i.complaint_id
                WHERE i.listing_id = l.id AND c.complainant_id = %s AND i.state = ANY(%s))
            ORDER BY l.id DESC LIMIT %s""", [code, holder_id, list(services.BEING_HANDLED), FILING_LISTINGS])
        urls = [row[0] for row in cursor.fetchall()]
    platform = Platform.objects.get(code=code)
    ipr = next(ipr for ipr in IPR.objects.filter(filed_by_id=holder_id, status="approved", kind="trademark",
                                                 jurisdiction="CN").select_related("filed_by").order_by("pk")
               if services.ipr_problem(ipr, platform=platform, on=today) is None)
    return {"platform": code, "ipr": ipr.pk, "reason": "counterfeit", "urls": "\n".join(urls)}


def _delete_complaint(pk: int) -> None:
    """Take a filed complaint out again, so every run files the same listings on the same data."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM complaints_complaintitemevent WHERE item_id IN "
                       "(SELECT id FROM complaints_complaintitem WHERE complaint_id = %s)", [pk])
        cursor.execute("DELETE FROM complaints_complaintitem WHERE complaint_id = %s", [pk])
        cursor.execute("DELETE FROM complaints_complaint WHERE id = %s", [pk])


def measure_filing(*, runs: int, warmup: int, last_complaint: int, log=print) -> dict:
    """POST /api/v1/complaints/ with a token: 200 listings checked, stored and their review enqueued (Redis)."""
    from accounts.models import User
    from complaints.models import Complaint

    holder = User.objects.get(email=dataset.BUSY_EMAIL)
    for pk in Complaint.objects.filter(pk__gt=last_complaint).values_list("pk", flat=True):
        _delete_complaint(pk)  # left by an interrupted run
    client = Client(**HTTPS)
    answer = client.post("/api/v1/auth/token/", {"email": holder.email, "password": dataset.PASSWORD},
                         content_type="application/json")
    assert answer.status_code == 200, answer.content[:500]
    headers = {"HTTP_AUTHORIZATION": f"Token {answer.json()['token']}", **HTTPS}
    filing = _filing_input(holder.pk)
    if len(filing["urls"].splitlines()) != FILING_LISTINGS:
        raise RuntimeError(f"Only {len(filing['urls'].splitlines())} listings to file on {filing['platform']}")
    body = json.dumps(filing)

    def file_once() -> int:
        response = client.post("/api/v1/complaints/", body, content_type="application/json", **headers)
        if response.status_code != 201:
            raise RuntimeError(f"Filing answered {response.status_code}: {response.content[:2000]!r}")
        return response.json()["id"]

    samples = []
    for run in range(warmup + runs):
        seconds, pk = timed(file_once)
        _delete_complaint(pk)
        if run >= warmup:
            samples.append(seconds)
    with CaptureQueriesContext(connection) as queries:
        pk = file_once()
    _delete_complaint(pk)
    result = {**latency_summary(samples), "queries": len(queries), "listings": FILING_LISTINGS,
              "platform": json.loads(body)["platform"]}
    log(f"  filing: p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, {result['queries']} queries")
    return result


def _page(client: Client, url: str, *, runs: int, warmup: int, before=None) -> dict:
    """Latency and query count of ``url``; ``before`` (untimed) runs ahead of each request."""
    def get():
        response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
        return response

    samples, counts = [], set()
    for run in range(warmup + runs):
        if before:
            before()
        seconds, _response = timed(get)
        if run >= warmup:
            samples.append(seconds)
    for _ in range(3):
        if before:
            before()
        with CaptureQueriesContext(connection) as queries:
            get()
        counts.add(len(queries))
    return {**latency_summary(samples), "queries": max(counts), "queries_vary_between_runs": len(counts) > 1}


def _query_count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200, url
    return len(queries)


def measure_pages(*, runs: int, warmup: int, log=print) -> dict:
    """The reviewers' queue (items in review) and the busy holder's Manage Complaints, each with its query count,
    and that count again for more rows (100 a page; another page), which must not change it."""
    from accounts.models import User
    from complaints.models import Complaint

    reviewer = signed_in(dataset.REVIEWER_EMAIL)
    queue = _page(reviewer, "/review/items/?state=in_review", runs=runs, warmup=warmup)
    queue["rows"] = 25
    queue["queries_at_100_rows"] = _query_count(reviewer, "/review/items/?state=in_review&size=100")
    queue["constant"] = not queue["queries_vary_between_runs"] and queue["queries_at_100_rows"] == queue["queries"]
    log(f"  review queue: p50 {queue['p50_ms']} ms, p95 {queue['p95_ms']} ms, {queue['queries']} queries "
        f"({queue['queries_at_100_rows']} at 100 rows)")

    holder = User.objects.get(email=dataset.BUSY_EMAIL)
    filed = Complaint.objects.filter(complainant=holder).exclude(status="draft").count()
    client = signed_in(dataset.BUSY_EMAIL)
    complaints = _page(client, "/complaints/", runs=runs, warmup=warmup)
    last_page = (filed + 24) // 25
    complaints["complaints_of_holder"] = filed
    complaints["queries_on_page_2"] = _query_count(client, "/complaints/?page=2")
    complaints["queries_on_last_page"] = _query_count(client, f"/complaints/?page={last_page}")
    complaints["constant"] = (not complaints["queries_vary_between_runs"]
                              and complaints["queries_on_page_2"] == complaints["queries"]
                              and complaints["queries_on_last_page"] == complaints["queries"])
    log(f"  manage complaints: p50 {complaints['p50_ms']} ms, p95 {complaints['p95_ms']} ms, "
        f"{complaints['queries']} queries (page 2: {complaints['queries_on_page_2']}, last page: "
        f"{complaints['queries_on_last_page']})")
    # Not one of the five: the listing search a filer uses (title words), through the API with the same session.
    search = _page(client, f"/api/v1/listings/?platform=taobao&q={SEARCH_WORDS.replace(' ', '+')}", runs=runs,
                   warmup=warmup)
    search["words"] = SEARCH_WORDS
    log(f"  listing search: p50 {search['p50_ms']} ms, p95 {search['p95_ms']} ms, {search['queries']} queries")
    return {"review_queue": queue, "manage_complaints": complaints, "listing_search": search}


def measure_dashboard_latency(*, runs: int, warmup: int, log=print) -> dict:
    """The busy holder's dashboard in this process: as wrk sees it (its decided listings' figures kept, as for
    IPP_HOLDER_FIGURES_SECONDS after they were counted) and as the first visit in that time sees it (counted)."""
    from django.core.cache import cache

    from accounts.models import User
    from complaints import reports

    holder = User.objects.get(email=dataset.BUSY_EMAIL)
    client = signed_in(dataset.BUSY_EMAIL)
    kept = _page(client, "/dashboard/", runs=runs, warmup=warmup)
    counted = _page(client, "/dashboard/", runs=runs, warmup=warmup,
                    before=lambda: cache.delete(reports.holder_item_figures_key(holder)))
    log(f"  dashboard in-process: p50 {kept['p50_ms']} ms with its figures kept ({kept['queries']} queries), "
        f"{counted['p50_ms']} ms counting them ({counted['queries']} queries)")
    return {"figures_kept": kept, "figures_counted": counted}
