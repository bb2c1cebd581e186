"""Reads about IP rights that several pages need."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Prefetch, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User

from .models import IPR, Attachment, IPREvent


def iprs_of(user: User) -> QuerySet[IPR]:
    """The records a filer manages, newest first, with what their list rows show."""
    return IPR.objects.filter(filed_by=user).select_related("filed_by").prefetch_related("classes")


def status_counts(user: User) -> list[tuple[str, str, int]]:
    """(status, label, how many) of the filer's records, in the order of the statuses."""
    counts = dict(IPR.objects.filter(filed_by=user).values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    return [(status, label, counts[status]) for status, label in IPR.Status.choices if counts.get(status)]


def ipr_for_review(pk: int) -> IPR | None:
    return (IPR.objects.select_related("filed_by", "certificate", "letter", "decided_by")
            .prefetch_related("classes", Prefetch("attachments", queryset=Attachment.objects.select_related("document")))
            .filter(pk=pk).first())


def ipr_queue() -> QuerySet[IPR]:
    """Records waiting for authentication, oldest first."""
    return (IPR.objects.filter(status=IPR.Status.PENDING).select_related("filed_by")
            .prefetch_related("classes").order_by("submitted_at", "pk"))


def ipr_history(ipr: IPR) -> QuerySet[IPREvent]:
    return ipr.events.select_related("actor")


@dataclass(frozen=True)
class NextStep:
    text: str
    urgent: bool = False


def next_step(ipr: IPR, *, today: dt.date) -> NextStep:
    """What the filer should do next with a record, in a few words."""
    status = IPR.Status
    if ipr.status == status.DRAFT:
        if ipr.needs_letter and not ipr.letter_authorises(today):
            return NextStep(_("Upload the signed authorisation letter, then submit."), urgent=True)
        return NextStep(_("Complete it and submit it for authentication."), urgent=True)
    if ipr.status == status.PENDING:
        return NextStep(_("Nothing: reviewers decide by %(date)s.") % {"date": ipr.due_on.isoformat() if ipr.due_on else "—"})
    if ipr.status == status.FAILED:
        return NextStep(_("Correct it and submit again: %(reason)s") % {"reason": ipr.failure_reason_label}, urgent=True)
    if ipr.status == status.WITHDRAWN:
        return NextStep(_("Renew it: %(reason)s") % {"reason": ipr.get_withdrawal_reason_display()}, urgent=True)
    ends = ipr.ends_on
    if ends and (ends - today).days <= 30:
        return NextStep(_("Renew before %(date)s.") % {"date": ends.isoformat()}, urgent=True)
    return NextStep(_("Ready: you can file complaints with it."))


# Labels of the fields a reviewer sees change between two submissions.
_CHANGE_LABELS = {
    "name": gettext_lazy("Name"), "number": gettext_lazy("Number"), "jurisdiction": gettext_lazy("Office or jurisdiction"),
    "owner_name": gettext_lazy("Owner"), "registered_on": gettext_lazy("Registration date"),
    "expires_on": gettext_lazy("Expiry date"), "patent_type": gettext_lazy("Patent type"),
    "work_kind": gettext_lazy("Kind of work"), "classes": gettext_lazy("Nice classes"),
    "certificate": gettext_lazy("Certificate"), "attachments": gettext_lazy("Other documents"),
    "letter": gettext_lazy("Authorisation letter"), "letter_term": gettext_lazy("Letter's term"),
}
_DOCUMENT_KEYS = {"certificate", "attachments", "letter"}


def submission_changes(ipr: IPR) -> list[tuple[str, str, str]] | None:
    """What changed between the last two submissions, as (label, before, after); None if it is the first."""
    snapshots = list(ipr.events.filter(action=IPREvent.Action.SUBMITTED).exclude(snapshot=None)
                     .values_list("snapshot", flat=True)[:2])
    if len(snapshots) < 2:
        return None
    after, before = snapshots
    changes = []
    for key, label in _CHANGE_LABELS.items():
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        if key in _DOCUMENT_KEYS:
            changes.append((str(label), "", _("new file uploaded")))
        elif key == "classes":
            fmt = lambda classes: "; ".join(f"{n}: {text}" for n, text in sorted(classes.items(), key=lambda kv: int(kv[0])))  # noqa: E731
            changes.append((str(label), fmt(old or {}), fmt(new or {})))
        else:
            changes.append((str(label), old or "—", new or "—"))
    return changes
