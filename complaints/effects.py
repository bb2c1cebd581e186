"""What a move of a complaint item does beyond its row, once it has committed.

One table, ``EFFECTS``: for the state an item moved into, the steps to run (the marketplace
adapter's calls, the notices to each side, penalty points). A worker runs them for an event
(``run_event_effects``) and marks the event done; every step is idempotent (a notification is
keyed by its event, a penalty by what it counts, a takedown of a removed listing changes
nothing), so a task delivered twice, or an event the sweep picks up again, repeats nothing.
"""

import logging
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from ipp.mail import send_to_addresses
from ipp.notifications import notify

from .marketplaces import marketplace
from .models import ComplaintItem, ComplaintItemEvent, Listing, PenaltyEntry
from .selectors import penalty_points_of
from .statements import as_text, statement_of_reasons

State = ComplaintItem.State
logger = logging.getLogger(__name__)


def _url(name: str, *args) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:  # the page comes with its own change
        return ""


def _seller(item):
    return item.listing.shop.owner


def _tell(user, event, *, kind: str, subject, text, url: str, for_seller: bool = False) -> None:
    """Notify ``user`` of ``event``; ``text`` is a lazy template filled with the event's facts in the user's language,
    and a decision's email carries its statement of reasons."""
    if user is None:
        return
    with translation.override(user.language or settings.LANGUAGE_CODE):
        subject, text = str(subject), str(text) % _facts(event)
        statement = statement_of_reasons(event)
        details = as_text(statement, for_seller=for_seller) if statement else ""
    notify(user, kind=kind, key=f"event:{event.pk}", subject=subject, text=text, url=url, details=details)


def _tell_complainant(event, *, kind, subject, text, dmca_text=None):
    """Notify whoever filed; a DMCA notice sent without an account is answered by email (``dmca_text`` where the
    account holder's text offers what a notifier without an account cannot do)."""
    complaint = event.item.complaint
    if complaint.complainant is None:
        _mail_dmca_notifier(event, subject=subject, text=dmca_text or text)
    else:
        _tell(complaint.complainant, event, kind=kind, subject=subject, text=text,
              url=_url("complaint_detail", complaint.pk))


def _mail_dmca_notifier(event, *, subject, text) -> None:
    # The acknowledgement promised "we will write to you with the outcome". The event is claimed for
    # this run (run_event_effects), and the mail leaves when that claim commits: once.
    notice = getattr(event.item.complaint, "dmca", None)
    if notice is None:
        return
    with translation.override(notice.language):
        statement = statement_of_reasons(event)
        text = str(text) % _facts(event) + (f"\n\n{as_text(statement, for_seller=False)}" if statement else "")
        context = {"notice": notice, "subject": str(subject), "text": text}
    transaction.on_commit(lambda: send_to_addresses([notice.email], language=notice.language,
                                                    template="complaints/email/dmca_outcome", context=context))


def _tell_seller(event, *, kind, subject, text):
    _tell(_seller(event.item), event, kind=kind, subject=subject, text=text, url=_url("seller_notice", event.item_id),
          for_seller=True)


def _at(moment) -> str:
    """A deadline as the pages show it (the portal's time zone, China's), with its offset for a reader abroad."""
    if moment is None:
        return ""
    local = timezone.localtime(moment, ZoneInfo(settings.TIME_ZONE))
    return f"{local:%Y-%m-%d %H:%M} (UTC{local.utcoffset().total_seconds() / 3600:+g})"


def _facts(event) -> dict:
    item = event.item
    return {"title": item.listing.title, "ref": item.complaint.reference, "platform": item.complaint.platform.label,
            "respond_by": _at(item.respond_by), "answer_by": _at(item.answer_by),
            "statement": getattr(getattr(item, "counter_notice", None), "statement", "")}


def _notice_to_seller(event):
    marketplace().notify_seller(event.item)
    if event.reason == "good_faith":  # a Good Faith member's notice: hidden at once, until the window decides
        marketplace().hide(event.item.listing)
    _tell_seller(event, kind="notice_received", subject=_("a complaint against your listing"), text=_(
        "A complaint (%(ref)s) was filed against your %(platform)s listing “%(title)s”. If it does not infringe, "
        "file a counter-notice by %(respond_by)s; otherwise it is taken down then."))


# A Good Faith notice keeps its listing hidden while it stands. A held notice does not stand: the right it rests
# on no longer authorises it; if the right is authenticated again the notice resumes and hides the listing again.
HIDING_STATES = (State.SELLER_NOTIFIED, State.COUNTER_NOTICED, State.IN_DECISION)


def _shown_again(event):
    """A listing hidden by a Good Faith notice is shown again when the notice ends without a takedown, unless
    another member's notice on it still stands (an item that never hid it, say an ordinary complaint rejected in
    review, does not end that other notice either)."""
    listing = event.item.listing
    listing.refresh_from_db(fields=["status"])
    if listing.status != Listing.Status.HIDDEN:
        return
    still_hidden_by = (ComplaintItem.objects.filter(listing=listing, good_faith=True, state__in=HIDING_STATES)
                       .exclude(pk=event.item_id))
    if not still_hidden_by.exists():
        marketplace().put_back(listing)


def _rejected(event):
    _shown_again(event)
    if event.reason.startswith("dmca_"):
        return  # a DMCA notice refused at intake: its notifier has one email for the whole notice (dmca.py)
    _tell_complainant(event, kind="decision", subject=_("a listing was not taken down"), text=_(
        "Your complaint %(ref)s about “%(title)s” was rejected after review."))
    if event.from_state in (State.SELLER_NOTIFIED, State.COUNTER_NOTICED):  # a spot check found the notice unfounded
        _tell_seller(event, kind="decision", subject=_("a complaint against your listing was rejected"), text=_(
            "The complaint %(ref)s against your listing “%(title)s” was found unfounded on review: the listing stays "
            "on sale and nothing is counted against you."))


def _counter_noticed(event):
    _tell_complainant(event, kind="counter_notice_received", subject=_("a seller answered your complaint"), text=_(
        "The seller of “%(title)s” (complaint %(ref)s) filed a counter-notice. Accept it, or maintain your complaint "
        "with more evidence, by %(answer_by)s; otherwise the platform decides."), dmca_text=_(
        "The seller of “%(title)s” filed a counter-notice to your DMCA notice %(ref)s. It says:\n\n%(statement)s\n\n"
        "A reviewer decides after %(answer_by)s, and we will write to you with the outcome."))


def _counter_accepted(event):
    _shown_again(event)
    _tell_seller(event, kind="decision", subject=_("a complaint against your listing was closed"), text=_(
        "The complainant accepted your counter-notice: “%(title)s” stays on sale (complaint %(ref)s)."))


def _penalty(event):
    item = event.item
    complaint = item.complaint
    platform = complaint.platform
    per_complaint = platform.copyright_points_per_complaint and complaint.ipr and complaint.ipr.kind == "copyright"
    shop = item.listing.shop
    entry, created = PenaltyEntry.objects.get_or_create(
        shop=shop, counted_as=f"complaint:{complaint.pk}" if per_complaint else f"item:{item.pk}",
        defaults={"item": item, "points": platform.penalty_points_per_takedown})
    if created and penalty_points_of(shop) - entry.points < settings.IPP_REPEAT_INFRINGER_POINTS <= penalty_points_of(shop):
        _flag_repeat_infringer(shop)


def _flag_repeat_infringer(shop) -> None:
    """The shop's points just reached the threshold: every admin is told, once per shop."""
    from accounts.models import User

    facts = {"shop": shop.name, "points": settings.IPP_REPEAT_INFRINGER_POINTS}
    for admin in User.objects.filter(role=User.Role.ADMIN, is_active=True):
        with translation.override(admin.language or settings.LANGUAGE_CODE):
            text = str(_("The shop “%(shop)s” on %(platform)s has reached %(points)s penalty points: a repeat "
                         "infringer.")) % {**facts, "platform": shop.platform.label}
        notify(admin, kind="repeat_infringer", key=f"repeat_infringer:{shop.pk}", email=False,
               subject=_("a repeat infringer"), text=text, url=_url("admin_seller_ledger", shop.pk))


def _taken_down(event):
    marketplace().take_down(event.item.listing)
    _penalty(event)
    _tell_complainant(event, kind="takedown", subject=_("a listing was taken down"), text=_(
        "“%(title)s” was taken down (complaint %(ref)s)."))
    _tell_seller(event, kind="takedown", subject=_("your listing was taken down"), text=_(
        "Your %(platform)s listing “%(title)s” was taken down after complaint %(ref)s."))


def _reinstated(event):
    _shown_again(event)  # a listing removed by another complaint stays removed
    _tell_complainant(event, kind="decision", subject=_("a listing stays on sale"), text=_(
        "After the seller's counter-notice, the platform decided that “%(title)s” stays on sale (complaint "
        "%(ref)s)."))
    _tell_seller(event, kind="decision", subject=_("your listing stays on sale"), text=_(
        "The platform accepted your counter-notice: “%(title)s” stays on sale."))


def _withdrawn(event):
    _shown_again(event)
    if event.from_state in (State.SELLER_NOTIFIED, State.COUNTER_NOTICED, State.IN_DECISION):
        _tell_seller(event, kind="decision", subject=_("a complaint against your listing was withdrawn"), text=_(
            "The complainant withdrew complaint %(ref)s about “%(title)s”."))


def _held(event):
    _shown_again(event)  # hidden by this member's notice alone: on sale again while its right is withdrawn


def _resumed(event):
    """The right is authenticated again and the item back where it was held: its notices were sent when it first got
    there; a Good Faith member's standing notice hides the listing again (one removed meanwhile stays removed)."""
    if event.item.good_faith and event.to_state in HIDING_STATES:
        marketplace().hide(event.item.listing)


# By the state an item moved into: what happens outside its row. Moves out of a hold are the exception: whatever
# state they return to, they only resume (``effects_of``).
EFFECTS = {
    State.SELLER_NOTIFIED: [_notice_to_seller],
    State.REJECTED: [_rejected],
    State.COUNTER_NOTICED: [_counter_noticed],
    State.COUNTER_ACCEPTED: [_counter_accepted],
    State.TAKEN_DOWN: [_taken_down],
    State.REINSTATED: [_reinstated],
    State.WITHDRAWN: [_withdrawn],
    State.HELD: [_held],
}


def _is_resume(from_state: str, to_state: str) -> bool:
    return from_state == State.HELD and to_state != State.WITHDRAWN


def effects_of(from_state: str, to_state: str) -> list:
    """The steps of a move."""
    return [_resumed] if _is_resume(from_state, to_state) else EFFECTS.get(to_state, [])


def has_effects(from_state: str, to_state: str, *, good_faith: bool) -> bool:
    """Whether a move has anything to do outside its row. Holding and resuming have only for a Good Faith member's
    item (its listing is shown or hidden again); the complainant hears of them from ipr.tasks, in one email."""
    if to_state == State.HELD or _is_resume(from_state, to_state):
        return good_faith
    return to_state in EFFECTS


def run_event_effects(event_ids: list[int]) -> int:
    """Run the side effects of these events that have not run yet; returns how many events ran.

    Each event is claimed under a row lock (SKIP LOCKED) for the time its steps take and marked
    done in the same transaction, so a redelivered task and the sweep never run one event at the
    same time, and a runner that dies before committing leaves it to be run again. A step that
    fails (a marketplace API down) rolls its event back for the sweep and does not stop the others.
    """
    ran = 0
    for event_id in sorted(set(event_ids)):
        try:
            with transaction.atomic():
                event = (ComplaintItemEvent.objects.select_for_update(skip_locked=True, of=("self",))
                         .filter(pk=event_id, effects_done_at__isnull=True)
                         .select_related("item__complaint__platform", "item__complaint__ipr",
                                         "item__complaint__complainant", "item__listing__shop__owner").first())
                if event is None:
                    continue  # done already, or being run by another worker right now
                for step in effects_of(event.from_state, event.to_state):
                    step(event)
                event.effects_done_at = timezone.now()
                event.save(update_fields=["effects_done_at"])
        except Exception:  # noqa: BLE001 - one event's failure must not stop the batch; the sweep retries it
            logger.exception("Side effects of complaint item event %s failed; the sweep will run them again", event_id)
            continue
        ran += 1
    return ran
