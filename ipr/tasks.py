"""Emails about IP rights. Each loads what it reports by id and reads its current state,
so a repeated delivery sends the same news and a stale one sends nothing."""

from celery import shared_task
from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from accounts.models import IdentityProof, User
from complaints.models import ComplaintItem
from ipp.bulk import IMPORT_SOFT_TIME_LIMIT, IMPORT_TIME_LIMIT
from ipp.mail import send_notice
from ipp.notifications import notify

from .bulk import import_job_run
from .models import IPR, ExpiryReminder

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


@shared_task(name="ipr.tasks.send_withdrawal_notice", **_MAIL)
def send_withdrawal_notice(user_id: int, ipr_ids: list[int]) -> None:
    user = User.objects.filter(pk=user_id).first()
    iprs = list(IPR.objects.filter(pk__in=ipr_ids, filed_by_id=user_id, status=IPR.Status.WITHDRAWN).order_by("pk"))
    if user and iprs:
        for ipr in iprs:
            reason = IPR.WithdrawalReason(ipr.withdrawal_reason).label if ipr.withdrawal_reason else ""
            notify(user, kind="ipr_decision", key=f"ipr_withdrawn:{ipr.pk}:{ipr.withdrawn_at.isoformat()}",
                   subject=_("authentication withdrawn"), text=format_lazy(_(
                       "The authentication of your {kind} {number} ({name}) was withdrawn: {reason} Complaints that "
                       "rest on it are on hold until it is authenticated again."),
                       kind=IPR.Kind(ipr.kind).label, number=ipr.number, name=ipr.name, reason=reason),
                   url=reverse("ipr_detail", args=[ipr.pk]), email=False)
        send_notice(user, "ipr/email/withdrawn", {"iprs": iprs})


@shared_task(name="ipr.tasks.send_items_held", **_MAIL)
def send_items_held(user_id: int, item_ids: list[int]) -> None:
    user = User.objects.filter(pk=user_id).first()
    items = list(ComplaintItem.objects.filter(pk__in=item_ids, complaint__complainant_id=user_id, state=ComplaintItem.State.HELD)
                 .select_related("complaint__ipr").order_by("pk"))
    if user and items:
        send_notice(user, "ipr/email/items_held", {"items": items})


@shared_task(name="ipr.tasks.send_expiry_reminders", **_MAIL)
def send_expiry_reminders(user_id: int, reminder_ids: list[int]) -> None:
    """One email listing everything of the user's that ends soon."""
    user = User.objects.filter(pk=user_id).first()
    reminders = list(ExpiryReminder.objects.filter(pk__in=reminder_ids, user_id=user_id).order_by("deadline", "pk"))
    if user is None or not reminders:
        return
    iprs = IPR.objects.in_bulk([r.object_id for r in reminders if r.subject != ExpiryReminder.Subject.IDENTITY])
    proofs = IdentityProof.objects.in_bulk([r.object_id for r in reminders if r.subject == ExpiryReminder.Subject.IDENTITY])
    lines = [
        {"reminder": r, "ipr": iprs.get(r.object_id) if r.subject != ExpiryReminder.Subject.IDENTITY else None,
         "proof": proofs.get(r.object_id) if r.subject == ExpiryReminder.Subject.IDENTITY else None}
        for r in reminders
    ]
    for line in lines:
        _notify_expiry(user, **line)
    send_notice(user, "ipr/email/expiry_reminder", {"lines": lines, "first_deadline": reminders[0].deadline})


def _notify_expiry(user: User, *, reminder: ExpiryReminder, ipr: IPR | None, proof: IdentityProof | None) -> None:
    """One line of the reminder email in the notification list, keyed by the reminder (sent once)."""
    date = reminder.deadline.isoformat()
    if reminder.subject == ExpiryReminder.Subject.IDENTITY:
        text = format_lazy(_("Your identity document ends on {date}. Upload a current one before then, or you can no "
                             "longer register rights or file complaints."), date=date)
        url = reverse("identity")
    elif ipr is None:
        return  # the record is gone: nothing to renew
    else:
        facts = {"date": date, "kind": IPR.Kind(ipr.kind).label, "number": ipr.number, "name": ipr.name}
        text = format_lazy(
            _("The authorisation letter for your {kind} {number} ({name}) ends on {date}. Upload a new letter before "
              "then, or the right's authentication is withdrawn.")
            if reminder.subject == ExpiryReminder.Subject.LETTER_TERM else
            _("Your {kind} {number} ({name}) ends on {date}. Upload the renewal certificate before then, or its "
              "authentication is withdrawn."), **facts)
        url = reverse("ipr_detail", args=[ipr.pk])
    notify(user, kind="expiry_reminder", key=f"expiry_reminder:{reminder.pk}", subject=_("renew before it ends"),
           text=text, url=url, email=False)


@shared_task(name="ipr.tasks.run_import_job", acks_late=True, ignore_result=True,
             time_limit=IMPORT_TIME_LIMIT, soft_time_limit=IMPORT_SOFT_TIME_LIMIT)
def run_import_job(job_id: int) -> None:
    """Check and save a queued bulk import. Claiming the job makes a repeated delivery do nothing."""
    import_job_run(job_id=job_id)
