"""Hostile uploads through the real pages: each gets a clear error next to its field, and nothing is stored.

The checker itself is tested in test_uploads.py; here every file a user can upload goes through the page
that takes it — the proof of identity, an IP right's certificate, a complaint's evidence, a seller's
counter-notice evidence — and the IPR import's ZIP through its page and its job. Each upload is sent as a
browser sends it (a multipart body written here, so file names reach the server exactly as given, path
tricks included). "Nothing is stored" means no new Document row, no new file in the private storage, and
no record the upload belonged to.
"""

import datetime as dt
import io
import os
import re
import zipfile
import zlib
from functools import cache

import pytest
from django.conf import settings
from django.urls import reverse
from pypdf import PdfReader

from accounts.models import IdentityProof
from complaints import services as complaint_services
from complaints.models import Complaint, CounterNotice
from ipp.models import Document, ImportJob
from ipr.models import IPR

from .conftest import PASSWORD, approve_ipr, make_ipr, make_listing, pdf_bytes, png_bytes

pytestmark = pytest.mark.django_db

IN_TWO_YEARS = (dt.date.today() + dt.timedelta(days=730)).isoformat()


# --- Hostile files -----------------------------------------------------------------------------------

def handmade_pdf(*objects: bytes) -> bytes:
    """A one-page PDF written byte by byte: ``objects`` are numbered from 1 (1 the catalog, 2 the page tree,
    3 the page), with a correct cross-reference table, so a reader takes it as it stands."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


CATALOG, PAGES = b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842]%s >>"


def pdf_running_javascript_on_open() -> bytes:
    return handmade_pdf(b"<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>",
                        PAGES, PAGE % b"")


def pdf_with_a_link_that_launches_a_program() -> bytes:
    return handmade_pdf(CATALOG, PAGES, PAGE % b" /Annots [4 0 R]",
                        b"<< /Type /Annot /Subtype /Link /Rect [0 0 595 842] /A << /S /Launch /F (cmd.exe) >> >>")


def pdf_running_a_script_when_its_page_opens_written_with_escaped_names() -> bytes:
    # "/J#61vaScript" is the name /JavaScript and "/J#53" the name /JS: the same PDF to every reader.
    return handmade_pdf(CATALOG, PAGES, PAGE % b" /AA << /O << /S /J#61vaScript /J#53 (app.alert(1)) >> >>")


def pdf_with_a_launch_link_written_with_escaped_names() -> bytes:
    return handmade_pdf(CATALOG, PAGES, PAGE % b" /Annots [4 0 R]",
                        b"<< /Type /Annot /Subtype /Link /Rect [0 0 595 842] /A << /S /L#61unch /F (cmd.exe) >> >>")


def pdf_running_a_script_from_a_page_kept_in_a_compressed_object_stream() -> bytes:
    """PDF 1.5: the page (object 3) sits in a deflated object stream (4), found through a cross-reference
    stream (5); its script is in no byte of the file as written."""
    page = PAGE % b" /AA << /O << /S /JavaScript /JS (app.alert(1)) >> >>"
    packed = zlib.compress(b"3 0 " + page)
    out, offsets = bytearray(b"%PDF-1.7\n"), {}
    for number, body in [(1, CATALOG), (2, PAGES), (4, b"<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length %d >>"
                                                        b"\nstream\n%s\nendstream" % (len(packed), packed))]:
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    offsets[5] = len(out)
    # Entries (type, offset or object stream, generation or index): free, in the file, in an object stream.
    entries = [(0, 0, 65535), (1, offsets[1], 0), (1, offsets[2], 0), (2, 4, 0), (1, offsets[4], 0), (1, offsets[5], 0)]
    table = b"".join(kind.to_bytes(1, "big") + field.to_bytes(4, "big") + last.to_bytes(2, "big")
                     for kind, field, last in entries)
    out += b"5 0 obj\n<< /Type /XRef /Size 6 /W [1 4 2] /Root 1 0 R /Length %d >>\nstream\n%s\nendstream\nendobj\n" % (
        len(table), table)
    out += b"startxref\n%d\n%%%%EOF\n" % offsets[5]
    return bytes(out)


@cache
def png_decompression_bomb() -> bytes:
    """A 10,000 × 10,000 grey PNG: about 100 KB on disk, 100 MB once decoded."""
    width = height = 10_000
    compressor = zlib.compressobj(9)
    rows = b"\x00" * (width + 1) * 1000  # each row: its filter byte, then its pixels
    data = b"".join(compressor.compress(rows) for _ in range(height // 1000)) + compressor.flush()

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return len(payload).to_bytes(4, "big") + kind + payload + zlib.crc32(kind + payload).to_bytes(4, "big")

    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 0, 0, 0, 0])
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


def over_the_limit() -> bytes:
    """A real PDF, one byte over IPP_UPLOAD_MAX_BYTES (bytes after %%EOF are allowed)."""
    content = pdf_bytes()
    return content + b"%" * (settings.IPP_UPLOAD_MAX_BYTES + 1 - len(content))


# name: (file name, content factory, what the error says)
HOSTILE = {
    "png_named_pdf": ("passport.pdf", png_bytes, "is named “passport.pdf” but its content is PNG"),
    "html_named_png": ("photo.png", lambda: b"<html><script>alert(1)</script></html>", "Only PDF, JPEG or PNG"),
    "program_named_pdf": ("scan.pdf", lambda: b"MZ\x90\x00\x03" + b"\x00" * 200, "Only PDF, JPEG or PNG"),
    "png_decompression_bomb": ("scan.png", png_decompression_bomb, "The image is too large"),
    "over_the_size_limit": ("scan.pdf", over_the_limit, "the limit is 10 MB"),
    "pdf_javascript_on_open": ("scan.pdf", pdf_running_javascript_on_open, "contains scripts"),
    "pdf_launch_link": ("scan.pdf", pdf_with_a_link_that_launches_a_program, "contains scripts"),
    "pdf_escaped_script_on_a_page": ("scan.pdf", pdf_running_a_script_when_its_page_opens_written_with_escaped_names,
                                     "contains scripts"),
    "pdf_escaped_launch_link": ("scan.pdf", pdf_with_a_launch_link_written_with_escaped_names, "contains scripts"),
    "pdf_script_in_an_object_stream": ("scan.pdf", pdf_running_a_script_from_a_page_kept_in_a_compressed_object_stream,
                                       "contains scripts"),
}


def test_the_disguised_pdfs_hide_their_scripts_from_a_search_of_the_bytes():
    """Why they are here: only a parser that decodes names and object streams sees what they do."""
    for make in (pdf_running_a_script_when_its_page_opens_written_with_escaped_names,
                 pdf_with_a_launch_link_written_with_escaped_names,
                 pdf_running_a_script_from_a_page_kept_in_a_compressed_object_stream):
        content = make()
        assert not any(marker in content for marker in (b"/JavaScript", b"/JS", b"/Launch"))
        assert len(PdfReader(io.BytesIO(content), strict=True).pages) == 1  # a well-formed PDF


# --- Posting as a browser does ----------------------------------------------------------------------

BOUNDARY = "ipp-test-boundary-7d0e"


def multipart(fields: list[tuple[str, str]], files: list[tuple[str, str, bytes]]) -> bytes:
    """A multipart/form-data body with each file's name exactly as given (Django's test client would
    reduce it to its base name before sending)."""
    out = bytearray()
    for name, value in fields:
        out += f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
    for field, filename, content in files:
        out += (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
                f"Content-Type: application/octet-stream\r\n\r\n").encode() + content + b"\r\n"
    out += f"--{BOUNDARY}--\r\n".encode()
    return bytes(out)


def post(client, url, fields, files):
    return client.post(url, multipart(fields, files), content_type=f"multipart/form-data; boundary={BOUNDARY}")


def stored_files() -> set[str]:
    root = settings.STORAGES["default"]["OPTIONS"]["location"]
    return {os.path.join(folder, name) for folder, _dirs, names in os.walk(root) for name in names}


# --- The four pages that take a document -----------------------------------------------------------------
# Each: (the user who uploads, the URL, the form's other fields, the file field, how many records it made).

@pytest.fixture
def surfaces(client, newcomer, holder, reviewer, seller):
    right = approve_ipr(make_ipr(holder, name="ACME", number="30000001"), reviewer=reviewer)
    draft = complaint_services.complaint_draft_start(user=holder, platform_code="taobao")
    complaint = complaint_services.complaint_file(
        user=holder, platform_code="taobao", ipr_id=right.pk, reason="counterfeit",
        urls_text=make_listing("taobao", shop_name="Seller Shop", owner=seller).url, statements=True)
    complaint_services.complaint_review_start(complaint_id=complaint.pk)
    notice = complaint.items.get()
    complaint_services.item_review_decide(reviewer=reviewer, item_id=notice.pk, decision="accept")
    return {
        "identity_proof": (newcomer, reverse("identity"), [
            ("document_kind", "passport"), ("document_number", "E1234"), ("expires_on", IN_TWO_YEARS)], "document",
            lambda: IdentityProof.objects.count()),
        "ipr_certificate": (holder, reverse("ipr_new"), [
            ("kind", "copyright"), ("name", "Panda artwork"), ("number", "2021-F-00012345"), ("jurisdiction", "CN"),
            ("owner_name", holder.complainant_name), ("work_kind", "artwork"), ("registered_on", "2021-05-01"),
            ("certificate_shows", "registered"), ("action", "submit"),
            ("classes-TOTAL_FORMS", "0"), ("classes-INITIAL_FORMS", "0"), ("classes-MIN_NUM_FORMS", "0"),
            ("classes-MAX_NUM_FORMS", "1000")], "certificate",
            lambda: IPR.objects.filter(name="Panda artwork").count()),
        "complaint_evidence": (holder, reverse("complaint_step", args=[draft.pk, "evidence"]), [
            ("description", "Test purchase"), ("action", "continue")], "files",
            lambda: Complaint.objects.get(pk=draft.pk).evidence.count()),
        "counter_notice_evidence": (seller, reverse("seller_notice", args=[notice.pk]), [
            ("ground", "genuine"), ("statement", "Bought from the brand's distributor."), ("perjury_statement", "on")],
            "evidence", lambda: CounterNotice.objects.count()),
    }


SURFACES = ["identity_proof", "ipr_certificate", "complaint_evidence", "counter_notice_evidence"]
# The copyright form needs a work sample besides the certificate: a good one, which must not be stored either.
EXTRA_FILES = {"ipr_certificate": [("attachments", "sample.png", png_bytes())]}


@pytest.mark.parametrize("hostile", list(HOSTILE))
@pytest.mark.parametrize("surface", SURFACES)
def test_a_hostile_upload_gets_a_clear_error_on_its_page_and_nothing_is_stored(client, surfaces, surface, hostile):
    user, url, fields, field, records = surfaces[surface]
    filename, make_content, says = HOSTILE[hostile]
    client.force_login(user)
    documents, files, made = Document.objects.count(), stored_files(), records()

    response = post(client, url, fields, [(field, filename, make_content()), *EXTRA_FILES.get(surface, [])])

    assert response.status_code in (200, 400), f"{surface}: {response.status_code}"  # the form again, with the error
    errors = re.search(rf'id="id_{field}_errors"[^>]*>(.*?)</div>', response.content.decode(), re.S)
    assert errors and says in errors.group(1).replace("&#x27;", "'").replace("&quot;", '"'), \
        f"{surface}: no error “{says}” next to the field"
    assert (Document.objects.count(), stored_files(), records()) == (documents, files, made)


def test_the_same_pages_take_a_good_file_and_store_it(client, surfaces):
    """The control of the test above: its posts are ones that store a document when the file is good."""
    for surface in SURFACES:
        user, url, fields, field, records = surfaces[surface]
        client.force_login(user)
        documents, made = Document.objects.count(), records()
        response = post(client, url, fields, [(field, "scan.pdf", pdf_bytes()), *EXTRA_FILES.get(surface, [])])
        assert response.status_code == 302, surface
        assert Document.objects.count() > documents and records() == made + 1, surface


# --- Names with path tricks: the file is kept under our name, never the uploader's ------------------------

TRICKY_NAMES = {
    "../../../../etc/cron.d/evil.png": "evil.png",
    "/etc/passwd.png": "passwd.png",
    "C:\\Windows\\System32\\evil.png": "evil.png",
    "evil\x00.png": "evil.png",
    "a" * 300 + ".png": "a" * 146 + ".png",  # 150 characters, its extension kept
    " .png": ".png",
    " ": "document",  # nothing left of it
}


@pytest.mark.parametrize("surface", SURFACES)
@pytest.mark.parametrize("name", list(TRICKY_NAMES), ids=["parent_dirs", "absolute", "windows", "nul", "long",
                                                          "dot_ext_only", "blank"])
def test_a_file_name_with_path_tricks_is_reduced_to_a_plain_name_and_the_file_stored_under_ours(
        client, surfaces, surface, name):
    user, url, fields, field, _records = surfaces[surface]
    client.force_login(user)
    before = set(Document.objects.values_list("pk", flat=True))

    response = post(client, url, fields, [(field, name, png_bytes()), *EXTRA_FILES.get(surface, [])])

    assert response.status_code == 302, f"{surface}: {response.status_code}"
    [document] = Document.objects.exclude(pk__in=before).exclude(original_name="sample.png")
    assert document.original_name == TRICKY_NAMES[name]
    assert re.fullmatch(rf"documents/{document.purpose}/{document.pk}\.png", document.file.name)
    root = os.path.realpath(settings.STORAGES["default"]["OPTIONS"]["location"])
    assert os.path.realpath(document.file.path).startswith(root + os.sep)


# --- The IPR import's ZIP, through its page and its job ----------------------------------------------------

def import_files(holder, members: dict[str, bytes], *, certificate="tm-1001.pdf"):
    csv_text = ("kind,name,number,jurisdiction,owner,registered_on,expires_on,nice_classes,certificate,attachments\r\n"
                f"trademark,ACME,TM-1001,CN,{holder.complainant_name},2022-01-01,{IN_TWO_YEARS},25: Clothing,"
                f"{certificate},tm-1001-classes.pdf\r\n")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return [("csv_file", "rights.csv", csv_text.encode()), ("zip_file", "documents.zip", out.getvalue())]


def run_import(client, holder, run_tasks, files) -> ImportJob:
    client.login(email=holder.email, password=PASSWORD)
    with run_tasks():
        response = post(client, reverse("ipr_import"), [], files)
    job = ImportJob.objects.get()
    assert response["Location"] == reverse("ipr_import_job", args=[job.pk])
    return job


def test_a_zip_bomb_posted_on_the_import_page_is_refused_and_nothing_is_stored(client, holder, run_tasks):
    documents, files = Document.objects.count(), stored_files()
    bomb = import_files(holder, {"tm-1001.pdf": b"\0" * (30 * 1024 * 1024), "tm-1001-classes.pdf": pdf_bytes()})

    job = run_import(client, holder, run_tasks, bomb)

    assert job.status == "failed"
    page = client.get(reverse("ipr_import_job", args=[job.pk])).content.decode()
    assert "The ZIP was refused: “tm-1001.pdf” would expand" in page
    assert (IPR.objects.count(), Document.objects.count(), stored_files()) == (0, documents, files)


def test_a_hostile_document_in_the_zip_is_refused_with_its_line_and_nothing_is_stored(client, holder, run_tasks):
    documents, files = Document.objects.count(), stored_files()
    members = {"tm-1001.pdf": pdf_running_a_script_when_its_page_opens_written_with_escaped_names(),
               "tm-1001-classes.pdf": pdf_bytes()}

    job = run_import(client, holder, run_tasks, import_files(holder, members))

    assert job.status == "failed"
    page = client.get(reverse("ipr_import_job", args=[job.pk])).content.decode()
    assert "Line 2, certificate: “tm-1001.pdf”: The PDF contains scripts or attachments" in page
    assert (IPR.objects.count(), Document.objects.count(), stored_files()) == (0, documents, files)


def test_zip_members_with_path_tricks_are_stored_under_our_names_inside_the_private_storage(
        client, holder, run_tasks):
    outside = os.path.join(settings.BASE_DIR, "outside")
    members = {"../../outside/tm-1001.pdf": pdf_bytes(), "/absolute/tm-1001-classes.pdf": pdf_bytes()}

    job = run_import(client, holder, run_tasks, import_files(holder, members))

    assert job.status == "done" and IPR.objects.get().certificate.original_name == "tm-1001.pdf"
    root = os.path.realpath(settings.STORAGES["default"]["OPTIONS"]["location"])
    for document in Document.objects.filter(owner=holder, purpose__in=["certificate", "attachment"]):
        assert re.fullmatch(rf"documents/{document.purpose}/{document.pk}\.pdf", document.file.name)
        assert os.path.realpath(document.file.path).startswith(root + os.sep)
    assert not os.path.exists(outside)


def test_a_zip_member_whose_name_is_only_dots_is_imported_under_a_plain_name(client, holder, run_tasks):
    members = {"docs/..": pdf_bytes(), "tm-1001-classes.pdf": pdf_bytes()}

    job = run_import(client, holder, run_tasks, import_files(holder, members, certificate=".."))

    assert job.status == "done", job.problems
    assert IPR.objects.get().certificate.original_name == "document"
