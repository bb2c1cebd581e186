"""IP rights (issue 3), driven through Chromium against the live portal.

An agent registers an owner's trademark, downloads the authorisation letter the portal
writes, uploads the signed copy and submits; a reviewer sees certificate, letter and data
side by side and approves. A holder's patent fails with a reason, is corrected and
resubmitted, and the reviewer sees what changed before approving it.
"""

import datetime as dt
import io
import re

import pytest
from django.core import mail
from django.utils import timezone
from PIL import Image, ImageDraw
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from accounts.models import User
from ipp.workdays import today_in_china
from ipr.models import IPR, IPREvent
from tests.browser.conftest import run_enqueued_tasks, shot
from tests.conftest import PASSWORD, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AGENT_EMAIL = "agent@brandguard.example"
AGENT_NAME = "Brand Guard Agency"
OWNER = "Northwind Outdoor GmbH"
MARK_NUMBER = "58123456"
HOLDER_EMAIL = "ip@lumen.example"
HOLDER_NAME = "Lumen Optics Co., Ltd."
WRONG_PATENT_NUMBER = "ZL202320456789.1"
PATENT_NUMBER = "ZL202320456798.1"
REVIEWER_EMAIL = "reviewer@example.com"
DASHBOARD = re.compile(r"/dashboard/$")


# --- Pages ----------------------------------------------------------------------------------

def field(page, label: str):
    """The form control labelled exactly ``label`` (a required field's label ends with " *")."""
    return page.get_by_label(re.compile(rf"^{re.escape(label)}( \*)?$"))


def nav(page: Page):
    return page.get_by_role("navigation", name="Main")


def messages(page: Page):
    return page.locator(".ipp-messages")


def sign_in(page: Page, base_url: str, email: str) -> None:
    """Each person signs in once, from its first device: no emailed code is asked."""
    page.goto(f"{base_url}/accounts/login/")
    field(page, "Email").fill(email)
    field(page, "Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(DASHBOARD)


def list_row(page: Page, text: str):
    return page.locator("#iprs tbody tr", has_text=text)


def queue_row(page: Page, text: str):
    return page.locator("#queue tbody tr", has_text=text)


def open_ipr_queue(page: Page):
    nav(page).get_by_role("link", name="Review queue").click()
    page.get_by_role("link", name=re.compile(r"^IP rights")).click()
    expect(page).to_have_url(re.compile(r"/review/\?tab=ipr$"))


def expect_pdf_shown(page: Page, *, pages: int = 1) -> None:
    """Chromium's PDF viewer, in the page's document frame, has loaded the PDF (so a screenshot shows it).

    The viewer is an extension frame inside a closed shadow root: found among the page's frames,
    and its page counter read through the viewer's own (open) shadow DOM.
    """
    def is_viewer(frame) -> bool:
        return frame.url.startswith("chrome-extension://")

    viewer = next((f for f in page.frames if is_viewer(f)), None) or page.wait_for_event("framenavigated", predicate=is_viewer)
    expect(viewer.locator("viewer-page-selector input")).to_have_value(str(pages))


def mails_to(email: str) -> list:
    return [message for message in mail.outbox if email in message.to]


def pdf_text(content: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).split())


def history_line(event: IPREvent) -> re.Pattern:
    """The start of ``event``'s line in #ipr-history: when, what, who."""
    when = timezone.localtime(event.at).strftime("%Y-%m-%d %H:%M")
    return re.compile(rf"^{re.escape(when)} {re.escape(event.get_action_display())}\b.* · {re.escape(event.actor.email)}")


# --- Documents ------------------------------------------------------------------------------

def certificate_pdf(*lines: str) -> bytes:
    """A one-page PDF that reads like a certificate on the reviewer's screen."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    sheet = canvas.Canvas(out, pagesize=A4)
    sheet.setStrokeColorRGB(0.6, 0.45, 0.1)
    sheet.setLineWidth(4)
    sheet.rect(30, 30, 535, 782)
    sheet.setFont("Helvetica-Bold", 22)
    sheet.drawCentredString(297, 740, lines[0])
    sheet.setFont("Helvetica", 14)
    for row, line in enumerate(lines[1:]):
        sheet.drawString(80, 680 - row * 30, line)
    sheet.showPage()
    sheet.save()
    return out.getvalue()


def signed_letter_png(*, owner: str, agent: str, number: str) -> bytes:
    """A scan of the printed letter, signed and stamped: a 600×800 PNG."""
    image = Image.new("RGB", (600, 800), "white")
    draw = ImageDraw.Draw(image)
    draw.text((40, 40), "Authorisation Letter", fill="#111111", font_size=30)
    for row, line in enumerate([f"I/We, {owner} (the Owner),", f"authorise {agent} (the Agent)",
                                "to file IPR complaints on the Owner's behalf.", f"Trademark {number}"]):
        draw.text((40, 110 + row * 32), line, fill="#222222", font_size=20)
    for row in range(8):
        draw.line([(40, 290 + row * 28), (560, 290 + row * 28)], fill="#cccccc", width=2)
    draw.text((40, 560), "Signature / company seal:", fill="#222222", font_size=20)
    draw.line([(60, 660), (300, 630)], fill="#1a237e", width=4)  # the signature
    draw.ellipse([360, 560, 540, 740], outline="#c62828", width=6)  # the seal
    draw.text((395, 635), owner.split()[0].upper(), fill="#c62828", font_size=22)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


# --- Journeys -------------------------------------------------------------------------------

def test_an_agent_registers_an_owners_trademark_with_its_signed_letter_and_a_reviewer_approves_it(
    live_server, new_context, tmp_path
):
    base = live_server.url
    reviewer = make_user(REVIEWER_EMAIL, role=User.Role.REVIEWER, name="Rita Reviewer")
    make_user(AGENT_EMAIL, name=AGENT_NAME, identity=User.Identity.AGENT, verified_by=reviewer,
              category=User.RegistrantCategory.ENTITY)
    run_enqueued_tasks()  # the "identity verified" mail of the set-up
    mail.outbox.clear()
    today = today_in_china()
    registered, expires = today - dt.timedelta(days=2 * 365), today + dt.timedelta(days=8 * 365)
    certificate = tmp_path / "certificate.pdf"
    certificate.write_bytes(certificate_pdf(
        "Trademark Registration Certificate", f"Registration No.: {MARK_NUMBER}", "Mark: NORTHWIND",
        f"Registrant: {OWNER}", "Classes: 18, 25", f"Registered: {registered}", f"Valid until: {expires}"))

    # The agent opens IPR Management: nothing registered yet.
    agent = new_context().new_page()
    sign_in(agent, base, AGENT_EMAIL)
    nav(agent).get_by_role("link", name="IPR Management").click()
    expect(agent.get_by_role("heading", level=1)).to_have_text("IPR Management")
    expect(agent.locator("#iprs tbody")).to_contain_text("No rights registered yet")
    agent.locator("#register-ipr").click()
    expect(agent.get_by_role("heading", level=1)).to_have_text("What kind of right?")
    agent.locator("#kind-trademark").click()
    expect(agent.get_by_role("heading", level=1)).to_have_text("Register a trademark")

    # The trademark, as on the owner's certificate, with two Nice classes.
    field(agent, "Mark (the word, or a short description of the logo)").fill("NORTHWIND")
    field(agent, "Registration number").fill(MARK_NUMBER)
    field(agent, "Office or jurisdiction").select_option("CN")
    field(agent, "Registered owner").fill(OWNER)
    field(agent, "Registration date").fill(registered.isoformat())
    field(agent, "Expiry date").fill(expires.isoformat())
    rows = agent.locator("#nice-classes .ipp-class-row")
    expect(rows).to_have_count(1)
    field(rows.nth(0), "Class").select_option("25")
    field(rows.nth(0), "Goods or services, as on the certificate").fill("Clothing; footwear; headgear; outdoor jackets")
    agent.locator("#add-class").click()
    expect(rows).to_have_count(2)
    expect(field(rows.nth(1), "Class")).to_be_focused()
    field(rows.nth(1), "Class").select_option("18")
    field(rows.nth(1), "Goods or services, as on the certificate").fill("Backpacks; rucksacks; travel bags")
    agent.get_by_label("A registered right (a registration certificate or granted patent)").check()
    field(agent, "Registration certificate").set_input_files(certificate)
    shot(agent, "ipr-form-trademark")
    agent.locator("#submit-ipr").click()

    # Saved, but a draft: the agent is not the owner, and the letter is missing.
    expect(messages(agent)).to_contain_text("Saved as a draft. Before it can be submitted:")
    expect(messages(agent)).to_contain_text("You are not the owner of this right")
    expect(agent.locator("#ipr-status")).to_have_text("Draft")
    expect(agent.locator("#next-step")).to_have_text("Upload the signed authorisation letter, then submit.")
    expect(agent.locator("#problems")).to_contain_text("download the authorisation letter")
    expect(agent.locator("#submit-ipr")).to_be_disabled()
    expect(agent.locator("#ipr-classes")).to_contain_text("25 — Clothing; footwear; headgear; outdoor jackets")
    expect(agent.locator("#ipr-classes")).to_contain_text("18 — Backpacks; rucksacks; travel bags")
    expect(agent.locator("#ipr-facts")).to_contain_text("Required: not uploaded")
    ipr = IPR.objects.get(filed_by__email=AGENT_EMAIL)
    assert (ipr.status, ipr.number, ipr.owner_name) == (IPR.Status.DRAFT, MARK_NUMBER, OWNER)
    assert sorted(ipr.classes.values_list("number", flat=True)) == [18, 25]
    shot(agent, "ipr-draft-needs-letter")

    # The letter the portal wrote from the record, for the default term.
    letter = agent.locator("#letter")
    expect(letter).to_contain_text(f"“{OWNER}” must authorise you")
    with agent.expect_download() as download_info:
        letter.locator("#download-letter").click()
    download = download_info.value
    assert download.suggested_filename == f"authorisation-letter-IPR-{ipr.pk}.pdf"
    content = download.path().read_bytes()
    assert content.startswith(b"%PDF-")
    text = pdf_text(content)
    for expected in (OWNER, AGENT_NAME, MARK_NUMBER, "to file IPR complaints on the Owner's behalf"):
        assert expected in text, f"{expected!r} is not in the letter: {text[:600]}"

    # The owner signs it; the agent first picks the wrong scope and is refused.
    signed = tmp_path / "signed-letter.png"
    signed.write_bytes(signed_letter_png(owner=OWNER, agent=AGENT_NAME, number=MARK_NUMBER))
    upload = agent.locator("#letter-upload")
    field(upload, "Signed or stamped letter").set_input_files(signed)
    upload.get_by_label("To sell the owner's products only (e.g. an official retailer)").check()
    upload.locator("#upload-letter").click()
    expect(agent.locator("#id_scope_errors")).to_contain_text("An authorisation to sell is not an authorisation to enforce")
    ipr.refresh_from_db()
    assert ipr.letter_id is None
    shot(agent, "ipr-letter-sales-only-refused")

    field(upload, "Signed or stamped letter").set_input_files(signed)
    upload.get_by_label("To file IPR complaints on the owner's behalf").check()
    upload.locator("#upload-letter").click()
    expect(messages(agent)).to_contain_text("The signed letter is attached.")
    expect(agent.locator("#problems")).to_have_count(0)
    expect(agent.locator("#ipr-facts")).to_contain_text(f"{today.isoformat()} – ")
    agent.locator("#submit-ipr").click()
    expect(messages(agent)).to_contain_text("Submitted. Reviewers authenticate it within 3 working days.")
    expect(agent.locator("#ipr-status")).to_have_text("Pending authentication")
    ipr.refresh_from_db()
    assert ipr.status == IPR.Status.PENDING and ipr.letter_scope == IPR.LetterScope.ENFORCE
    expect(agent.locator("#next-step")).to_have_text(f"Nothing: reviewers decide by {ipr.due_on.isoformat()}.")
    expect(agent.locator("#letter")).to_have_count(0)  # waiting for a reviewer: nothing to change
    shot(agent, "ipr-pending")

    # The reviewer finds it in the queue and sees certificate, letter and data side by side.
    desk = new_context().new_page()
    sign_in(desk, base, REVIEWER_EMAIL)
    open_ipr_queue(desk)
    row = queue_row(desk, AGENT_NAME)
    expect(row).to_contain_text(f"Trademark {MARK_NUMBER}")
    expect(row).to_contain_text("NORTHWIND · classes 18, 25")
    expect(row).to_contain_text(f"{AGENT_EMAIL} · Authorised agent")
    expect(row).to_contain_text(ipr.due_on.isoformat())
    shot(desk, "ipr-review-queue")
    with desk.expect_response(re.compile(rf"/documents/{ipr.certificate_id}/$")) as certificate_info:
        row.get_by_role("link", name="Review").click()
    assert certificate_info.value.status == 200
    assert certificate_info.value.header_value("content-type") == "application/pdf"
    expect(desk.locator(".ipp-doc-frame")).to_have_attribute("src", re.compile(rf"^/documents/{ipr.certificate_id}/(#.*)?$"))
    expect_pdf_shown(desk)  # the certificate, in a frame beside the data
    letter_image = desk.locator("#review-letter img.ipp-doc-image")
    expect(letter_image).to_have_js_property("naturalWidth", 600)  # loaded through the private document view
    facts = desk.locator("#ipr-facts")
    expect(facts).to_contain_text(OWNER)
    expect(facts).to_contain_text(MARK_NUMBER)
    expect(facts).to_contain_text(f"{AGENT_NAME} (Authorised agent)")
    expect(desk.locator("#letter-ok")).to_have_text("Yes: enforcement scope, within its term")
    expect(desk.locator("#changes")).to_have_count(0)  # its first submission
    shot(desk, "ipr-review-trademark")
    desk.get_by_role("button", name="Approve").click()
    expect(messages(desk)).to_contain_text("Approved. The user has been told.")
    expect(queue_row(desk, AGENT_NAME)).to_have_count(0)

    assert run_enqueued_tasks() == ["ipr.tasks.send_ipr_decision"]
    [notice] = mails_to(AGENT_EMAIL)
    assert notice.subject == f"[IPP] Your right {MARK_NUMBER} is approved"
    assert "authenticated this right" in notice.body

    # The agent's IPR Management shows it approved, ready for complaints.
    nav(agent).get_by_role("link", name="IPR Management").click()
    row = list_row(agent, "NORTHWIND")
    expect(row.locator(".badge")).to_have_text("Approved")
    expect(row).to_contain_text(OWNER)
    expect(row).to_contain_text("Ready: you can file complaints with it.")
    shot(agent, "ipr-list-approved")


def test_a_failed_patent_is_corrected_resubmitted_and_the_reviewer_sees_what_changed(
    live_server, new_context, tmp_path
):
    base = live_server.url
    reviewer = make_user(REVIEWER_EMAIL, role=User.Role.REVIEWER, name="Rita Reviewer")
    make_user(HOLDER_EMAIL, name=HOLDER_NAME, category=User.RegistrantCategory.ENTITY, verified_by=reviewer)
    run_enqueued_tasks()  # the "identity verified" mail of the set-up
    mail.outbox.clear()
    today = today_in_china()
    granted, expires = today - dt.timedelta(days=300), today + dt.timedelta(days=9 * 365)
    certificate = tmp_path / "patent-certificate.pdf"
    certificate.write_bytes(certificate_pdf(
        "Certificate of Utility Model Patent", f"Patent No.: {PATENT_NUMBER}", "Title: Folding lantern with dimmer",
        f"Patentee: {HOLDER_NAME}", f"Granted: {granted}"))

    # The holder registers its own patent (no letter needed) and mistypes the number.
    holder = new_context().new_page()
    sign_in(holder, base, HOLDER_EMAIL)
    nav(holder).get_by_role("link", name="IPR Management").click()
    holder.locator("#register-ipr").click()
    holder.locator("#kind-patent").click()
    expect(holder.get_by_role("heading", level=1)).to_have_text("Register a patent")
    expect(holder.locator("#evaluation-report-hint")).to_be_visible()
    field(holder, "Patent type").select_option("utility_model")
    field(holder, "Title of the patent").fill("Folding lantern with dimmer")
    field(holder, "Patent number").fill(WRONG_PATENT_NUMBER)
    field(holder, "Office or jurisdiction").select_option("CN")
    field(holder, "Patentee (owner)").fill(HOLDER_NAME)
    field(holder, "Grant date").fill(granted.isoformat())
    field(holder, "Expiry date").fill(expires.isoformat())
    holder.get_by_label("A registered right (a registration certificate or granted patent)").check()
    field(holder, "Registration certificate").set_input_files(certificate)
    holder.locator("#submit-ipr").click()
    expect(messages(holder)).to_contain_text("Submitted. Reviewers authenticate it within 3 working days.")
    expect(holder.locator("#ipr-status")).to_have_text("Pending authentication")
    expect(holder.locator("#letter")).to_have_count(0)
    ipr = IPR.objects.get(filed_by__email=HOLDER_EMAIL)
    assert not ipr.needs_letter

    # The reviewer compares it with the certificate and fails it, with a reason and a note.
    desk = new_context().new_page()
    sign_in(desk, base, REVIEWER_EMAIL)
    open_ipr_queue(desk)
    row = queue_row(desk, HOLDER_NAME)
    expect(row).to_contain_text(f"Patent (Utility model) {WRONG_PATENT_NUMBER}")
    row.get_by_role("link", name="Review").click()
    expect_pdf_shown(desk)
    expect(desk.locator("#ipr-facts")).to_contain_text(WRONG_PATENT_NUMBER)
    expect(desk.locator("#review-letter")).to_have_count(0)
    expect(desk.locator("dl.ipp-facts").nth(1)).to_contain_text("Not provided (recommended)")
    note = f"The certificate shows {PATENT_NUMBER}: two digits of the number are swapped."
    field(desk, "Reason").select_option(label="The number, owner or dates entered do not match the certificate.")
    field(desk, "Note to the user").fill(note)
    shot(desk, "ipr-review-fail")
    desk.get_by_role("button", name="Reject with reason").click()
    expect(messages(desk)).to_contain_text("Rejected. The user has been told why.")
    expect(queue_row(desk, HOLDER_NAME)).to_have_count(0)
    assert run_enqueued_tasks() == ["ipr.tasks.send_ipr_decision"]
    [notice] = mails_to(HOLDER_EMAIL)
    assert notice.subject == f"[IPP] Your right {WRONG_PATENT_NUMBER} was not approved"
    assert "do not match the certificate" in notice.body and note in notice.body

    # The holder sees why on IPR Management and on the record.
    holder.goto(f"{base}/ipr/")
    row = list_row(holder, "Folding lantern with dimmer")
    expect(row.locator(".badge")).to_have_text("Failed")
    expect(row).to_contain_text("Correct it and submit again: The number, owner or dates entered do not match the certificate.")
    shot(holder, "ipr-list-failed")
    row.get_by_role("link", name="Folding lantern with dimmer").click()
    expect(holder.locator("#ipr-status")).to_have_text("Failed")
    expect(holder.locator("#failure")).to_contain_text("The number, owner or dates entered do not match the certificate.")
    expect(holder.locator("#failure")).to_contain_text(note)

    # It corrects the number (the certificate stays) and submits again.
    holder.locator("#edit-ipr").click()
    expect(holder.get_by_role("heading", level=1)).to_have_text("Edit Patent")
    expect(holder.locator(".alert-danger")).to_contain_text(note)
    expect(field(holder, "Patent number")).to_have_value(WRONG_PATENT_NUMBER)
    field(holder, "Patent number").fill(PATENT_NUMBER)
    shot(holder, "ipr-edit-failed")
    holder.locator("#submit-ipr").click()
    expect(messages(holder)).to_contain_text("Submitted.")
    expect(holder.locator("#ipr-status")).to_have_text("Pending authentication")
    expect(holder.locator("#ipr-facts")).to_contain_text(PATENT_NUMBER)

    # The reviewer sees what changed since the failed submission, and approves.
    open_ipr_queue(desk)
    queue_row(desk, HOLDER_NAME).get_by_role("link", name="Review").click()
    changes = desk.locator("#changes")
    expect(changes).to_contain_text("Changed since the last submission:")
    expect(changes).to_contain_text(f"Number: {WRONG_PATENT_NUMBER} → {PATENT_NUMBER}")
    expect(changes).not_to_contain_text("Certificate")  # the same file as before
    expect_pdf_shown(desk)
    shot(desk, "ipr-review-changes")
    desk.get_by_role("button", name="Approve").click()
    expect(messages(desk)).to_contain_text("Approved. The user has been told.")
    assert run_enqueued_tasks() == ["ipr.tasks.send_ipr_decision"]
    assert mails_to(HOLDER_EMAIL)[-1].subject == f"[IPP] Your right {PATENT_NUMBER} is approved"

    # Approved; the history says who did what, when and why.
    holder.goto(f"{base}/ipr/")
    expect(list_row(holder, "Folding lantern with dimmer").locator(".badge")).to_have_text("Approved")
    list_row(holder, "Folding lantern with dimmer").get_by_role("link").click()
    expect(holder.locator("#ipr-status")).to_have_text("Approved")
    events = list(IPREvent.objects.filter(ipr=ipr).select_related("actor").order_by("at", "pk"))
    assert [(e.action, e.actor.email) for e in events] == [
        ("created", HOLDER_EMAIL), ("submitted", HOLDER_EMAIL), ("failed", REVIEWER_EMAIL),
        ("created", HOLDER_EMAIL), ("submitted", HOLDER_EMAIL), ("approved", REVIEWER_EMAIL),
    ]
    lines = holder.locator("#ipr-history li")
    expect(lines).to_have_count(len(events))
    for line, event in zip(range(len(events) - 1, -1, -1), events, strict=True):  # newest first
        expect(lines.nth(line)).to_have_text(history_line(event))
    failed = lines.nth(3)
    expect(failed).to_contain_text("(Pending authentication → Failed)")
    expect(failed).to_contain_text("— The number, owner or dates entered do not match the certificate.")
    expect(failed).to_contain_text(note)
    expect(lines.nth(2)).to_contain_text("Saved as a draft (Failed → Draft)")
    expect(lines.nth(0)).to_contain_text(f"Approved (Pending authentication → Approved) · {REVIEWER_EMAIL}")
    shot(holder, "ipr-history-approved")
