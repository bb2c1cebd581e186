"""IPR Management through its pages: register, letter, submit, review, fix and resubmit."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from accounts.models import User
from ipr import services
from ipr.models import IPR

from .conftest import checked_pdf, complaint_items, make_user, pdf_bytes, png_bytes

pytestmark = pytest.mark.django_db

IN_TWO_YEARS = (dt.date.today() + dt.timedelta(days=730)).isoformat()


def upload(name: str, content: bytes | None = None) -> io.BytesIO:
    handle = io.BytesIO(content if content is not None else (pdf_bytes() if name.endswith(".pdf") else png_bytes()))
    handle.name = name
    return handle


def trademark_post(**overrides) -> dict:
    data = {
        "kind": "trademark", "name": "ACME", "number": "12345678", "jurisdiction": "CN", "owner_name": "Acme Ltd",
        "registered_on": "2019-05-01", "expires_on": IN_TWO_YEARS, "certificate_shows": "registered",
        "certificate": upload("certificate.pdf"), "attachments": [upload("classes.png")],
        "classes-TOTAL_FORMS": "2", "classes-INITIAL_FORMS": "0", "classes-MIN_NUM_FORMS": "1", "classes-MAX_NUM_FORMS": "1000",
        "classes-0-number": "25", "classes-0-goods_services": "Clothing, footwear, headgear",
        "classes-1-number": "", "classes-1-goods_services": "",
        "action": "submit",
    }
    data.update(overrides)
    return data


@pytest.fixture
def agent(reviewer):
    return make_user("agent@example.com", name="Brand Guard Agency", identity=User.Identity.AGENT, verified_by=reviewer)


def test_a_holder_registers_a_trademark_and_it_goes_to_review(client, holder):
    client.force_login(holder)
    response = client.post(reverse("ipr_new"), trademark_post())
    ipr = IPR.objects.get(filed_by=holder)
    assert response.status_code == 302 and response["Location"] == reverse("ipr_detail", args=[ipr.pk])
    assert ipr.status == "pending" and ipr.due_on is not None
    assert list(ipr.classes.values_list("number", "goods_services")) == [(25, "Clothing, footwear, headgear")]
    assert ipr.attachments.get().document.thumbnail  # the class pages image got a thumbnail for reviewers
    page = client.get(reverse("ipr_list")).content.decode()
    assert "ACME" in page and "Pending authentication" in page and "reviewers decide by" in page


def test_every_error_of_the_form_is_shown_at_once_and_nothing_is_saved(client, holder):
    client.force_login(holder)
    response = client.post(reverse("ipr_new"), trademark_post(
        number="Application No. 555", expires_on="2020-01-01", certificate_shows="application",
        **{"classes-0-number": "", "classes-0-goods_services": ""}))
    assert response.status_code == 400
    page = response.content.decode()
    assert "looks like an application or filing number" in page
    assert "only rights in force can be registered" in page
    assert "a pending application or filing receipt is refused" in page
    assert "Add at least one Nice class" in page
    assert not IPR.objects.exists()


def test_the_same_right_twice_gets_a_clear_message(client, holder):
    client.force_login(holder)
    client.post(reverse("ipr_new"), trademark_post())
    response = client.post(reverse("ipr_new"), trademark_post())
    assert response.status_code == 400
    assert "already registered this right" in response.content.decode()
    assert IPR.objects.count() == 1


def test_an_unverified_account_cannot_register_rights(client, newcomer):
    client.force_login(newcomer)
    page = client.get(reverse("ipr_new")).content.decode()
    assert "not verified yet" in page
    assert client.post(reverse("ipr_new"), trademark_post(owner_name="Lin Mei")).status_code == 403
    assert not IPR.objects.exists()


def test_an_agent_downloads_the_letter_uploads_it_signed_and_submits(client, agent):
    client.force_login(agent)
    client.post(reverse("ipr_new"), trademark_post(owner_name="Nike Inc"))
    ipr = IPR.objects.get(filed_by=agent)
    assert ipr.status == "draft"  # no letter yet: saved, not submitted
    detail = client.get(reverse("ipr_detail", args=[ipr.pk])).content.decode()
    assert "download the authorisation letter" in detail

    until = (dt.date.today() + dt.timedelta(days=200)).isoformat()
    response = client.get(reverse("ipr_letter_pdf", args=[ipr.pk]), {"valid_from": dt.date.today().isoformat(), "valid_until": until})
    assert response["Content-Type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Nike Inc" in text and "Brand Guard Agency" in text and until in text

    letter = {"letter": upload("signed.pdf"), "scope": "sales_only", "valid_from": dt.date.today().isoformat(), "valid_until": until}
    refused = client.post(reverse("ipr_letter_upload", args=[ipr.pk]), letter)
    assert refused.status_code == 400 and "not an authorisation to enforce" in refused.content.decode()
    letter.update(letter=upload("signed.pdf"), scope="enforce")
    assert client.post(reverse("ipr_letter_upload", args=[ipr.pk]), letter).status_code == 302
    assert client.post(reverse("ipr_submit", args=[ipr.pk])).status_code == 302
    ipr.refresh_from_db()
    assert ipr.status == "pending" and ipr.letter_valid_until.isoformat() == until


def test_a_letter_whose_term_has_ended_is_refused(client, agent):
    client.force_login(agent)
    client.post(reverse("ipr_new"), trademark_post(owner_name="Nike Inc"))
    ipr = IPR.objects.get(filed_by=agent)
    response = client.post(reverse("ipr_letter_upload", args=[ipr.pk]), {
        "letter": upload("signed.pdf"), "scope": "enforce", "valid_from": "2024-01-01", "valid_until": "2025-01-01"})
    assert response.status_code == 400 and "a letter authorises only within its term" in response.content.decode()
    ipr.refresh_from_db()
    assert ipr.letter_id is None


def test_a_failed_record_is_fixed_and_the_reviewer_sees_what_changed(client, holder, reviewer):
    client.force_login(holder)
    client.post(reverse("ipr_new"), trademark_post())
    ipr = IPR.objects.get()
    client.force_login(reviewer)
    response = client.post(reverse("review_ipr", args=[ipr.pk]), {"decision": "reject", "reason": "data_mismatch",
                                                                   "note": "The certificate says 12345679."})
    assert response.status_code == 302
    client.force_login(holder)
    page = client.get(reverse("ipr_list")).content.decode()
    assert "do not match the certificate" in page  # the reason shows on IPR Management

    edit = client.get(reverse("ipr_edit", args=[ipr.pk]))
    assert edit.status_code == 200 and "Clothing, footwear, headgear" in edit.content.decode()
    response = client.post(reverse("ipr_edit", args=[ipr.pk]), trademark_post(
        number="12345679", certificate="", attachments=[],
        **{"classes-TOTAL_FORMS": "1", "classes-INITIAL_FORMS": "1"}))
    assert response.status_code == 302
    ipr.refresh_from_db()
    assert (ipr.status, ipr.number) == ("pending", "12345679")

    client.force_login(reviewer)
    review = client.get(reverse("review_ipr", args=[ipr.pk])).content.decode()
    assert "Changed since the last submission" in review and "12345678 → 12345679" in review
    client.post(reverse("review_ipr", args=[ipr.pk]), {"decision": "approve", "note": ""})
    ipr.refresh_from_db()
    assert ipr.status == "approved" and ipr.decided_by == reviewer
    assert [e.action for e in ipr.events.order_by("at", "pk")] == [
        "created", "submitted", "failed", "created", "submitted", "approved"]


def test_changing_an_approved_record_renews_it_or_changes_nothing(client, holder, reviewer):
    ipr = services.ipr_submit(user=holder, ipr=services.ipr_save(user=holder, kind="copyright", fields=dict(
        name="Cat drawing", number="2023-F-0001", jurisdiction="CN", owner_name="Acme Ltd", work_kind="artwork"),
        certificate=checked_pdf(), attachments=[("work_sample", checked_pdf("sample.pdf"))]))
    services.ipr_approve(ipr_id=ipr.pk, reviewer=reviewer)
    client.force_login(holder)
    response = client.post(reverse("ipr_edit", args=[ipr.pk]), {
        "kind": "copyright", "name": "Cat drawing (renewed)", "number": "2023-F-0001", "jurisdiction": "CN",
        "owner_name": "Acme Ltd", "work_kind": "artwork", "certificate_shows": "registered", "action": "submit"})
    assert response.status_code == 302
    ipr.refresh_from_db()
    assert (ipr.status, ipr.name) == ("pending", "Cat drawing (renewed)")


def test_the_reviewer_sees_certificate_letter_and_data_side_by_side(client, agent, reviewer):
    ipr = services.ipr_save(user=agent, kind="trademark", fields=dict(
        name="NIKE", number="99887766", jurisdiction="US", owner_name="Nike Inc",
        registered_on=dt.date(2015, 1, 1), expires_on=dt.date.today() + dt.timedelta(days=500)),
        classes=[(25, "Shoes")], certificate=checked_pdf())
    services.ipr_upload_letter(ipr=ipr, user=agent, letter=checked_pdf("letter.pdf"), scope="enforce",
                               valid_from=dt.date.today(), valid_until=dt.date.today() + dt.timedelta(days=365))
    services.ipr_submit(ipr=ipr, user=agent)
    client.force_login(reviewer)
    queue = client.get(reverse("review_queue") + "?tab=ipr").content.decode()
    assert reverse("review_ipr", args=[ipr.pk]) in queue and "99887766" in queue
    page = client.get(reverse("review_ipr", args=[ipr.pk])).content.decode()
    ipr.refresh_from_db()
    assert reverse("document", args=[ipr.certificate_id]) in page
    assert reverse("document", args=[ipr.letter_id]) in page
    assert "Yes: enforcement scope, within its term" in page
    assert "Shoes" in page


def test_a_reviewer_withdraws_a_right_declared_invalid_and_its_items_are_held(client, holder, reviewer):
    ipr = services.ipr_submit(user=holder, ipr=services.ipr_save(user=holder, kind="patent", fields=dict(
        name="Bottle", number="ZL1", jurisdiction="CN", owner_name="Acme Ltd", patent_type="design",
        expires_on=dt.date.today() + dt.timedelta(days=400)), certificate=checked_pdf()))
    services.ipr_approve(ipr_id=ipr.pk, reviewer=reviewer)
    [item] = complaint_items(ipr, "seller_notified")
    client.force_login(reviewer)
    url = reverse("review_ipr_withdraw", args=[ipr.pk])
    client.post(url, {"note": ""})
    ipr.refresh_from_db()
    assert ipr.status == "approved"  # a withdrawal needs the decision it rests on
    client.post(url, {"note": "CNIPA invalidation decision No. 12345, 2026-10-01"})
    ipr.refresh_from_db()
    item.refresh_from_db()
    assert (ipr.status, ipr.withdrawal_reason) == ("withdrawn", "declared_invalid")
    assert (item.state, item.held_from) == ("held", "seller_notified")
    client.force_login(holder)
    assert "The right was declared invalid." in client.get(reverse("ipr_list")).content.decode()


def test_a_new_identity_document_sends_rights_withdrawn_for_the_old_one_back_to_review(holder, reviewer):
    from accounts import services as account_services

    from .conftest import checked_png

    ipr = services.ipr_submit(user=holder, ipr=services.ipr_save(user=holder, kind="copyright", fields=dict(
        name="Logo", number="2020-F-1", jurisdiction="CN", owner_name="Acme Ltd", work_kind="artwork"),
        certificate=checked_pdf(), attachments=[("work_sample", checked_png())]))
    services.ipr_approve(ipr_id=ipr.pk, reviewer=reviewer)
    IPR.objects.filter(pk=ipr.pk).update(status="withdrawn", withdrawal_reason="identity_expired")
    holder.identity_proofs.update(status="expired")
    proof = account_services.identity_submit(user=holder, document_kind="business_registration", document_number="N2",
                                             expires_on=None, document=checked_png())
    account_services.identity_approve(proof_id=proof.pk, reviewer=reviewer)
    ipr.refresh_from_db()
    assert ipr.status == "pending"


def test_an_approved_record_is_not_sent_back_to_review_unchanged(client, holder, reviewer):
    ipr = services.ipr_submit(user=holder, ipr=services.ipr_save(user=holder, kind="patent", fields=dict(
        name="Lamp", number="ZL9", jurisdiction="CN", owner_name="Acme Ltd", patent_type="invention",
        expires_on=dt.date.today() + dt.timedelta(days=400)), certificate=checked_pdf()))
    services.ipr_approve(ipr_id=ipr.pk, reviewer=reviewer)
    client.force_login(holder)
    client.post(reverse("ipr_submit", args=[ipr.pk]))
    ipr.refresh_from_db()
    assert ipr.status == "approved"


def test_a_letter_left_over_after_the_owner_became_the_filer_is_dropped(agent):
    ipr = services.ipr_save(user=agent, kind="patent", fields=dict(
        name="Lamp", number="ZL9", jurisdiction="CN", owner_name="Nike Inc", patent_type="invention",
        expires_on=dt.date.today() + dt.timedelta(days=400)), certificate=checked_pdf())
    services.ipr_upload_letter(ipr=ipr, user=agent, letter=checked_pdf("letter.pdf"), scope="enforce",
                               valid_from=dt.date.today(), valid_until=dt.date.today() + dt.timedelta(days=30))
    agent.identity = User.Identity.OWNER
    agent.save(update_fields=["identity"])
    ipr = services.ipr_save(user=agent, kind="patent", ipr=ipr, fields={"owner_name": "Brand Guard Agency"})
    assert (ipr.letter_id, ipr.letter_valid_until) == (None, None)


def test_items_on_a_right_whose_renewal_failed_are_held_too(holder, reviewer):
    from ipr.services import complaint_items_hold_sweep

    ipr = services.ipr_submit(user=holder, ipr=services.ipr_save(user=holder, kind="patent", fields=dict(
        name="Lamp", number="ZL9", jurisdiction="CN", owner_name="Acme Ltd", patent_type="invention",
        expires_on=dt.date.today() + dt.timedelta(days=400)), certificate=checked_pdf()))
    services.ipr_approve(ipr_id=ipr.pk, reviewer=reviewer)
    [item] = complaint_items(ipr, "in_review")
    services.ipr_renew(user=holder, ipr=ipr, fields={"name": "Desk lamp"})
    assert complaint_items_hold_sweep(as_of=dt.date.today()) == 0  # pending renewal: the work carries on
    services.ipr_fail(ipr_id=ipr.pk, reviewer=reviewer, reason="data_mismatch")
    assert complaint_items_hold_sweep(as_of=dt.date.today()) == 1
    item.refresh_from_db()
    assert (item.state, item.held_from) == ("held", "in_review")


def test_approving_a_right_that_expired_while_waiting_is_refused_with_the_reason_once(client, holder, reviewer):
    ipr = services.ipr_submit(user=holder, ipr=services.ipr_save(user=holder, kind="patent", fields=dict(
        name="Lamp", number="ZL9", jurisdiction="CN", owner_name="Acme Ltd", patent_type="invention",
        expires_on=dt.date.today() + dt.timedelta(days=400)), certificate=checked_pdf()))
    IPR.objects.filter(pk=ipr.pk).update(expires_on=dt.date(2026, 1, 1))
    client.force_login(reviewer)
    response = client.post(reverse("review_ipr", args=[ipr.pk]), {"decision": "approve", "note": ""})
    assert response.status_code == 400
    assert response.content.decode().count("The right expired on 2026-01-01") == 1
    ipr.refresh_from_db()
    assert ipr.status == "pending"
