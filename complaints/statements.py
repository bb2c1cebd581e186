"""The statement of reasons of each decision on a complaint item, for both sides and for export.

Domain ("Decisions and their statement of reasons", after EU DSA Art. 17 and the Commission's DSA
Transparency Database): every decision (accept, reject, take down, reinstate) says what was decided and
when, on which ground and rule, on which facts, where the case came from, whether it was automated, about
which content, and how to contest it. Everything is read from the decision's event and what it is about,
so a statement can be shown again, in either language, exactly as it was decided.
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import MOVE_REASONS, ComplaintItem, ComplaintItemEvent, CounterNotice

State = ComplaintItem.State

# The moves that are decisions on the complaint (the others are filing, answers, holds and timing).
DECISIONS = {State.SELLER_NOTIFIED, State.REJECTED, State.TAKEN_DOWN, State.REINSTATED}

WHAT = {
    State.SELLER_NOTIFIED: _("The complaint was accepted: the seller is notified and may answer with a counter-notice."),
    State.REJECTED: _("The complaint was rejected: the listing stays."),
    State.TAKEN_DOWN: _("The listing was removed."),
    State.REINSTATED: _("The listing stays: the seller's counter-notice was upheld."),
}

GROUND = {
    "trademark": _("Illegal content: infringement of a registered trademark."),
    "patent": _("Illegal content: infringement of a patent (invention, utility model or design)."),
    "copyright": _("Illegal content: infringement of copyright."),
    "other": _("Illegal content: infringement of an intellectual property right."),
}


@dataclass(frozen=True)
class StatementOfReasons:
    decision_id: str  # stable and public
    decided_at: object
    decision: Promise
    ground: Promise
    rule: str
    facts: str
    source: Promise
    automated: Promise
    content: str
    contest_seller: Promise | str
    contest_complainant: Promise | str


def _rule(event: ComplaintItemEvent, item: ComplaintItem) -> str:
    platform = item.complaint.platform
    if event.to_state == State.TAKEN_DOWN and event.actor_id is None:
        return str(_("No counter-notice within the seller's window of %(days)s days (%(platform)s's rule): the listing "
                     "is removed without one.")) % {"days": platform.seller_response_days, "platform": platform.label}
    if event.to_state == State.SELLER_NOTIFIED and event.reason == "good_faith":
        return str(_("A Good Faith member's notice goes to the seller without manual review; reviewers check a sample."))
    return str(MOVE_REASONS.get(event.reason, event.reason))


def _facts(event: ComplaintItemEvent, item: ComplaintItem, counter_notice: CounterNotice | None) -> str:
    complaint = item.complaint
    parts = [str(_("The complaint's reason: %(reason)s")) % {"reason": complaint.get_reason_display()}]
    if complaint.ipr is not None:
        parts.append(str(_("The right: %(kind)s %(number)s (%(office)s), held by %(owner)s.")) % {
            "kind": complaint.ipr.get_kind_display(), "number": complaint.ipr.number,
            "office": complaint.ipr.jurisdiction, "owner": complaint.ipr.owner_name})
    if counter_notice is not None and event.to_state in (State.TAKEN_DOWN, State.REINSTATED):
        parts.append(str(_("The seller's counter-notice: %(ground)s")) % {"ground": counter_notice.get_ground_display()})
    if event.note:
        parts.append(str(_("The reviewer's findings: %(note)s")) % {"note": event.note})
    return " ".join(parts)[:5000]


def _contest(event: ComplaintItemEvent, item: ComplaintItem) -> tuple[Promise | str, Promise | str]:
    """(how the seller may contest, how the complainant may), by what was decided."""
    if event.to_state == State.SELLER_NOTIFIED:
        return (str(_("File a counter-notice by %(at)s; without one the listing is removed then.")) % {
            "at": item.respond_by.strftime("%Y-%m-%d %H:%M UTC") if item.respond_by else "—"}, "")
    if event.to_state == State.REJECTED:
        return "", _("File a new complaint with the evidence that was missing, or take the matter to court.")
    if event.to_state == State.TAKEN_DOWN:
        if event.actor_id is None:
            return (_("Contact the platform to appeal with the evidence a counter-notice would have carried, or "
                      "take the matter to court."), "")
        return _("Appeal to the platform with new evidence, or take the matter to court."), ""
    return "", _("Take the matter to court; the platform restores or keeps listings on a valid counter-notice.")


def statement_of_reasons(event: ComplaintItemEvent, *, item: ComplaintItem | None = None,
                         counter_notice: CounterNotice | None = None) -> StatementOfReasons | None:
    """The statement of the decision ``event`` records (None for a move that is no decision on the complaint).

    ``item`` (with its complaint, platform, right and listing loaded) and ``counter_notice`` save queries when the
    caller has them.
    """
    if event.to_state not in DECISIONS:
        return None
    item = item or event.item
    complaint = item.complaint
    if counter_notice is None and event.to_state in (State.TAKEN_DOWN, State.REINSTATED):
        counter_notice = getattr(item, "counter_notice", None)
    if complaint.source == complaint.Source.DMCA:
        source = _("A DMCA notice sent without an account.")
    elif event.reason == "good_faith" or item.good_faith:
        source = _("A notice by a rights holder in the Good Faith Program (trusted).")
    else:
        source = _("A notice by the rights holder or its authorised agent.")
    automated = (_("Fully automated: a timed decision when the window closed.") if event.actor_id is None
                 and event.to_state == State.TAKEN_DOWN else
                 _("Not by a person's review: the member's notice went on without one.") if event.reason == "good_faith"
                 else _("Decided by a reviewer; not automated."))
    listing = item.listing
    seller, complainant = _contest(event, item)
    return StatementOfReasons(
        decision_id=f"D{event.pk:09d}", decided_at=event.at, decision=WHAT[event.to_state],
        ground=GROUND.get(complaint.ipr.kind if complaint.ipr else "copyright", GROUND["other"]),
        rule=_rule(event, item), facts=_facts(event, item, counter_notice), source=source, automated=automated,
        content=str(_("Product listing %(id)s “%(title)s” on %(platform)s (listed %(listed)s).")) % {
            "id": listing.listing_id, "title": listing.title, "platform": complaint.platform.label,
            "listed": listing.listed_on.isoformat() if listing.listed_on else "—"},
        contest_seller=seller, contest_complainant=complainant)


def as_text(statement: StatementOfReasons, *, for_seller: bool) -> str:
    """The statement as plain lines, for an email (in the active language)."""
    contest = statement.contest_seller if for_seller else statement.contest_complainant
    lines = [
        str(_("Statement of reasons %(id)s")) % {"id": statement.decision_id},
        f"{_('Decision')}: {statement.decision}",
        f"{_('Ground')}: {statement.ground} {statement.rule}",
        f"{_('Facts')}: {statement.facts}",
        f"{_('Source')}: {statement.source}",
        f"{_('Automation')}: {statement.automated}",
        f"{_('Content')}: {statement.content}",
    ]
    if contest:
        lines.append(f"{_('How to contest')}: {contest}")
    return "\n".join(str(line) for line in lines)


def with_statements(events, items_by_id: dict[int, ComplaintItem]) -> list[ComplaintItemEvent]:
    """The events, each decision carrying its ``statement`` (None on the others), from items already loaded with
    their complaint and counter-notice: no query per event."""
    events = list(events)
    for event in events:
        item = items_by_id.get(event.item_id)
        event.statement = statement_of_reasons(event, item=item) if item is not None else None
    return events
