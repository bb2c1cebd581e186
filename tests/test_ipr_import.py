"""Bulk import of IP rights from a CSV and a ZIP: all rows or none, every problem with its line."""

import csv
import datetime as dt
import io
import os
import zipfile

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import User
from ipp import bulk as jobs
from ipp import workdays
from ipp.models import Document, ImportJob
from ipr import bulk, services
from ipr.models import IPR, Attachment, IPREvent
from ipr.tasks import run_import_job

from .conftest import PASSWORD, checked_pdf, make_user, pdf_bytes, png_bytes, wait_for

pytestmark = pytest.mark.django_db

TODAY = workdays.today_in_china()
PAST = (TODAY - dt.timedelta(days=900)).isoformat()
FUTURE = (TODAY + dt.timedelta(days=2000)).isoformat()


# --- Building the two files ------------------------------------------------------------------

def trademark(**cells) -> dict:
    return {"kind": "trademark", "name": "ACME", "number": "TM-1001", "jurisdiction": "CN", "owner": "Acme Ltd",
            "registered_on": PAST, "expires_on": FUTURE, "nice_classes": "25: Clothing, footwear; 18: Bags; wallets",
            "certificate": "tm-1001.pdf", "attachments": "tm-1001-classes.pdf", **cells}


def patent(**cells) -> dict:
    return {"kind": "patent", "name": "Folding hinge", "number": "ZL201920123456.7", "jurisdiction": "cn",
            "owner": "ACME LTD.", "registered_on": PAST, "expires_on": FUTURE, "patent_type": "Utility model",
            "certificate": "patent.pdf", "attachments": "evaluation.pdf", **cells}


def copyright_(**cells) -> dict:
    return {"kind": "copyright", "name": "Panda artwork", "number": "2021-F-00012345", "jurisdiction": "CN",
            "owner": "Acme Ltd", "work_kind": "artwork", "certificate": "copyright.png",
            "attachments": "panda-1.png; panda-2.png", "submit": "no", **cells}


def other(**cells) -> dict:
    return {"kind": "other", "name": "Geographical indication", "number": "GI-77", "jurisdiction": "EU",
            "owner": "Acme Ltd", "registered_on": PAST, "expires_on": FUTURE, "certificate": "docs/gi.pdf", **cells}


DOCUMENTS = {
    "tm-1001.pdf": pdf_bytes(), "tm-1001-classes.pdf": pdf_bytes(), "patent.pdf": pdf_bytes(),
    "evaluation.pdf": pdf_bytes(), "copyright.png": png_bytes(), "panda-1.png": png_bytes(color="black"),
    "panda-2.png": png_bytes(color="white"), "docs/gi.pdf": pdf_bytes(), "letter.pdf": pdf_bytes(),
}


def csv_file(rows: list[dict], *, columns=None, encoding="utf-8", delimiter=",") -> SimpleUploadedFile:
    columns = columns or bulk.COLUMN_NAMES
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", delimiter=delimiter, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return SimpleUploadedFile("rights.csv", out.getvalue().encode(encoding), content_type="text/csv")


def zip_file(files: dict[str, bytes] | None = None, *, compression=zipfile.ZIP_DEFLATED) -> SimpleUploadedFile:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=compression) as archive:
        for name, content in (DOCUMENTS if files is None else files).items():
            archive.writestr(name, content)
    return SimpleUploadedFile("documents.zip", out.getvalue(), content_type="application/zip")


def problems_of(user, rows=None, *, csv_upload=None, zip_upload=None) -> list[str]:
    with pytest.raises(bulk.ImportRefused) as refused:
        bulk.ipr_import(user=user, csv_file=csv_upload or csv_file(rows), zip_file=zip_upload or zip_file())
    return [str(problem) for problem in refused.value.problems]


def stored_files() -> set[str]:
    root = settings.STORAGES["default"]["OPTIONS"]["location"]
    return {os.path.join(folder, name) for folder, _dirs, names in os.walk(root) for name in names}


@pytest.fixture
def agent(reviewer):
    return make_user("agent@example.com", name="Brand Guard Agency", category=User.RegistrantCategory.ENTITY,
                     identity=User.Identity.AGENT, verified_by=reviewer)


# --- A good import -----------------------------------------------------------------------------

def test_a_catalogue_of_every_kind_is_imported_with_its_documents_and_submitted(holder):
    files_before = stored_files()

    result = bulk.ipr_import(user=holder, csv_file=csv_file([trademark(), patent(), copyright_(), other()]),
                             zip_file=zip_file())

    assert (len(result.records), result.submitted, result.drafts) == (4, 3, 1)
    records = {ipr.kind: ipr for ipr in IPR.objects.filter(filed_by=holder)}
    tm, pt, cr, ot = (records[kind] for kind in ("trademark", "patent", "copyright", "other"))
    for submitted in (tm, pt, ot):
        assert submitted.status == IPR.Status.PENDING
        assert submitted.due_on == workdays.due_date(submitted.submitted_at, settings.IPP_REVIEW_DUE_WORKING_DAYS)
        assert submitted.events.filter(action=IPREvent.Action.SUBMITTED).exists()
    assert cr.status == IPR.Status.DRAFT and cr.due_on is None
    assert [(c.number, c.goods_services) for c in tm.classes.all()] == [(18, "Bags; wallets"), (25, "Clothing, footwear")]
    assert (tm.registered_on.isoformat(), tm.expires_on.isoformat()) == (PAST, FUTURE)
    assert (pt.patent_type, pt.jurisdiction, cr.work_kind, ot.jurisdiction) == ("utility_model", "CN", "artwork", "EU")
    assert tm.certificate.original_name == "tm-1001.pdf" and ot.certificate.original_name == "gi.pdf"
    assert list(tm.attachments.values_list("role", flat=True)) == [Attachment.Role.CLASS_PAGES]
    assert list(pt.attachments.values_list("role", flat=True)) == [Attachment.Role.EVALUATION_REPORT]
    assert sorted(a.document.original_name for a in cr.attachments.all()) == ["panda-1.png", "panda-2.png"]
    # 4 certificates and 4 attachments, each a file in storage (images with a thumbnail too).
    assert Document.objects.filter(owner=holder, purpose=Document.Purpose.CERTIFICATE).count() == 8
    assert len(stored_files() - files_before) == 8 + 3


def test_the_example_csv_imports_as_it_stands_once_its_files_are_zipped(client, holder):
    client.login(email=holder.email, password=PASSWORD)
    response = client.get(reverse("ipr_import_template"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    content = response.content
    assert content.startswith("\ufeff".encode())  # Excel reads it as UTF-8
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    names = {name.strip() for row in rows for name in f"{row['certificate']};{row['attachments']}".split(";") if name.strip()}
    files = {name: png_bytes() if name.endswith(".png") else pdf_bytes() for name in names}

    result = bulk.ipr_import(user=holder, csv_file=SimpleUploadedFile("example.csv", content), zip_file=zip_file(files))

    assert len(result.records) == len(rows) == 3


def test_excel_files_in_utf8_with_bom_in_gb18030_and_with_semicolons_are_read(holder):
    chinese = trademark(name="熊猫", number="TM-中文", certificate="证书.pdf", attachments="")
    files = {"证书.pdf": pdf_bytes()}
    bulk.ipr_import(user=holder, csv_file=csv_file([chinese], encoding="gb18030"), zip_file=zip_file(files))
    bom = SimpleUploadedFile("r.csv", b"\xef\xbb\xbf" + csv_file([trademark(number="TM-2", attachments="")]).read())
    bulk.ipr_import(user=holder, csv_file=bom, zip_file=zip_file())
    bulk.ipr_import(user=holder, csv_file=csv_file([patent()], delimiter=";"), zip_file=zip_file())

    assert set(IPR.objects.filter(filed_by=holder).values_list("number", flat=True)) == {
        "TM-中文", "TM-2", "ZL201920123456.7"}


def test_zip_names_written_by_chinese_windows_and_paths_are_found_by_file_name(holder):
    out = io.BytesIO()
    gbk_name = "证书.pdf".encode("gbk")
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("X" * (len(gbk_name) - 4) + ".pdf", pdf_bytes())
        archive.writestr("../../outside/classes.pdf", pdf_bytes())
        archive.writestr("/absolute/patent.pdf", pdf_bytes())
    # Windows in China writes names in GBK without the UTF-8 flag (zipfile itself never would).
    documents = SimpleUploadedFile("d.zip", out.getvalue().replace(b"XXXX.pdf", gbk_name))
    rows = [trademark(certificate="证书.pdf", attachments="classes.pdf"), patent(attachments="")]

    result = bulk.ipr_import(user=holder, csv_file=csv_file(rows), zip_file=documents)

    assert len(result.records) == 2
    assert IPR.objects.get(kind="trademark").certificate.original_name == "证书.pdf"
    assert not os.path.exists(os.path.join(settings.BASE_DIR, "outside"))


# --- All or nothing ----------------------------------------------------------------------------

def test_one_bad_row_among_good_rows_imports_nothing(holder):
    files_before, documents_before = stored_files(), Document.objects.count()
    rows = [trademark(), patent(), copyright_(expires_on=""), other(expires_on="2020-01-01")]

    problems = problems_of(holder, rows)

    assert problems[0].startswith("Line 5, expires_on: This right expired on 2020-01-01")
    assert all(problem.startswith("Line 5, ") for problem in problems)
    assert not IPR.objects.filter(filed_by=holder).exists()
    assert (Document.objects.count(), stored_files()) == (documents_before, files_before)


def test_a_refusal_while_saving_undoes_the_rows_saved_before_it_and_removes_their_files(holder, monkeypatch):
    # Another request registers the last row's right between the checks and the writes.
    save = bulk._save

    def racing_save(*, user, rows, **hooks):
        services.ipr_save(user=user, kind="other", fields={
            "name": "GI", "number": "GI-77", "jurisdiction": "EU", "owner_name": "Acme Ltd",
            "registered_on": dt.date.fromisoformat(PAST), "expires_on": dt.date.fromisoformat(FUTURE)},
            certificate=checked_pdf())
        racing.update(documents=Document.objects.count(), files=stored_files(), iprs=IPR.objects.count())
        return save(user=user, rows=rows, **hooks)

    racing = {}
    monkeypatch.setattr(bulk, "_save", racing_save)

    problems = problems_of(holder, [trademark(), copyright_(), patent(), other()])

    assert problems == ["Line 5: You have already registered this right (same kind, office and number)."]
    assert IPR.objects.count() == racing["iprs"]  # the rival record only
    assert Document.objects.count() == racing["documents"]
    assert stored_files() == racing["files"]  # the certificates of lines 2-4 are gone from storage


# --- The report --------------------------------------------------------------------------------

def test_every_problem_of_every_line_is_reported_at_once_in_line_order(holder):
    rows = [
        trademark(nice_classes="25: Clothing; 46: Spaceships; 25: Hats", jurisdiction="XX"),
        patent(patent_type="gadget", expires_on="20/05/2031", registered_on="2021-02-30"),
        copyright_(attachments="", work_kind="", submit="maybe"),
        other(kind="brand", certificate=""),
        trademark(number="TM-9", name="", owner="", expires_on=PAST, registered_on=FUTURE),
        patent(number="2.01920E+11", certificate="evaluation.pdf", attachments=""),
    ]

    problems = problems_of(holder, rows)

    assert problems == [
        "Line 2, jurisdiction: “XX” is not an office: write a 2-letter country code (e.g. CN, US, DE), EU or WO.",
        "Line 2, nice_classes: Class 46 does not exist; Nice classes are 1 to 45.",
        "Line 2, nice_classes: Class 25 is listed twice; put all its goods in one entry.",
        "Line 3, registered_on: “2021-02-30” is not a real date.",
        "Line 3, expires_on: “20/05/2031” is not a date written as YYYY-MM-DD (e.g. 2031-05-20). In Excel, format "
        "the column as text, or as yyyy-mm-dd.",
        "Line 3, patent_type: “gadget” is not one of: invention, utility_model, design.",
        "Line 4, work_kind: This cell is empty; copyright rows need it (Kind of work).",
        "Line 4, attachments: This cell is empty; name at least one sample of the work (files in the ZIP, separated by “;”).",
        "Line 4, submit: “maybe” is neither yes nor no.",
        "Line 5, kind: “brand” is not a kind; write one of: trademark, patent, copyright, other.",
        "Line 5, certificate: This cell is empty; name the certificate's file in the ZIP.",
        "Line 6, name: This cell is empty; trademark rows need it (Mark (the word, or a short description of the logo)).",
        "Line 6, owner: This cell is empty; trademark rows need it (Registered owner).",
        "Line 6, registered_on: This date is in the future: a right not yet registered cannot be enforced.",
        f"Line 6, expires_on: This right expired on {PAST}; only rights in force can be registered. Upload the "
        "renewal certificate with its new expiry date.",
        "Line 6, expires_on: The expiry date must be after the registration date.",
        "Line 6, certificate: “tm-1001.pdf” is already the certificate of line 2; each record has its own certificate.",
        "Line 7, number: Excel turned this number into “2.01920E+11”. Format the column as text and type the number again.",
    ]
    assert not IPR.objects.exists()


def test_a_pending_application_is_refused(holder):
    problems = problems_of(holder, [trademark(number="Application No. 55012345")])

    assert problems == ["Line 2, number: This looks like an application or filing number. Only registered rights can "
                        "be enforced: enter the registration number from the certificate."]


def test_a_right_listed_twice_or_already_registered_is_refused(holder):
    bulk.ipr_import(user=holder, csv_file=csv_file([patent()]), zip_file=zip_file())
    rows = [trademark(), trademark(certificate="evaluation.pdf", attachments=""), patent(number=" ZL201920123456.7 ")]

    problems = problems_of(holder, rows)

    assert problems == [
        "Line 3, number: Line 2 has the same right (trademark, CN, TM-1001); each right is imported once.",
        "Line 4, number: You have already registered this right (same kind, office and number).",
    ]


def test_missing_columns_are_named_once_and_blank_lines_keep_their_numbers(holder):
    columns = [c for c in bulk.COLUMN_NAMES if c not in ("expires_on", "nice_classes")]
    upload = csv_file([trademark(), {}, trademark(number="TM-2", certificate="patent.pdf", attachments="x.pdf")],
                      columns=columns)

    problems = problems_of(holder, csv_upload=upload)

    assert problems == [
        "Line 1: Missing columns: expires_on, nice_classes. Add them (see the example CSV).",
        "Line 4, attachments: “x.pdf” is not in the ZIP.",
    ]


def test_a_file_not_in_the_zip_is_named_with_the_nearest_name(holder):
    problems = problems_of(holder, [trademark(certificate="TM-1001.PDF", attachments="tm-1001-clases.pdf")])

    assert problems == ["Line 2, attachments: “tm-1001-clases.pdf” is not in the ZIP. Did you mean “tm-1001-classes.pdf”?"]


def test_a_file_that_is_not_a_real_document_is_refused_with_its_line_and_name(holder):
    files = {**DOCUMENTS, "tm-1001.pdf": b"%PDF-1.4 garbage", "tm-1001-classes.pdf": b"MZ\x90\x00 not a pdf"}

    problems = problems_of(holder, [trademark()], zip_upload=zip_file(files))

    assert problems == [
        "Line 2, certificate: “tm-1001.pdf”: The PDF cannot be read; it may be damaged. Export it again.",
        "Line 2, attachments: “tm-1001-classes.pdf”: Only PDF, JPEG or PNG files are accepted; this file is none of them.",
    ]


def test_unknown_columns_and_rows_with_extra_cells_are_reported(holder):
    text = ",".join([*bulk.COLUMN_NAMES, "expiry"]) + "\r\n"
    row = csv_file([trademark()]).read().decode().splitlines()[1]
    upload = SimpleUploadedFile("r.csv", (text + row + ",,surplus\r\n").encode())

    problems = problems_of(holder, csv_upload=upload)

    assert problems[0].startswith("Line 1: Unknown columns: expiry. The columns are: kind, name,")
    assert problems[1].startswith("Line 2: This row has more cells than the header has columns")


# --- Refusing the files themselves -----------------------------------------------------------------

@pytest.mark.parametrize(("content", "expected"), [
    (b"", "The CSV file is empty."),
    (b"PK\x03\x04\x14\x00\x06\x00 workbook", "This is an Excel workbook (or a ZIP), not a CSV file."),
    ("kind,name\r\n".encode("utf-16"), "This is not a CSV text file."),
    (pdf_bytes(), "This does not look like an import file"),
    (",".join(bulk.COLUMN_NAMES).encode() + b"\r\n,,,\r\n", "The CSV file has its header but no rows below it."),
])
def test_a_file_that_is_not_an_import_csv_is_refused_with_one_message(holder, content, expected):
    problems = problems_of(holder, csv_upload=SimpleUploadedFile("r.csv", content))

    assert len(problems) == 1 and problems[0].startswith(expected)


def test_more_rows_than_the_limit_are_refused_before_any_is_checked(holder, settings):
    settings.IPP_IPR_IMPORT_MAX_ROWS = 2

    problems = problems_of(holder, [trademark(), patent(), other()])

    assert problems == ["The CSV file has 3 rows; at most 2 can be imported at once. Split it into several files."]


def test_a_documents_file_that_is_not_a_zip_is_refused_along_with_a_bad_csv(holder):
    problems = problems_of(holder, csv_upload=SimpleUploadedFile("r.csv", b""),
                           zip_upload=SimpleUploadedFile("d.zip", pdf_bytes()))

    assert problems[0] == "The CSV file is empty."
    assert problems[1].startswith("The documents file is not a ZIP file.")


def test_a_zip_bomb_is_refused_before_anything_is_decompressed(holder):
    bomb = zip_file({"tm-1001.pdf": b"\0" * (30 * 1024 * 1024)})

    problems = problems_of(holder, [trademark()], zip_upload=bomb)

    assert len(problems) == 1
    assert problems[0].startswith("The ZIP was refused: “tm-1001.pdf” would expand 10")
    assert problems[0].endswith("times, which no certificate does. Zip the original files again.")


def test_a_zip_whose_files_add_up_past_the_limit_is_refused(holder, monkeypatch):
    monkeypatch.setattr(bulk, "ZIP_MAX_BYTES", 5000)
    # Small enough to upload, too big once expanded, and no single file large enough to be a bomb.
    documents = zip_file({"tm-1001.pdf": b"%PDF-" + b"0" * 3000, "tm-1001-classes.pdf": b"%PDF-" + b"0" * 3000})
    assert documents.size < 5000

    problems = problems_of(holder, [trademark()], zip_upload=documents)

    assert len(problems) == 1 and problems[0].startswith("The files in the ZIP add up to more than")


def test_a_zip_declaring_more_files_than_the_limit_is_refused_before_its_directory_is_read(holder, monkeypatch):
    monkeypatch.setattr(bulk, "ZIP_MAX_FILES", 3)

    problems = problems_of(holder, [trademark()])

    assert problems == ["The ZIP holds more than 3 files; import your rights in several parts."]


# --- Who may import, and letters ---------------------------------------------------------------

def test_a_user_who_may_not_file_yet_is_refused_with_the_reason(newcomer):
    problems = problems_of(newcomer, [trademark(owner="Lin Mei")])

    assert problems == ["Your identity is not verified yet: upload a proof of identity."]
    assert not IPR.objects.exists()


def test_an_agent_must_name_the_owners_letter_to_submit_but_may_import_drafts_without(agent):
    problems = problems_of(agent, [trademark(), patent(submit="no")])

    assert problems == ["Line 2, letter: You file as an agent: to submit this right, name the owner's signed "
                        "authorisation letter (a file in the ZIP) and its term, or set submit to no and upload the "
                        "letter on the record later."]


def test_an_agent_imports_and_submits_rights_with_the_owners_letter(agent):
    term = {"letter": "letter.pdf", "letter_valid_from": TODAY.isoformat(),
            "letter_valid_until": (TODAY + dt.timedelta(days=365)).isoformat()}

    result = bulk.ipr_import(user=agent, csv_file=csv_file([trademark(**term), patent(**term)]), zip_file=zip_file())

    assert result.submitted == 2
    for ipr in result.records:
        ipr.refresh_from_db()
        assert ipr.status == IPR.Status.PENDING and ipr.letter_scope == IPR.LetterScope.ENFORCE
        assert ipr.letter.purpose == Document.Purpose.AUTHORISATION_LETTER
        assert ipr.letter_authorises(TODAY)


def test_a_letter_whose_term_has_ended_or_is_missing_is_refused(holder):
    ended = {"letter": "letter.pdf", "letter_valid_from": "2024-01-01", "letter_valid_until": "2025-01-01"}
    rows = [trademark(owner="Other Brand GmbH", **ended), patent(owner="Other Brand GmbH"),
            other(letter="letter.pdf", letter_valid_from=TODAY.isoformat(), letter_valid_until="")]

    problems = problems_of(holder, rows)

    assert problems == [
        "Line 2, letter_valid_until: This date has passed: a letter authorises only within its term.",
        "Line 3, letter: The owner “Other Brand GmbH” is not your account (“Acme Ltd”): to submit this right, name "
        "the owner's signed authorisation letter (a file in the ZIP) and its term, or set submit to no and upload "
        "the letter on the record later.",
        "Line 4, letter_valid_until: This cell is empty; a letter needs its term.",
    ]


# --- Performance -------------------------------------------------------------------------------

def test_checking_a_thousand_rows_takes_no_more_queries_than_checking_two(holder, django_assert_num_queries):
    def refused_import(count: int):
        rows = [other(number=f"GI-{n}", certificate="gi.pdf") for n in range(count)]
        rows.append(other(number="GI-last", kind="brand"))  # refused, so nothing is written
        upload = csv_file(rows)
        with pytest.raises(bulk.ImportRefused):
            bulk.ipr_import(user=holder, csv_file=upload, zip_file=zip_file({"gi.pdf": pdf_bytes()}))

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as two:
        refused_import(2)
    with django_assert_num_queries(len(two.captured_queries)):
        refused_import(1000)


# --- The pages ---------------------------------------------------------------------------------

def test_the_import_page_explains_every_column_and_offers_the_example(client, holder):
    client.login(email=holder.email, password=PASSWORD)

    response = client.get(reverse("ipr_import"))

    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="import-columns"' in page and reverse("ipr_import_template") in page
    for column in bulk.COLUMN_NAMES:
        assert f"<code>{column}</code>" in page


def test_posting_the_files_queues_a_job_and_opens_its_page(client, holder, django_capture_on_commit_callbacks):
    client.login(email=holder.email, password=PASSWORD)
    files_before = stored_files()

    with django_capture_on_commit_callbacks() as sent:
        response = client.post(reverse("ipr_import"), {"csv_file": csv_file([trademark()]), "zip_file": zip_file()})

    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("ipr_import_job", args=[job.pk])
    assert (job.owner, job.status, job.csv_name, job.zip_name) == (holder, "queued", "rights.csv", "documents.zip")
    assert len(sent) == 1  # the task, sent once the job's row is committed
    # Kept privately under names of our own, not the filer's, until the job ends.
    new_files = {os.path.relpath(path, settings.PRIVATE_ROOT) for path in stored_files() - files_before}
    assert new_files == {job.csv_path, job.zip_path}
    assert job.csv_path.startswith("imports/") and job.csv_path.endswith("/rights.csv")
    assert os.path.dirname(job.csv_path) == os.path.dirname(job.zip_path)
    assert not IPR.objects.exists()


def test_a_waiting_job_page_polls_itself_and_shows_progress_then_the_result(client, holder, monkeypatch):
    client.login(email=holder.email, password=PASSWORD)
    job = queued_job(holder, [trademark(), patent(), other()])
    url = reverse("ipr_import_job", args=[job.pk])

    page = client.get(url).content.decode()
    assert 'id="import-status"' in page and f'hx-get="{url}"' in page and 'hx-trigger="every 1s"' in page
    assert "Waiting for a worker to start the import" in page

    # What the page shows while the worker is at it, as htmx asks for it.
    monkeypatch.setattr(jobs, "PROGRESS_EVERY_ROWS", 1)
    seen = []
    check_row, save = bulk._Checker.row, services.ipr_save

    def checking(self, line, cells):
        seen.append(client.get(url, headers={"HX-Request": "true"}).content.decode())
        return check_row(self, line, cells)

    def saving(**kwargs):
        seen.append(client.get(url, headers={"HX-Request": "true"}).content.decode())
        return save(**kwargs)

    monkeypatch.setattr(bulk._Checker, "row", checking)
    monkeypatch.setattr(services, "ipr_save", saving)
    bulk.import_job_run(job_id=job.pk)

    assert "<html" not in seen[0] and 'hx-trigger="every 1s"' in seen[0]  # the part alone, still polling
    assert "Checking the rows: 0 of 3" in seen[0] and "Checking the rows: 2 of 3" in seen[2]
    assert 'aria-valuenow="0"' in seen[0] and 'aria-valuenow="26"' in seen[2]
    # Rows saved inside the import's transaction are reported through another connection, which
    # this test's own transaction hides; the page still says the phase (see the PostgreSQL test below).
    assert "Saving the 3 records" in seen[3] and 'aria-valuenow="40"' in seen[3]
    done = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in done  # finished: the polling stops
    assert 'id="import-result"' in done and "Imported 3 records: 3 submitted, 0 drafts." in done
    assert reverse("ipr_list") in done
    assert IPR.objects.filter(filed_by=holder).count() == 3


def test_posting_good_files_imports_them_and_says_how_many(client, holder, run_tasks):
    client.login(email=holder.email, password=PASSWORD)

    with run_tasks():
        response = client.post(reverse("ipr_import"), {"csv_file": csv_file([trademark(), copyright_()]),
                                                       "zip_file": zip_file()})

    job = ImportJob.objects.get()
    assert response["Location"] == reverse("ipr_import_job", args=[job.pk])
    page = client.get(response["Location"]).content.decode()
    assert "Imported 2 records: 1 submitted, 1 drafts." in page
    assert (job.status, job.records, job.submitted, job.drafts) == ("done", 2, 1, 1)
    assert IPR.objects.filter(filed_by=holder).count() == 2


def test_a_refused_import_shows_every_problem_by_line_and_the_form_to_try_again(client, holder, run_tasks):
    client.login(email=holder.email, password=PASSWORD)

    with run_tasks():
        response = client.post(reverse("ipr_import"), {
            "csv_file": csv_file([trademark(number="Application No. 1"), patent(certificate="missing.pdf")]),
            "zip_file": zip_file()})

    job = ImportJob.objects.get()
    assert job.status == "failed" and len(job.problems) == 2
    page = client.get(response["Location"]).content.decode()
    assert 'id="import-errors"' in page and "Fix these 2 problems" in page
    assert "Line 2, number: This looks like an application or filing number." in page
    assert "Line 3, certificate: “missing.pdf” is not in the ZIP." in page
    assert 'id="import-form"' in page and f'action="{reverse("ipr_import")}"' in page
    assert "hx-trigger" not in page
    assert not IPR.objects.exists()


def test_documents_that_are_not_a_zip_are_refused_at_once_without_a_job(client, holder):
    client.login(email=holder.email, password=PASSWORD)
    files_before = stored_files()

    response = client.post(reverse("ipr_import"), {"csv_file": csv_file([trademark()]),
                                                   "zip_file": SimpleUploadedFile("d.zip", pdf_bytes())})

    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="import-errors"' in page and "Fix this problem" in page
    assert "The documents file is not a ZIP file." in page
    assert not ImportJob.objects.exists() and stored_files() == files_before


def test_files_over_their_size_limit_are_refused_before_they_are_stored(holder, monkeypatch):
    monkeypatch.setattr(jobs, "CSV_MAX_BYTES", 100)
    monkeypatch.setattr(bulk, "ZIP_MAX_BYTES", 100)
    files_before = stored_files()

    with pytest.raises(bulk.ImportRefused) as refused:
        bulk.import_job_create(user=holder, csv_file=csv_file([trademark()]), zip_file=zip_file())

    assert [str(p) for p in refused.value.problems] == [
        "The CSV file is larger than 0 MB; split it into several files.",
        "The ZIP file is larger than 0 MB; import your rights in several parts."]
    assert not ImportJob.objects.exists() and stored_files() == files_before


def test_a_user_who_may_not_file_sees_why_instead_of_the_import_form(client, newcomer):
    client.login(email=newcomer.email, password=PASSWORD)

    assert 'id="block-reason"' in client.get(reverse("ipr_import")).content.decode()
    response = client.post(reverse("ipr_import"), {"csv_file": csv_file([trademark()]), "zip_file": zip_file()})
    assert response.status_code == 403 and not IPR.objects.exists() and not ImportJob.objects.exists()


def test_another_users_import_answers_like_a_missing_one(client, holder, agent):
    job = queued_job(holder, [trademark()])
    client.force_login(agent)

    assert client.get(reverse("ipr_import_job", args=[job.pk])).status_code == 404
    assert client.get(reverse("ipr_import_job", args=[job.pk]), headers={"HX-Request": "true"}).status_code == 404
    assert 'id="import-jobs"' not in client.get(reverse("ipr_import")).content.decode()


def test_the_import_page_lists_the_users_last_ten_imports(client, holder, agent):
    jobs = [queued_job(holder, [trademark()]) for _ in range(11)]
    queued_job(agent, [trademark()])
    client.force_login(holder)

    page = client.get(reverse("ipr_import")).content.decode()

    listed = page[page.index('id="import-jobs"'):].split("</ul>")[0]
    assert listed.count("<li") == 10
    assert reverse("ipr_import_job", args=[jobs[-1].pk]) in listed
    assert reverse("ipr_import_job", args=[jobs[0].pk]) not in listed


def test_polling_a_job_costs_three_queries(client, holder, django_assert_num_queries):
    job = queued_job(holder, [trademark()])
    client.force_login(holder)
    url = reverse("ipr_import_job", args=[job.pk])

    with django_assert_num_queries(3):  # the session, the user, the job
        response = client.get(url, headers={"HX-Request": "true"})

    assert response.status_code == 200 and "HX-Request" in response["Vary"]


# --- Import jobs -------------------------------------------------------------------------------

def queued_job(user, rows, *, documents=None) -> ImportJob:
    """A job as the import page queues it (its task not sent: the test runs it)."""
    return bulk.import_job_create(user=user, csv_file=csv_file(rows), zip_file=documents or zip_file())


def test_running_a_job_twice_as_a_redelivered_message_imports_once(holder):
    job = queued_job(holder, [trademark(), patent()])

    run_import_job(job.pk)
    run_import_job(job.pk)  # the broker delivered it again

    job.refresh_from_db()
    assert (job.status, job.records, job.attempts) == ("done", 2, 1)
    assert IPR.objects.filter(filed_by=holder).count() == 2
    assert bulk.import_job_run(job_id=job.pk) is None


def test_the_uploaded_files_are_deleted_when_the_job_ends_well_or_not(holder):
    files_before = stored_files()
    good, bad = queued_job(holder, [trademark()]), queued_job(holder, [patent(certificate="missing.pdf")])
    assert len(stored_files() - files_before) == 4
    folders = [os.path.join(settings.PRIVATE_ROOT, os.path.dirname(job.csv_path)) for job in (good, bad)]

    bulk.import_job_run(job_id=good.pk)
    bulk.import_job_run(job_id=bad.pk)

    good.refresh_from_db(), bad.refresh_from_db()
    assert (good.status, bad.status) == ("done", "failed")
    assert (good.csv_path, good.zip_path, bad.csv_path, bad.zip_path) == ("", "", "", "")
    left = {os.path.relpath(path, settings.PRIVATE_ROOT) for path in stored_files() - files_before}
    assert not [name for name in left if name.startswith("imports/")]
    assert not any(os.path.exists(folder) for folder in folders)  # nor their folders


def test_a_job_that_crashes_ends_in_error_with_nothing_imported(client, holder, monkeypatch, caplog):
    files_before = stored_files()
    job = queued_job(holder, [trademark(), patent(), other()])
    submit = services.ipr_submit
    calls = []

    def failing_submit(**kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("the disk is full")
        return submit(**kwargs)

    monkeypatch.setattr(services, "ipr_submit", failing_submit)

    bulk.import_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == "error" and job.finished_at is not None
    assert not IPR.objects.exists() and not Document.objects.filter(owner=holder, purpose="certificate").exists()
    assert stored_files() == files_before  # neither the records' documents nor the uploads are left
    assert f"import job {job.pk} crashed" in caplog.text
    client.force_login(holder)
    page = client.get(reverse("ipr_import_job", args=[job.pk])).content.decode()
    assert 'id="import-crashed"' in page and "nothing was imported" in page and 'id="import-form"' in page


def test_a_job_left_running_by_a_dead_worker_is_claimed_again_only_after_the_time_limit(holder):
    job = queued_job(holder, [trademark()])
    ImportJob.objects.filter(pk=job.pk).update(status="running", started_at=timezone.now(), attempts=1)

    assert bulk.import_job_run(job_id=job.pk) is None  # its worker may still be at it

    long_ago = timezone.now() - dt.timedelta(seconds=jobs.IMPORT_TIME_LIMIT + 1)
    ImportJob.objects.filter(pk=job.pk).update(started_at=long_ago)
    assert bulk.import_job_run(job_id=job.pk).status == "done"
    job.refresh_from_db()
    assert job.attempts == 2 and IPR.objects.filter(filed_by=holder).count() == 1


def test_a_job_whose_worker_died_stops_being_waited_for_once_the_time_limit_has_passed(client, holder):
    job = queued_job(holder, [trademark()])
    long_ago = timezone.now() - dt.timedelta(seconds=jobs.IMPORT_TIME_LIMIT + 1)
    ImportJob.objects.filter(pk=job.pk).update(status="running", started_at=long_ago, attempts=1)
    client.force_login(holder)

    page = client.get(reverse("ipr_import_job", args=[job.pk]), headers={"HX-Request": "true"}).content.decode()

    # Nothing of it can have been imported: "done" commits with the records.
    assert "hx-trigger" not in page and 'id="import-crashed"' in page and 'id="import-form"' in page


def test_a_job_that_took_its_worker_down_too_often_is_given_up(holder):
    files_before = stored_files()
    job = queued_job(holder, [trademark()])
    long_ago = timezone.now() - dt.timedelta(seconds=jobs.IMPORT_TIME_LIMIT + 1)
    ImportJob.objects.filter(pk=job.pk).update(status="running", started_at=long_ago, attempts=jobs.IMPORT_MAX_ATTEMPTS)

    assert bulk.import_job_run(job_id=job.pk) is None

    job.refresh_from_db()
    assert job.status == "error" and not IPR.objects.exists() and stored_files() == files_before


def test_progress_is_written_every_few_rows_not_for_each(holder, monkeypatch):
    monkeypatch.setattr(jobs, "PROGRESS_EVERY_SECONDS", 3600)
    rows = [other(number=f"GI-{n}", certificate="gi.pdf") for n in range(99)] + [other(number="GI-last", kind="brand")]
    job = queued_job(holder, rows, documents=zip_file({"gi.pdf": pdf_bytes()}))

    with CaptureQueriesContext(connection) as queries:
        bulk.import_job_run(job_id=job.pk)

    writes = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('UPDATE "ipp_importjob"')]
    # The claim; rows 0, 25, 50, 75 and 100 of the checking; the outcome; the files' names cleared.
    assert len(writes) == 1 + 5 + 1 + 1
    job.refresh_from_db()
    assert (job.status, job.processed_rows, job.total_rows) == ("failed", 100, 100)


def test_the_problems_are_written_in_the_language_the_filer_uploaded_in(holder):
    with translation.override("zh-hans"):
        job = queued_job(holder, [trademark()])

    assert job.language == "zh-hans"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_rows_saved_are_reported_to_other_connections_while_the_imports_transaction_is_open(holder, monkeypatch):
    job = queued_job(holder, [trademark(), patent(), other()])
    monkeypatch.setattr(jobs, "PROGRESS_EVERY_ROWS", 1)
    save = services.ipr_save
    seen = []

    def save_and_look(**kwargs):
        # What a web request sees, on a connection of its own, while the rows are being saved.
        other = connections.create_connection("default")
        try:
            with other.cursor() as cursor:
                cursor.execute("SELECT phase, processed_rows, total_rows FROM ipp_importjob WHERE id = %s", [job.pk])
                row = cursor.fetchone()
                cursor.execute("SELECT count(*) FROM ipr_ipr")
                seen.append((*row, cursor.fetchone()[0]))
        finally:
            other.close()
        return save(**kwargs)

    monkeypatch.setattr(services, "ipr_save", save_and_look)

    bulk.import_job_run(job_id=job.pk)

    # (phase, rows saved, rows, records committed): progress moves while nothing is committed yet.
    assert seen == [("saving", 0, 3, 0), ("saving", 1, 3, 0), ("saving", 2, 3, 0)]
    job.refresh_from_db()
    assert (job.status, job.processed_rows, job.records) == ("done", 3, 3)


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("celery_worker")
def test_a_real_worker_takes_the_job_from_redis_and_imports_it(client, holder):
    client.force_login(holder)

    response = client.post(reverse("ipr_import"), {"csv_file": csv_file([trademark(), patent()]), "zip_file": zip_file()})

    url = response["Location"]
    job = ImportJob.objects.get()
    wait_for(lambda: ImportJob.objects.filter(pk=job.pk, status="done").exists(), message="the import job to end")
    assert "Imported 2 records: 2 submitted, 0 drafts." in client.get(url).content.decode()
    assert IPR.objects.filter(filed_by=holder).count() == 2


def test_the_sweep_sends_again_a_job_nobody_started(holder, django_capture_on_commit_callbacks):
    import datetime as dt

    from django.utils import timezone

    from ipp.bulk import import_jobs_resend_sweep
    from ipp.models import ImportJob

    fresh = ImportJob.objects.create(owner=holder, kind="ipr", csv_path="imports/x/rights.csv", zip_path="imports/x/documents.zip")
    lost = ImportJob.objects.create(owner=holder, kind="ipr", csv_path="imports/y/rights.csv", zip_path="imports/y/documents.zip")
    ImportJob.objects.filter(pk=lost.pk).update(created_at=timezone.now() - dt.timedelta(minutes=30))
    assert import_jobs_resend_sweep(as_of=timezone.now(), dry_run=True) == 1
    with django_capture_on_commit_callbacks() as callbacks:
        assert import_jobs_resend_sweep(as_of=timezone.now()) == 1
    assert len(callbacks) == 1
    assert ImportJob.objects.get(pk=fresh.pk).status == "queued"
