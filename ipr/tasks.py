"""Emails about IP rights. Each loads what it reports by id and reads its current state, so a
stale delivery sends nothing; the sweeps' notices (``send_user_notices``) are also sent once per
user however often their task is delivered."""

import hashlib
import logging

from celery import shared_task
from django.db import transaction
from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from accounts.models import IdentityProof, User
from complaints.models import ComplaintItem
from ipp.bulk import IMPORT_SOFT_TIME_LIMIT, IMPORT_TIME_LIMIT
from ipp.mail import send_notice
from ipp.notifications import notify

from .bulk import import_job_run
from .models import IPR, ExpiryReminder

logger = logging.getLogger(__name__)

_MAIL = {"acks_late": True, "time_limit": 60, "soft_time_limit": 50}


@shared_task(name="ipr.tasks.send_ipr_decision", **_MAIL)
def send_ipr_decision(ipr_id: int, resumed_items: int = 0) -> None:
    ipr = IPR.objects.select_related("filed_by").filter(pk=ipr_id).first()
    if ipr is None or ipr.status not in (IPR.Status.APPROVED, IPR.Status.FAILED):
        return
    facts = {"kind": IPR.Kind(ipr.kind).label, "number": ipr.number, "name": ipr.name}
    if ipr.status == IPR.Status.APPROVED:
        subject = format_lazy(_("your right {number} is approved"), **facts)
        text = format_lazy(_("Your {kind} {number} ({name}) is authenticated: you can file complaints that rest on "
                             "it."), **facts)
    else:
        subject = format_lazy(_("your right {number} was not approved"), **facts)
        text = format_lazy(_("Your {kind} {number} ({name}) was not authenticated: {reason} Correct the record and "
                             "submit it again."), reason=IPR.FailureReason(ipr.failure_reason).label if ipr.failure_reason else "",
                           **facts)
    # In the list as well as by email (which says more); keyed by the decision, so a repeated task adds nothing
    # and a later decision on the same record is news again.
    notify(ipr.filed_by, kind="ipr_decision", key=f"ipr_decision:{ipr.pk}:{ipr.decided_at.isoformat()}",
           subject=subject, text=text, url=reverse("ipr_detail", args=[ipr.pk]), email=False)
    send_notice(ipr.filed_by, "ipr/email/decision", {"ipr": ipr, "resumed_items": resumed_items})


def _withdrawal_notice(user: User, ipr_ids: list[int]) -> None:
    iprs = list(IPR.objects.filter(pk__in=ipr_ids, filed_by=user, status=IPR.Status.WITHDRAWN).order_by("pk"))
    told = [ipr for ipr in iprs if notify(
        user, kind="ipr_decision", key=f"ipr_withdrawn:{ipr.pk}:{ipr.withdrawn_at.isoformat()}",
        subject=_("authentication withdrawn"), text=format_lazy(_(
            "The authentication of your {kind} {number} ({name}) was withdrawn: {reason} Complaints that "
            "rest on it are on hold until it is authenticated again."),
            kind=IPR.Kind(ipr.kind).label, number=ipr.number, name=ipr.name,
            reason=IPR.WithdrawalReason(ipr.withdrawal_reason).label if ipr.withdrawal_reason else ""),
        url=reverse("ipr_detail", args=[ipr.pk]), email=False)]
    if told:
        send_notice(user, "ipr/email/withdrawn", {"iprs": told})


def _items_held_notice(user: User, item_ids: list[int]) -> None:
    items = list(ComplaintItem.objects.filter(pk__in=item_ids, complaint__complainant=user, state=ComplaintItem.State.HELD)
                 .select_related("complaint__ipr").order_by("pk"))
    if not items:
        return
    # One line in the list for the email; keyed by the items and the moment each was held, so the same hold is news
    # once and a later hold of the same items is news again.
    held = hashlib.sha256(",".join(f"{item.pk}@{item.state_since.isoformat()}" for item in items).encode()).hexdigest()
    if notify(user, kind="items_held", key=f"items_held:{held[:48]}",
              subject=_("complaint items on hold"), text=format_lazy(ngettext_lazy(
                  "{count} complaint item is on hold: the right it rests on is no longer authenticated.",
                  "{count} complaint items are on hold: the right they rest on is no longer authenticated.",
                  len(items)), count=len(items)),
              url=reverse("complaint_list"), email=False):
        send_notice(user, "ipr/email/items_held", {"items": items})


def _expiry_reminder_notice(user: User, reminder_ids: list[int]) -> None:
    """One email listing everything of the user's that ends soon."""
    reminders = list(ExpiryReminder.objects.filter(pk__in=reminder_ids, user=user).order_by("deadline", "pk"))
    iprs = IPR.objects.in_bulk([r.object_id for r in reminders if r.subject != ExpiryReminder.Subject.IDENTITY])
    proofs = IdentityProof.objects.in_bulk([r.object_id for r in reminders if r.subject == ExpiryReminder.Subject.IDENTITY])
    lines = [
        {"reminder": r, "ipr": iprs.get(r.object_id) if r.subject != ExpiryReminder.Subject.IDENTITY else None,
         "proof": proofs.get(r.object_id) if r.subject == ExpiryReminder.Subject.IDENTITY else None}
        for r in reminders
    ]
    told = [line for line in lines if _notify_expiry(user, **line)]
    if told:
        send_notice(user, "ipr/email/expiry_reminder", {"lines": told, "first_deadline": told[0]["reminder"].deadline})


def _notify_expiry(user: User, *, reminder: ExpiryReminder, ipr: IPR | None, proof: IdentityProof | None):
    """One line of the reminder email in the notification list, keyed by the reminder (sent once)."""
    date = reminder.deadline.isoformat()
    if reminder.subject == ExpiryReminder.Subject.IDENTITY:
        text = format_lazy(_("Your identity document ends on {date}. Upload a current one before then, or you can no "
                             "longer register rights or file complaints."), date=date)
        url = reverse("identity")
    elif ipr is None:
        return None  # the record is gone: nothing to renew
    else:
        facts = {"date": date, "kind": IPR.Kind(ipr.kind).label, "number": ipr.number, "name": ipr.name}
        text = format_lazy(
            _("The authorisation letter for your {kind} {number} ({name}) ends on {date}. Upload a new letter before "
              "then, or the right's authentication is withdrawn.")
            if reminder.subject == ExpiryReminder.Subject.LETTER_TERM else
            _("Your {kind} {number} ({name}) ends on {date}. Upload the renewal certificate before then, or its "
              "authentication is withdrawn."), **facts)
        url = reverse("ipr_detail", args=[ipr.pk])
    return notify(user, kind="expiry_reminder", key=f"expiry_reminder:{reminder.pk}", subject=_("renew before it ends"),
                  text=text, url=url, email=False)


# What the sweeps tell users, by kind: each writes one user's notification rows and email for the given ids.
USER_NOTICES = {"withdrawn": _withdrawal_notice, "items_held": _items_held_notice,
                "expiry_reminders": _expiry_reminder_notice}


def user_notice_send(kind: str, user_id: int, ids: list[int]) -> None:
    """Send one user's notice once, however often it is asked for.

    The notification rows say what the user was told; the email lists only what they did not say before. It leaves
    inside the rows' transaction: if it fails, the rows roll back and a retry sends it; once it is sent, a repeated
    delivery finds the rows and sends nothing.
    """
    user = User.objects.filter(pk=user_id).first()
    if user is not None:
        with transaction.atomic():
            USER_NOTICES[kind](user, ids)


@shared_task(name="ipr.tasks.send_user_notices", bind=True, max_retries=5, default_retry_delay=120,
             acks_late=True, time_limit=600, soft_time_limit=540)
def send_user_notices(self, kind: str, notices: list[list]) -> None:
    """Notices of one kind to many users (``[[user id, ids], ...]``). A user whose email fails does not stop the others;
    those that failed are tried again later, alone."""
    failed = []
    for user_id, ids in notices:
        try:
            user_notice_send(kind, user_id, ids)
        except Exception:  # the mail server refused or was away: the others still get theirs  # noqa: BLE001
            logger.exception("Could not send the %s notice to user %s; trying again later", kind, user_id)
            failed.append([user_id, ids])
    if failed:
        raise self.retry(args=[kind, failed])


# Messages queued by the release before notices were batched (one task per user) still find their task.
@shared_task(name="ipr.tasks.send_withdrawal_notice", **_MAIL)
def send_withdrawal_notice(user_id: int, ipr_ids: list[int]) -> None:
    user_notice_send("withdrawn", user_id, ipr_ids)


@shared_task(name="ipr.tasks.send_items_held", **_MAIL)
def send_items_held(user_id: int, item_ids: list[int]) -> None:
    user_notice_send("items_held", user_id, item_ids)


@shared_task(name="ipr.tasks.send_expiry_reminders", **_MAIL)
def send_expiry_reminders(user_id: int, reminder_ids: list[int]) -> None:
    user_notice_send("expiry_reminders", user_id, reminder_ids)


@shared_task(name="ipr.tasks.run_import_job", acks_late=True, ignore_result=True,
             time_limit=IMPORT_TIME_LIMIT, soft_time_limit=IMPORT_SOFT_TIME_LIMIT)
def run_import_job(job_id: int) -> None:
    """Check and save a queued bulk import. Claiming the job makes a repeated delivery do nothing."""
    import_job_run(job_id=job_id)
