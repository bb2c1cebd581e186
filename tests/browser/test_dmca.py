"""A DMCA notice without an account, driven through Chromium against the live portal.

A photographer follows the footer link, sends the form with a mistake in the listings and
a signature that is not her name, sees both explained, corrects them and gets a reference;
a reviewer finds the notice in the queue's DMCA tab and rejects it with a reason, which
the photographer receives by email.
"""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from complaints.models import DmcaNotice
from tests.browser.conftest import run_enqueued_tasks, shot
from tests.conftest import PASSWORD, make_listing, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def field(page, label: str):
    return page.get_by_label(re.compile(rf"^{re.escape(label)}( \*)?$"))


def test_a_notifier_without_an_account_sends_a_notice_and_a_reviewer_rejects_it(live_server, page):
    base = live_server.url
    poster = make_listing(title="Misty harbour at dawn, art print 50x70", shop_name="Print Palace")
    make_user("checker@example.com", role="reviewer")

    page.goto(f"{base}/")
    page.get_by_role("link", name="Report copyright infringement (DMCA)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Report copyright infringement (DMCA)")
    field(page, "Full legal name").fill("Mei  Tanaka")
    field(page, "Email").fill("mei@photos.example")
    field(page, "Telephone").fill("+81 3 1234 5678")
    field(page, "Postal address").fill("1-2-3 Minato, Tokyo")
    field(page, "The copyrighted work").fill("My photograph 'Misty harbour at dawn' (2023), shown at mei.example/harbour")
    field(page, "Marketplace").select_option(label="Taobao")
    field(page, "What is infringed").select_option(value="pirated")
    field(page, "Where the infringing material is").fill(f"{poster.url}\nhttps://shop123.taobao.com/")
    page.get_by_label(re.compile("^I have a good faith belief")).check()
    page.get_by_label(re.compile("^The information in this notice is accurate")).check()
    field(page, "Electronic signature").fill("M. Tanaka")
    page.get_by_role("button", name="Send the notice").click()

    expect(page.locator("#form-errors")).to_be_visible()
    expect(page.locator("#url-problems tbody tr")).to_have_count(1)
    expect(page.locator("#url-problems tbody tr[data-line='2']")).to_contain_text("not a product page")
    expect(page.locator("#id_signature_errors")).to_have_text(
        "The signature must be your full legal name exactly as given above.")
    expect(field(page, "Electronic signature")).to_have_attribute("aria-invalid", "true")
    shot(page, "dmca-form-errors")
    assert not DmcaNotice.objects.exists()

    field(page, "Where the infringing material is").fill(poster.url)
    field(page, "Electronic signature").fill("mei tanaka")
    page.get_by_label(re.compile("^I have a good faith belief")).check()
    page.get_by_label(re.compile("^The information in this notice is accurate")).check()
    page.get_by_role("button", name="Send the notice").click()
    notice = DmcaNotice.objects.select_related("complaint").get()
    expect(page.locator("#reference")).to_have_text(notice.complaint.reference)
    shot(page, "dmca-sent")
    run_enqueued_tasks()
    assert [message.to for message in mail.outbox] == [["mei@photos.example"]]

    page.goto(f"{base}/accounts/login/")
    field(page, "Email").fill("checker@example.com")
    field(page, "Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.goto(f"{base}/review/?tab=dmca")
    row = page.locator("#queue tbody tr", has_text="Mei Tanaka")
    expect(row).to_contain_text(notice.complaint.reference)
    row.get_by_role("link", name="Review").click()
    expect(page.locator("#listings")).to_contain_text("Print Palace")
    field(page, "Reason").select_option(value="contact_unreachable")
    field(page, "Note to the user").fill("The telephone number does not answer; write to us from your studio's address.")
    shot(page, "dmca-review")
    page.get_by_role("button", name="Reject with reason").click()
    expect(page.locator("#queue tbody")).not_to_contain_text("Mei Tanaka")
    notice.refresh_from_db()
    assert notice.status == "rejected"
    assert set(notice.complaint.items.values_list("state", flat=True)) == {"rejected"}
    run_enqueued_tasks()
    assert "could not be reached" in mail.outbox[-1].body
