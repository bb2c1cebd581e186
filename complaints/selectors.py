"""Reads about complaints that several pages (and the API) need, with their joins decided once."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateField,
    Exists,
    F,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import User

from .models import (
    Complaint,
    ComplaintEvidence,
    ComplaintItem,
    ComplaintItemEvent,
    CounterNotice,
    CounterNoticeEvidence,
    Shop,
)

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
                Prefetch("items", queryset=ComplaintItem.objects.select_related("listing__shop", "counter_notice")
                         .order_by("pk")),
                Prefetch("items__counter_notice__evidence", queryset=CounterNoticeEvidence.objects.select_related("document")),
                Prefetch("evidence__document"),
            ).first())


def complaint_item_of(user: User, complaint_id: int, item_id: int) -> ComplaintItem | None:
    """One item of one of the filer's filed complaints; None for anyone else's, or an item of another complaint."""
    return (ComplaintItem.objects.filter(pk=item_id, complaint_id=complaint_id, complaint__complainant=user)
            .exclude(complaint__status=Complaint.Status.DRAFT).first())


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


# --- Seller notices: the complaint items on a seller's listings that reached the seller -------------

# The states a notice can be in, the one the seller must act on first.
NOTICE_STATES = [State.SELLER_NOTIFIED, State.COUNTER_NOTICED, State.IN_DECISION, State.COUNTER_ACCEPTED,
                 State.REINSTATED, State.TAKEN_DOWN, State.WITHDRAWN, State.HELD]


def _notified_at():
    """When the item first moved into seller_notified (null: it never reached its seller)."""
    first = ComplaintItemEvent.objects.filter(item=OuterRef("pk"), to_state=State.SELLER_NOTIFIED).order_by("at", "pk")
    return Subquery(first.values("at")[:1])


def notices_of(seller: User, *, state: str = "") -> QuerySet[ComplaintItem]:
    """The seller's notices: items on listings of its shops that reached it, those to answer first, then newest.

    An item reached the seller when it moved into seller_notified, whatever it became since
    (withdrawn, held, decided); one still in review, or rejected before notice, is not the
    seller's to see. Each row carries ``notified_at`` and what the list page shows of it;
    ``notice_details`` adds the rest.
    """
    found = (ComplaintItem.objects.filter(listing__shop__owner=seller).annotate(notified_at=_notified_at())
             .filter(notified_at__isnull=False).select_related("listing", "complaint__platform"))
    if state:
        found = found.filter(state=state)
    return found.order_by(Case(When(state=State.SELLER_NOTIFIED, then=0), default=1), "-notified_at", "-pk")


def notice_details(notices: QuerySet[ComplaintItem]) -> QuerySet[ComplaintItem]:
    """The notices with everything a notice shows (its page, the API): a few queries for any number of rows."""
    return (notices.select_related("complaint__ipr", "complaint__complainant", "complaint__dmca", "counter_notice")
            .prefetch_related(Prefetch("complaint__evidence", queryset=ComplaintEvidence.objects.select_related("document")),
                              Prefetch("counter_notice__evidence",
                                       queryset=CounterNoticeEvidence.objects.select_related("document")),
                              "complaint__ipr__classes"))


def notice_of(seller: User, item_id: int) -> ComplaintItem | None:
    """One of the seller's notices with everything its page shows; None for anyone else's, or one not notified yet."""
    return notice_details(notices_of(seller).filter(pk=item_id)).first()


def notices_to_answer_count(seller: User) -> int:
    # In seller_notified means notified: no need for the event here.
    return ComplaintItem.objects.filter(listing__shop__owner=seller, state=State.SELLER_NOTIFIED).count()


def notice_answerable(item: ComplaintItem) -> bool:
    """Whether the seller may still file a counter-notice: notified, and its window still open (the sweep may lag)."""
    return item.state == State.SELLER_NOTIFIED and (item.respond_by is None or item.respond_by > timezone.now())


def notice_history(item: ComplaintItem) -> QuerySet[ComplaintItemEvent]:
    """The item's moves from its notice on, oldest first: what came before (filing, review) is not the seller's."""
    return (ComplaintItemEvent.objects.filter(item=item, at__gte=item.notified_at).select_related("actor")
            .order_by("at", "pk"))


def notice_complainant(complaint: Complaint) -> tuple[str, str]:
    """(name, email) of whoever filed: all a seller may know of the complainant (domain: "The workflow")."""
    if complaint.complainant is not None:
        return complaint.complainant.complainant_name or complaint.complainant.email, complaint.complainant.email
    dmca = getattr(complaint, "dmca", None)  # a DMCA notice sent without an account
    return (dmca.full_name, dmca.email) if dmca else ("", "")


# --- Reviewer decisions: the items waiting for a reviewer ----------------------------------------------

# An item waits for a reviewer in review (accept or reject the complaint on it) and after a counter-notice
# (take the listing down or reinstate it).
AWAITING_REVIEWER = (State.IN_REVIEW, State.IN_DECISION)


def _waiting_since():
    """When the item moved into the state it is in (its latest move there)."""
    latest = ComplaintItemEvent.objects.filter(item=OuterRef("pk"), to_state=OuterRef("state")).order_by("-at", "-pk")
    return Subquery(latest.values("at")[:1])


def _review_rows(items: QuerySet[ComplaintItem]) -> QuerySet[ComplaintItem]:
    return (items.annotate(
                waiting_since=_waiting_since(),
                due_on=Case(When(state=State.IN_REVIEW, then=F("review_due_on")), default=Value(None),
                            output_field=DateField()),
                has_counter_notice=Exists(CounterNotice.objects.filter(item=OuterRef("pk"))))
            .select_related("listing__shop", "complaint__platform", "complaint__ipr", "complaint__complainant",
                            "complaint__dmca"))


def items_awaiting_reviewer(*, state: str = "", platform: str = "") -> QuerySet[ComplaintItem]:
    """Items waiting for a reviewer (``state``: in_review or in_decision; both when empty), the longest waiting first.

    Each row carries ``waiting_since``, ``due_on`` (the review's due date; None while awaiting a decision, which has
    no deadline column: ``review_due_on`` keeps the review's) and ``has_counter_notice``, with the listing, its shop,
    the complaint, its platform, right, complainant and DMCA notice joined: a page of rows is one query.
    """
    found = ComplaintItem.objects.filter(state__in=[state] if state else AWAITING_REVIEWER)
    if platform:
        found = found.filter(complaint__platform_id=platform)
    return _review_rows(found).order_by(F("waiting_since").asc(nulls_first=True), "pk")


def review_row(item_id: int) -> ComplaintItem | None:
    """One item as ``items_awaiting_reviewer`` reads it, whatever its state (a decision is answered with it)."""
    return _review_rows(ComplaintItem.objects.filter(pk=item_id)).first()


def item_for_review(item_id: int) -> ComplaintItem | None:
    """One complaint item, in any state, with everything its review page shows: the right and its documents, the
    listing, the complaint and its evidence, the counter-notice and its evidence, and every move oldest first."""
    return (ComplaintItem.objects.filter(pk=item_id)
            .select_related("listing__shop", "complaint__platform", "complaint__complainant", "complaint__dmca",
                            "complaint__ipr__filed_by", "complaint__ipr__certificate", "complaint__ipr__letter",
                            "counter_notice")
            .prefetch_related(
                "complaint__ipr__classes",
                Prefetch("complaint__evidence", queryset=ComplaintEvidence.objects.select_related("document")),
                Prefetch("counter_notice__evidence", queryset=CounterNoticeEvidence.objects.select_related("document")),
                Prefetch("events", queryset=ComplaintItemEvent.objects.select_related("actor").order_by("at", "pk")))
            .first())


# --- Penalty points ---------------------------------------------------------------------------------------

def penalty_points_of(shop) -> int:
    """The points on the shop's record (a shop is one seller on one platform)."""
    return shop.penalties.aggregate(total=Sum("points"))["total"] or 0


def shops_with_points() -> QuerySet[Shop]:
    """Every shop with its ``points`` and whether it is a ``repeat_infringer`` (points at the threshold or more)."""
    return Shop.objects.annotate(
        points=Coalesce(Sum("penalties__points"), 0),
        repeat_infringer=Case(When(points__gte=settings.IPP_REPEAT_INFRINGER_POINTS, then=Value(True)),
                              default=Value(False), output_field=BooleanField()))
