"""Onboarding journeys, driven through Chromium against the live portal.

Each test is one person's journey through real pages: sign-up with the emailed code,
proof of identity, the reviewer's decision, and sign-in from known and new devices.
"""

import datetime as dt
import io
import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from PIL import Image, ImageDraw
from playwright.sync_api import Page, expect

from accounts.models import AccountEvent, IdentityProof, KnownDevice, ReviewStatus, User
from tests.browser.conftest import latest_code, run_enqueued_tasks, shot
from tests.conftest import PASSWORD, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_EMAIL = "mei.lin@example.com"
NEW_PASSWORD = "Lantern-orchard-2026"
DASHBOARD = re.compile(r"/dashboard/$")


def passport_png(*, name: str, number: str, expires: dt.date) -> bytes:
    """A 640×420 PNG that looks enough like a passport's data page for a reviewer's screen."""
    image = Image.new("RGB", (640, 420), "#eef3f8")
    draw = ImageDraw.Draw(image)
    draw.rectangle([8, 8, 631, 411], outline="#1f3a5f", width=4)
    draw.text((32, 26), "PASSPORT · SPECIMEN", fill="#1f3a5f", font_size=28)
    draw.rectangle([32, 80, 192, 290], fill="#c9d6e3", outline="#8aa1b8", width=2)
    draw.ellipse([72, 110, 152, 190], fill="#8aa1b8")
    draw.rectangle([62, 200, 162, 290], fill="#8aa1b8")
    for row, line in enumerate([f"Name: {name}", f"Passport No.: {number}", "Nationality: SGP",
                                f"Date of expiry: {expires.isoformat()}"]):
        draw.text((220, 90 + row * 46), line, fill="#222222", font_size=22)
    mrz = f"P<SGP{name.upper().replace(' ', '<<')}".ljust(44, "<")
    draw.text((32, 330), mrz, fill="#333333", font_size=20)
    draw.text((32, 360), f"{number}<0SGP".ljust(44, "<"), fill="#333333", font_size=20)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def field(page: Page, label: str):
    """The form control labelled exactly ``label`` (a required field's label ends with " *")."""
    return page.get_by_label(re.compile(rf"^{re.escape(label)}( \*)?$"))


def nav(page: Page):
    return page.get_by_role("navigation", name="Main")


def messages(page: Page):
    return page.locator(".ipp-messages")


def sign_in(page: Page, base_url: str, email: str, password: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    field(page, "Email").fill(email)
    field(page, "Password").fill(password)
    page.get_by_role("button", name="Sign In").click()


def sign_out(page: Page) -> None:
    nav(page).locator("#user-menu").click()
    nav(page).get_by_role("button", name="Sign out").click()
    expect(nav(page).get_by_role("link", name="Sign in", exact=True)).to_be_visible()


def mails_to(email: str) -> list:
    return [message for message in mail.outbox if email in message.to]


def english_date(value: dt.date) -> str:
    """Dates on the portal's pages are ISO (Y-m-d) in every language."""
    return value.isoformat()


def test_new_rights_holder_signs_up_verifies_email_uploads_identity_and_reviewer_verifies_it(
    live_server, page, tmp_path
):
    base = live_server.url

    # An anonymous visitor finds the portal and registers.
    page.goto(f"{base}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Protect your intellectual property")
    shot(page, "home")
    nav(page).get_by_role("link", name="Register", exact=True).click()
    expect(page).to_have_url(re.compile(r"/accounts/signup/$"))
    shot(page, "signup")

    field(page, "Email").fill(NEW_EMAIL)
    field(page, "Password").fill(NEW_PASSWORD)
    field(page, "Password (again)").fill(NEW_PASSWORD)
    field(page, "Full legal name or company name").fill("Lin Mei")
    field(page, "Country or region").select_option(label="Singapore")
    page.get_by_label("IPR owner").check()
    page.get_by_label("Individual").check()
    page.get_by_label("I accept the user agreement").check()
    page.get_by_role("button", name="Sign Up").click()

    # The code entry page; the code comes by mail.
    expect(page.get_by_role("heading", name="Enter Email Verification Code")).to_be_visible()
    expect(page.get_by_role("link", name=NEW_EMAIL)).to_be_visible()
    shot(page, "confirm-code")
    page.get_by_label("Code").fill(latest_code(NEW_EMAIL))
    page.get_by_role("button", name="Confirm").click()

    # Signed in, on the dashboard: identity not verified yet.
    expect(page).to_have_url(DASHBOARD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Lin Mei")
    expect(page.locator("#block-reason")).to_contain_text("identity is not verified")
    expect(page.get_by_text("Not submitted", exact=True)).to_be_visible()
    shot(page, "dashboard-unverified")

    # Proof of identity: a scan of the passport's data page.
    nav(page).get_by_role("link", name="Identity").click()
    expect(page.get_by_role("heading", name="Proof of identity", level=1)).to_be_visible()
    expires = timezone.localdate() + dt.timedelta(days=3 * 365)
    scan = tmp_path / "passport.png"
    scan.write_bytes(passport_png(name="Lin Mei", number="K98765432", expires=expires))
    field(page, "Document").select_option(label="Passport")
    field(page, "Document number").fill("K98765432")
    field(page, "Expiry date").fill(expires.isoformat())
    field(page, "Scan or photo of the document").set_input_files(scan)
    page.get_by_role("button", name="Submit for review").click()

    expect(messages(page)).to_contain_text("reviewers")
    proof = IdentityProof.objects.get(user__email=NEW_EMAIL)
    assert proof.status == ReviewStatus.PENDING
    assert proof.due_on > timezone.localdate()
    expect(page.locator("#status-text")).to_contain_text(f"decide by {english_date(proof.due_on)}")
    expect(page.locator(".card", has_text="Current status").locator(".badge")).to_have_text("Pending review")
    shot(page, "identity-pending")
    sign_out(page)

    # A reviewer (no known devices yet, so no sign-in code) works the queue.
    make_user("reviewer@example.com", role=User.Role.REVIEWER, name="Rita Reviewer")
    sign_in(page, base, "reviewer@example.com", PASSWORD)
    expect(page).to_have_url(DASHBOARD)
    nav(page).get_by_role("link", name="Review queue").click()
    row = page.locator("#queue tbody tr", has_text=NEW_EMAIL)
    expect(row).to_contain_text("Lin Mei")
    expect(row).to_contain_text("Individual · IPR owner")
    expect(row).to_contain_text("Passport")
    expect(row).to_contain_text(proof.due_on.isoformat())
    shot(page, "review-queue")
    row.get_by_role("link", name="Review").click()

    # The uploaded scan beside what the user typed.
    image = page.locator("img.ipp-doc-image")
    expect(image).to_be_visible()
    expect(image).to_have_js_property("naturalWidth", 640)  # loaded through the private document view
    facts = page.locator("dl.ipp-facts")
    expect(facts.locator("#entered-name")).to_have_text("Lin Mei")
    expect(facts).to_contain_text("Individual · IPR owner · Singapore")
    expect(facts).to_contain_text("Passport")
    expect(facts).to_contain_text("K98765432")
    expect(facts).to_contain_text(english_date(expires))
    shot(page, "review-identity")

    # Rejecting needs a reason.
    page.get_by_role("button", name="Reject with reason").click()
    expect(page.locator("#id_reason_errors")).to_have_text("Choose the reason for rejecting it.")
    expect(field(page, "Reason")).to_have_attribute("aria-invalid", "true")
    proof.refresh_from_db()
    assert proof.status == ReviewStatus.PENDING

    page.get_by_role("button", name="Approve").click()
    expect(messages(page)).to_contain_text("Approved")
    expect(page.locator("#queue tbody tr", has_text=NEW_EMAIL)).to_have_count(0)
    expect(page.locator("#queue tbody")).to_contain_text("Nothing waiting")

    proof.refresh_from_db()
    assert proof.status == ReviewStatus.VERIFIED
    assert proof.decided_by.email == "reviewer@example.com"
    assert run_enqueued_tasks() == ["accounts.tasks.send_review_decision"]
    [notice] = [m for m in mails_to(NEW_EMAIL) if "verified" in m.subject]
    assert notice.subject == "[IPP] Your identity is verified"
    assert "verified your identity" in notice.body
    sign_out(page)

    # Same browser, same network: the password is enough, no code is mailed.
    sent_before = len(mails_to(NEW_EMAIL))
    sign_in(page, base, NEW_EMAIL, NEW_PASSWORD)
    expect(page).to_have_url(DASHBOARD)
    expect(page.locator("#ready")).to_contain_text("Your identity is verified")
    expect(page.locator("#account-facts .badge")).to_have_text("Verified")
    assert len(mails_to(NEW_EMAIL)) == sent_before
    shot(page, "dashboard-verified")


def test_demo_rights_holder_signs_in_after_seed(live_server, page):
    call_command("seed_demo", demo=True, stdout=io.StringIO())
    sign_in(page, live_server.url, "holder@demo.test", "ipp-demo-2026")

    expect(page).to_have_url(DASHBOARD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Demo Brand Co., Ltd.")
    expect(page.locator("#ready")).to_contain_text("Your identity is verified")
    expect(page.locator("#account-facts")).to_contain_text("IPR owner · Business entity")
    expect(page.locator("#account-facts .badge")).to_have_text("Verified")
    shot(page, "dashboard-holder")

    # Switch the language from the header; the page comes back in Simplified Chinese.
    expect(page.locator("html")).to_have_attribute("lang", "en")
    nav(page).locator("#language-menu").click()
    nav(page).get_by_role("button", name="简体中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page).to_have_url(DASHBOARD)
    expect(page.locator("#ready")).to_be_visible()
    shot(page, "dashboard-zh")


def test_sign_in_from_a_new_device_asks_for_the_emailed_code(live_server, new_context):
    base = live_server.url
    email = "holder@example.com"
    reviewer = make_user("reviewer@example.com", role=User.Role.REVIEWER)
    make_user(email, name="Acme Ltd", category=User.RegistrantCategory.ENTITY, verified_by=reviewer)

    # The first sign-in ever is trusted, and this browser becomes a known device.
    laptop = new_context().new_page()
    sign_in(laptop, base, email, PASSWORD)
    expect(laptop).to_have_url(DASHBOARD)
    expect(laptop.locator("#ready")).to_be_visible()
    assert KnownDevice.objects.filter(user__email=email).count() == 1
    assert mails_to(email) == []

    # Another browser (no device cookie): the password alone is not enough.
    phone = new_context().new_page()
    sign_in(phone, base, email, PASSWORD)
    expect(phone.get_by_role("heading", name="Enter Sign-In Code")).to_be_visible()
    expect(phone).to_have_url(re.compile(r"/accounts/login/code/confirm/"))
    assert AccountEvent.objects.filter(user__email=email, action=AccountEvent.Action.UNUSUAL_SIGN_IN).count() == 1
    code = latest_code(email)

    phone.get_by_label("Code").fill("000000" if code != "000000" else "111111")
    phone.get_by_role("button", name="Confirm").click()
    expect(phone.locator("#id_code_errors")).to_have_text("Incorrect code.")
    shot(phone, "signin-code-wrong")
    expect(phone).to_have_url(re.compile(r"/accounts/login/code/confirm/"))
    expect(nav(phone).get_by_role("link", name="Sign in", exact=True)).to_be_visible()  # still signed out

    phone.get_by_label("Code").fill(code)
    phone.get_by_role("button", name="Confirm").click()
    expect(phone).to_have_url(DASHBOARD)
    expect(phone.locator("#ready")).to_be_visible()
    assert KnownDevice.objects.filter(user__email=email).count() == 2
