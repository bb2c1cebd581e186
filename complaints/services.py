"""Every write that matters to a complaint: filing (from a draft, the API or a bulk upload) and withdrawing.

Filing checks everything a complaint must be before anything is saved and reports all
problems at once: ``FilingRefused.errors`` maps each input to its messages, and the
listings to one ``UrlProblem`` per bad line.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from ipp import workdays
from ipp.documents import CheckedUpload, document_store
from ipp.models import Document
from ipp.tasks import enqueue
from ipr.models import IPR

from . import good_faith, workflow
from .listing_urls import ProductUrl, UrlProblem, read_lines
from .marketplaces import marketplace
from .models import (
    Complaint,
    ComplaintEvidence,
    ComplaintItem,
    ComplaintItemEvent,
    CounterNotice,
    CounterNoticeEvidence,
    GoodFaithMembership,
    ItemRejectionReason,
    Listing,
    Platform,
    SpotCheck,
)
from .selectors import (
    AWAITING_REVIEWER,
    SPOT_CHECKABLE,
    claim_holder,
    complaint_filing_block_reason,
    notice_answerable,
)

State = ComplaintItem.State
MAX_EVIDENCE_FILES = 20
BEING_HANDLED = workflow.BEING_HANDLED
complaint_status_refresh = workflow.complaint_status_refresh


class FilingRefused(Exception):
    """What stops a complaint from being filed: ``errors`` maps each input to its messages
    (``urls`` to ``UrlProblem`` rows, ``__all__`` to problems of the whole complaint)."""

    def __init__(self, errors: dict[str, list]):
        super().__init__("; ".join(f"{key}: {len(value)}" for key, value in errors.items()))
        self.errors = errors


class NothingToWithdraw(Exception):
    """None of the chosen items can be withdrawn any more (each is decided or withdrawn)."""


@dataclass
class ListingsCheck:
    found: list[tuple[ProductUrl, Listing]] = field(default_factory=list)
    problems: list[UrlProblem] = field(default_factory=list)


# --- The rules of a complaint ------------------------------------------------------------------

def reasons_for(kind: str) -> list[Complaint.Reason]:
    return Complaint.REASONS_BY_KIND.get(kind, [])


def ipr_problem(ipr: IPR, *, platform: Platform, on: dt.date) -> str | None:
    """Why ``ipr`` cannot support a complaint on ``platform`` today, in words for the filer; None if it can."""
    if ipr.status != IPR.Status.APPROVED:
        return _("Not authenticated (%(status)s).") % {"status": ipr.get_status_display().lower()}
    if ipr.expires_on and ipr.expires_on < on:
        return _("Expired on %(date)s.") % {"date": ipr.expires_on.isoformat()}
    if ipr.needs_letter and not ipr.letter_authorises(on):
        return _("Its authorisation letter does not authorise complaints today.")
    if platform.requires_china_rights and ipr.jurisdiction != "CN":
        return _("%(platform)s accepts only rights valid in China; this one is registered in %(where)s.") % {
            "platform": platform.label, "where": ipr.get_jurisdiction_display()}
    return None


def iprs_for_filing(user: User, *, platform: Platform, on: dt.date) -> list[tuple[IPR, str | None]]:
    """Every right of the filer with why it cannot be used on ``platform`` (None: usable), usable ones first."""
    rows = [(ipr, ipr_problem(ipr, platform=platform, on=on))
            for ipr in IPR.objects.filter(filed_by=user).select_related("filed_by").order_by("kind", "name", "pk")]
    return sorted(rows, key=lambda row: row[1] is not None)


def open_listing_ids(user: User, listings: Iterable[Listing]) -> set[int]:
    """Which of ``listings`` are already in a complaint of ``user`` that is still being handled."""
    return set(ComplaintItem.objects.filter(
        complaint__complainant=user, listing__in=[listing.pk for listing in listings], state__in=BEING_HANDLED,
    ).values_list("listing_id", flat=True))


def listings_check(*, platform: Platform, text: str, complainant: User | None) -> ListingsCheck:
    """Read the pasted addresses and find their listings; every bad line is reported, in line order."""
    platforms = list(Platform.objects.all())
    limit = platform.max_listings_per_complaint
    # Lines past the limit are counted, not checked: they go in another complaint anyway.
    found, problems, over = read_lines(text, platform=platform, platforms=platforms, limit=limit)
    check = ListingsCheck(problems=problems)
    if over:
        check.problems.append(UrlProblem(line=over[0], url="", code="too_many", message=_(
            "A complaint takes at most %(limit)s listings and this list has %(count)s; from this line on, file "
            "them in another complaint.") % {"limit": limit, "count": len(found) + len(problems) + len(over)}))
    listings = marketplace().resolve(platform, [row.listing_id for row in found])
    first_line: dict[str, int] = {}
    resolved: list[tuple[ProductUrl, Listing]] = []
    for row in found:
        listing = listings.get(row.listing_id)
        if listing is None:
            check.problems.append(UrlProblem(row.line, row.url, "listing_not_found", _(
                "There is no listing %(id)s on %(platform)s; check the address.")
                % {"id": row.listing_id, "platform": platform.label}))
        elif listing.status != Listing.Status.ACTIVE:
            check.problems.append(UrlProblem(row.line, row.url, "listing_not_found", _(
                "This listing has already been removed from %(platform)s; there is nothing left to take down.")
                % {"platform": platform.label}))
        elif row.listing_id in first_line:
            check.problems.append(UrlProblem(row.line, row.url, "duplicate", _(
                "The same listing as line %(line)s.") % {"line": first_line[row.listing_id]}))
        else:
            first_line[row.listing_id] = row.line
            resolved.append((row, listing))
    reported = open_listing_ids(complainant, [listing for _row, listing in resolved]) if complainant else set()
    for row, listing in resolved:
        if listing.pk in reported:
            check.problems.append(UrlProblem(row.line, row.url, "already_reported", _(
                "This listing is already in one of your complaints that is still being handled.")))
        else:
            check.found.append((row, listing))
    check.problems.sort(key=lambda problem: (problem.line, problem.code == "too_many"))
    return check


def _filing_errors(*, user: User, platform: Platform | None, ipr: IPR | None, reason: str, urls_text: str,
                   statements: bool) -> tuple[dict[str, list], ListingsCheck | None]:
    """Everything wrong with a complaint as it would be filed, by input."""
    errors: dict[str, list] = {}
    blocked = complaint_filing_block_reason(user)
    if blocked:
        errors["__all__"] = [blocked]
    if platform is None or not platform.is_active:
        errors["platform"] = [_("Choose a platform that accepts complaints.")]
        return errors, None
    if ipr is None or ipr.filed_by_id != user.pk:
        errors["ipr"] = [_("Choose one of your approved IP rights.")]
    else:
        problem = ipr_problem(ipr, platform=platform, on=workdays.today_in_china())
        if problem:
            errors["ipr"] = [problem]
        if reason not in reasons_for(ipr.kind):
            # Codes, not labels: the API and the CSV upload take codes (the page offers only these).
            allowed = ", ".join(choice.value for choice in reasons_for(ipr.kind))
            errors["reason"] = [_("This reason does not apply to this kind of right (%(kind)s); use one of: "
                                  "%(allowed)s.") % {"kind": ipr.get_kind_display().lower(), "allowed": allowed}]
    if not urls_text.strip():
        errors["urls"] = [UrlProblem(1, "", "invalid_url", _("Give at least one product address."))]
        check = None
    else:
        check = listings_check(platform=platform, text=urls_text, complainant=user)
        if check.problems:
            errors["urls"] = check.problems
    if not statements:
        errors["statements"] = [_("Make both statements: good faith, and accuracy under penalty of perjury.")]
    return errors, check


def complaint_items_add(complaint: Complaint, check: ListingsCheck, *, actor: User | None) -> None:
    """One item per found listing, each with its "filed" event; inside the filing's transaction."""
    items = ComplaintItem.objects.bulk_create(
        ComplaintItem(complaint=complaint, listing=listing, state=State.SUBMITTED, listing_url=(
            # Tracking parameters can make a pasted address longer than the column: keep the canonical one then.
            row.url if len(row.url) <= ComplaintItem._meta.get_field("listing_url").max_length else listing.url))
        for row, listing in check.found)
    ComplaintItemEvent.objects.bulk_create(
        ComplaintItemEvent(item=item, actor=actor, from_state="", to_state=State.SUBMITTED, reason="filed",
                           effects_done_at=timezone.now())
        for item in items)
    # Into review at once by a worker; the sweep does it if the message is lost (or the broker is down).
    enqueue("complaints.tasks.start_review", complaint.pk)


# --- Filing ------------------------------------------------------------------------------------

def complaint_file(*, user: User, platform_code: str, ipr_id: int | None, reason: str, urls_text: str,
                   description: str = "", evidence: Iterable[CheckedUpload] = (), statements: bool,
                   source: str = Complaint.Source.API) -> Complaint:
    """File a complaint in one go (API, bulk upload): all of it is saved, or nothing and ``FilingRefused``."""
    with transaction.atomic():
        # One filing at a time per account, so two requests cannot both claim a listing as new.
        User.objects.select_for_update().filter(pk=user.pk).first()
        platform = Platform.objects.filter(code=platform_code).first()
        ipr = IPR.objects.select_related("filed_by").filter(pk=ipr_id, filed_by=user).first() if ipr_id else None
        errors, check = _filing_errors(user=user, platform=platform, ipr=ipr, reason=reason, urls_text=urls_text,
                                       statements=statements)
        if errors:
            raise FilingRefused(errors)
        complaint = Complaint.objects.create(
            complainant=user, platform=platform, ipr=ipr, reason=reason, urls_text=urls_text, description=description,
            good_faith_statement=True, accuracy_statement=True, status=Complaint.Status.OPEN, source=source,
            submitted_at=timezone.now())
        for upload in evidence:
            ComplaintEvidence.objects.create(complaint=complaint, document=document_store(
                owner=user, purpose=Document.Purpose.EVIDENCE, upload=upload))
        complaint_items_add(complaint, check, actor=user)
    return complaint


def complaint_draft_start(*, user: User, platform_code: str) -> Complaint:
    platform = Platform.objects.filter(code=platform_code, is_active=True).first()
    if platform is None:
        raise FilingRefused({"platform": [_("Choose a platform that accepts complaints.")]})
    return Complaint.objects.create(complainant=user, platform=platform, status=Complaint.Status.DRAFT)


class DraftFiled(Exception):
    """The draft was filed (or deleted) meanwhile, e.g. from another tab: it can no longer change."""


def _locked_draft(complaint: Complaint) -> Complaint:
    """The draft's row, locked for the rest of the transaction, as it is now; ``DraftFiled`` if it is not a draft.

    Every change to a draft goes through this, so a step saved from a stale tab can never
    turn a filed complaint back into a draft, and two steps saved at once each keep their part.
    """
    locked = (Complaint.objects.select_for_update(of=("self",)).select_related("platform", "ipr")
              .filter(pk=complaint.pk, status=Complaint.Status.DRAFT).first())
    if locked is None:
        raise DraftFiled(_("This complaint has been filed; it can no longer change."))
    return locked


def complaint_draft_update(*, complaint: Complaint, **fields) -> Complaint:
    """Save what a step of the filing form gave (only those fields); a draft keeps everything, right or wrong,
    until it is filed."""
    with transaction.atomic():
        draft = _locked_draft(complaint)
        if "platform_code" in fields:
            fields["platform"] = Platform.objects.get(code=fields.pop("platform_code"))
        new_ipr = fields.get("ipr")
        if new_ipr is not None and new_ipr.kind != (draft.ipr.kind if draft.ipr else None):
            fields["reason"] = ""  # reasons belong to a kind of right
        for name, value in fields.items():
            setattr(draft, name, value)
        draft.save(update_fields=[*fields, "updated_at"])
    return draft


def complaint_evidence_add(*, complaint: Complaint, user: User, uploads: Iterable[CheckedUpload]) -> None:
    uploads = list(uploads)
    with transaction.atomic():
        draft = _locked_draft(complaint)
        if draft.evidence.count() + len(uploads) > MAX_EVIDENCE_FILES:
            raise FilingRefused({"evidence": [_("At most %(n)s evidence files per complaint.") % {"n": MAX_EVIDENCE_FILES}]})
        for upload in uploads:
            ComplaintEvidence.objects.create(complaint=draft, document=document_store(
                owner=user, purpose=Document.Purpose.EVIDENCE, upload=upload))


def complaint_evidence_remove(*, complaint: Complaint, evidence_ids: Iterable[int]) -> None:
    with transaction.atomic():
        _locked_draft(complaint).evidence.filter(pk__in=list(evidence_ids)).delete()


def complaint_draft_submit(*, user: User, complaint: Complaint) -> Complaint:
    """File a draft: every check of ``complaint_file`` on what the draft holds; the draft becomes the complaint."""
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        complaint = (Complaint.objects.select_for_update(of=("self",)).select_related("platform", "ipr__filed_by")
                     .get(pk=complaint.pk))
        if complaint.status != Complaint.Status.DRAFT:
            return complaint  # filed already (a second click): nothing to do twice
        errors, check = _filing_errors(
            user=user, platform=complaint.platform, ipr=complaint.ipr, reason=complaint.reason,
            urls_text=complaint.urls_text, statements=complaint.good_faith_statement and complaint.accuracy_statement)
        if errors:
            raise FilingRefused(errors)
        complaint.status = Complaint.Status.OPEN
        complaint.submitted_at = timezone.now()
        complaint.save(update_fields=["status", "submitted_at", "updated_at"])
        complaint_items_add(complaint, check, actor=user)
    return complaint


def complaint_draft_delete(*, complaint: Complaint) -> None:
    with transaction.atomic():
        _locked_draft(complaint).delete()


# --- After filing ------------------------------------------------------------------------------

def complaint_withdraw(*, user: User, complaint: Complaint, item_ids: Iterable[int] | None = None,
                       note: str = "") -> list[ComplaintItem]:
    """Withdraw the chosen items (all of them when ``item_ids`` is None) that are not decided yet.

    Decided items keep their outcome; asking only for such items raises ``NothingToWithdraw``.
    """
    items = complaint.items.filter(state__in=[s for s in State if workflow.can_move(s, State.WITHDRAWN)])
    if item_ids is not None:
        items = items.filter(pk__in=list(item_ids))
    moved = []
    with transaction.atomic():
        for item_id in items.order_by("pk").values_list("pk", flat=True):
            try:
                moved.append(workflow.item_move(item_id=item_id, to_state=State.WITHDRAWN, actor=user,
                                                reason="withdrawn_by_complainant", note=note))
            except workflow.IllegalMove:
                continue  # decided meanwhile: it keeps its outcome
        if not moved:
            raise NothingToWithdraw(_("Nothing was withdrawn: the chosen listings are decided or withdrawn already."))
        complaint_status_refresh([complaint.pk])
    return moved



# --- The workflow: who moves an item, and the timed moves ------------------------------------------

class ActionRefused(Exception):
    """The action cannot be taken on this item now (wrong state, window closed, not this user's); in words."""


def _move(item_id: int, to_state: str, *, actor: User | None, reason: str = "", note: str = "",
          expected_state: str | None = None) -> ComplaintItem:
    try:
        return workflow.item_move(item_id=item_id, to_state=to_state, actor=actor, reason=reason, note=note,
                                  expected_state=expected_state)
    except workflow.IllegalMove as illegal:
        raise ActionRefused(str(illegal)) from illegal


# --- Claims on the reviewers' queue -------------------------------------------------------------------

def items_claim(*, reviewer: User, items: QuerySet[ComplaintItem], count: int) -> list[int]:
    """Claim the first ``count`` of ``items`` still waiting for a reviewer and free for ``reviewer`` (unclaimed, lapsed
    or its own), for IPP_REVIEW_CLAIM_MINUTES; returns their ids in ``items``' order.

    Two reviewers claiming at once never get one item: each locks the rows it takes (skipping rows another
    claim holds) and its UPDATE re-checks that each is still free.
    """
    count = max(0, min(count, settings.IPP_REVIEW_CLAIM_BATCH_MAX))
    now = timezone.now()
    free = Q(claimed_by__isnull=True) | Q(claimed_until__lte=now) | Q(claimed_by=reviewer)
    with transaction.atomic():
        ids = list(items.filter(free, state__in=AWAITING_REVIEWER).select_for_update(skip_locked=True, of=("self",))
                   .values_list("pk", flat=True)[:count])
        claimed = set(ComplaintItem.objects.filter(free, pk__in=ids, state__in=AWAITING_REVIEWER).values_list("pk", flat=True))
        ComplaintItem.objects.filter(pk__in=claimed).update(
            claimed_by=reviewer, claimed_until=now + dt.timedelta(minutes=settings.IPP_REVIEW_CLAIM_MINUTES))
    return [pk for pk in ids if pk in claimed]


def items_release(*, reviewer: User, item_ids: Iterable[int] | None = None) -> int:
    """Give back the reviewer's claims (all of them when ``item_ids`` is None); returns how many."""
    mine = ComplaintItem.objects.filter(claimed_by=reviewer)
    if item_ids is not None:
        mine = mine.filter(pk__in=list(item_ids))
    return mine.update(claimed_by=None, claimed_until=None)


class ClaimedByAnother(ActionRefused):
    """Another reviewer's claim on the item still runs: it is theirs to decide."""


def _reviewer_move(item_id: int, to_state: str, *, reviewer: User, reason: str, note: str,
                   expected_state: str) -> ComplaintItem:
    """A reviewer's decision: refused while another reviewer's claim on the item runs."""
    with transaction.atomic():
        item = ComplaintItem.objects.select_for_update(of=("self",)).select_related("claimed_by").filter(pk=item_id).first()
        if item is None:
            raise ComplaintItem.DoesNotExist
        holder = claim_holder(item, reviewer)
        if holder is not None:
            raise ClaimedByAnother(_("%(reviewer)s has claimed this item until %(until)s; it is theirs to decide.") % {
                "reviewer": holder.email, "until": timezone.localtime(item.claimed_until).strftime("%H:%M")})
        return _move(item_id, to_state, actor=reviewer, reason=reason, note=note, expected_state=expected_state)


def item_review_decide(*, reviewer: User, item_id: int, decision: str, reason: str = "", note: str = "") -> ComplaintItem:
    """A reviewer accepts an item in review (the seller is notified, the response window opens) or rejects it."""
    if decision == "accept":
        return _reviewer_move(item_id, State.SELLER_NOTIFIED, reviewer=reviewer, reason="accepted", note=note,
                              expected_state=State.IN_REVIEW)
    if decision == "reject":
        if reason not in ItemRejectionReason.values:
            raise ActionRefused(_("Choose the reason of the rejection."))
        return _reviewer_move(item_id, State.REJECTED, reviewer=reviewer, reason=reason, note=note,
                              expected_state=State.IN_REVIEW)
    raise ActionRefused(_("The decision on an item in review is accept or reject."))


def item_decide(*, reviewer: User, item_id: int, decision: str, reason: str = "", note: str = "") -> ComplaintItem:
    """A reviewer decides an item after a maintained (or unanswered) counter-notice: take down or reinstate."""
    to_state = {"take_down": State.TAKEN_DOWN, "reinstate": State.REINSTATED}.get(decision)
    if to_state is None:
        raise ActionRefused(_("The decision after a counter-notice is take_down or reinstate."))
    return _reviewer_move(item_id, to_state, reviewer=reviewer, reason=reason or decision, note=note,
                          expected_state=State.IN_DECISION)


def _seller_item(seller: User, item_id: int) -> ComplaintItem:
    item = (ComplaintItem.objects.select_related("listing__shop", "complaint")
            .filter(pk=item_id, listing__shop__owner=seller).first())
    if item is None:
        raise ComplaintItem.DoesNotExist
    return item


def counter_notice_file(*, seller: User, item_id: int, ground: str, statement: str, perjury_statement: bool,
                        evidence: Iterable[CheckedUpload] = ()) -> ComplaintItem:
    """The seller answers a notice on its listing within the window: the complainant is told and may accept it."""
    item = _seller_item(seller, item_id)  # another seller's item: DoesNotExist (a 404)
    problems = {}
    if ground not in CounterNotice.Ground.values:
        problems["ground"] = [_("Choose the ground of your counter-notice.")]
    if not statement.strip():
        problems["statement"] = [_("Explain why the listing does not infringe.")]
    if not perjury_statement:
        problems["perjury_statement"] = [_("Make the statement under penalty of perjury to file a counter-notice.")]
    if problems:
        raise FilingRefused(problems)
    with transaction.atomic():
        locked = ComplaintItem.objects.select_for_update().get(pk=item.pk)
        if not notice_answerable(locked):  # the same rule the notice page offers its form by
            raise ActionRefused(_("The window for a counter-notice on this listing has closed."))
        notice = CounterNotice.objects.create(item=locked, seller=seller, ground=ground, statement=statement.strip(),
                                              perjury_statement=True)
        for upload in evidence:
            CounterNoticeEvidence.objects.create(counter_notice=notice, document=document_store(
                owner=seller, purpose=Document.Purpose.EVIDENCE, upload=upload))
        return _move(item.pk, State.COUNTER_NOTICED, actor=seller, reason="counter_notice")


def _complainant_item(user: User, item_id: int) -> ComplaintItem:
    item = ComplaintItem.objects.select_related("complaint").filter(pk=item_id, complaint__complainant=user).first()
    if item is None:
        raise ComplaintItem.DoesNotExist
    return item


def counter_notice_answerable(item: ComplaintItem) -> bool:
    """Whether the complainant may still answer the item's counter-notice (accept it or maintain the complaint)."""
    return item.state == State.COUNTER_NOTICED and (item.answer_by is None or item.answer_by > timezone.now())


def _answer_window_check(item: ComplaintItem) -> None:
    # Past answer_by the item is the platform's to decide, even before the sweep has moved it:
    # answer_by is set by the move into counter_noticed and stays while the item is there.
    if item.state == State.COUNTER_NOTICED and not counter_notice_answerable(item):
        raise ActionRefused(_("The window to answer this counter-notice has closed; the platform decides now."))


def counter_notice_accept(*, user: User, item_id: int, note: str = "") -> ComplaintItem:
    """The complainant accepts the seller's counter-notice within the window: the listing stays."""
    item = _complainant_item(user, item_id)
    _answer_window_check(item)
    return _move(item.pk, State.COUNTER_ACCEPTED, actor=user, reason="counter_notice_accepted", note=note,
                 expected_state=State.COUNTER_NOTICED)


def complaint_maintain(*, user: User, item_id: int, note: str, evidence: Iterable[CheckedUpload] = ()) -> ComplaintItem:
    """The complainant maintains the complaint against a counter-notice within the window, with a note (and more
    evidence): a reviewer decides."""
    item = _complainant_item(user, item_id)
    if not note.strip():
        raise FilingRefused({"note": [_("Say why the counter-notice does not hold.")]})
    _answer_window_check(item)
    with transaction.atomic():
        for upload in evidence:
            ComplaintEvidence.objects.create(complaint=item.complaint, document=document_store(
                owner=user, purpose=Document.Purpose.EVIDENCE, upload=upload))
        return _move(item.pk, State.IN_DECISION, actor=user, reason="complaint_maintained", note=note.strip(),
                     expected_state=State.COUNTER_NOTICED)


def _ready_to_start() -> QuerySet[ComplaintItem]:
    """Filed items ready to move on; a DMCA notice's wait until a reviewer has checked who sent it."""
    return ComplaintItem.objects.filter(state=State.SUBMITTED, complaint__status=Complaint.Status.OPEN).exclude(
        complaint__source=Complaint.Source.DMCA, complaint__dmca__status__in=["pending", "rejected"])


def _of_members(items: QuerySet[ComplaintItem]) -> QuerySet[ComplaintItem]:
    return items.filter(complaint__complainant__good_faith__status=GoodFaithMembership.Status.MEMBER)


def items_enter_review_sweep(*, as_of, dry_run: bool = False) -> int:
    """Filed items go into review, or a Good Faith member's straight to the seller's notice (the fast path is the
    task sent on filing; this catches what a lost message left)."""
    due = _ready_to_start()
    members = list(_of_members(due).values_list("pk", flat=True)[:workflow.BATCH_SIZE])
    if dry_run:
        return due.count()
    return (good_faith.start_for_member(members)
            + workflow.items_move_due(due.exclude(pk__in=_of_members(due).values("pk")), from_state=State.SUBMITTED,
                                      to_state=State.IN_REVIEW, reason="review_started"))


def complaint_review_start(*, complaint_id: int) -> int:
    """Move a filed complaint's waiting items on (what the sweep does, for one complaint): into review, or, for a
    Good Faith member, straight to the seller's notice."""
    due = _ready_to_start().filter(complaint_id=complaint_id)
    members = list(_of_members(due).values_list("pk", flat=True))
    if members:
        return good_faith.start_for_member(members)
    return workflow.items_move_due(due, from_state=State.SUBMITTED, to_state=State.IN_REVIEW, reason="review_started")


def spot_check_decide(*, reviewer: User, item_id: int, outcome: str, reason: str = "", note: str = "") -> ComplaintItem:
    """A reviewer's spot check of a Good Faith member's item, which skipped review: confirmed, or unfounded (the
    item is rejected with the reason, its listing shown again, and the member's record counts it)."""
    with transaction.atomic():
        item = ComplaintItem.objects.select_for_update(of=("self",)).filter(pk=item_id).first()
        if item is None:
            raise ComplaintItem.DoesNotExist
        # Only while its notice stands (as the queue's spot-check tab lists them): once the item is decided, held or
        # withdrawn there is nothing left to confirm or to undo.
        if item.spot_check != SpotCheck.PENDING or item.state not in SPOT_CHECKABLE:
            raise ActionRefused(_("This item is not waiting for a spot check."))
        if outcome not in (SpotCheck.CONFIRMED, SpotCheck.UNFOUNDED):
            raise ActionRefused(_("A spot check is confirmed or unfounded."))
        if outcome == SpotCheck.UNFOUNDED and reason not in ItemRejectionReason.values:
            raise ActionRefused(_("Choose the reason of the rejection."))
        ComplaintItem.objects.filter(pk=item.pk).update(spot_check=outcome, spot_checked_by=reviewer,
                                                        spot_checked_at=timezone.now())
        if outcome == SpotCheck.CONFIRMED:
            item.refresh_from_db()
            return item  # nothing moves: the notice stands
        return _move(item.pk, State.REJECTED, actor=reviewer, reason=reason, note=note)


def seller_silence_sweep(*, as_of, dry_run: bool = False) -> int:
    """No counter-notice by the end of the window: the listing is taken down (an automated decision)."""
    due = ComplaintItem.objects.filter(state=State.SELLER_NOTIFIED, respond_by__lte=as_of)
    if dry_run:
        return due.count()
    return workflow.items_move_due(due, from_state=State.SELLER_NOTIFIED, to_state=State.TAKEN_DOWN,
                                   reason="no_counter_notice")


def complainant_silence_sweep(*, as_of, dry_run: bool = False) -> int:
    """No answer to a counter-notice in the window: the platform decides."""
    due = ComplaintItem.objects.filter(state=State.COUNTER_NOTICED, answer_by__lte=as_of)
    if dry_run:
        return due.count()
    return workflow.items_move_due(due, from_state=State.COUNTER_NOTICED, to_state=State.IN_DECISION,
                                   reason="no_answer_to_counter_notice")


EFFECTS_GRACE = dt.timedelta(minutes=5)


def item_effects_sweep(*, as_of, dry_run: bool = False) -> int:
    """Moves whose side effects have not run a while after them (a lost message, a dead worker): run them now."""
    from .effects import run_event_effects

    pending = list(ComplaintItemEvent.objects.filter(effects_done_at__isnull=True, at__lte=as_of - EFFECTS_GRACE)
                   .order_by("pk").values_list("pk", flat=True)[:5000])
    if dry_run:
        return len(pending)
    return run_event_effects(pending)
