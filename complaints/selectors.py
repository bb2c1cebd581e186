"""Reads about complaints that several pages (and the API) need, with their joins decided once."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.selectors import filing_block_reason
from ipp import workdays

from .models import (
    Complaint,
    ComplaintEvidence,
    ComplaintItem,
    ComplaintItemEvent,
    CounterNotice,
    CounterNoticeEvidence,
    FilingSuspension,
    GoodFaithMembership,
    PenaltyEntry,
    Platform,
    Shop,
    SpotCheck,
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


# --- The reviewers' queue: the items waiting for a reviewer, filtered, sorted and claimed -----------------

# An item waits for a reviewer in review (accept or reject the complaint on it) and after a counter-notice
# (take the listing down or reinstate it).
AWAITING_REVIEWER = (State.IN_REVIEW, State.IN_DECISION)


# The queue's third view: Good Faith members' items (which skipped review) sampled for a reviewer's check, while
# their notice still stands (SpotCheck).
SPOT_CHECKS = "spot_check"
SPOT_CHECKABLE = (State.SELLER_NOTIFIED, State.COUNTER_NOTICED)


class QueueSort(models.TextChoices):
    WAITING = "waiting", _("Longest waiting first")
    DUE = "due", _("Due soonest first")
    NEWEST = "newest", _("Newest first")
    PLATFORM = "platform", _("Marketplace")
    COMPLAINANT = "complainant", _("Complainant")


QUEUE_ORDER = {
    QueueSort.WAITING: ["state_since", "pk"],
    QueueSort.DUE: [F("review_due_on").asc(nulls_last=True), "state_since", "pk"],
    QueueSort.NEWEST: ["-state_since", "-pk"],
    QueueSort.PLATFORM: ["complaint__platform__position", "state_since", "pk"],
    QueueSort.COMPLAINANT: ["complaint__complainant__complainant_name", "complaint__dmca__full_name", "state_since", "pk"],
}


@dataclass(frozen=True)
class QueueFilters:
    """What a reviewer narrows the queue to; every field empty (the default) is the whole queue, longest waiting first."""

    state: str = ""  # in_review or in_decision (both when empty), or SPOT_CHECKS
    platform: str = ""
    ipr_kind: str = ""  # an IPR kind, or "dmca" for DMCA notices (a copyright work, no registered right)
    reason: str = ""
    complainant: str = ""  # part of the complainant's name or email
    good_faith: str = ""  # "members" or "others"
    breaching_sla: bool = False  # due before today (China's date)
    waited_days: int | None = None  # waiting at least this many days
    claims: str = ""  # "free" (free for the reviewer: unclaimed, lapsed or its own) or "mine"
    sort: str = QueueSort.WAITING


def _claimed_by_another(reviewer: User, now) -> Q:
    return Q(claimed_by__isnull=False, claimed_until__gt=now) & ~Q(claimed_by=reviewer)


def _review_rows(items: QuerySet[ComplaintItem]) -> QuerySet[ComplaintItem]:
    # Both flags are looked up row by row from the item's own columns (docs/benchmarks.md): the complainant is read
    # from the complaint inside the subquery (referring to the joined complaint kept that join in every count of
    # the queue), and the counter-notice by a scalar subquery on its unique item id, run for the rows of the page
    # (an EXISTS was planned as a hash of every counter-notice ever filed; a join made the page's plan take 14 ms
    # to find for a 2 ms run).
    complainant = Complaint.objects.filter(pk=OuterRef(OuterRef("complaint_id"))).values("complainant_id")[:1]
    members = GoodFaithMembership.objects.filter(complainant_id=Subquery(complainant),
                                                 status=GoodFaithMembership.Status.MEMBER)
    counter_notice = CounterNotice.objects.filter(item_id=OuterRef("pk")).order_by().values("pk")[:1]
    return (items.annotate(
                waiting_since=F("state_since"), due_on=F("review_due_on"),
                counter_notice_found=Subquery(counter_notice),
                has_counter_notice=ExpressionWrapper(Q(counter_notice_found__isnull=False), output_field=BooleanField()),
                complainant_in_good_faith=Exists(members),
                claim_holder_email=Subquery(User.objects.filter(pk=OuterRef("claimed_by_id")).values("email")[:1]))
            # Ten joined tables made PostgreSQL spend 25 ms planning a page it runs in 3 ms: the claim holder's email
            # comes by subquery and the DMCA notice (rare) in one query by key (planning 7 ms).
            .select_related("listing__shop", "complaint__platform", "complaint__ipr", "complaint__complainant")
            .prefetch_related("complaint__dmca"))


def review_queue(filters: QueueFilters = QueueFilters(), *, reviewer: User | None = None,
                 today: dt.date | None = None) -> QuerySet[ComplaintItem]:
    """The items waiting for a reviewer that match ``filters``, in the order asked for (longest waiting first).

    Each row carries ``waiting_since``, ``due_on`` (the day the review or decision is due, China's working days),
    ``has_counter_notice``, ``complainant_in_good_faith`` and ``claim_holder_email``, with the listing, its shop, the
    complaint, its platform, right and complainant joined, and the DMCA notice fetched by key: a page of rows is two
    queries, whatever its size.
    """
    now = timezone.now()
    if filters.state == SPOT_CHECKS:
        found = ComplaintItem.objects.filter(spot_check=SpotCheck.PENDING, state__in=SPOT_CHECKABLE)
    else:
        found = ComplaintItem.objects.filter(state__in=[filters.state] if filters.state else AWAITING_REVIEWER)
    if filters.platform:
        found = found.filter(complaint__platform_id=filters.platform)
    if filters.ipr_kind == "dmca":
        found = found.filter(complaint__ipr__isnull=True)
    elif filters.ipr_kind:
        found = found.filter(complaint__ipr__kind=filters.ipr_kind)
    if filters.reason:
        found = found.filter(complaint__reason=filters.reason)
    if filters.complainant:
        text = filters.complainant.strip()
        found = found.filter(Q(complaint__complainant__complainant_name__icontains=text)
                             | Q(complaint__complainant__email__icontains=text)
                             | Q(complaint__dmca__full_name__icontains=text) | Q(complaint__dmca__email__icontains=text))
    if filters.breaching_sla:
        found = found.filter(review_due_on__lt=today or workdays.today_in_china())
    if filters.waited_days:
        found = found.filter(state_since__lte=now - dt.timedelta(days=filters.waited_days))
    if filters.claims == "mine" and reviewer is not None:
        found = found.filter(claimed_by=reviewer, claimed_until__gt=now)
    elif filters.claims == "free" and reviewer is not None:
        found = found.exclude(_claimed_by_another(reviewer, now))
    found = _review_rows(found)
    if filters.good_faith:
        found = found.filter(complainant_in_good_faith=filters.good_faith == "members")
    if filters.state == SPOT_CHECKS and filters.sort in ("", QueueSort.WAITING):
        # A spot check is worth most before the seller's window closes (a silent seller's listing is then removed).
        return found.order_by("respond_by", "pk")
    return found.order_by(*QUEUE_ORDER.get(filters.sort, QUEUE_ORDER[QueueSort.WAITING]))


def items_awaiting_reviewer(*, state: str = "", platform: str = "") -> QuerySet[ComplaintItem]:
    """The whole queue of one state (or both), longest waiting first: the queue tabs' counts and the demo's check."""
    return review_queue(QueueFilters(state=state, platform=platform))


def review_row(item_id: int) -> ComplaintItem | None:
    """One item as ``review_queue`` reads it, whatever its state (a decision is answered with it)."""
    return _review_rows(ComplaintItem.objects.filter(pk=item_id)).first()


def claimed_by_another(item: ComplaintItem, reviewer: User, now=None) -> bool:
    """Whether another reviewer's claim on ``item`` still runs (the reviewer's own claim is no obstacle)."""
    return item.claim_runs(now) and item.claimed_by_id != reviewer.pk


def claim_holder(item: ComplaintItem, reviewer: User, now=None) -> User | None:
    """The other reviewer whose claim on ``item`` still runs, if any."""
    return item.claimed_by if claimed_by_another(item, reviewer, now) else None


def next_item_for(reviewer: User, *, after: ComplaintItem | None = None) -> ComplaintItem | None:
    """Where a reviewer goes next: its own claimed items first (longest waiting), then the first free item."""
    now = timezone.now()
    waiting = ComplaintItem.objects.filter(state__in=AWAITING_REVIEWER)
    if after is not None:
        waiting = waiting.exclude(pk=after.pk)
    mine = waiting.filter(claimed_by=reviewer, claimed_until__gt=now).order_by("state_since", "pk").first()
    return mine or waiting.exclude(_claimed_by_another(reviewer, now)).order_by("state_since", "pk").first()


def item_for_review(item_id: int) -> ComplaintItem | None:
    """One complaint item, in any state, with everything its review page shows: the right and its documents, the
    listing, the complaint and its evidence, the counter-notice and its evidence, and every move oldest first."""
    return (ComplaintItem.objects.filter(pk=item_id)
            .select_related("listing__shop__owner", "complaint__platform", "complaint__complainant",
                            "complaint__dmca", "complaint__ipr__filed_by", "complaint__ipr__certificate",
                            "complaint__ipr__letter", "counter_notice", "claimed_by")
            .prefetch_related(
                "complaint__ipr__classes",
                Prefetch("complaint__evidence", queryset=ComplaintEvidence.objects.select_related("document")),
                Prefetch("counter_notice__evidence", queryset=CounterNoticeEvidence.objects.select_related("document")),
                Prefetch("events", queryset=ComplaintItemEvent.objects.select_related("actor").order_by("at", "pk")))
            .first())


def seller_record(shop: Shop) -> dict:
    """What a reviewer weighs of the seller: its shop's points and how its earlier complaint items ended."""
    outcomes = dict(ComplaintItem.objects.filter(listing__shop=shop).values_list("state").annotate(n=Count("pk"))
                    .values_list("state", "n"))
    points = penalty_points_of(shop)
    return {"points": points, "taken_down": outcomes.get(State.TAKEN_DOWN, 0),
            "kept": outcomes.get(State.COUNTER_ACCEPTED, 0) + outcomes.get(State.REINSTATED, 0),
            "rejected": outcomes.get(State.REJECTED, 0),
            "repeat_infringer": points >= settings.IPP_REPEAT_INFRINGER_POINTS}


def sibling_items(item: ComplaintItem) -> QuerySet[ComplaintItem]:
    """The other items of the item's complaint waiting for the same decision: the ones a bulk decision takes."""
    return (ComplaintItem.objects.filter(complaint_id=item.complaint_id, state=item.state).exclude(pk=item.pk)
            .select_related("listing", "claimed_by").order_by("pk"))


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


# --- Admin area: sellers' penalty ledger, repeat infringers, platforms' change history ------------------



# How the sellers' list may be ordered (its "sort" parameter); the shop's pk breaks ties, so pages are stable.
PENALISED_SHOP_ORDERS = {
    "points": (F("points").desc(), "pk"),
    "points_asc": (F("points").asc(), "pk"),
    "latest": (F("last_penalty_at").desc(), "pk"),
    "shop": ("name", "pk"),
}


def _of_shop(aggregate, *, output_field=None):
    """One figure of the shop's penalty entries, as a subquery: no join fans out the shop rows, no GROUP BY."""
    per_shop = (PenaltyEntry.objects.filter(shop=OuterRef("pk")).order_by().values("shop")
                .annotate(figure=aggregate).values("figure"))
    return Subquery(per_shop[:1], output_field=output_field)


def _takedowns_of_shop():
    taken = (ComplaintItem.objects.filter(listing__shop=OuterRef("pk"), state=State.TAKEN_DOWN).order_by()
             .values("listing__shop").annotate(n=Count("pk")).values("n"))
    return Coalesce(Subquery(taken[:1]), 0)


def _with_penalty_figures(shops: QuerySet[Shop]) -> QuerySet[Shop]:
    """Each shop with ``points``, ``repeat_infringer`` (as ``shops_with_points`` decides it), ``penalty_count`` (entries),
    ``takedowns`` (its listings taken down: more than its entries where a platform counts copyright per complaint)
    and ``last_penalty_at``; the platform and the seller's account joined."""
    return (shops.annotate(
                points=Coalesce(_of_shop(Sum("points")), 0),
                penalty_count=Coalesce(_of_shop(Count("pk")), 0),
                last_penalty_at=_of_shop(Max("created_at")),
                takedowns=_takedowns_of_shop())
            .annotate(repeat_infringer=Case(When(points__gte=settings.IPP_REPEAT_INFRINGER_POINTS, then=Value(True)),
                                            default=Value(False), output_field=BooleanField()))
            .select_related("platform", "owner"))


def penalised_shops(*, platform: str = "", repeat_only: bool = False, search: str = "",
                    order: str = "points") -> QuerySet[Shop]:
    """Every shop with at least one penalty entry, as ``_with_penalty_figures`` reads it: a page of rows is one query.

    ``repeat_only`` keeps the repeat infringers (points at IPP_REPEAT_INFRINGER_POINTS or more); ``search`` matches
    the shop's name or id and the seller account's email or name; ``order`` is a key of ``PENALISED_SHOP_ORDERS``.
    """
    found = Shop.objects.filter(Exists(PenaltyEntry.objects.filter(shop=OuterRef("pk"))))
    if platform:
        found = found.filter(platform_id=platform)
    if search:
        found = found.filter(Q(name__icontains=search) | Q(shop_id__icontains=search)
                             | Q(owner__email__icontains=search) | Q(owner__complainant_name__icontains=search))
    found = _with_penalty_figures(found)
    if repeat_only:
        found = found.filter(points__gte=settings.IPP_REPEAT_INFRINGER_POINTS)
    return found.order_by(*PENALISED_SHOP_ORDERS.get(order, PENALISED_SHOP_ORDERS["points"]))


def penalised_shop(shop_pk: int) -> Shop | None:
    """One shop with its penalty figures (``_with_penalty_figures``), whether or not it has any."""
    return _with_penalty_figures(Shop.objects.filter(pk=shop_pk)).first()


def shops_of_seller(owner: User) -> QuerySet[Shop]:
    """All of a seller account's shops, on every platform, each with its penalty figures, in the platforms' order."""
    return _with_penalty_figures(Shop.objects.filter(owner=owner)).order_by("platform__position", "platform_id", "name",
                                                                            "pk")


def penalty_ledger(shop: Shop) -> QuerySet[PenaltyEntry]:
    """The shop's penalty entries, newest first, each with ``running_total`` (the shop's points once it was added),
    ``per_complaint`` (it counts a whole complaint, under a platform's copyright rule, not one listing)
    and ``listings_counted`` (the complaint's listings of this shop taken down; more than one only where the
    entry counts a whole complaint), with the listing, the complaint, its platform, right, complainant and DMCA
    notice joined: a page of entries is one query."""
    taken_down = (ComplaintItem.objects.filter(complaint=OuterRef("item__complaint"), listing__shop=OuterRef("shop"),
                                               state=State.TAKEN_DOWN)
                  .order_by().values("complaint").annotate(n=Count("pk")).values("n"))
    return (PenaltyEntry.objects.filter(shop=shop)
            .annotate(running_total=Window(Sum("points"), order_by=[F("created_at").asc(), F("pk").asc()]),
                      per_complaint=Case(When(counted_as__startswith="complaint:", then=Value(True)),
                                         default=Value(False), output_field=BooleanField()),
                      listings_counted=Coalesce(Subquery(taken_down[:1]), 1))
            .select_related("item__listing", "item__complaint__platform", "item__complaint__ipr",
                            "item__complaint__complainant", "item__complaint__dmca")
            .order_by("-created_at", "-pk"))


def _platform_log() -> QuerySet[LogEntry]:
    return LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(Platform))


def platforms_with_last_change() -> QuerySet[Platform]:
    """Every platform, in the lists' order, with when its settings last changed (``last_changed_at``) and by whom
    (``last_changed_by``, an email): one query."""
    latest = _platform_log().filter(object_id=OuterRef("pk")).order_by("-action_time", "-pk")
    return Platform.objects.annotate(last_changed_at=Subquery(latest.values("action_time")[:1]),
                                     last_changed_by=Subquery(latest.values("user__email")[:1]))


def platform_history(platform: Platform) -> QuerySet[LogEntry]:
    """Every recorded change of the platform's settings (this portal's page and the Django admin), newest first."""
    return _platform_log().filter(object_id=platform.pk).select_related("user").order_by("-action_time", "-pk")


# --- Who may file a complaint ------------------------------------------------------------------------------

def filing_suspension_of(user: User, *, now: dt.datetime | None = None) -> FilingSuspension | None:
    """The suspension barring the user from filing complaints now, if any."""
    return (FilingSuspension.objects.filter(complainant=user, lifted_at__isnull=True, ends_at__gt=now or timezone.now())
            .order_by("-ends_at").first())


def complaint_filing_block_reason(user: User) -> str | None:
    """Why this user may not file complaints now, in words for the user; None if it may: the account's standing
    (``accounts.selectors.filing_block_reason``), then a filing suspension."""
    blocked = filing_block_reason(user)
    if blocked or not user.is_authenticated:
        return blocked
    suspension = filing_suspension_of(user)
    if suspension is not None:
        return _("You may not file complaints until %(until)s: %(reason)s") % {
            "until": timezone.localtime(suspension.ends_at).strftime("%Y-%m-%d %H:%M"), "reason": suspension.reason}
    return None
