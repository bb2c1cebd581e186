"""Proof of identity: submit, review, fail with a reason, fix and resubmit, expire."""

import datetime as dt
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from accounts import services
from accounts.models import AccountEvent, IdentityProof
from accounts.selectors import filing_block_reason

from .conftest import checked_png, pdf_bytes, png_bytes

FUTURE = (dt.date.today() + dt.timedelta(days=400)).isoformat()


def submit(client, **overrides):
    data = {"document_kind": "passport", "document_number": "E1234", "expires_on": FUTURE,
            "document": io.BytesIO(png_bytes())}
    data["document"].name = "passport.png"
    data.update(overrides)
    return client.post(reverse("identity"), data)


def test_until_verified_a_user_cannot_file_and_the_page_says_why(client, newcomer):
    client.force_login(newcomer)
    assert "not verified" in filing_block_reason(newcomer)
    assert "Upload your proof of identity" in client.get(reverse("dashboard")).content.decode()


def test_submitting_a_proof_puts_it_in_the_queue_due_in_three_working_days(client, newcomer):
    client.force_login(newcomer)
    response = submit(client)
    assert response.status_code == 302
    proof = IdentityProof.objects.get(user=newcomer)
    assert proof.status == "pending"
    assert proof.due_on > proof.submitted_at.date()
    assert "being reviewed" in filing_block_reason(newcomer)


def test_a_bad_upload_gets_an_error_next_to_the_field_and_nothing_is_saved(client, newcomer):
    client.force_login(newcomer)
    fake = io.BytesIO(b"MZ\x90\x00 not a document")
    fake.name = "passport.pdf"
    response = submit(client, document=fake)
    assert response.status_code == 200
    assert "Only PDF, JPEG or PNG" in response.content.decode()
    assert not IdentityProof.objects.exists()


def test_an_individual_must_give_the_expiry_date_and_it_must_be_in_the_future(client, newcomer):
    client.force_login(newcomer)
    response = submit(client, expires_on="")
    assert "Enter the expiry date" in response.content.decode()
    response = submit(client, expires_on="2020-01-01")
    assert "has expired" in response.content.decode()
    assert not IdentityProof.objects.exists()


def test_an_entity_uploads_its_registration_certificate_without_expiry(client, reviewer):
    from accounts.models import User

    from .conftest import make_user

    entity = make_user("corp@example.com", name="Corp Ltd", category=User.RegistrantCategory.ENTITY)
    client.force_login(entity)
    pdf = io.BytesIO(pdf_bytes())
    pdf.name = "licence.pdf"
    response = submit(client, document_kind="business_registration", expires_on="", document=pdf)
    assert response.status_code == 302
    assert IdentityProof.objects.get(user=entity).document.purpose == "business_registration"


def test_reviewer_verifies_and_the_user_is_told_by_email(client, newcomer, reviewer, django_capture_on_commit_callbacks):
    proof = services.identity_submit(user=newcomer, document_kind="passport", document_number="E1",
                                     expires_on=dt.date(2031, 1, 1), document=checked_png())
    client.force_login(reviewer)
    from ipp.celery import app

    app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("review_identity", args=[proof.pk]), {"decision": "approve", "note": ""})
    finally:
        app.conf.task_always_eager = False
    assert response.status_code == 302
    proof.refresh_from_db()
    assert proof.status == "verified" and proof.decided_by == reviewer
    assert filing_block_reason(newcomer) is None
    assert mail.outbox[-1].to == ["new@example.com"]
    assert "verified" in mail.outbox[-1].subject


def test_rejecting_needs_a_reason_from_the_list(client, newcomer, reviewer):
    proof = services.identity_submit(user=newcomer, document_kind="passport", document_number="E1",
                                     expires_on=dt.date(2031, 1, 1), document=checked_png())
    client.force_login(reviewer)
    response = client.post(reverse("review_identity", args=[proof.pk]), {"decision": "reject", "reason": ""})
    assert response.status_code == 400
    assert "Choose the reason" in response.content.decode()
    proof.refresh_from_db()
    assert proof.status == "pending"


def test_failed_proof_shows_the_reason_and_can_be_fixed_and_resubmitted(client, newcomer, reviewer):
    proof = services.identity_submit(user=newcomer, document_kind="passport", document_number="WRONG",
                                     expires_on=dt.date(2031, 1, 1), document=checked_png())
    services.identity_reject(proof_id=proof.pk, reviewer=reviewer, reason="data_mismatch", note="Number differs")
    client.force_login(newcomer)
    page = client.get(reverse("identity")).content.decode()
    assert "does not match the document" in page and "Number differs" in page
    assert 'value="WRONG"' in page  # the form comes back filled in
    assert submit(client, document_number="E1234").status_code == 302
    new = IdentityProof.objects.filter(user=newcomer).first()
    assert new.status == "pending" and new.pk != proof.pk
    # The reviewer sees what changed since the failed submission.
    client.force_login(reviewer)
    review = client.get(reverse("review_identity", args=[new.pk])).content.decode()
    assert "WRONG → E1234" in review


def test_a_second_decision_on_the_same_proof_is_a_conflict_not_a_silent_change(newcomer, reviewer):
    proof = services.identity_submit(user=newcomer, document_kind="passport", document_number="E1",
                                     expires_on=dt.date(2031, 1, 1), document=checked_png())
    services.identity_approve(proof_id=proof.pk, reviewer=reviewer)
    with pytest.raises(services.ReviewConflict):
        services.identity_reject(proof_id=proof.pk, reviewer=reviewer, reason="other", note="late")
    proof.refresh_from_db()
    assert proof.status == "verified"


def test_every_status_change_is_kept_as_history(newcomer, reviewer):
    proof = services.identity_submit(user=newcomer, document_kind="passport", document_number="E1",
                                     expires_on=dt.date(2031, 1, 1), document=checked_png())
    services.identity_reject(proof_id=proof.pk, reviewer=reviewer, reason="illegible", note="blurry")
    actions = list(AccountEvent.objects.filter(user=newcomer).order_by("pk").values_list("action", "actor__email", "reason"))
    assert actions[-2:] == [("identity_submitted", "new@example.com", ""), ("identity_failed", "reviewer@example.com", "illegible")]


def test_the_expiry_sweep_withdraws_verification_once_and_is_idempotent(holder, reviewer, newcomer, capsys):
    proof = services.identity_submit(user=newcomer, document_kind="passport", document_number="E1",
                                     expires_on=dt.date(2027, 3, 1), document=checked_png())
    services.identity_approve(proof_id=proof.pk, reviewer=reviewer)
    call_command("run_sweeps", "--as-of", "2027-03-02", "--dry-run")
    assert "would change 1" in capsys.readouterr().out
    proof.refresh_from_db()
    assert proof.status == "verified"
    call_command("run_sweeps", "--as-of", "2027-03-02T09:00:00+08:00")
    assert "changed 1" in capsys.readouterr().out
    call_command("run_sweeps", "--as-of", "2027-03-02T09:00:00+08:00")
    assert "changed 0" in capsys.readouterr().out
    proof.refresh_from_db()
    assert proof.status == "expired"
    assert "expired" in filing_block_reason(newcomer)
    assert filing_block_reason(holder) is None  # a certificate without an end date never expires
    assert AccountEvent.objects.filter(user=newcomer, action="identity_expired").count() == 1


def test_run_sweeps_rejects_a_malformed_date():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="ISO-8601"):
        call_command("run_sweeps", "--as-of", "next tuesday")


def test_a_verified_user_renews_its_document_and_keeps_filing_while_the_renewal_is_reviewed(client, holder, reviewer):
    client.force_login(holder)
    pdf = io.BytesIO(pdf_bytes())
    pdf.name = "renewed-licence.pdf"
    assert submit(client, document_kind="business_registration", expires_on="", document=pdf).status_code == 302
    renewal = IdentityProof.objects.filter(user=holder, status="pending").get()
    assert filing_block_reason(holder) is None
    services.identity_approve(proof_id=renewal.pk, reviewer=reviewer)
    assert list(IdentityProof.objects.filter(user=holder).values_list("status", flat=True)) == ["verified", "expired"]
    assert filing_block_reason(holder) is None


def test_a_second_submission_while_one_is_pending_is_a_named_error_not_a_crash(newcomer):
    services.identity_submit(user=newcomer, document_kind="passport", document_number="E1",
                             expires_on=dt.date(2031, 1, 1), document=checked_png())
    with pytest.raises(services.AlreadyPending):
        services.identity_submit(user=newcomer, document_kind="passport", document_number="E2",
                                 expires_on=dt.date(2031, 1, 1), document=checked_png())
    assert IdentityProof.objects.filter(user=newcomer).count() == 1


def test_the_dashboard_shows_a_renewing_user_as_verified_with_the_renewal_under_review(client, holder):
    services.identity_submit(user=holder, document_kind="business_registration", document_number="N2",
                             expires_on=None, document=checked_png())
    client.force_login(holder)
    page = client.get(reverse("dashboard")).content.decode()
    assert "Verified" in page and "renewal under review" in page
    assert 'id="block-reason"' not in page
