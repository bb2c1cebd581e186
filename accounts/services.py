"""Every write that matters to an account: one function per intent, each with its audit row."""

import datetime as dt
import ipaddress

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ipp import workdays
from ipp.documents import CheckedUpload, document_store
from ipp.models import Document
from ipp.reviews import DecisionRefused, ReviewConflict
from ipp.tasks import enqueue

from .models import (
    AccountEvent,
    IdentityProof,
    KnownDevice,
    ReviewStatus,
    SoleAccountStatement,
    User,
)


class AlreadyPending(Exception):
    """The account already has a submission of this kind waiting for review (e.g. sent from two tabs)."""


def _lock_without_pending(model, user: User) -> None:
    # Serialise submissions per account so two at once end as a named error, not an IntegrityError.
    User.objects.select_for_update().filter(pk=user.pk).first()
    if model.objects.filter(user=user, status=ReviewStatus.PENDING).exists():
        raise AlreadyPending


class SoleAccountTaken(DecisionRefused):
    """Another account is already confirmed as this complainant's sole account."""

    def __init__(self):
        super().__init__(_("Another account is already confirmed as the sole account of this complainant. Reject this "
                           "statement, or first withdraw the other confirmation in the data admin."))


def _review_due_on(submitted_at: dt.datetime) -> dt.date:
    return workdays.due_date(submitted_at, settings.IPP_REVIEW_DUE_WORKING_DAYS)


def user_complete_signup(*, user: User, complainant_name: str, location: str, identity: str,
                         registrant_category: str, contact_email: str = "") -> User:
    """Record what a rights holder declared at sign-up, and that it accepted the agreement."""
    user.role = User.Role.RIGHTS_HOLDER
    user.complainant_name = complainant_name.strip()
    user.location = location
    user.identity = identity
    user.registrant_category = registrant_category
    user.contact_email = contact_email.strip().lower()
    user.language = translation.get_language() if translation.get_language() in dict(settings.LANGUAGES) else "en"
    user.agreement_version = settings.IPP_USER_AGREEMENT_VERSION
    user.agreement_accepted_at = timezone.now()
    user.full_clean(exclude=["password"])
    user.save()
    AccountEvent.objects.create(user=user, actor=user, action=AccountEvent.Action.SIGNED_UP,
                                note=f"agreement {user.agreement_version}")
    return user


@transaction.atomic
def identity_submit(*, user: User, document_kind: str, document_number: str, expires_on: dt.date | None,
                    document: CheckedUpload, legal_representative_document: CheckedUpload | None = None) -> IdentityProof:
    """Store the proof's documents and put it in the reviewers' queue, due in 3 working days."""
    _lock_without_pending(IdentityProof, user)
    now = timezone.now()
    proof = IdentityProof.objects.create(
        user=user,
        document_kind=document_kind,
        document_number=document_number.strip(),
        expires_on=expires_on,
        document=document_store(
            owner=user,
            purpose=Document.Purpose.BUSINESS_REGISTRATION
            if document_kind == IdentityProof.DocumentKind.BUSINESS_REGISTRATION
            else Document.Purpose.IDENTITY,
            upload=document,
        ),
        legal_representative_document=document_store(
            owner=user, purpose=Document.Purpose.LEGAL_REPRESENTATIVE_ID, upload=legal_representative_document
        ) if legal_representative_document else None,
        due_on=_review_due_on(now),
    )
    AccountEvent.objects.create(user=user, actor=user, action=AccountEvent.Action.IDENTITY_SUBMITTED,
                                to_status=ReviewStatus.PENDING)
    return proof


# What each kind of reviewed submission records when it is verified, or fails.
_DECISION_EVENTS = {
    IdentityProof: (AccountEvent.Action.IDENTITY_VERIFIED, AccountEvent.Action.IDENTITY_FAILED),
    SoleAccountStatement: (AccountEvent.Action.SOLE_ACCOUNT_CONFIRMED, AccountEvent.Action.SOLE_ACCOUNT_FAILED),
}


def _decide(model, *, pk: int, reviewer: User, verified: bool, reason: str = "", note: str = ""):
    """Move a pending submission to verified or failed (with a reason from its list), once, with its audit row."""
    if not verified and reason not in model.FailureReason.values:
        raise ValueError(f"unknown failure reason {reason!r}")
    new_status = ReviewStatus.VERIFIED if verified else ReviewStatus.FAILED
    with transaction.atomic():
        submission = model.objects.select_for_update().filter(pk=pk).first()
        if submission is None or submission.status != ReviewStatus.PENDING:
            raise ReviewConflict
        if verified and model is SoleAccountStatement and SoleAccountStatement.objects.filter(
                complainant_key=submission.complainant_key, status=ReviewStatus.VERIFIED).exists():
            raise SoleAccountTaken
        if verified and model is IdentityProof:
            # A renewal replaces the proof it renews.
            model.objects.filter(user=submission.user, status=ReviewStatus.VERIFIED).update(status=ReviewStatus.EXPIRED)
        submission.status = new_status
        submission.decided_at = timezone.now()
        submission.decided_by = reviewer
        submission.failure_reason = "" if verified else reason
        submission.failure_note = note
        submission.save(update_fields=["status", "decided_at", "decided_by", "failure_reason", "failure_note"])
        AccountEvent.objects.create(
            user=submission.user, actor=reviewer, action=_DECISION_EVENTS[model][0 if verified else 1],
            from_status=ReviewStatus.PENDING, to_status=new_status, reason=submission.failure_reason, note=note,
        )
        enqueue("accounts.tasks.send_review_decision", model._meta.model_name, submission.pk)
        if verified and model is IdentityProof:
            # Imported here: ipr builds on accounts, not the other way round.
            from ipr.services import iprs_resubmit_after_identity

            iprs_resubmit_after_identity(user=submission.user)
    return submission


def identity_approve(*, proof_id: int, reviewer: User, note: str = "") -> IdentityProof:
    return _decide(IdentityProof, pk=proof_id, reviewer=reviewer, verified=True, note=note)


def identity_reject(*, proof_id: int, reviewer: User, reason: str, note: str = "") -> IdentityProof:
    return _decide(IdentityProof, pk=proof_id, reviewer=reviewer, verified=False, reason=reason, note=note)


@transaction.atomic
def sole_account_submit(*, user: User, statement: CheckedUpload) -> SoleAccountStatement:
    _lock_without_pending(SoleAccountStatement, user)
    submission = SoleAccountStatement.objects.create(
        user=user,
        complainant_key=user.complainant_key,
        document=document_store(owner=user, purpose=Document.Purpose.SOLE_ACCOUNT_STATEMENT, upload=statement),
        due_on=_review_due_on(timezone.now()),
    )
    AccountEvent.objects.create(user=user, actor=user, action=AccountEvent.Action.SOLE_ACCOUNT_SUBMITTED,
                                to_status=ReviewStatus.PENDING)
    return submission


def sole_account_confirm(*, statement_id: int, reviewer: User, note: str = "") -> SoleAccountStatement:
    """Confirm the account as the complainant's sole account: the others stay held from filing."""
    return _decide(SoleAccountStatement, pk=statement_id, reviewer=reviewer, verified=True, note=note)


def sole_account_reject(*, statement_id: int, reviewer: User, reason: str, note: str = "") -> SoleAccountStatement:
    return _decide(SoleAccountStatement, pk=statement_id, reviewer=reviewer, verified=False, reason=reason, note=note)


def identity_expire_sweep(*, as_of: dt.date, dry_run: bool = False) -> int:
    """Mark verified identity proofs whose document expired before ``as_of`` as expired.

    Set-based and idempotent: one UPDATE re-checking the status it selected on, so two
    workers running it at once change each row once.
    """
    due = IdentityProof.objects.filter(status=ReviewStatus.VERIFIED, expires_on__lt=as_of)
    if dry_run:
        return due.count()
    with transaction.atomic():
        expiring = list(due.select_for_update(skip_locked=True).values_list("pk", "user_id"))
        changed = IdentityProof.objects.filter(pk__in=[pk for pk, _ in expiring], status=ReviewStatus.VERIFIED).update(
            status=ReviewStatus.EXPIRED
        )
        AccountEvent.objects.bulk_create(
            AccountEvent(user_id=user_id, action=AccountEvent.Action.IDENTITY_EXPIRED,
                         from_status=ReviewStatus.VERIFIED, to_status=ReviewStatus.EXPIRED, reason="expired")
            for _, user_id in expiring
        )
        for pk, _ in expiring:
            enqueue("accounts.tasks.send_review_decision", "identityproof", pk)
    return changed


# --- Sign-in from unusual places ------------------------------------------------------------

def network_of(ip: str | None) -> str:
    """The network an address belongs to, coarse enough that a home or office keeps one."""
    try:
        address = ipaddress.ip_address(ip or "")
    except ValueError:
        return "unknown"
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def sign_in_is_unusual(*, user: User, device_id: str, ip: str | None) -> bool:
    """A sign-in from a device or a network this account has never signed in from."""
    if not KnownDevice.objects.filter(user=user).exists():
        # A brand-new account has no history; its first sign-in follows the emailed code.
        return False
    network = network_of(ip)
    known = KnownDevice.objects.filter(user=user)
    return not (known.filter(device_id=device_id).exists() and known.filter(network=network).exists())


def sign_in_record(*, user: User, device_id: str, ip: str | None) -> None:
    KnownDevice.objects.update_or_create(user=user, device_id=device_id, network=network_of(ip))
