"""The Good Faith Program: complainants whose notices have proved accurate skip manual review.

Domain ("Good Faith Program", from Alibaba's published Good-faith Takedown rules and Amazon Project Zero):
a complainant's record is measured over a window (IPP_GOOD_FAITH_WINDOW_DAYS, 3 months); it is eligible
with enough decided items (IPP_GOOD_FAITH_MIN_DECIDED), a successful-takedown share of at least
IPP_GOOD_FAITH_MIN_TAKEDOWN_SHARE (90%) and sellers' counter-notices succeeding on at most
IPP_GOOD_FAITH_MAX_COUNTER_SUCCESS_SHARE (5%) of them. Admins grant, suspend and revoke membership, each
change kept with its reason; a revoked member waits IPP_GOOD_FAITH_READMIT_DAYS before it can be admitted
again. A member's complaint items go straight to the seller notice with the listing hidden at once
(``start_for_member``), and reviewers spot-check a sample (IPP_GOOD_FAITH_SPOT_CHECK_SHARE). A member whose
record falls under the bar is flagged for admins (``good_faith_flag_sweep``). A complainant whose notices
are repeatedly manifestly unfounded may be barred from filing for a period (``filing_suspend``; DSA Art. 23).
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, FloatField, Q
from django.db.models.functions import Cast, NullIf
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from ipp.notifications import notify

from . import workflow
from .models import ComplaintItem, FilingSuspension, GoodFaithChange, GoodFaithMembership, SpotCheck

State = ComplaintItem.State
Status = GoodFaithMembership.Status
Action = GoodFaithChange.Action

DECIDED = (State.TAKEN_DOWN, State.REJECTED, State.COUNTER_ACCEPTED, State.REINSTATED)
COUNTER_SUCCEEDED = (State.COUNTER_ACCEPTED, State.REINSTATED)


class GoodFaithRefused(Exception):
    """The change is not allowed now (in words for the admin)."""


# --- The record -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Record:
    """A complainant's complaint items over the window: how they were decided."""

    decided: int
    taken_down: int
    rejected: int
    counter_succeeded: int
    withdrawn: int

    @property
    def takedown_share(self) -> float | None:
        return self.taken_down / self.decided if self.decided else None

    @property
    def rejected_share(self) -> float | None:
        return self.rejected / self.decided if self.decided else None

    @property
    def counter_success_share(self) -> float | None:
        return self.counter_succeeded / self.decided if self.decided else None

    @property
    def meets_the_bar(self) -> bool:
        """Accurate enough to stay a member (the volume floor is for entry only)."""
        return (self.decided > 0 and self.takedown_share >= settings.IPP_GOOD_FAITH_MIN_TAKEDOWN_SHARE
                and self.counter_success_share <= settings.IPP_GOOD_FAITH_MAX_COUNTER_SUCCESS_SHARE)

    @property
    def eligible(self) -> bool:
        return self.decided >= settings.IPP_GOOD_FAITH_MIN_DECIDED and self.meets_the_bar


def window_start(as_of: dt.datetime | None = None) -> dt.datetime:
    return (as_of or timezone.now()) - dt.timedelta(days=settings.IPP_GOOD_FAITH_WINDOW_DAYS)


def _record_counts(since: dt.datetime, until: dt.datetime) -> dict:
    """The aggregates of a record, for ``.values(...).annotate(**...)`` on complaint items."""
    decided = Q(state__in=DECIDED, decided_at__gte=since, decided_at__lt=until)
    return {
        "decided": Count("pk", filter=decided),
        "taken_down": Count("pk", filter=decided & Q(state=State.TAKEN_DOWN)),
        "rejected": Count("pk", filter=decided & Q(state=State.REJECTED)),
        "counter_succeeded": Count("pk", filter=decided & Q(state__in=COUNTER_SUCCEEDED)),
        "withdrawn": Count("pk", filter=Q(state=State.WITHDRAWN, state_since__gte=since, state_since__lt=until)),
    }


def _counted(since: dt.datetime, until: dt.datetime) -> Q:
    """The items a record over the window can count (each aggregate of ``_record_counts`` filters within these): read
    through their indexes, instead of every item of every complainant (0.5 s a query at a million items)."""
    return (Q(decided_at__gte=since, decided_at__lt=until)
            | Q(state=State.WITHDRAWN, state_since__gte=since, state_since__lt=until))


def records_of(complainant_ids, *, as_of: dt.datetime | None = None, reason: str = "") -> dict[int, Record]:
    """The record of each complainant over the window ending ``as_of`` (one query for any number of them);
    ``reason`` narrows it to complaints of that reason (the domain measures per reason too)."""
    complainant_ids = list(complainant_ids)  # read twice: a generator would be empty the second time
    until = as_of or timezone.now()
    items = ComplaintItem.objects.filter(_counted(window_start(until), until),
                                         complaint__complainant_id__in=complainant_ids)
    if reason:
        items = items.filter(complaint__reason=reason)
    rows = items.values("complaint__complainant_id").annotate(**_record_counts(window_start(until), until))
    found = {row.pop("complaint__complainant_id"): Record(**row) for row in rows}
    return {pk: found.get(pk, Record(0, 0, 0, 0, 0)) for pk in complainant_ids}


def record_by_reason(complainant: User, *, as_of: dt.datetime | None = None) -> dict[str, Record]:
    """The complainant's record per complaint reason (one query)."""
    until = as_of or timezone.now()
    rows = (ComplaintItem.objects.filter(_counted(window_start(until), until), complaint__complainant=complainant)
            .values("complaint__reason")
            .annotate(**_record_counts(window_start(until), until)).order_by("complaint__reason"))
    return {row.pop("complaint__reason"): Record(**row) for row in rows if row["decided"] or row["withdrawn"]}


def complainant_records(*, as_of: dt.datetime | None = None, search: str = "", eligible_only: bool = False):
    """Each complainant with an item decided or withdrawn in the window, the busiest first: rows of
    ``complainant_id`` and the record's counts (one grouped query; a page of them is one query).
    ``eligible_only`` keeps those meeting the entry criteria."""
    until = as_of or timezone.now()
    items = ComplaintItem.objects.filter(_counted(window_start(until), until), complaint__complainant__isnull=False)
    if search:
        items = items.filter(Q(complaint__complainant__complainant_name__icontains=search)
                             | Q(complaint__complainant__email__icontains=search))
    rows = (items.values(complainant_id=F("complaint__complainant_id"))
            .annotate(**_record_counts(window_start(until), until)).filter(Q(decided__gt=0) | Q(withdrawn__gt=0)))
    if eligible_only:
        # The shares as ``Record`` computes them (a quotient of doubles), so the list and the record always agree at
        # the bar: a product such as 25 × 0.56 rounds to 14.000000000000002 and would leave out 14 of 25.
        decided = NullIf(Cast("decided", FloatField()), 0.0)
        rows = (rows.filter(decided__gt=0, decided__gte=settings.IPP_GOOD_FAITH_MIN_DECIDED)
                .alias(takedown_share=Cast("taken_down", FloatField()) / decided,
                       counter_success_share=Cast("counter_succeeded", FloatField()) / decided)
                .filter(takedown_share__gte=settings.IPP_GOOD_FAITH_MIN_TAKEDOWN_SHARE,
                        counter_success_share__lte=settings.IPP_GOOD_FAITH_MAX_COUNTER_SUCCESS_SHARE))
    return rows.order_by("-decided", "complainant_id")


def record_of_row(row: dict) -> Record:
    """The record of a row of ``complainant_records``."""
    return Record(**{name: row[name] for name in ("decided", "taken_down", "rejected", "counter_succeeded", "withdrawn")})


def membership_of(user: User) -> GoodFaithMembership | None:
    return GoodFaithMembership.objects.filter(complainant=user).first()


def is_member(user: User | None) -> bool:
    return user is not None and GoodFaithMembership.objects.filter(complainant=user, status=Status.MEMBER).exists()


def readmit_after(user: User) -> dt.datetime | None:
    """When a revoked member may be admitted again (None: nothing waits)."""
    membership = membership_of(user)
    if membership is None or membership.status != Status.REVOKED:
        return None
    after = membership.since + dt.timedelta(days=settings.IPP_GOOD_FAITH_READMIT_DAYS)
    return after if after > timezone.now() else None


# --- Admins' decisions --------------------------------------------------------------------------------

# Which action may follow which standing (None: never a member).
ALLOWED = {
    Action.GRANT: {None, Status.SUSPENDED, Status.REVOKED},
    Action.SUSPEND: {Status.MEMBER},
    Action.REVOKE: {Status.MEMBER, Status.SUSPENDED},
}
NEW_STATUS = {Action.GRANT: Status.MEMBER, Action.SUSPEND: Status.SUSPENDED, Action.REVOKE: Status.REVOKED}
TOLD = {
    Action.GRANT: _("You are now a member of the Good Faith Program: your complaint items go straight to the "
                    "seller's notice. Reason: %(reason)s"),
    Action.SUSPEND: _("Your Good Faith membership is suspended: your complaint items are reviewed again before "
                      "the seller's notice. Reason: %(reason)s"),
    Action.REVOKE: _("Your Good Faith membership is revoked. Reason: %(reason)s"),
}


def good_faith_change(*, admin: User, complainant_id: int, action: str, reason: str) -> GoodFaithMembership:
    """Grant, suspend or revoke a complainant's membership, with the reason kept; ``GoodFaithRefused`` otherwise."""
    reason = reason.strip()
    if action not in ALLOWED:  # a flag is the portal's, never an admin's decision
        raise GoodFaithRefused(_("The decision is to grant, suspend or revoke the membership."))
    if not reason:
        raise GoodFaithRefused(_("Give the reason: it is kept, and the complainant is told."))
    with transaction.atomic():
        complainant = User.objects.select_for_update().filter(pk=complainant_id, role=User.Role.RIGHTS_HOLDER).first()
        if complainant is None:
            raise GoodFaithRefused(_("Only rights holders can be members."))
        membership = GoodFaithMembership.objects.select_for_update().filter(complainant=complainant).first()
        standing = membership.status if membership else None
        if standing not in ALLOWED[action]:
            raise GoodFaithRefused(_("This complainant's standing (%(standing)s) does not allow that.") % {
                "standing": membership.get_status_display() if membership else _("not a member")})
        if action == Action.GRANT and readmit_after(complainant):
            raise GoodFaithRefused(_("A revoked member may be admitted again from %(date)s.") % {
                "date": timezone.localtime(readmit_after(complainant)).date().isoformat()})
        now = timezone.now()
        membership, _created = GoodFaithMembership.objects.update_or_create(
            complainant=complainant, defaults={"status": NEW_STATUS[action], "since": now, "flagged_at": None})
        GoodFaithChange.objects.create(complainant=complainant, actor=admin, action=action, reason=reason)
        transaction.on_commit(lambda: notify(
            complainant, kind="good_faith", key=f"good_faith:{complainant.pk}:{now.isoformat()}",
            subject=_("your Good Faith standing"), text=_in_language_of(complainant, TOLD[action], reason=reason),
            url=""))
    return membership


def _in_language_of(user: User, text, **facts) -> str:
    """``text`` (a lazy template) filled with ``facts`` in the user's language, not the admin's who acted."""
    with translation.override(user.language or settings.LANGUAGE_CODE):
        return str(text) % facts


def good_faith_flag_sweep(*, as_of: dt.datetime, dry_run: bool = False) -> int:
    """Flag each member whose record has fallen under the bar (once, until an admin acts or it recovers), and tell
    the admins; clear the flag of one whose record is back above it."""
    members = list(GoodFaithMembership.objects.filter(status=Status.MEMBER).values_list("complainant_id", "flagged_at"))
    records = records_of([pk for pk, _flag in members], as_of=as_of)
    to_flag = [pk for pk, flagged in members if flagged is None and not records[pk].meets_the_bar and records[pk].decided]
    recovered = [pk for pk, flagged in members if flagged is not None and records[pk].meets_the_bar]
    if dry_run:
        return len(to_flag) + len(recovered)
    admins = list(User.objects.filter(role=User.Role.ADMIN, is_active=True))
    changed = 0
    for complainant_id in to_flag:
        with transaction.atomic():
            if not GoodFaithMembership.objects.filter(complainant_id=complainant_id, status=Status.MEMBER,
                                                      flagged_at__isnull=True).update(flagged_at=as_of):
                continue  # changed meanwhile
            record = records[complainant_id]
            reason = _flag_reason(record)
            GoodFaithChange.objects.create(complainant_id=complainant_id, actor=None, action=Action.FLAG, reason=reason)
        changed += 1
        for admin in admins:
            # Keyed by the flag's moment: a member flagged again later (after an admin's decision cleared the flag,
            # or after it recovered) is a new flag to tell, even on the same day.
            notify(admin, kind="good_faith", key=f"good_faith_flag:{complainant_id}:{as_of.isoformat()}",
                   subject=_("a Good Faith member fell under the bar"), email=False, url="",
                   text=_in_language_of(admin, _("Good Faith member #%(id)s: %(reason)s Review the membership."),
                                        id=complainant_id, reason=_flag_reason(record, language=admin.language)))
    changed += GoodFaithMembership.objects.filter(complainant_id__in=recovered, status=Status.MEMBER,
                                                  flagged_at__isnull=False).update(flagged_at=None)
    return changed


def _share(share: float | None) -> str:
    """A share as a percentage with one decimal, as the pages show it ("87.5"); none is 0."""
    return f"{100 * (share or 0):.1f}"


def _flag_reason(record: Record, *, language: str = "") -> str:
    with translation.override(language or settings.LANGUAGE_CODE):
        return str(_("Over the last %(days)s days, %(down)s%% of %(decided)s decided items were taken down (the bar: "
                     "%(bar)s%%); sellers' counter-notices succeeded on %(counter)s%% (at most %(max)s%%).")) % {
            "days": settings.IPP_GOOD_FAITH_WINDOW_DAYS, "decided": record.decided,
            "down": _share(record.takedown_share), "bar": f"{100 * settings.IPP_GOOD_FAITH_MIN_TAKEDOWN_SHARE:g}",
            "counter": _share(record.counter_success_share),
            "max": f"{100 * settings.IPP_GOOD_FAITH_MAX_COUNTER_SUCCESS_SHARE:g}"}


# --- A member's complaint: straight to the seller's notice ---------------------------------------------

def spot_checked(item_id: int) -> bool:
    """Whether a member's item is in the sample reviewers check: a fixed share, spread evenly over item ids
    (Knuth's multiplicative hash), so the same item is always in or out of it."""
    return (item_id * 2654435761) % 10_000 < settings.IPP_GOOD_FAITH_SPOT_CHECK_SHARE * 10_000


def start_for_member(item_ids: list[int]) -> int:
    """A member's filed items skip manual review: each goes to the seller's notice (the listing hidden at once by
    its side effects), a sample marked for a reviewer's spot check. Returns how many moved."""
    moved = 0
    for item_id in item_ids:
        try:
            # One transaction: the move and its marks (Good Faith, the spot check) are saved together or not at all,
            # so no item is ever at the notice without them.
            with transaction.atomic():
                workflow.item_move(item_id=item_id, to_state=State.SELLER_NOTIFIED, reason="good_faith",
                                   expected_state=State.SUBMITTED)
                ComplaintItem.objects.filter(pk=item_id).update(
                    good_faith=True, spot_check=SpotCheck.PENDING if spot_checked(item_id) else "")
        except workflow.IllegalMove:
            continue  # moved meanwhile (withdrawn, or a repeated delivery got there first)
        moved += 1
    return moved


# --- Filing suspensions ------------------------------------------------------------------------------

def filing_suspend(*, admin: User, complainant_id: int, days: int, reason: str) -> FilingSuspension:
    """Bar a complainant from filing complaints for ``days`` (its notices repeatedly manifestly unfounded)."""
    reason = reason.strip()
    if not reason:
        raise GoodFaithRefused(_("Give the reason: it is kept, and the complainant is told."))
    if not 1 <= days <= 365:
        raise GoodFaithRefused(_("A suspension lasts from 1 to 365 days."))
    complainant = User.objects.filter(pk=complainant_id, role=User.Role.RIGHTS_HOLDER).first()
    if complainant is None:
        raise GoodFaithRefused(_("Only rights holders file complaints."))
    with transaction.atomic():
        suspension = FilingSuspension.objects.create(complainant=complainant, actor=admin, reason=reason,
                                                     ends_at=timezone.now() + dt.timedelta(days=days))
        transaction.on_commit(lambda: notify(
            complainant, kind="good_faith", key=f"filing_suspension:{suspension.pk}", url="",
            subject=_("filing suspended"),
            text=_in_language_of(complainant, _(
                "You may not file complaints until %(until)s: your notices were repeatedly manifestly unfounded. "
                "Reason: %(reason)s"), until=timezone.localtime(suspension.ends_at).strftime("%Y-%m-%d %H:%M"),
                reason=reason)))
    return suspension


def filing_suspension_lift(*, admin: User, complainant_id: int, suspension_id: int) -> int:
    """End the complainant's suspension early, and tell the complainant; returns 1 if one in force was lifted."""
    with transaction.atomic():
        lifted = FilingSuspension.objects.filter(pk=suspension_id, complainant_id=complainant_id, lifted_at__isnull=True,
                                                 ends_at__gt=timezone.now()).update(lifted_at=timezone.now())
        if lifted:
            complainant = User.objects.get(pk=complainant_id)
            transaction.on_commit(lambda: notify(
                complainant, kind="good_faith", key=f"filing_suspension_lifted:{suspension_id}", url="",
                subject=_("filing suspension lifted"),
                text=_in_language_of(complainant, _("Your filing suspension was lifted: you may file complaints again."))))
    return lifted
