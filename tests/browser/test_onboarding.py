"""Onboarding journeys, driven through Chromium against the live portal.

Each test is one person's journey through real pages: sign-up with the emailed code,
proof of identity, the reviewer's decision, and sign-in from known and new devices.
"""

import datetime as dt
import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import formats, timezone, translation
from playwright.sync_api import Page, expect

from accounts.models import IdentityProof, KnownDevice, ReviewStatus, User
from tests.browser.conftest import latest_code, run_enqueued_tasks, shot
from tests.conftest import PASSWORD, make_user, png_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_EMAIL = "mei.lin@example.com"
NEW_PASSWORD = "Lantern-orchard-2026"


def sign_in(page: Page, base_url: str, email: str, password: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()


def sign_out(page: Page) -> None:
    page.locator("#user-menu").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in", exact=True)).to_be_visible()


def test_new_rights_holder_signs_up_verifies_email_uploads_identity_and_reviewer_verifies_it(
    live_server, page, tmp_path
):
    base = live_server.url

    # An anonymous visitor finds the portal and registers.
    page.goto(f"{base}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Protect your intellectual property")
    shot(page, "home")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Register", exact=True).click()
    expect(page).to_have_url(re.compile(r"/accounts/signup/$"))
    shot(page, "signup")

    page.get_by_label("Email").fill(NEW_EMAIL)
    page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Password (again)").fill(NEW_PASSWORD)
    page.get_by_label("Full legal name or company name").fill("Lin Mei")
    page.get_by_label("Country or region").select_option(label="Singapore")
    page.get_by_label("IPR owner").check()
    page.get_by_label("Individual").check()
    page.get_by_label("I accept the user agreement").check()
    page.get_by_role("button", name="Sign Up").click()

    # The code entry page; the code comes by mail.
    expect(page.get_by_role("heading", name="Enter Email Verification Code")).to_be_visible()
    expect(page.get_by_text(NEW_EMAIL).first).to_be_visible()
    shot(page, "confirm-code")
    page.get_by_label("Code").fill(latest_code(NEW_EMAIL))
    page.get_by_role("button", name="Confirm").click()

    # Signed in, on the dashboard: identity not verified yet.
    expect(page).to_have_url(re.compile(r"/dashboard/$"))
    expect(page.locator("#block-reason")).to_contain_text("Your identity is not verified yet")
    expect(page.get_by_text("Not submitted")).to_be_visible()
    shot(page, "dashboard-unverified")

    # Proof of identity: a passport scan.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Identity").click()
    expect(page.get_by_role("heading", name="Proof of identity", level=1)).to_be_visible()
    passport = tmp_path / "passport.png"
    passport.write_bytes(png_bytes(640, 420, "steelblue"))
    expires = timezone.localdate() + dt.timedelta(days=3 * 365)
    page.get_by_label("Document", exact=True).select_option(label="Passport")
    page.get_by_label("Document number").fill("K98765432")
    page.get_by_label("Expiry date").fill(expires.isoformat())
    page.get_by_label("Scan or photo of the document").set_input_files(passport)
    page.get_by_role("button", name="Submit for review").click()

    expect(page.get_by_role("alert")).to_contain_text("Your proof of identity is with our reviewers")
    proof = IdentityProof.objects.get(user__email=NEW_EMAIL)
    assert proof.status == ReviewStatus.PENDING
    with translation.override("en"):
        due = formats.date_format(proof.due_on)
    expect(page.locator("#status-text")).to_have_text(f"Our reviewers will decide by {due} (3 working days).")
    expect(page.locator(".badge", has_text="Pending review").first).to_be_visible()
    shot(page, "identity-pending")
    sign_out(page)

    # A reviewer (no known devices yet: no sign-in code) works the queue.
    make_user("reviewer@example.com", role=User.Role.REVIEWER, name="Rita Reviewer")
    sign_in(page, base, "reviewer@example.com", PASSWORD)
    expect(page).to_have_url(re.compile(r"/dashboard/$"))
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Review queue").click()
    row = page.locator("#queue tbody tr", has_text=NEW_EMAIL)
    expect(row).to_contain_text("Lin Mei")
    expect(row).to_contain_text("Passport")
    expect(row).to_contain_text(proof.due_on.isoformat())
    shot(page, "review-queue")
    row.get_by_role("link", name="Review").click()

    # The uploaded scan and what the user typed, side by side.
    image = page.locator("img.ipp-doc-image")
    expect(image).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth === 640", arg=image.element_handle())
    facts = page.locator("dl.ipp-facts")
    expect(facts.locator("#entered-name")).to_have_text("Lin Mei")
    expect(facts).to_contain_text("K98765432")
    expect(facts).to_contain_text("Passport")
    with translation.override("en"):
        expect(facts).to_contain_text(formats.date_format(expires))
    shot(page, "review-identity")

    # Rejecting needs a reason.
    page.get_by_role("button", name="Reject with reason").click()
    expect(page.locator("#id_reason_errors")).to_have_text("Choose the reason for rejecting it.")
    expect(page.get_by_label("Reason")).to_have_attribute("aria-invalid", "true")
    proof.refresh_from_db()
    assert proof.status == ReviewStatus.PENDING

    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("alert")).to_contain_text("Approved. The user has been told.")
    expect(page.locator("#queue tbody")).to_contain_text("Nothing waiting. Well done.")

    proof.refresh_from_db()
    assert proof.status == ReviewStatus.VERIFIED
    assert proof.decided_by.email == "reviewer@example.com"
    assert "accounts.tasks.send_review_decision" in run_enqueued_tasks()
    [notice] = [m for m in mail.outbox if NEW_EMAIL in m.to and "verified" in m.subject]
    assert notice.subject == "[IPP] Your identity is verified"
    assert "Our reviewers verified your identity" in notice.body
    sign_out(page)

    # Same browser, same network: the new user is not asked for a code.
    sign_in(page, base, NEW_EMAIL, NEW_PASSWORD)
    expect(page).to_have_url(re.compile(r"/dashboard/$"))
    expect(page.locator("#ready")).to_have_text(
        "Your identity is verified. You can register IP rights and file complaints.")
    expect(page.locator(".badge", has_text="Verified").first).to_be_visible()
    shot(page, "dashboard-verified")


def test_demo_rights_holder_signs_in_after_seed(live_server, page):
    call_command("seed_demo", demo=True, stdout=open("/dev/null", "w"))  # noqa: SIM115
    sign_in(page, live_server.url, "holder@demo.test", "ipp-demo-2026")

    expect(page).to_have_url(re.compile(r"/dashboard/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Demo Brand Co., Ltd.")
    expect(page.locator("#ready")).to_be_visible()
    expect(page.locator(".badge", has_text="Verified").first).to_be_visible()
    shot(page, "dashboard-holder")

    page.locator("#language-menu").click()
    page.get_by_role("button", name="简体中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page).to_have_url(re.compile(r"/dashboard/$"))
    shot(page, "dashboard-zh")


def test_sign_in_from_a_new_device_asks_for_the_emailed_code(live_server, new_context):
    base = live_server.url
    reviewer = make_user("reviewer@example.com", role=User.Role.REVIEWER)
    make_user("holder@example.com", name="Acme Ltd", category=User.RegistrantCategory.ENTITY, verified_by=reviewer)

    # First sign-in ever: trusted, and this browser becomes a known device.
    laptop = new_context().new_page()
    sign_in(laptop, base, "holder@example.com", PASSWORD)
    expect(laptop.locator("#ready")).to_be_visible()
    assert KnownDevice.objects.filter(user__email="holder@example.com").count() == 1
    mail.outbox.clear()

    # Another browser (no device cookie): the password alone is not enough.
    phone = new_context().new_page()
    sign_in(phone, base, "holder@example.com", PASSWORD)
    expect(phone.get_by_role("heading", name="Enter Sign-In Code")).to_be_visible()
    code = latest_code("holder@example.com")

    wrong = "000000" if code != "000000" else "111111"
    phone.get_by_label("Code").fill(wrong)
    phone.get_by_role("button", name="Sign In").click()
    expect(phone.locator(".invalid-feedback, .alert-danger").first).to_be_visible()
    expect(phone).to_have_url(re.compile(r"/accounts/login/code/confirm/"))

    phone.get_by_label("Code").fill(code)
    phone.get_by_role("button", name="Sign In").click()
    expect(phone).to_have_url(re.compile(r"/dashboard/$"))
    expect(phone.locator("#ready")).to_be_visible()
    assert KnownDevice.objects.filter(user__email="holder@example.com").count() == 2
