"""Bulk filing of complaints from a CSV: all complaints or none, every problem with its CSV line and column."""

import csv
import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from complaints import bulk, services
from complaints.models import Complaint, ComplaintItem, Platform
from complaints.tasks import run_import_job
from ipp import bulk as jobs
from ipp.models import ImportJob
from ipp.workdays import today_in_china

from .conftest import PASSWORD, approve_ipr, make_ipr, make_listing, make_user

pytestmark = pytest.mark.django_db

COLUMNS = ("platform", "ipr", "reason", "url", "description")


def row(platform="taobao", ipr="30000001", reason="counterfeit", url="", description="") -> dict:
    return {"platform": platform, "ipr": ipr, "reason": reason, "url": url, "description": description}


def csv_file(rows: list[dict], *, columns=COLUMNS, encoding="utf-8", delimiter=",") -> SimpleUploadedFile:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", delimiter=delimiter, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return SimpleUploadedFile("complaints.csv", out.getvalue().encode(encoding), content_type="text/csv")


def problems_of(user, rows=None, *, upload=None) -> list[tuple]:
    with pytest.raises(jobs.ImportRefused) as refused:
        bulk.complaint_import(user=user, csv_file=upload or csv_file(rows), statements=True)
    return [(p.line, p.column, p.code, p.message) for p in refused.value.problems]


@pytest.fixture
def mark(holder, reviewer):
    """An authenticated Chinese trademark of the holder's (number 30000001): usable on every platform."""
    return approve_ipr(make_ipr(holder, number="30000001"), reviewer=reviewer)


@pytest.fixture
def work(holder, reviewer):
    """An authenticated copyright of the holder's, registered in the US: not usable on Taobao."""
    return approve_ipr(make_ipr(holder, kind="copyright", number="VA 2-345-678", jurisdiction="US"), reviewer=reviewer)


def statements() -> dict:
    return {"good_faith_statement": "on", "accuracy_statement": "on"}


# --- A good file ------------------------------------------------------------------------------

def test_rows_of_one_platform_right_and_reason_become_one_complaint_split_at_the_platforms_limit(holder, mark, work):
    Platform.objects.filter(code="taobao").update(max_listings_per_complaint=2)
    taobao = [make_listing("taobao") for _ in range(4)]
    ali = make_listing("aliexpress")
    rows = [
        row(url=taobao[0].url, description="Test purchase: fake logo."),
        row(url=taobao[1].url, ipr=str(mark.pk)),  # the same right by its id
        row(platform="aliexpress", ipr="VA2-345-678", reason="image_misuse", url=ali.url),
        row(url=taobao[2].url, description="Test purchase: fake logo."),
        row(url=taobao[3].url, reason="trademark_misuse"),
    ]

    result = bulk.complaint_import(user=holder, csv_file=csv_file(rows), statements=True)

    filed = [(c.platform_id, c.ipr_id, c.reason, [i.listing_id for i in c.items.order_by("pk")]) for c in result.complaints]
    assert filed == [
        ("taobao", mark.pk, "counterfeit", [taobao[0].pk, taobao[1].pk]),
        ("taobao", mark.pk, "counterfeit", [taobao[2].pk]),  # over Taobao's limit of 2: a second complaint
        ("aliexpress", work.pk, "image_misuse", [ali.pk]),
        ("taobao", mark.pk, "trademark_misuse", [taobao[3].pk]),
    ]
    for complaint in result.complaints:
        assert (complaint.source, complaint.status, complaint.complainant) == ("bulk", "open", holder)
        assert complaint.good_faith_statement and complaint.accuracy_statement and complaint.submitted_at
    first = result.complaints[0]
    assert first.urls_text == f"{taobao[0].url}\n{taobao[1].url}"
    assert first.description == "Test purchase: fake logo." == result.complaints[1].description
    assert set(ComplaintItem.objects.values_list("state", flat=True)) == {"submitted"}
    assert ComplaintItem.objects.count() == 5


def test_header_names_are_read_in_any_case_and_order_and_the_description_may_be_left_out(holder, mark):
    listing = make_listing("taobao")
    text = f"URL,Reason,IPR,Platform\r\n{listing.url},Counterfeit,30000001,Taobao\r\n"

    result = bulk.complaint_import(user=holder, csv_file=SimpleUploadedFile("c.csv", text.encode()), statements=True)

    assert [(c.platform_id, c.reason, c.items.get().listing_id) for c in result.complaints] == [
        ("taobao", "counterfeit", listing.pk)]


@pytest.mark.parametrize(("encoding", "delimiter", "bom"), [("utf-8", ",", True), ("gbk", ",", False), ("utf-8", ";", False)])
def test_excel_files_in_utf8_with_bom_in_gbk_and_with_semicolons_are_read(holder, mark, encoding, delimiter, bom):
    listing = make_listing("taobao")
    upload = csv_file([row(url=listing.url, description="试购：假冒商标")], encoding=encoding, delimiter=delimiter)
    if bom:
        upload = SimpleUploadedFile("c.csv", b"\xef\xbb\xbf" + upload.read())

    result = bulk.complaint_import(user=holder, csv_file=upload, statements=True)

    assert result.complaints[0].description == "试购：假冒商标"


# --- The report -----------------------------------------------------------------------------------

def test_every_problem_of_every_row_is_reported_with_its_line_and_column(holder, mark, work):
    draft = make_ipr(holder, number="40000001")
    good = make_listing("taobao")
    rows = [
        row(url=good.url),                                             # 2: fine
        row(platform="ebay", url=make_listing("taobao").url),          # 3
        row(platform="", ipr="99999999", reason="", url=""),           # 4
        row(ipr="40000001", url=make_listing("taobao").url),           # 5: a draft right
        row(ipr="VA 2-345-678", reason="pirated", url=make_listing("taobao").url),  # 6: a US right on Taobao
        row(reason="pirated", url=make_listing("taobao").url),         # 7: not a reason for a trademark
        row(reason="fake", url=make_listing("taobao").url),            # 8
    ]

    problems = problems_of(holder, rows)

    assert problems == [
        (3, "platform", "", "“ebay” is not a platform; write one of: taobao, tmall, tmallhk, 1688, alibaba, aliexpress, lazada."),
        (4, "platform", "", "This cell is empty; write one of: taobao, tmall, tmallhk, 1688, alibaba, aliexpress, lazada."),
        (4, "ipr", "", "None of your rights has this id or registration number (see IPR Management)."),
        (4, "reason", "", "This cell is empty; write one of: counterfeit, trademark_misuse, pirated, unauthorized_content, "
                          "image_misuse, text_misuse, patent_infringement, other."),
        (4, "url", "", "This cell is empty; write the address of one product page."),
        (5, "ipr", "", "Not authenticated (draft)."),
        (6, "ipr", "", services.ipr_problem(work, platform=Platform.objects.get(code="taobao"), on=today_in_china())),
        (7, "reason", "", "“pirated” is not a reason for a trademark; write one of: counterfeit, trademark_misuse."),
        (8, "reason", "", "“fake” is not a reason; write one of: counterfeit, trademark_misuse."),
    ]
    assert problems[6][3].startswith("Taobao accepts only rights valid in China")
    assert draft.status == "draft" and not Complaint.objects.exists()


def test_an_address_problem_is_reported_on_the_csv_line_it_came_from(holder, mark):
    a, b, c = (make_listing("taobao") for _ in range(3))
    rows = [
        row(url=a.url),                                                    # 2: complaint 1, its line 1
        row(reason="trademark_misuse", url=b.url),                         # 3: complaint 2, its line 1
        row(url="https://item.taobao.com/item.htm?id=999999999"),          # 4: complaint 1, its line 2
        row(reason="trademark_misuse", url="https://detail.tmall.com/item.htm?id=1"),  # 5: complaint 2, line 2
        row(url="https://shop123.taobao.com/"),                            # 6: complaint 1, line 3
        row(url=c.url),                                                    # 7
    ]

    problems = problems_of(holder, rows)

    assert [(line, column, code) for line, column, code, _message in problems] == [
        (4, "url", "listing_not_found"), (5, "url", "wrong_platform"), (6, "url", "not_product_page")]
    # The page's and the API's own messages for these codes.
    assert problems[0][3] == "There is no listing 999999999 on Taobao; check the address."
    assert problems[1][3].startswith("This is a Tmall address; this complaint is for Taobao.")


def test_the_same_listing_twice_anywhere_in_the_file_names_the_first_line(holder, mark):
    listing = make_listing("taobao")
    mobile = listing.url.replace("item.taobao.com", "m.taobao.com")  # another address of the same listing
    rows = [row(url=make_listing("taobao").url), row(url=listing.url), row(reason="trademark_misuse", url=mobile),
            row(url=listing.url)]

    problems = problems_of(holder, rows)

    assert problems == [(4, "url", "duplicate", "The same listing as line 3."),
                        (5, "url", "duplicate", "The same listing as line 3.")]


def test_a_listing_already_in_an_open_complaint_is_reported(holder, mark):
    listing = make_listing("taobao")
    services.complaint_file(user=holder, platform_code="taobao", ipr_id=mark.pk, reason="counterfeit",
                            urls_text=listing.url, statements=True)

    problems = problems_of(holder, [row(url=make_listing("taobao").url), row(url=listing.url)])

    assert problems == [(3, "url", "already_reported",
                         "This listing is already in one of your complaints that is still being handled.")]


def test_a_number_two_rights_share_must_be_given_as_the_rights_id(holder, mark, reviewer):
    patent = approve_ipr(make_ipr(holder, kind="patent", number="30000001"), reviewer=reviewer)
    listings = [make_listing("taobao") for _ in range(2)]

    problems = problems_of(holder, [row(url=listings[0].url)])
    result = bulk.complaint_import(user=holder, csv_file=csv_file([
        row(ipr=str(patent.pk), reason="patent_infringement", url=listings[1].url)]), statements=True)

    assert problems == [(2, "ipr", "", f"Several of your rights match: {mark.pk}: {mark}; {patent.pk}: {patent}. "
                                       "Write the id of the one you mean.")]
    assert result.complaints[0].ipr == patent


def test_checking_many_rows_of_one_complaint_takes_no_more_queries_than_two(holder, mark, django_assert_num_queries):
    def upload(count: int):
        rows = [row(url=make_listing("taobao").url) for _ in range(count)] + [row(reason="fake", url="https://x.y")]
        return csv_file(rows)

    def refused_import(csv_upload):
        with pytest.raises(jobs.ImportRefused):
            bulk.complaint_import(user=holder, csv_file=csv_upload, statements=True)

    two, many = upload(2), upload(200)
    with CaptureQueriesContext(connection) as queries:
        refused_import(two)
    with django_assert_num_queries(len(queries.captured_queries)):
        refused_import(many)


def test_one_bad_row_among_good_rows_files_nothing(holder, mark):
    rows = [row(url=make_listing("taobao").url) for _ in range(3)] + [row(url="not an address")]

    problems = problems_of(holder, rows)

    assert [(line, code) for line, _column, code, _message in problems] == [(5, "invalid_url")]
    assert not Complaint.objects.exists() and not ComplaintItem.objects.exists()


def test_a_refusal_while_filing_undoes_the_complaints_filed_before_it(holder, mark, monkeypatch):
    # Another request reports the last listing between the checks and the filing.
    listings = [make_listing("taobao") for _ in range(3)]
    rows = [row(url=listings[0].url), row(platform="aliexpress", url=make_listing("aliexpress").url),
            row(url=listings[1].url), row(url=listings[2].url, reason="trademark_misuse")]
    file = bulk._file

    def racing_file(**kwargs):
        services.complaint_file(user=holder, platform_code="taobao", ipr_id=mark.pk, reason="counterfeit",
                                urls_text=listings[2].url, statements=True)
        return file(**kwargs)

    monkeypatch.setattr(bulk, "_file", racing_file)

    problems = problems_of(holder, rows)

    assert problems == [(5, "url", "already_reported",
                         "This listing is already in one of your complaints that is still being handled.")]
    assert Complaint.objects.count() == 1  # the rival complaint only


def test_missing_columns_refuse_the_file_before_any_row_is_checked(holder, mark):
    upload = csv_file([row(url=make_listing("taobao").url)], columns=("platform", "ipr", "link"))

    problems = problems_of(holder, upload=upload)

    assert problems == [(1, "", "", "Unknown columns: link. The columns are: platform, ipr, reason, url, description."),
                        (1, "", "", "Missing columns: reason, url. Add them (see the example CSV).")]


def test_more_rows_than_the_limit_are_refused_with_the_limit(holder, mark, settings):
    settings.IPP_COMPLAINT_IMPORT_MAX_ROWS = 2

    problems = problems_of(holder, [row(url=make_listing("taobao").url) for _ in range(3)])

    assert problems == [(None, "", "", "The CSV file has 3 rows; at most 2 can be imported at once. Split it into "
                                       "several files.")]


def test_a_user_who_may_not_file_yet_or_without_the_statements_is_refused(newcomer, holder, mark):
    upload = csv_file([row(url=make_listing("taobao").url)])

    assert problems_of(newcomer, upload=upload) == [
        (None, "", "", "Your identity is not verified yet: upload a proof of identity.")]
    with pytest.raises(jobs.ImportRefused) as refused:
        bulk.complaint_import(user=holder, csv_file=upload, statements=False)
    assert str(refused.value).startswith("Make both statements")
    assert not Complaint.objects.exists()


# --- The template ------------------------------------------------------------------------------

def test_the_template_names_the_filers_authenticated_rights_and_cannot_be_filed_as_it_stands(client, holder, mark, work):
    make_ipr(holder, number="40000001")  # a draft: not offered
    client.force_login(holder)

    response = client.get(reverse("complaint_import_template"))

    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response.content.startswith("\ufeff".encode())  # Excel reads it as UTF-8
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [(r["platform"], r["ipr"], r["reason"]) for r in rows] == [
        ("alibaba", "VA 2-345-678", "pirated"), ("alibaba", "VA 2-345-678", "pirated"),
        ("taobao", "30000001", "counterfeit")]
    # Its example addresses name no listing: uploaded unchanged, it files nothing.
    problems = problems_of(holder, upload=SimpleUploadedFile("t.csv", response.content))
    assert [(line, code) for line, _column, code, _message in problems] == [
        (2, "listing_not_found"), (3, "listing_not_found"), (4, "listing_not_found")]


# --- The pages and the job ----------------------------------------------------------------------

def test_the_upload_page_explains_the_columns_and_lists_the_rights_to_name(client, holder, mark):
    client.force_login(holder)

    page = client.get(reverse("complaint_import")).content.decode()

    for column in COLUMNS:
        assert f"<code>{column}</code>" in page
    assert reverse("complaint_import_template") in page
    rights = page[page.index('id="import-rights"'):].split("</table>")[0]
    assert f"<code>{mark.pk}</code>" in rights and "<code>30000001</code>" in rights


def test_a_good_upload_is_filed_by_the_worker_and_its_page_lists_the_complaints(client, holder, mark, run_tasks):
    client.login(email=holder.email, password=PASSWORD)
    listings = [make_listing("taobao") for _ in range(2)] + [make_listing("aliexpress")]
    upload = csv_file([row(url=listings[0].url), row(url=listings[1].url),
                       row(platform="aliexpress", url=listings[2].url)])

    with run_tasks():
        response = client.post(reverse("complaint_import"), {"csv_file": upload, **statements()})

    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("complaint_import_job", args=[job.pk])
    assert (job.kind, job.status, job.records, job.csv_path) == ("complaints", "done", 2, "")
    complaints = list(Complaint.objects.order_by("pk"))
    assert job.created_ids == [c.pk for c in complaints]
    page = client.get(response["Location"]).content.decode()
    assert "hx-trigger" not in page and "Filed 2 complaints" in page
    table = page[page.index('id="import-complaints"'):].split("</table>")[0]
    for complaint, listings_count in zip(complaints, (2, 1), strict=True):
        assert f'href="{reverse("complaint_detail", args=[complaint.pk])}">{complaint.reference}</a>' in table
        assert f"<td>{complaint.platform.name}</td><td>{listings_count}</td>" in table


def test_a_refused_upload_shows_the_problems_table_and_the_form_to_try_again(client, holder, mark, run_tasks):
    client.force_login(holder)
    good = make_listing("taobao")

    with run_tasks():
        response = client.post(reverse("complaint_import"), {
            "csv_file": csv_file([row(url=good.url), row(url="https://detail.tmall.com/item.htm?id=5", reason="fake")]),
            **statements()})

    job = ImportJob.objects.get()
    assert job.status == "failed" and len(job.problems) == 2 and not Complaint.objects.exists()
    page = client.get(response["Location"]).content.decode()
    assert "Fix these 2 problems" in page
    problems = page[page.index('id="import-problems"'):].split("</table>")[0]
    assert '<tr data-line="3" data-column="reason"><td class="fw-semibold">3</td><td><code>reason</code></td>' in problems
    assert '<tr data-line="3" data-column="url" data-code="wrong_platform">' in problems
    assert "https://detail.tmall.com/item.htm?id=5" in problems
    assert 'id="import-form"' in page and 'name="good_faith_statement"' in page and "hx-trigger" not in page


def test_the_job_page_polls_and_shows_the_checking_then_the_filing(client, holder, mark, monkeypatch):
    client.force_login(holder)
    upload = csv_file([row(url=make_listing("taobao").url) for _ in range(3)])
    job = bulk.complaint_import_job_create(user=holder, csv_file=upload, statements=True)
    url = reverse("complaint_import_job", args=[job.pk])
    assert 'hx-trigger="every 1s"' in client.get(url).content.decode()
    monkeypatch.setattr(jobs, "PROGRESS_EVERY_ROWS", 1)
    seen = []
    check, file = bulk.listings_check, bulk.complaint_file

    def look(real):
        def wrapped(**kwargs):
            seen.append(client.get(url, headers={"HX-Request": "true"}).content.decode())
            return real(**kwargs)
        return wrapped

    monkeypatch.setattr(bulk, "listings_check", look(check))
    monkeypatch.setattr(bulk, "complaint_file", look(file))

    run_import_job(job.pk)

    assert "<html" not in seen[0] and "Checking the rows: 0 of 3" in seen[0] and 'aria-valuenow="0"' in seen[0]
    # The filing's own progress goes through a second connection, which this test's transaction hides.
    assert "Filing the complaints: 0 of 1" in seen[1] and 'aria-valuenow="40"' in seen[1]
    job.refresh_from_db()
    assert (job.status, job.records) == ("done", 1)
    done = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in done and 'id="import-result"' in done


def test_a_redelivered_message_files_the_complaints_once(holder, mark):
    job = bulk.complaint_import_job_create(user=holder, csv_file=csv_file([row(url=make_listing("taobao").url)]),
                                           statements=True)

    run_import_job(job.pk)
    run_import_job(job.pk)

    job.refresh_from_db()
    assert (job.status, job.attempts) == ("done", 1) and Complaint.objects.count() == 1


def test_an_upload_without_both_statements_is_refused_without_a_job(client, holder, mark):
    client.force_login(holder)

    response = client.post(reverse("complaint_import"), {"csv_file": csv_file([row(url=make_listing("taobao").url)]),
                                                         "good_faith_statement": "on"})

    assert response.status_code == 400
    assert 'id="id_accuracy_statement_errors"' in response.content.decode()
    assert not ImportJob.objects.exists()


def test_a_user_who_may_not_file_sees_why_instead_of_the_upload_form(client, newcomer):
    client.force_login(newcomer)

    assert 'id="block-reason"' in client.get(reverse("complaint_import")).content.decode()
    response = client.post(reverse("complaint_import"), {"csv_file": csv_file([row(url="https://x")]), **statements()})
    assert response.status_code == 403 and not ImportJob.objects.exists()


def test_another_users_upload_answers_like_a_missing_one(client, holder, mark, reviewer):
    job = bulk.complaint_import_job_create(user=holder, csv_file=csv_file([row(url=make_listing("taobao").url)]),
                                           statements=True)
    other = make_user("other@example.com", name="Other Brand GmbH", verified_by=reviewer)
    client.force_login(other)

    assert client.get(reverse("complaint_import_job", args=[job.pk])).status_code == 404
    assert client.get(reverse("complaint_import_job", args=[job.pk]), headers={"HX-Request": "true"}).status_code == 404
    assert 'id="import-jobs"' not in client.get(reverse("complaint_import")).content.decode()
    # Nor is an import of rights reached through the complaints' page, even by its owner.
    client.force_login(holder)
    rights_job = ImportJob.objects.create(owner=holder, kind="ipr")
    assert client.get(reverse("complaint_import_job", args=[rights_job.pk])).status_code == 404


def test_the_sweep_sends_a_lost_upload_to_the_complaints_worker(holder, monkeypatch):
    sent = []
    monkeypatch.setattr(jobs, "enqueue", lambda task, *args: sent.append((task, *args)))
    lost = ImportJob.objects.create(owner=holder, kind="complaints", csv_path="imports/x/complaints.csv")
    ImportJob.objects.filter(pk=lost.pk).update(created_at=timezone.now() - dt.timedelta(minutes=30))

    assert jobs.import_jobs_resend_sweep(as_of=timezone.now()) == 1
    assert sent == [("complaints.tasks.run_import_job", lost.pk)]
