"""Reads about complaints that several pages (and the API) need, with their joins decided once."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Count, Prefetch, QuerySet, prefetch_related_objects

from accounts.models import User

from .models import Complaint, ComplaintItem, ComplaintItemEvent

State = ComplaintItem.State


def complaints_filed_by(user: User, *, platform: str = "", status: str = "", ipr: int | None = None,
                        filed_from: dt.date | None = None, filed_until: dt.date | None = None) -> QuerySet[Complaint]:
    """The filer's filed complaints (drafts apart), newest first, narrowed by the Manage Complaints filters."""
    found = (Complaint.objects.filter(complainant=user).exclude(status=Complaint.Status.DRAFT)
             .select_related("platform", "ipr").order_by("-submitted_at", "-pk"))
    if platform:
        found = found.filter(platform_id=platform)
    if status:
        found = found.filter(status=status)
    if ipr:
        found = found.filter(ipr_id=ipr)
    if filed_from:
        found = found.filter(submitted_at__date__gte=filed_from)
    if filed_until:
        found = found.filter(submitted_at__date__lte=filed_until)
    return found


def drafts_of(user: User) -> QuerySet[Complaint]:
    return (Complaint.objects.filter(complainant=user, status=Complaint.Status.DRAFT)
            .select_related("platform", "ipr").order_by("-updated_at"))


def item_summaries(complaints: Iterable[Complaint]) -> dict[int, list[tuple[str, str, int]]]:
    """(state, label, how many) of each complaint's items, in the order of the states: one query for a page."""
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    rows = (ComplaintItem.objects.filter(complaint__in=[c.pk for c in complaints]).values("complaint_id", "state")
            .annotate(n=Count("pk")).order_by())
    for row in rows:
        counts[row["complaint_id"]][row["state"]] = row["n"]
    return {complaint_id: [(state, label, by_state[state]) for state, label in State.choices if by_state.get(state)]
            for complaint_id, by_state in counts.items()}


def complaint_of(user: User, pk: int) -> Complaint | None:
    """One of the filer's complaints with everything its page shows; None for anyone else's."""
    return (Complaint.objects.filter(pk=pk, complainant=user).select_related("platform", "ipr")
            .prefetch_related(
                Prefetch("items", queryset=ComplaintItem.objects.select_related("listing__shop").order_by("pk")),
                Prefetch("evidence__document"),
            ).first())


def complaint_history(complaint: Complaint) -> QuerySet[ComplaintItemEvent]:
    """Every move of every item of the complaint, newest first."""
    return (ComplaintItemEvent.objects.filter(item__complaint=complaint)
            .select_related("actor", "item__listing").order_by("-at", "-pk"))


def items_for_export(complaints: QuerySet[Complaint]) -> QuerySet[ComplaintItem]:
    return (ComplaintItem.objects.filter(complaint__in=complaints)
            .select_related("complaint__platform", "complaint__ipr", "listing__shop")
            .order_by("-complaint__submitted_at", "complaint_id", "pk"))


def complaint_with_history(user: User, pk: int) -> Complaint | None:
    """A filed complaint of the filer (drafts apart) as ``complaint_of`` reads it, each item with its events in order."""
    complaint = complaint_of(user, pk)
    if complaint is None or complaint.status == Complaint.Status.DRAFT:
        return None
    prefetch_related_objects(list(complaint.items.all()), "events")
    return complaint


def status_counts(user: User) -> list[tuple[str, str, int]]:
    """(status, label, how many) of the filer's complaints, drafts included, in the order of the statuses."""
    counts = dict(Complaint.objects.filter(complainant=user).values_list("status").annotate(n=Count("pk"))
                  .values_list("status", "n"))
    return [(status, label, counts[status]) for status, label in Complaint.Status.choices if counts.get(status)]
