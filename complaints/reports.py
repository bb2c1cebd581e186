"""Figures about complaints: the admins' transparency report and a rights holder's own figures.

Every figure is an aggregate computed by the database, so each report costs the same few
queries whatever the number of complaints (percentiles included: PostgreSQL's
``percentile_cont``, and the same function registered on SQLite connections).

Periods are China dates, as every date the portal shows: a period from ``date_from`` to
``date_until`` runs from 00:00 China time on the first day to 24:00 on the last. What each
figure counts (the shape follows the DSA transparency reports):

- **Filed**: complaints filed (``Complaint.submitted_at``) in the period, and their items;
  by platform, by reason, and the items by where they are now (their outcome, or still open).
- **Time to decision**: items decided in the period (``ComplaintItem.decided_at``: rejected,
  taken down, reinstated, counter-notice accepted), from their complaint's filing.
- **Review deadlines (SLA)**: ``review_due_on`` is the date a reviewer decides by, set by each
  move into review or into a decision after a counter-notice (``workflow.DEADLINES``); an item
  keeps the deadline of its latest such review. The reviews counted are those due in the period
  (a breach happens on the day the deadline passes) that were decided by a reviewer, or are still
  waiting past their date; a review decided on a China date after its due date is late. Reviews
  ended by a withdrawal or a hold are nobody's decision and not counted.
- **Counter-notices**: items that reached the seller (moved into seller_notified) in the period;
  the share of them with a counter-notice; of those counter-notices decided, the share where the
  listing stayed (counter-notice accepted, or reinstated by a reviewer).
- **Automated decisions**: takedowns in the period by the seller-silence sweep (an automated
  decision in the DSA's sense: reason ``no_counter_notice``, no actor) and by a reviewer.
"""

import datetime as dt
import math
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db.models import (
    Aggregate,
    Count,
    DurationField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from ipp.workdays import today_in_china

from .models import Complaint, ComplaintItem, ComplaintItemEvent, CounterNotice, Platform

State = ComplaintItem.State

# China has kept UTC+8 all year since 1991; the name lets the database convert for date truncation.
CHINA = zoneinfo.ZoneInfo("Asia/Shanghai")
DEFAULT_PERIOD_DAYS = 30

# An item waits for a reviewer in these states; the moves out of them that a reviewer makes.
REVIEW_STATES = (State.IN_REVIEW, State.IN_DECISION)
REVIEWER_DECISIONS = (State.REJECTED, State.SELLER_NOTIFIED, State.TAKEN_DOWN, State.REINSTATED)
# Where an item filed in the period is now: its outcome, in the report's order, then the rest.
OUTCOMES = (State.TAKEN_DOWN, State.REJECTED, State.COUNTER_ACCEPTED, State.REINSTATED, State.WITHDRAWN, State.HELD)
OPEN_STATES = (State.SUBMITTED, State.IN_REVIEW, State.SELLER_NOTIFIED, State.COUNTER_NOTICED, State.IN_DECISION)
OPEN = "open"
# A counter-notice that kept the listing up, and the decided counter-notices it is a share of.
LISTING_STAYED = (State.COUNTER_ACCEPTED, State.REINSTATED)
# The timed takedown of the seller-silence sweep (services.seller_silence_sweep).
SWEEP_TAKEDOWN_REASON = "no_counter_notice"
FILED_STATUSES = (Complaint.Status.OPEN, Complaint.Status.CLOSED, Complaint.Status.WITHDRAWN)


# --- Percentiles ---------------------------------------------------------------------------------

SQLITE_PERCENTILE = "ipp_percentile_cont"


class _SqlitePercentileCont:
    """``percentile_cont`` for SQLite, as PostgreSQL computes it: linear interpolation between the closest ranks."""

    def __init__(self):
        self.values: list[float] = []
        self.fraction = 0.5

    def step(self, value, fraction):
        if value is not None:
            self.values.append(value)
            self.fraction = fraction

    def finalize(self):
        return percentile_cont(self.values, self.fraction)


def percentile_cont(values: list[float], fraction: float) -> float | None:
    """The ``fraction`` percentile of ``values`` by PostgreSQL's ``percentile_cont`` rule; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    lower, upper = math.floor(position), math.ceil(position)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


class Percentile(Aggregate):
    """The continuous percentile (``fraction`` 0..1) of an expression: ``percentile_cont`` on PostgreSQL.

    SQLite has no such aggregate: the connection running the query is given one (the same rule,
    computed by SQLite while it aggregates), so the query and its count are the same on both.
    """

    function = "percentile_cont"
    name = "Percentile"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression, *, fraction: float, **extra):
        if not 0 <= fraction <= 1:
            raise ValueError("A percentile's fraction is between 0 and 1.")
        # A float of our own, never user input: safe to write into the SQL.
        super().__init__(expression, fraction=repr(float(fraction)), **extra)

    def as_sqlite(self, compiler, connection, **extra_context):
        connection.ensure_connection()
        connection.connection.create_aggregate(SQLITE_PERCENTILE, 2, _SqlitePercentileCont)
        clone = self.copy()  # the template is not passed along: a FILTER clause is built around self.template
        clone.function, clone.template = SQLITE_PERCENTILE, "%(function)s(%(expressions)s, %(fraction)s)"
        return clone.as_sql(compiler, connection, **extra_context)


def _filing_to_decision():
    """How long from the complaint's filing to the item's decision (an interval; microseconds on SQLite)."""
    return F("decided_at") - F("complaint__submitted_at")


def _median(expression, **extra) -> Percentile:
    return Percentile(expression, fraction=0.5, output_field=DurationField(), **extra)


def _p90(expression, **extra) -> Percentile:
    return Percentile(expression, fraction=0.9, output_field=DurationField(), **extra)


# --- Presentation helpers -------------------------------------------------------------------------

def share(part: int, whole: int) -> float | None:
    """``part`` of ``whole`` (0..1); None when there is no whole to share."""
    return part / whole if whole else None


def percent_text(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f} %"


def duration_text(value: dt.timedelta | None) -> str:
    """A duration as people read it: hours up to two days, days beyond."""
    if value is None:
        return "—"
    hours = value.total_seconds() / 3600
    if hours < 48:
        return _("%(n)s hours") % {"n": f"{hours:.1f}"}
    return _("%(n)s days") % {"n": f"{hours / 24:.1f}"}


def hours(value: dt.timedelta | None) -> float | None:
    return None if value is None else round(value.total_seconds() / 3600, 2)


# --- The period ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Period:
    """China dates, both included; ``platform`` a platform code, or empty for all."""

    date_from: dt.date
    date_until: dt.date
    platform: str = ""

    @property
    def since(self) -> dt.datetime:
        return dt.datetime.combine(self.date_from, dt.time.min, tzinfo=CHINA)

    @property
    def before(self) -> dt.datetime:
        return dt.datetime.combine(self.date_until + dt.timedelta(days=1), dt.time.min, tzinfo=CHINA)


def default_period(*, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The last 30 days, today (in China) included."""
    today = today or today_in_china()
    return today - dt.timedelta(days=DEFAULT_PERIOD_DAYS - 1), today


# --- The transparency report ---------------------------------------------------------------------

@dataclass(frozen=True)
class FiledRow:
    """Complaints and items filed in the period on one platform, or for one reason."""

    key: str
    label: str
    complaints: int
    items: int


@dataclass(frozen=True)
class OutcomeRow:
    key: str
    label: str
    items: int


@dataclass(frozen=True)
class TimeRow:
    """Items decided in the period (all of them, or one platform's) and the time from filing to decision."""

    key: str
    label: str
    decided: int
    median: dt.timedelta | None
    p90: dt.timedelta | None

    @property
    def median_text(self) -> str:
        return duration_text(self.median)

    @property
    def p90_text(self) -> str:
        return duration_text(self.p90)


@dataclass(frozen=True)
class Sla:
    """Reviews due in the period: decided by a reviewer, or still waiting past their date."""

    reviews: int
    decided_late: int
    waiting_past_due: int

    @property
    def breaches(self) -> int:
        return self.decided_late + self.waiting_past_due

    @property
    def breach_share(self) -> float | None:
        return share(self.breaches, self.reviews)

    @property
    def breach_share_text(self) -> str:
        return percent_text(self.breach_share)


@dataclass(frozen=True)
class CounterNotices:
    """Items that reached the seller in the period, and what came of their counter-notices."""

    reached_seller: int
    counter_noticed: int
    listing_stayed: int
    taken_down: int
    withdrawn: int
    undecided: int

    @property
    def rate(self) -> float | None:
        return share(self.counter_noticed, self.reached_seller)

    @property
    def decided(self) -> int:
        return self.listing_stayed + self.taken_down

    @property
    def stayed_share(self) -> float | None:
        return share(self.listing_stayed, self.decided)

    @property
    def rate_text(self) -> str:
        return percent_text(self.rate)

    @property
    def stayed_share_text(self) -> str:
        return percent_text(self.stayed_share)


@dataclass(frozen=True)
class Takedowns:
    """Listings taken down in the period: by the seller-silence sweep (automated), by a reviewer."""

    automated: int
    by_reviewer: int

    @property
    def total(self) -> int:
        return self.automated + self.by_reviewer

    @property
    def automated_share(self) -> float | None:
        return share(self.automated, self.total)

    @property
    def automated_share_text(self) -> str:
        return percent_text(self.automated_share)


@dataclass(frozen=True)
class TransparencyReport:
    period: Period
    platform_label: str
    complaints: int
    items: int
    by_platform: list[FiledRow]
    by_reason: list[FiledRow]
    outcomes: list[OutcomeRow]
    open_steps: list[OutcomeRow]
    time_to_decision: TimeRow
    time_by_platform: list[TimeRow]
    sla: Sla
    counter_notices: CounterNotices
    takedowns: Takedowns


def _platform_names() -> dict[str, str]:
    """Each platform's name in the user's language, in the platforms' order."""
    return {code: _(name) for code, name in Platform.objects.order_by("position", "code").values_list("code", "name")}


def _filed_complaints(period: Period) -> QuerySet[Complaint]:
    found = (Complaint.objects.filter(submitted_at__gte=period.since, submitted_at__lt=period.before)
             .exclude(status=Complaint.Status.DRAFT))
    return found.filter(platform_id=period.platform) if period.platform else found


def _items_of_platform(items: QuerySet, period: Period, path: str = "complaint__platform_id") -> QuerySet:
    return items.filter(**{path: period.platform}) if period.platform else items


def _filed(period: Period, names: dict[str, str]) -> tuple[list[FiledRow], list[FiledRow]]:
    """(by platform, by reason) of the complaints filed in the period: two queries."""
    counts = {"complaints": Count("pk", distinct=True), "items": Count("items")}
    per_platform = {row["platform_id"]: row for row in
                    _filed_complaints(period).values("platform_id").annotate(**counts).order_by()}
    shown = [period.platform] if period.platform else list(names)
    by_platform = [FiledRow(code, names.get(code, code), per_platform.get(code, {}).get("complaints", 0),
                            per_platform.get(code, {}).get("items", 0)) for code in shown]
    reasons = dict(Complaint.Reason.choices)
    per_reason = {row["reason"]: row for row in _filed_complaints(period).values("reason").annotate(**counts).order_by()}
    by_reason = [FiledRow(code, str(reasons.get(code, code or "—")), row["complaints"], row["items"])
                 for code in [*reasons, *sorted(set(per_reason) - set(reasons))]
                 if (row := per_reason.get(code))]
    return by_platform, by_reason


def _outcomes(period: Period) -> tuple[list[OutcomeRow], list[OutcomeRow]]:
    """Where the items filed in the period are now: (outcomes and "still open", the open ones by step)."""
    per_state = dict(ComplaintItem.objects.filter(complaint__in=_filed_complaints(period))
                     .values("state").annotate(n=Count("pk")).order_by().values_list("state", "n"))
    outcomes = [OutcomeRow(state.value, str(state.label), per_state.get(state, 0)) for state in OUTCOMES]
    outcomes.append(OutcomeRow(OPEN, _("Still open"), sum(per_state.get(state, 0) for state in OPEN_STATES)))
    open_steps = [OutcomeRow(state.value, str(state.label), per_state.get(state, 0)) for state in OPEN_STATES]
    return outcomes, open_steps


def _time_to_decision(period: Period, names: dict[str, str]) -> tuple[TimeRow, list[TimeRow]]:
    """Median and 90th percentile from filing to decision of the items decided in the period: two queries."""
    decided = _items_of_platform(
        ComplaintItem.objects.filter(decided_at__gte=period.since, decided_at__lt=period.before), period)
    figures = {"decided": Count("pk"), "median": _median(_filing_to_decision()), "p90": _p90(_filing_to_decision())}
    overall = decided.aggregate(**figures)
    per_platform = {row["complaint__platform_id"]: row
                    for row in decided.values("complaint__platform_id").annotate(**figures).order_by()}
    rows = [TimeRow(code, names.get(code, code), row["decided"], row["median"], row["p90"])
            for code in [*names, *sorted(set(per_platform) - set(names))] if (row := per_platform.get(code))]
    return TimeRow("", _("All platforms"), overall["decided"], overall["median"], overall["p90"]), rows


def _sla(period: Period) -> Sla:
    """Reviews due in the period, late or not (see the module's docstring): one query."""
    today = today_in_china()
    last_exit = (ComplaintItemEvent.objects.filter(item=OuterRef("pk"), from_state__in=REVIEW_STATES)
                 .order_by("-at", "-pk"))
    due = _items_of_platform(
        ComplaintItem.objects.filter(review_due_on__gte=period.date_from, review_due_on__lte=period.date_until),
        period).annotate(exit_at=Subquery(last_exit.values("at")[:1]),
                         exit_to=Subquery(last_exit.values("to_state")[:1]))
    waiting = Q(state__in=REVIEW_STATES)
    decided = ~waiting & Q(exit_to__in=REVIEWER_DECISIONS)
    past_due = waiting & Q(review_due_on__lt=today)
    figures = due.annotate(exit_day=TruncDate("exit_at", tzinfo=CHINA)).aggregate(
        reviews=Count("pk", filter=decided | past_due),
        late=Count("pk", filter=decided & Q(exit_day__gt=F("review_due_on"))),
        past_due=Count("pk", filter=past_due))
    return Sla(reviews=figures["reviews"], decided_late=figures["late"], waiting_past_due=figures["past_due"])


def _counter_notices(period: Period) -> CounterNotices:
    """Items that reached the seller in the period and their counter-notices: one query."""
    notified = ComplaintItemEvent.objects.filter(item=OuterRef("pk"), to_state=State.SELLER_NOTIFIED,
                                                 at__gte=period.since, at__lt=period.before)
    reached = _items_of_platform(ComplaintItem.objects.filter(Exists(notified)), period).annotate(
        has_counter_notice=Exists(CounterNotice.objects.filter(item=OuterRef("pk"))))
    countered = Q(has_counter_notice=True)
    figures = reached.aggregate(
        reached=Count("pk"), countered=Count("pk", filter=countered),
        stayed=Count("pk", filter=countered & Q(state__in=LISTING_STAYED)),
        taken_down=Count("pk", filter=countered & Q(state=State.TAKEN_DOWN)),
        withdrawn=Count("pk", filter=countered & Q(state=State.WITHDRAWN)))
    undecided = figures["countered"] - figures["stayed"] - figures["taken_down"] - figures["withdrawn"]
    return CounterNotices(reached_seller=figures["reached"], counter_noticed=figures["countered"],
                          listing_stayed=figures["stayed"], taken_down=figures["taken_down"],
                          withdrawn=figures["withdrawn"], undecided=undecided)


def _takedowns(period: Period) -> Takedowns:
    """Takedowns in the period, automated or by a reviewer: one query."""
    moves = _items_of_platform(
        ComplaintItemEvent.objects.filter(to_state=State.TAKEN_DOWN, at__gte=period.since, at__lt=period.before),
        period, path="item__complaint__platform_id")
    figures = moves.aggregate(
        automated=Count("pk", filter=Q(reason=SWEEP_TAKEDOWN_REASON, actor__isnull=True)),
        by_reviewer=Count("pk", filter=Q(actor__isnull=False)))
    return Takedowns(automated=figures["automated"], by_reviewer=figures["by_reviewer"])


def transparency_report(*, date_from: dt.date, date_until: dt.date, platform: str = "") -> TransparencyReport:
    """Every figure of the admins' report for a period of China dates (optionally one platform's): nine queries."""
    period = Period(date_from, date_until, platform)
    names = _platform_names()
    by_platform, by_reason = _filed(period, names)
    outcomes, open_steps = _outcomes(period)
    overall, time_by_platform = _time_to_decision(period, names)
    return TransparencyReport(
        period=period, platform_label=names.get(platform, platform) if platform else _("All platforms"),
        complaints=sum(row.complaints for row in by_platform), items=sum(row.items for row in by_platform),
        by_platform=by_platform, by_reason=by_reason, outcomes=outcomes, open_steps=open_steps,
        time_to_decision=overall, time_by_platform=time_by_platform, sla=_sla(period),
        counter_notices=_counter_notices(period), takedowns=_takedowns(period))


def _figure(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".")
    return str(value)


def report_figures(report: TransparencyReport) -> list[tuple[str, str, str]]:
    """The report as (section, key, value) rows, one per figure, with stable codes (the CSV export).

    Durations are in hours, shares are fractions (0..1); a figure with nothing to measure is empty.
    """
    rows: list[tuple[str, str, object]] = [
        ("period", "from", report.period.date_from.isoformat()),
        ("period", "until", report.period.date_until.isoformat()),
        ("period", "platform", report.period.platform or "all"),
        ("filed", "complaints", report.complaints),
        ("filed", "items", report.items),
    ]
    for row in report.by_platform:
        rows += [("complaints_by_platform", row.key, row.complaints), ("items_by_platform", row.key, row.items)]
    for row in report.by_reason:
        rows += [("complaints_by_reason", row.key, row.complaints), ("items_by_reason", row.key, row.items)]
    rows += [("items_by_outcome", row.key, row.items) for row in report.outcomes]
    rows += [("open_items_by_state", row.key, row.items) for row in report.open_steps]
    for row in [report.time_to_decision, *report.time_by_platform]:
        prefix = row.key or "all"
        rows += [("time_to_decision", f"{prefix}.decided", row.decided),
                 ("time_to_decision", f"{prefix}.median_hours", hours(row.median)),
                 ("time_to_decision", f"{prefix}.p90_hours", hours(row.p90))]
    sla, notices, takedowns = report.sla, report.counter_notices, report.takedowns
    rows += [
        ("sla", "reviews_due", sla.reviews), ("sla", "decided_late", sla.decided_late),
        ("sla", "waiting_past_due", sla.waiting_past_due), ("sla", "breaches", sla.breaches),
        ("sla", "breach_share", sla.breach_share),
        ("counter_notices", "reached_seller", notices.reached_seller),
        ("counter_notices", "counter_noticed", notices.counter_noticed),
        ("counter_notices", "counter_notice_rate", notices.rate),
        ("counter_notices", "listing_stayed", notices.listing_stayed),
        ("counter_notices", "taken_down", notices.taken_down),
        ("counter_notices", "withdrawn", notices.withdrawn),
        ("counter_notices", "undecided", notices.undecided),
        ("counter_notices", "listing_stayed_share", notices.stayed_share),
        ("takedowns", "automated", takedowns.automated), ("takedowns", "by_reviewer", takedowns.by_reviewer),
        ("takedowns", "total", takedowns.total), ("takedowns", "automated_share", takedowns.automated_share),
    ]
    return [(section, key, _figure(value)) for section, key, value in rows]


# --- A rights holder's own figures --------------------------------------------------------------

@dataclass(frozen=True)
class HolderRow:
    """A rights holder's complaints on one platform (or all): by status, and how their items were decided."""

    key: str
    label: str
    by_status: dict[str, int] = field(default_factory=dict)
    decided: int = 0
    taken_down: int = 0
    median_to_takedown: dt.timedelta | None = None

    @property
    def complaints(self) -> int:
        return sum(self.by_status.values())

    @property
    def status_counts(self) -> list[int]:
        """How many complaints in each filed status, in ``FILED_STATUSES`` order."""
        return [self.by_status.get(status, 0) for status in FILED_STATUSES]

    @property
    def takedown_rate(self) -> float | None:
        return share(self.taken_down, self.decided)

    @property
    def takedown_rate_text(self) -> str:
        return percent_text(self.takedown_rate)

    @property
    def takedown_percent(self) -> float:
        """The rate as a bar's width in percent (0 without decided items)."""
        return round((self.takedown_rate or 0) * 100, 1)

    @property
    def median_text(self) -> str:
        return duration_text(self.median_to_takedown)


@dataclass(frozen=True)
class HolderFigures:
    total: HolderRow
    platforms: list[HolderRow]
    # When the decided items were counted (up to IPP_HOLDER_FIGURES_SECONDS ago).
    items_as_of: dt.datetime

    @property
    def statuses(self) -> list[tuple[str, str]]:
        labels = dict(Complaint.Status.choices)
        return [(status.value, str(labels[status])) for status in FILED_STATUSES]


def holder_figures(*, user: User) -> HolderFigures:
    """The rights holder's filed complaints by status, its takedown rate (items taken down of items decided)
    and median time from filing to takedown, overall and by platform: one query, and two more at most once a
    ``IPP_HOLDER_FIGURES_SECONDS`` (the decided items' figures, kept that long; ``items_as_of`` says when)."""
    complaints = Complaint.objects.filter(complainant=user, status__in=FILED_STATUSES)
    by_status: dict[str, dict[str, int]] = defaultdict(dict)
    names: dict[str, str] = {}
    for code, name, status, n in (complaints.values("platform_id", "platform__name", "status")
                                  .annotate(n=Count("pk")).order_by("platform__position", "platform_id")
                                  .values_list("platform_id", "platform__name", "status", "n")):
        by_status[code][status] = n
        names[code] = _(name)
    overall, per_platform, items_as_of = holder_item_figures(user=user)

    def row(key: str, label: str, statuses: dict[str, int], items: dict) -> HolderRow:
        return HolderRow(key, label, statuses, items.get("decided", 0), items.get("taken_down", 0), items.get("median"))

    total_by_status: dict[str, int] = defaultdict(int)
    for statuses in by_status.values():
        for status, n in statuses.items():
            total_by_status[status] += n
    return HolderFigures(
        total=row("", _("All platforms"), dict(total_by_status), overall),
        platforms=[row(code, names[code], by_status[code], per_platform.get(code, {})) for code in names],
        items_as_of=items_as_of)


def holder_item_figures_key(user: User) -> str:
    return f"holder_item_figures:{user.pk}"


def holder_item_figures(*, user: User) -> tuple[dict, dict[str, dict], dt.datetime]:
    """How the holder's decided items went, overall and by platform, and when that was counted.

    Counting reads every decided item of the holder's (about 20 ms for a brand with 10,000 listings decided, more
    than the rest of its dashboard), and the figures change only when reviewers or the sweeps decide: they are kept
    in the cache for ``IPP_HOLDER_FIGURES_SECONDS`` and counted again when missing (a cache that is down counts
    every time).
    """
    key = holder_item_figures_key(user)
    kept = cache.get(key)
    if kept is not None:
        return kept
    decided = ComplaintItem.objects.filter(complaint__complainant=user, decided_at__isnull=False)
    taken_down = Q(state=State.TAKEN_DOWN)
    figures = {"decided": Count("pk"), "taken_down": Count("pk", filter=taken_down),
               "median": _median(_filing_to_decision(), filter=taken_down)}
    counted = (decided.aggregate(**figures),
               {row["complaint__platform_id"]: row
                for row in decided.values("complaint__platform_id").annotate(**figures).order_by()},
               timezone.now())
    cache.set(key, counted, settings.IPP_HOLDER_FIGURES_SECONDS)
    return counted
