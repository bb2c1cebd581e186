"""Every write that matters to an IP right: one function per intent, each with its history row."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import IdentityProof, ReviewStatus, User
from accounts.selectors import filing_block_reason
from complaints import workflow
from complaints.models import ComplaintItem
from ipp import workdays
from ipp.documents import CheckedUpload, document_store
from ipp.models import Document
from ipp.reviews import DecisionRefused, ReviewConflict
from ipp.tasks import enqueue

from .models import IPR, Attachment, ExpiryReminder, IPREvent, NiceClass

# The fields a filer enters; everything else on the record is the portal's.
RECORD_FIELDS = ("name", "number", "jurisdiction", "owner_name", "registered_on", "expires_on", "patent_type", "work_kind")

# Lead times of the expiry reminders, in days, longest first.
REMINDER_DAYS = (30, 7)
SWEEP_BATCH = 2000


class NotEditable(Exception):
    """The record is waiting for a reviewer; it cannot change until it is decided."""


class SubmissionIncomplete(Exception):
    """What is missing before the record can go to the reviewers, in words for the filer."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


class LetterRefused(Exception):
    """The letter cannot authorise complaints (wrong scope, or outside its term); ``field`` is the input at fault."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


class ApprovalRefused(DecisionRefused):
    """The record cannot be approved as it stands (expired, or its letter does not authorise)."""


def _event(ipr: IPR, *, actor: User | None, action: str, from_status: str = "", reason: str = "", note: str = "",
           snapshot: dict | None = None) -> IPREvent:
    return IPREvent.objects.create(ipr=ipr, actor=actor, action=action, from_status=from_status,
                                   to_status=ipr.status, reason=reason, note=note, snapshot=snapshot)


def _snapshot(ipr: IPR) -> dict:
    """What the reviewer saw at a submission: the data, the classes and which documents."""
    return {
        **{field: str(getattr(ipr, field) or "") for field in RECORD_FIELDS},
        "classes": {str(c.number): c.goods_services for c in ipr.classes.all()},
        "certificate": str(ipr.certificate_id or ""),
        "attachments": sorted(str(a.document_id) for a in ipr.attachments.all()),
        "letter": str(ipr.letter_id or ""),
        "letter_term": f"{ipr.letter_valid_from or ''} – {ipr.letter_valid_until or ''}" if ipr.letter_id else "",
    }


# --- The filer ------------------------------------------------------------------------------

@transaction.atomic
def ipr_save(*, user: User, kind: str, fields: dict, ipr: IPR | None = None,
             classes: Iterable[tuple[int, str]] | None = None, certificate: CheckedUpload | None = None,
             attachments: Iterable[tuple[str, CheckedUpload]] = (), remove_attachments: Iterable[int] = ()) -> IPR:
    """Create a draft, or change a record that is not waiting for review.

    Changing a decided record (failed, approved, withdrawn) makes it a draft again: what
    a reviewer approved is never changed behind its back. ``classes`` replaces the
    trademark's classes when given.
    """
    if ipr is None:
        ipr = IPR(filed_by=user, kind=kind)
    else:
        ipr = IPR.objects.select_for_update().get(pk=ipr.pk, filed_by=user)
        if not ipr.is_editable:
            raise NotEditable
    previous_status = ipr.status if ipr.pk else ""
    for field in RECORD_FIELDS:
        if field in fields:
            value = fields[field]
            setattr(ipr, field, value.strip() if isinstance(value, str) else value)
    if certificate is not None:
        ipr.certificate = document_store(owner=user, purpose=Document.Purpose.CERTIFICATE, upload=certificate)
    if ipr.letter_id and not ipr.needs_letter:
        # The owner is now the filer itself: a leftover letter must not withdraw the record when it ends.
        ipr.letter, ipr.letter_scope, ipr.letter_valid_from, ipr.letter_valid_until = None, "", None, None
    ipr.status = IPR.Status.DRAFT
    ipr.full_clean(exclude=["certificate", "letter", "decided_by"])
    ipr.save()
    if classes is not None:
        ipr.classes.all().delete()
        NiceClass.objects.bulk_create(NiceClass(ipr=ipr, number=number, goods_services=text.strip())
                                      for number, text in classes)
    if remove_attachments:
        ipr.attachments.filter(pk__in=list(remove_attachments)).delete()
    for role, upload in attachments:
        Attachment.objects.create(ipr=ipr, role=role, document=document_store(
            owner=user, purpose=Document.Purpose.CERTIFICATE, upload=upload))
    if previous_status != IPR.Status.DRAFT:
        _event(ipr, actor=user, action=IPREvent.Action.CREATED, from_status=previous_status)
    return ipr


def ipr_submission_problems(ipr: IPR, *, on: dt.date) -> list[str]:
    """Everything that keeps the record from going to the reviewers, in words for the filer."""
    problems = []
    block = filing_block_reason(ipr.filed_by)
    if block:
        problems.append(block)
    if not ipr.certificate_id:
        problems.append(_("Upload the registration certificate."))
    if ipr.expires_on and ipr.expires_on < on:
        problems.append(_("The right expired on %(date)s; upload the renewal certificate and its new expiry date.")
                        % {"date": ipr.expires_on.isoformat()})
    if ipr.kind == IPR.Kind.TRADEMARK and not ipr.classes.exists():
        problems.append(_("Add at least one Nice class with its goods or services."))
    if ipr.kind == IPR.Kind.COPYRIGHT and not ipr.attachments.filter(role=Attachment.Role.WORK_SAMPLE).exists():
        problems.append(_("Add at least one sample of the work."))
    if ipr.needs_letter and not ipr.letter_authorises(on):
        if not ipr.letter_id:
            problems.append(_("You are not the owner of this right: download the authorisation letter, have the owner "
                              "sign or stamp it, and upload it."))
        else:
            problems.append(_("The authorisation letter's term has ended; upload a new signed letter."))
    return problems


@transaction.atomic
def ipr_submit(*, ipr: IPR, user: User) -> IPR:
    """Send the record to the reviewers, due in 3 working days; refuse with what is missing."""
    ipr = IPR.objects.select_for_update().select_related("filed_by").get(pk=ipr.pk, filed_by=user)
    if ipr.status == IPR.Status.PENDING:
        return ipr
    if ipr.status == IPR.Status.APPROVED:
        # Re-authentication is a renewal: it comes through ipr_renew or a new letter, with what changed.
        raise SubmissionIncomplete([_("It is approved already; to renew it, edit it and upload the renewal documents.")])
    problems = ipr_submission_problems(ipr, on=workdays.today_in_china())
    if problems:
        raise SubmissionIncomplete(problems)
    previous = ipr.status
    now = timezone.now()
    ipr.status = IPR.Status.PENDING
    ipr.submitted_at = now
    ipr.due_on = workdays.due_date(now, settings.IPP_REVIEW_DUE_WORKING_DAYS)
    ipr.failure_reason = ""
    ipr.failure_note = ""
    ipr.save(update_fields=["status", "submitted_at", "due_on", "failure_reason", "failure_note", "updated_at"])
    _event(ipr, actor=user, action=IPREvent.Action.SUBMITTED, from_status=previous, snapshot=_snapshot(ipr))
    return ipr


@transaction.atomic
def ipr_renew(*, user: User, ipr: IPR, **changes) -> IPR:
    """Save the renewal documents and submit in one step: all of it, or (with the problems) none of it."""
    return ipr_submit(ipr=ipr_save(user=user, ipr=ipr, kind=ipr.kind, **changes), user=user)


@transaction.atomic
def ipr_upload_letter(*, ipr: IPR, user: User, letter: CheckedUpload, scope: str,
                      valid_from: dt.date, valid_until: dt.date) -> IPR:
    """Attach the owner's signed letter. A letter for an approved or withdrawn record is a renewal: it goes back to review."""
    problem = IPR.letter_problem(scope=scope, valid_from=valid_from, valid_until=valid_until, on=workdays.today_in_china())
    if problem:
        raise LetterRefused(*problem)
    ipr = IPR.objects.select_for_update().get(pk=ipr.pk, filed_by=user)
    if not ipr.is_editable:
        raise NotEditable
    renewal = ipr.status in (IPR.Status.APPROVED, IPR.Status.WITHDRAWN)
    previous = ipr.status
    ipr.letter = document_store(owner=user, purpose=Document.Purpose.AUTHORISATION_LETTER, upload=letter)
    ipr.letter_scope, ipr.letter_valid_from, ipr.letter_valid_until = scope, valid_from, valid_until
    if renewal:
        ipr.status = IPR.Status.DRAFT
    ipr.save(update_fields=["letter", "letter_scope", "letter_valid_from", "letter_valid_until", "status", "updated_at"])
    _event(ipr, actor=user, action=IPREvent.Action.LETTER_UPLOADED, from_status=previous,
           note=f"{valid_from.isoformat()} – {valid_until.isoformat()}")
    return ipr_submit(ipr=ipr, user=user) if renewal else ipr


# --- Reviewers ------------------------------------------------------------------------------

def _decide(*, ipr_id: int, reviewer: User, approve: bool, reason: str = "", note: str = "") -> IPR:
    if not approve and reason not in IPR.FailureReason.values:
        raise ValueError(f"unknown failure reason {reason!r}")
    with transaction.atomic():
        ipr = IPR.objects.select_for_update(of=("self",)).select_related("filed_by").filter(pk=ipr_id).first()
        if ipr is None or ipr.status != IPR.Status.PENDING:
            raise ReviewConflict
        if approve:
            today = workdays.today_in_china()
            if ipr.expires_on and ipr.expires_on < today:
                raise ApprovalRefused(_("The right expired on %(date)s; fail it with the reason “expired”.")
                                      % {"date": ipr.expires_on.isoformat()})
            if ipr.needs_letter and not ipr.letter_authorises(today):
                raise ApprovalRefused(_("The filer is not the owner and the letter does not authorise complaints today."))
        ipr.status = IPR.Status.APPROVED if approve else IPR.Status.FAILED
        ipr.decided_at = timezone.now()
        ipr.decided_by = reviewer
        ipr.failure_reason = "" if approve else reason
        ipr.failure_note = note
        ipr.withdrawn_at = None
        ipr.withdrawal_reason = ""
        ipr.save(update_fields=["status", "decided_at", "decided_by", "failure_reason", "failure_note",
                                "withdrawn_at", "withdrawal_reason", "updated_at"])
        _event(ipr, actor=reviewer, action=IPREvent.Action.APPROVED if approve else IPREvent.Action.FAILED,
               from_status=IPR.Status.PENDING, reason=ipr.failure_reason, note=note)
        resumed = []
        if approve:
            # Complaint items held while the right was withdrawn carry on from where they stopped.
            resumed = workflow.items_resume(ComplaintItem.objects.filter(complaint__ipr=ipr), reason="ipr_reauthenticated")
        enqueue("ipr.tasks.send_ipr_decision", ipr.pk, len(resumed))
    return ipr


def ipr_approve(*, ipr_id: int, reviewer: User, note: str = "") -> IPR:
    return _decide(ipr_id=ipr_id, reviewer=reviewer, approve=True, note=note)


def ipr_fail(*, ipr_id: int, reviewer: User, reason: str, note: str = "") -> IPR:
    return _decide(ipr_id=ipr_id, reviewer=reviewer, approve=False, reason=reason, note=note)


@transaction.atomic
def ipr_withdraw(*, ipr_id: int, actor: User, reason: str = IPR.WithdrawalReason.DECLARED_INVALID, note: str = "") -> IPR:
    """Withdraw an approved record's authentication now (e.g. the right was declared invalid); its complaint items are held."""
    if reason not in IPR.WithdrawalReason.values:
        raise ValueError(f"unknown withdrawal reason {reason!r}")
    ipr = IPR.objects.select_for_update(of=("self",)).filter(pk=ipr_id).first()
    if ipr is None or ipr.status != IPR.Status.APPROVED:
        raise ReviewConflict
    ipr.status, ipr.withdrawal_reason, ipr.withdrawn_at = IPR.Status.WITHDRAWN, reason, timezone.now()
    ipr.save(update_fields=["status", "withdrawal_reason", "withdrawn_at", "updated_at"])
    _event(ipr, actor=actor, action=IPREvent.Action.WITHDRAWN, from_status=IPR.Status.APPROVED, reason=reason, note=note)
    _enqueue_per_user("withdrawn", [(ipr.filed_by_id, ipr.pk)])
    _notify_held(workflow.items_hold(ComplaintItem.objects.filter(complaint__ipr=ipr), reason="ipr_withdrawn"))
    return ipr


def iprs_resubmit_after_identity(*, user: User) -> int:
    """A new identity document was verified: records withdrawn because the old one expired go back to review."""
    resubmitted = 0
    for ipr in IPR.objects.filter(filed_by=user, status=IPR.Status.WITHDRAWN,
                                  withdrawal_reason=IPR.WithdrawalReason.IDENTITY_EXPIRED):
        try:
            ipr_submit(ipr=ipr, user=user)
            resubmitted += 1
        except SubmissionIncomplete:
            pass  # it also needs something else (a letter, a renewal); IPR Management says what
    return resubmitted


# --- Expiry: withdrawals, held complaint items, reminders -----------------------------------

def _has_valid_identity(as_of: dt.date):
    return Exists(IdentityProof.objects.filter(
        user=OuterRef("filed_by"), status=ReviewStatus.VERIFIED,
    ).filter(Q(expires_on__isnull=True) | Q(expires_on__gte=as_of)))


def withdrawal_rules(as_of: dt.date) -> list[tuple[str, Q]]:
    """Why an approved record stops authorising on ``as_of``, first matching reason wins."""
    return [
        (IPR.WithdrawalReason.IPR_EXPIRED, Q(expires_on__lt=as_of)),
        (IPR.WithdrawalReason.LETTER_EXPIRED, Q(letter_valid_until__lt=as_of)),
        (IPR.WithdrawalReason.IDENTITY_EXPIRED, ~_has_valid_identity(as_of)),
    ]


def iprs_due_for_withdrawal(as_of: dt.date) -> QuerySet[IPR]:
    due = Q()
    for _reason, condition in withdrawal_rules(as_of):
        due |= condition
    return IPR.objects.filter(due, status=IPR.Status.APPROVED)


def ipr_withdraw_sweep(*, as_of: dt.date, dry_run: bool = False) -> int:
    """Withdraw the authentication of approved records whose term, letter or identity ended before ``as_of``.

    Set-based and safe with two workers: each batch locks its rows (skipping rows
    another worker holds), changes them in one UPDATE that re-checks the status, and
    writes their history in one INSERT. Running it twice changes nothing the second time.
    """
    total = 0
    earlier = Q()
    withdrawn_by_filer: list[tuple[int, int]] = []
    for reason, condition in withdrawal_rules(as_of):
        due = IPR.objects.filter(condition, status=IPR.Status.APPROVED).exclude(earlier)
        earlier |= condition
        if dry_run:
            total += due.count()
            continue
        while True:
            with transaction.atomic():
                batch = list(due.order_by("pk").select_for_update(skip_locked=True, of=("self",))
                             .values_list("pk", "filed_by_id")[:SWEEP_BATCH])
                if not batch:
                    break
                ids = [pk for pk, _filer in batch]
                IPR.objects.filter(pk__in=ids, status=IPR.Status.APPROVED).update(
                    status=IPR.Status.WITHDRAWN, withdrawal_reason=reason, withdrawn_at=timezone.now(),
                    updated_at=timezone.now())
                IPREvent.objects.bulk_create(
                    IPREvent(ipr_id=pk, action=IPREvent.Action.WITHDRAWN, from_status=IPR.Status.APPROVED,
                             to_status=IPR.Status.WITHDRAWN, reason=reason) for pk in ids)
            total += len(batch)
            withdrawn_by_filer.extend((filer, pk) for pk, filer in batch)
    _enqueue_per_user("withdrawn", withdrawn_by_filer)
    return total


# A right in these states authorises nothing: withdrawn, or its renewal failed review.
NOT_AUTHORISING = (IPR.Status.WITHDRAWN, IPR.Status.FAILED)


def complaint_items_hold_sweep(*, as_of: dt.date, dry_run: bool = False) -> int:
    """Hold every complaint item in progress whose right no longer authorises; tell each complainant once."""
    resting = ComplaintItem.objects.filter(complaint__ipr__status__in=NOT_AUTHORISING)
    if dry_run:
        return ComplaintItem.objects.filter(state__in=workflow.IN_PROGRESS).filter(
            Q(complaint__ipr__status__in=NOT_AUTHORISING) | Q(complaint__ipr__in=iprs_due_for_withdrawal(as_of))
        ).count()
    held = workflow.items_hold(resting, reason="ipr_withdrawn")
    _notify_held(held)
    return len(held)


def _notify_held(held: list[tuple[int, int]]) -> None:
    """Tell each complainant, once, which of its items are on hold."""
    _enqueue_per_user("items_held", held)


# Users a notice task writes to. A sweep that withdraws the rights of 10,000 filers sends 100 tasks, not 10,000
# (each publish costs about half a millisecond); a task repeated or retried sends nobody's notice twice (ipr.tasks).
NOTICE_USERS_PER_TASK = 100


def _enqueue_per_user(kind: str, pairs: Iterable[tuple[int, int]]) -> None:
    """Queue notices of ``kind`` (``ipr.tasks.USER_NOTICES``) for (user id, object id) pairs: one email per user with
    all of its ids, up to ``NOTICE_USERS_PER_TASK`` users a task."""
    by_user: dict[int, list[int]] = defaultdict(list)
    for user_id, object_id in pairs:
        by_user[user_id].append(object_id)
    notices = [[user_id, ids] for user_id, ids in by_user.items()]
    for start in range(0, len(notices), NOTICE_USERS_PER_TASK):
        enqueue("ipr.tasks.send_user_notices", kind, notices[start:start + NOTICE_USERS_PER_TASK])


def _reminder_sources(as_of: dt.date):
    """(subject, queryset of what may end, its user field, its deadline field) per kind of deadline."""
    # A record due for withdrawal on ``as_of`` gets a withdrawal notice, not a reminder; excluding it
    # here also keeps a dry run (where it is still approved) counting what the real run then queues.
    approved = IPR.objects.filter(status=IPR.Status.APPROVED).exclude(pk__in=iprs_due_for_withdrawal(as_of).values("pk"))
    return [
        (ExpiryReminder.Subject.IPR_TERM, approved, "filed_by_id", "expires_on"),
        (ExpiryReminder.Subject.LETTER_TERM, approved.filter(letter__isnull=False), "filed_by_id", "letter_valid_until"),
        (ExpiryReminder.Subject.IDENTITY, IdentityProof.objects.filter(status=ReviewStatus.VERIFIED), "user_id", "expires_on"),
    ]


def expiry_reminder_sweep(*, as_of: dt.date, dry_run: bool = False) -> int:
    """Queue a reminder 30 and 7 days before each deadline (once each), then send them, one email per user.

    A record first seen inside the 7-day window gets only the 7-day reminder.
    """
    created = 0
    for subject, source, user_field, deadline_field in _reminder_sources(as_of):
        for index, days in enumerate(REMINDER_DAYS):
            shorter = REMINDER_DAYS[index + 1] if index + 1 < len(REMINDER_DAYS) else -1
            window = {f"{deadline_field}__gte": as_of, f"{deadline_field}__lte": as_of + dt.timedelta(days=days),
                      f"{deadline_field}__gt": as_of + dt.timedelta(days=shorter)}
            due = source.filter(**window).exclude(Exists(ExpiryReminder.objects.filter(
                subject=subject, object_id=OuterRef("pk"), deadline=OuterRef(deadline_field), days_before=days)))
            if dry_run:
                created += due.count()
                continue
            rows = due.order_by("pk").values_list("pk", user_field, deadline_field)
            # Each batch inserted leaves the query, so the next batch is again its first rows.
            while batch := list(rows[:SWEEP_BATCH]):
                # The unique constraint makes a second worker's identical insert a no-op.
                ExpiryReminder.objects.bulk_create(
                    (ExpiryReminder(subject=subject, object_id=pk, user_id=user, deadline=deadline, days_before=days)
                     for pk, user, deadline in batch), ignore_conflicts=True)
                created += len(batch)
    if not dry_run:
        reminders_send()
    return created


def reminders_send() -> int:
    """Claim the reminders nobody has sent and queue one email per user; a reminder is claimed once."""
    with transaction.atomic():
        claimed = list(ExpiryReminder.objects.filter(sent_at__isnull=True).order_by("pk")
                       .select_for_update(skip_locked=True).values_list("pk", "user_id"))
        ExpiryReminder.objects.filter(pk__in=[pk for pk, _ in claimed], sent_at__isnull=True).update(sent_at=timezone.now())
    _enqueue_per_user("expiry_reminders", [(user, pk) for pk, user in claimed])
    return len(claimed)
