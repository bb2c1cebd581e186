"""Reports (issue 6): the admins' transparency report and a rights holder's own figures.

A history is built through the real services (filing, review, counter-notices, the
seller-silence sweep, a withdrawal), then each move is placed in March 2025 by updating its
timestamps, so every figure below is worked out by hand from the times in ``build_history``.
"""

import csv
import datetime as dt
import io
import zoneinfo

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from complaints import reports, services
from complaints.models import Complaint, ComplaintItem, ComplaintItemEvent

from .conftest import approve_ipr, make_ipr, make_listing, make_user

pytestmark = pytest.mark.django_db

CHINA = zoneinfo.ZoneInfo("Asia/Shanghai")
MARCH = {"date_from": dt.date(2025, 3, 1), "date_until": dt.date(2025, 3, 31)}
HOUR = dt.timedelta(hours=1)


def china(month: int, day: int, hour: int = 0, minute: int = 0, year: int = 2025) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=CHINA)


def march(day: int) -> dt.date:
    return dt.date(2025, 3, day)


# --- The history ------------------------------------------------------------------------------------

def file_complaint(user, right, *, seller, platform="taobao", reason="counterfeit", listings=1):
    """A complaint filed through the service on new listings of the seller's shop, its items put into review."""
    found = [make_listing(platform, title=f"Copy of {right.name}", owner=seller) for _ in range(listings)]
    complaint = services.complaint_file(user=user, platform_code=platform, ipr_id=right.pk, reason=reason,
                                        urls_text="\n".join(listing.url for listing in found), statements=True)
    services.complaint_review_start(complaint_id=complaint.pk)  # what the task sent on filing does
    return complaint, list(complaint.items.order_by("pk"))


def placed(item, to_state: str, at: dt.datetime, **item_fields) -> None:
    """Put the item's move into ``to_state`` at ``at`` (and set the item's own columns)."""
    assert ComplaintItemEvent.objects.filter(item=item, to_state=to_state).update(at=at) == 1
    if item_fields:
        ComplaintItem.objects.filter(pk=item.pk).update(**item_fields)


def filed_at(complaint, at: dt.datetime) -> None:
    Complaint.objects.filter(pk=complaint.pk).update(submitted_at=at)


def counter_notice(item, seller) -> None:
    services.counter_notice_file(seller=seller, item_id=item.pk, ground="genuine",
                                 statement="Bought from the brand's distributor.", perjury_statement=True)


def build_history(*, holder, other, reviewer, seller) -> dict:
    """The holder's five complaints and another holder's one, each item moved through the services.

    | item | complaint (filed, China)       | what happened                                          | decided          | review due |
    |------|--------------------------------|--------------------------------------------------------|------------------|------------|
    | a1   | c1 Taobao 03-03 10:00          | accepted 03-04 10:00; seller silent: swept down        | 03-07 10:00 96 h | 03-06      |
    | a2   | c1                             | accepted 03-04 10:00; counter-notice accepted          | 03-05 10:00 48 h | 03-06      |
    | a3   | c1                             | accepted 03-04 10:00; maintained; reviewer takes down  | 03-13 10:00 240 h| 03-12 late |
    | a4   | c1                             | rejected                                               | 03-03 22:00 12 h | 03-06      |
    | b1   | c2 Tmall 03-10 09:00 (misuse)  | accepted 03-11 09:00; maintained; reviewer reinstates  | 03-18 17:00 200 h| 03-18      |
    | b2   | c2                             | still in review                                        |                  | 03-13 past |
    | d1   | c3 Taobao 02-28 23:30 (before) | rejected                                               | 03-02 00:30 25 h | 03-01 late |
    | e1   | c4 Taobao 03-31 23:59          | rejected (after the period)                            | 04-01 00:00      | 04-02      |
    | f1   | c5 Taobao 04-01 00:00 (after)  | still in review                                        |                  | 04-03      |
    | g1   | g (other) Taobao 03-15 12:00   | withdrawn from review 03-16 09:00                      |                  | 03-20      |

    d1 is decided at 00:30 on 03-02 in China, which is still 03-01 in UTC: late only by China's date.
    """
    right = approve_ipr(make_ipr(holder), reviewer=reviewer)
    other_right = approve_ipr(make_ipr(other, name="OTHER", number="30000002"), reviewer=reviewer)
    c1, (a1, a2, a3, a4) = file_complaint(holder, right, seller=seller, listings=4)
    c2, (b1, b2) = file_complaint(holder, right, seller=seller, platform="tmall", reason="trademark_misuse", listings=2)
    c3, (d1,) = file_complaint(holder, right, seller=seller)
    c4, (e1,) = file_complaint(holder, right, seller=seller)
    c5, (f1,) = file_complaint(holder, right, seller=seller)
    g, (g1,) = file_complaint(other, other_right, seller=seller)

    for item in (a1, a2, a3, b1):
        services.item_review_decide(reviewer=reviewer, item_id=item.pk, decision="accept")
    for item in (a4, d1, e1):
        services.item_review_decide(reviewer=reviewer, item_id=item.pk, decision="reject", reason="use_not_found")
    counter_notice(a2, seller)
    services.counter_notice_accept(user=holder, item_id=a2.pk)
    for item in (a3, b1):
        counter_notice(item, seller)
        services.complaint_maintain(user=holder, item_id=item.pk, note="The invoices are not the brand's.")
    services.item_decide(reviewer=reviewer, item_id=a3.pk, decision="take_down")
    services.item_decide(reviewer=reviewer, item_id=b1.pk, decision="reinstate")
    # a1 is the only listing still waiting for its seller: the window passes in silence.
    assert services.seller_silence_sweep(as_of=timezone.now() + dt.timedelta(days=4)) == 1
    services.complaint_withdraw(user=other, complaint=g)

    for complaint, at in ((c1, china(3, 3, 10)), (c2, china(3, 10, 9)), (c3, china(2, 28, 23, 30)),
                          (c4, china(3, 31, 23, 59)), (c5, china(4, 1)), (g, china(3, 15, 12))):
        filed_at(complaint, at)
    for item in (a1, a2, a3):
        placed(item, "seller_notified", china(3, 4, 10))
    placed(b1, "seller_notified", china(3, 11, 9))
    placed(a1, "taken_down", china(3, 7, 10), decided_at=china(3, 7, 10), review_due_on=march(6))
    placed(a2, "counter_accepted", china(3, 5, 10), decided_at=china(3, 5, 10), review_due_on=march(6))
    placed(a3, "taken_down", china(3, 13, 10), decided_at=china(3, 13, 10), review_due_on=march(12))
    placed(a4, "rejected", china(3, 3, 22), decided_at=china(3, 3, 22), review_due_on=march(6))
    placed(b1, "reinstated", china(3, 18, 17), decided_at=china(3, 18, 17), review_due_on=march(18))
    ComplaintItem.objects.filter(pk=b2.pk).update(review_due_on=march(13))
    placed(d1, "rejected", china(3, 2, 0, 30), decided_at=china(3, 2, 0, 30), review_due_on=march(1))
    placed(e1, "rejected", china(4, 1), decided_at=china(4, 1), review_due_on=dt.date(2025, 4, 2))
    ComplaintItem.objects.filter(pk=f1.pk).update(review_due_on=dt.date(2025, 4, 3))
    placed(g1, "withdrawn", china(3, 16, 9), review_due_on=march(20))
    return {"c1": c1, "c2": c2, "c3": c3, "c4": c4, "c5": c5, "g": g}


@pytest.fixture
def other(reviewer):
    return make_user("other@example.com", name="Other Brand Ltd", category=User.RegistrantCategory.ENTITY,
                     verified_by=reviewer)


@pytest.fixture
def history(holder, other, reviewer, seller):
    return build_history(holder=holder, other=other, reviewer=reviewer, seller=seller)


# --- The transparency report ------------------------------------------------------------------------

def test_complaints_and_items_filed_in_the_period_by_platform_and_reason(history):
    report = reports.transparency_report(**MARCH)
    # c1, c2, c4 (03-31 23:59) and the other holder's; c3 (02-28 23:30) and c5 (04-01 00:00) fall outside.
    assert (report.complaints, report.items) == (4, 8)
    by_platform = {row.key: (row.complaints, row.items) for row in report.by_platform}
    assert by_platform == {"taobao": (3, 6), "tmall": (1, 2), "tmallhk": (0, 0), "1688": (0, 0), "alibaba": (0, 0),
                           "aliexpress": (0, 0), "lazada": (0, 0)}
    assert [(row.key, row.complaints, row.items) for row in report.by_reason] == [
        ("counterfeit", 3, 6), ("trademark_misuse", 1, 2)]


def test_items_filed_in_the_period_by_outcome(history):
    report = reports.transparency_report(**MARCH)
    assert {row.key: row.items for row in report.outcomes} == {
        "taken_down": 2, "rejected": 2, "counter_accepted": 1, "reinstated": 1, "withdrawn": 1, "held": 0, "open": 1}
    assert {row.key: row.items for row in report.open_steps if row.items} == {"in_review": 1}


def test_median_and_90th_percentile_from_filing_to_decision_overall_and_by_platform(history):
    report = reports.transparency_report(**MARCH)
    # Decided in March: a4 12 h, d1 25 h, a2 48 h, a1 96 h, b1 200 h, a3 240 h (e1, decided 04-01 00:00, is not).
    overall = report.time_to_decision
    assert overall.decided == 6
    assert overall.median == 72 * HOUR  # (48 + 96) / 2
    assert overall.p90 == 220 * HOUR  # rank 0.9 × 5 = 4.5: 200 + 0.5 × (240 − 200)
    by_platform = {row.key: (row.decided, row.median, row.p90) for row in report.time_by_platform}
    # Taobao 12, 25, 48, 96, 240: median 48; rank 0.9 × 4 = 3.6: 96 + 0.6 × (240 − 96) = 182.4.
    assert by_platform == {"taobao": (5, 48 * HOUR, dt.timedelta(hours=182.4)), "tmall": (1, 200 * HOUR, 200 * HOUR)}
    assert (overall.median_text, overall.p90_text) == ("3.0 days", "9.2 days")
    assert reports.duration_text(25 * HOUR) == "25.0 hours"


def test_review_deadlines_missed_count_late_decisions_and_reviews_waiting_past_their_date(history):
    sla = reports.transparency_report(**MARCH).sla
    # Due in March and decided, or waiting: a1 a2 a4 (due 03-06), a3 (03-12), b1 (03-18), b2 (03-13), d1 (03-01).
    # g1's review ended in a withdrawal (nobody's decision); e1 and f1 are due in April.
    assert sla.reviews == 7
    # a3 decided 03-13 (due 03-12); d1 decided 03-02 00:30 China time (due 03-01), still 03-01 in UTC.
    assert sla.decided_late == 2
    assert sla.waiting_past_due == 1  # b2
    assert (sla.breaches, sla.breach_share) == (3, 3 / 7)


def test_counter_notice_rate_and_the_share_that_kept_the_listing(history):
    notices = reports.transparency_report(**MARCH).counter_notices
    # Sellers notified in March: a1 a2 a3 (03-04) and b1 (03-11); a2 a3 b1 answered with a counter-notice.
    assert (notices.reached_seller, notices.counter_noticed, notices.rate) == (4, 3, 0.75)
    # a2 accepted by the complainant and b1 reinstated kept their listing; a3 was taken down.
    assert (notices.listing_stayed, notices.taken_down, notices.withdrawn, notices.undecided) == (2, 1, 0, 0)
    assert notices.stayed_share == 2 / 3


def test_takedowns_by_the_seller_silence_sweep_are_automated_decisions(history):
    takedowns = reports.transparency_report(**MARCH).takedowns
    assert (takedowns.automated, takedowns.by_reviewer, takedowns.total, takedowns.automated_share) == (1, 1, 2, 0.5)


def test_a_period_counts_by_china_dates_at_both_ends(history):
    # 03-31 alone holds c4 (filed 23:59 China time, 15:59 UTC) and nothing decided (e1 was decided at 00:00 on 04-01).
    last_day = reports.transparency_report(date_from=march(31), date_until=march(31))
    assert (last_day.complaints, last_day.items, last_day.time_to_decision.decided) == (1, 1, 0)
    # 04-01 holds c5 (filed at 00:00 China time, still 03-31 in UTC) and e1's decision.
    next_day = reports.transparency_report(date_from=dt.date(2025, 4, 1), date_until=dt.date(2025, 4, 1))
    assert (next_day.complaints, next_day.items, next_day.time_to_decision.decided) == (1, 1, 1)
    assert next_day.time_to_decision.median == dt.timedelta(minutes=1)  # e1: filed 03-31 23:59
    # 02-28 holds c3 (23:30 China time).
    assert reports.transparency_report(date_from=dt.date(2025, 2, 28), date_until=dt.date(2025, 2, 28)).complaints == 1


def test_a_platform_filter_narrows_every_figure(history):
    report = reports.transparency_report(**MARCH, platform="tmall")
    assert (report.complaints, report.items) == (1, 2)
    assert [(row.key, row.complaints, row.items) for row in report.by_platform] == [("tmall", 1, 2)]
    assert [(row.key, row.items) for row in report.by_reason] == [("trademark_misuse", 2)]
    assert {row.key: row.items for row in report.outcomes if row.items} == {"reinstated": 1, "open": 1}
    assert (report.time_to_decision.decided, report.time_to_decision.median, report.time_to_decision.p90) == (
        1, 200 * HOUR, 200 * HOUR)
    assert (report.sla.reviews, report.sla.decided_late, report.sla.waiting_past_due) == (2, 0, 1)
    notices = report.counter_notices
    assert (notices.reached_seller, notices.counter_noticed, notices.listing_stayed, notices.stayed_share) == (1, 1, 1, 1.0)
    assert (report.takedowns.total, report.takedowns.automated_share) == (0, None)


def test_percentiles_follow_postgresqls_percentile_cont_everywhere():
    assert reports.percentile_cont([240, 12, 200, 48, 96, 25], 0.5) == 72
    assert reports.percentile_cont([240, 12, 200, 48, 96, 25], 0.9) == 220
    assert reports.percentile_cont([7], 0.9) == 7
    assert reports.percentile_cont([], 0.5) is None


def test_an_empty_period_has_no_figures_to_share():
    report = reports.transparency_report(**MARCH)
    assert (report.complaints, report.time_to_decision.median, report.sla.breach_share, report.counter_notices.rate) == (
        0, None, None, None)
    assert report.time_to_decision.median_text == "—"


# --- The page and its CSV -----------------------------------------------------------------------------

def test_the_report_page_shows_the_figures_with_charts(client, admin_user, history):
    client.force_login(admin_user)
    response = client.get(reverse("admin_reports"), {"date_from": "2025-03-01", "date_until": "2025-03-31"})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="complaints-filed">4<' in page
    assert 'id="median-to-decision">3.0 days<' in page
    assert 'id="sla-breaches">3<' in page
    assert 'id="counter-notice-rate">75.0 %<' in page
    assert 'id="automated-takedowns">1<' in page
    assert page.count('<svg class="ipp-chart"') == 6
    assert 'style="' not in page  # the CSP (style-src 'self') would refuse it
    # Taobao's bar is the longest (6 items), Tmall's a third of it.
    assert 'width="100.0%"' in page and 'width="33.33%"' in page
    assert "?date_from=2025-03-01&amp;date_until=2025-03-31" in page  # the CSV link keeps the period


def test_the_report_defaults_to_the_last_30_days_in_china(client, admin_user):
    from ipp.workdays import today_in_china

    client.force_login(admin_user)
    report = client.get(reverse("admin_reports")).context["report"]
    today = today_in_china()
    assert (report.period.date_from, report.period.date_until, report.period.platform) == (
        today - dt.timedelta(days=29), today, "")


def test_a_period_ending_before_it_starts_is_refused(client, admin_user):
    client.force_login(admin_user)
    query = {"date_from": "2025-03-31", "date_until": "2025-03-01"}
    response = client.get(reverse("admin_reports"), query)
    assert response.status_code == 200 and response.context["report"] is None
    assert "The end of the period comes before its start." in response.content.decode()
    assert client.get(reverse("admin_reports_export"), query).status_code == 400
    assert client.get(reverse("admin_reports"), {"platform": "nowhere"}).context["report"] is None


def csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content if response.streaming else [response.content]).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_the_csv_export_has_one_row_per_figure(client, admin_user, history):
    client.force_login(admin_user)
    response = client.get(reverse("admin_reports_export"), {"date_from": "2025-03-01", "date_until": "2025-03-31"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert 'filename="ipp-report-2025-03-01-2025-03-31.csv"' in response["Content-Disposition"]
    header, *rows = csv_rows(response)
    assert header == ["section", "key", "value"]
    figures = {(section, key): value for section, key, value in rows}
    assert len(figures) == len(rows)  # every figure once
    assert {key: figures[key] for key in [
        ("period", "from"), ("period", "platform"), ("filed", "complaints"), ("filed", "items"),
        ("complaints_by_platform", "taobao"), ("items_by_platform", "tmall"), ("items_by_platform", "lazada"),
        ("items_by_reason", "counterfeit"), ("items_by_outcome", "taken_down"), ("items_by_outcome", "open"),
        ("time_to_decision", "all.decided"), ("time_to_decision", "all.median_hours"),
        ("time_to_decision", "all.p90_hours"), ("time_to_decision", "taobao.p90_hours"),
        ("sla", "reviews_due"), ("sla", "breaches"), ("sla", "breach_share"),
        ("counter_notices", "counter_notice_rate"), ("counter_notices", "listing_stayed_share"),
        ("takedowns", "automated"), ("takedowns", "by_reviewer"), ("takedowns", "automated_share"),
    ]} == {
        ("period", "from"): "2025-03-01", ("period", "platform"): "all", ("filed", "complaints"): "4",
        ("filed", "items"): "8", ("complaints_by_platform", "taobao"): "3", ("items_by_platform", "tmall"): "2",
        ("items_by_platform", "lazada"): "0", ("items_by_reason", "counterfeit"): "6",
        ("items_by_outcome", "taken_down"): "2", ("items_by_outcome", "open"): "1",
        ("time_to_decision", "all.decided"): "6", ("time_to_decision", "all.median_hours"): "72",
        ("time_to_decision", "all.p90_hours"): "220", ("time_to_decision", "taobao.p90_hours"): "182.4",
        ("sla", "reviews_due"): "7", ("sla", "breaches"): "3", ("sla", "breach_share"): "0.4286",
        ("counter_notices", "counter_notice_rate"): "0.75", ("counter_notices", "listing_stayed_share"): "0.6667",
        ("takedowns", "automated"): "1", ("takedowns", "by_reviewer"): "1", ("takedowns", "automated_share"): "0.5",
    }


def test_the_csv_export_defuses_formulas(client, admin_user, holder, reviewer):
    # A reason no service would accept, written straight to the table: it reaches the CSV as a key.
    right = approve_ipr(make_ipr(holder), reviewer=reviewer)
    Complaint.objects.create(complainant=holder, ipr=right, platform_id="taobao", reason="=HYPERLINK(\"x\")",
                             status="open", submitted_at=china(3, 5))
    client.force_login(admin_user)
    rows = csv_rows(client.get(reverse("admin_reports_export"), {**{k: v.isoformat() for k, v in MARCH.items()},
                                                                  "platform": "taobao"}))
    assert ["complaints_by_reason", "'=HYPERLINK(\"x\")", "1"] in rows
    assert ["period", "platform", "taobao"] in rows


ROLES = {"anonymous": "login", "holder": 403, "seller": 403, "reviewer": 403, "admin_user": 200}


@pytest.mark.parametrize("url_name", ["admin_reports", "admin_reports_export"])
@pytest.mark.parametrize("role", list(ROLES))
def test_only_admins_open_the_reports(client, request, url_name, role):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    response = client.get(reverse(url_name))
    if ROLES[role] == "login":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    else:
        assert response.status_code == ROLES[role]


# --- A rights holder's own figures ------------------------------------------------------------------

def test_a_holders_figures_by_status_takedown_rate_and_time_to_takedown(history, holder):
    figures = reports.holder_figures(user=holder)
    assert [status for status, _label in figures.statuses] == ["open", "closed", "withdrawn"]
    rows = {row.key: (row.status_counts, row.decided, row.taken_down, row.median_to_takedown)
            for row in [figures.total, *figures.platforms]}
    assert rows == {
        # c5 open; c1, c3, c4 closed. Decided: a1 a2 a3 a4 d1 e1; taken down a1 (96 h) and a3 (240 h).
        "taobao": ([1, 3, 0], 6, 2, 168 * HOUR),
        "tmall": ([1, 0, 0], 1, 0, None),  # c2 open (b2 in review); b1 reinstated
        "": ([2, 3, 0], 7, 2, 168 * HOUR),
    }
    assert [row.key for row in figures.platforms] == ["taobao", "tmall"]
    assert (figures.total.takedown_rate, figures.platforms[0].takedown_rate_text, figures.platforms[1].takedown_rate_text,
            figures.total.median_text) == (2 / 7, "33.3 %", "0.0 %", "7.0 days")


def test_a_holders_figures_count_only_its_own_complaints(history, other):
    figures = reports.holder_figures(user=other)
    assert [(row.key, row.status_counts, row.decided, row.takedown_rate) for row in figures.platforms] == [
        ("taobao", [0, 0, 1], 0, None)]
    assert figures.total.median_to_takedown is None


def test_the_dashboard_shows_the_holders_figures(client, history, holder):
    client.force_login(holder)
    page = client.get(reverse("dashboard")).content.decode()
    assert 'id="holder-figures"' in page
    assert "33.3 %" in page and "7.0 days" in page


def test_the_dashboard_keeps_the_decided_figures_for_a_minute_and_says_when_they_were_counted(
        client, history, holder, reviewer, monkeypatch, settings):
    from django.core.cache.backends import locmem

    client.force_login(holder)
    first = client.get(reverse("dashboard")).content.decode()
    counted_at = reports.holder_item_figures(user=holder)[2]  # kept: the time of the first count
    assert "as counted at " + timezone.localtime(counted_at, CHINA).strftime("%Y-%m-%d %H:%M") in first
    assert "28.6 %" in first  # all platforms: 2 of 7 decided listings taken down
    waiting = ComplaintItem.objects.get(complaint__complainant=holder, complaint__platform_id="tmall", state="in_review")
    services.item_review_decide(reviewer=reviewer, item_id=waiting.pk, decision="reject", reason="use_not_found")
    assert "28.6 %" in client.get(reverse("dashboard")).content.decode()  # kept: the same figures
    later = locmem.time.time() + settings.IPP_HOLDER_FIGURES_SECONDS + 1
    monkeypatch.setattr(locmem.time, "time", lambda: later)
    again = client.get(reverse("dashboard")).content.decode()
    assert "28.6 %" not in again and "25.0 %" in again  # counted again: 2 of 8


def test_a_holder_without_complaints_is_told_where_its_figures_will_be(client, holder):
    client.force_login(holder)
    page = client.get(reverse("dashboard")).content.decode()
    assert "Your figures appear here once you have filed complaints." in page


# --- Query counts: the same whatever the history -------------------------------------------------------

def add_history(*, holder, reviewer, seller, complaints: int, listings: int) -> None:
    """Complaints filed now (in the default period), each item in another outcome: a little of everything."""
    right = holder.iprs.filter(status="approved").first() or approve_ipr(make_ipr(holder), reviewer=reviewer)
    for n in range(complaints):
        _complaint, items = file_complaint(holder, right, seller=seller, platform=("taobao", "tmall")[n % 2],
                                           listings=listings)
        first, *rest = items
        services.item_review_decide(reviewer=reviewer, item_id=first.pk, decision="accept")
        for item in rest[:1]:
            services.item_review_decide(reviewer=reviewer, item_id=item.pk, decision="reject", reason="use_not_found")
        for item in rest[1:2]:
            services.item_review_decide(reviewer=reviewer, item_id=item.pk, decision="accept")
            counter_notice(item, seller)
    services.seller_silence_sweep(as_of=timezone.now() + dt.timedelta(days=4))


def queries(call) -> int:
    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured)


def signed_in(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def test_the_reports_cost_the_same_queries_for_one_row_or_many(admin_user, holder, reviewer, seller):
    admin, holder_client = signed_in(admin_user), signed_in(holder)
    today = timezone.localdate(timezone=CHINA)

    def counts() -> list[int]:
        cache.clear()  # the holder's item figures counted afresh (3 queries), then kept (1)
        return [queries(lambda: reports.transparency_report(date_from=today - dt.timedelta(days=29), date_until=today)),
                queries(lambda: reports.holder_figures(user=holder)),
                queries(lambda: reports.holder_figures(user=holder)),
                queries(lambda: admin.get(reverse("admin_reports"))),
                queries(lambda: admin.get(reverse("admin_reports_export"))),
                queries(lambda: holder_client.get(reverse("dashboard")))]

    add_history(holder=holder, reviewer=reviewer, seller=seller, complaints=1, listings=1)
    one = counts()
    assert one[:3] == [9, 3, 1]
    add_history(holder=holder, reviewer=reviewer, seller=seller, complaints=6, listings=3)
    report = reports.transparency_report(date_from=today - dt.timedelta(days=29), date_until=today)
    assert (report.items, report.takedowns.automated, report.counter_notices.counter_noticed) == (19, 7, 6)  # it grew
    assert counts() == one
