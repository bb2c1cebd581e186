"""Reviewers work the queue of complaint items: filter and sort it, claim a batch, and decide each item (accept or
reject one in review, take down or reinstate one awaiting a decision after a counter-notice), one at a time or
in bulk for items of one complaint, then go on to the next.

``DECISIONS`` is the one table of what a reviewer may decide, each decision a move of ``workflow.TRANSITIONS``:
the page offers the decisions of the item's state, and the page and the API (``api_review``) take them through
``decision_take``, so both accept exactly the same moves. The services lock the item and refuse a decision its
current state does not allow (``ActionRefused``): a reviewer acting on a stale screen is told, nothing changes.
"""

from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import User
from ipp import workdays
from ipp.access import reviewer_required
from ipp.review_queues import queue_counts

from . import selectors, services, workflow
from .forms import QueueFilterForm
from .models import ComplaintItem, ItemRejectionReason, SpotCheck
from .statements import with_statements

State = ComplaintItem.State


@dataclass(frozen=True)
class Decision:
    from_state: str
    to_state: str
    label: Promise  # the button
    done: Promise  # the message once taken


DECISIONS = {
    "accept": Decision(State.IN_REVIEW, State.SELLER_NOTIFIED, gettext_lazy("Accept: notify the seller"),
                       gettext_lazy("Accepted. The seller is notified and may file a counter-notice.")),
    "reject": Decision(State.IN_REVIEW, State.REJECTED, gettext_lazy("Reject with the reason"),
                       gettext_lazy("Rejected. The complainant is told.")),
    "take_down": Decision(State.IN_DECISION, State.TAKEN_DOWN, gettext_lazy("Take the listing down"),
                          gettext_lazy("Taken down. The listing is removed and both sides are told.")),
    "reinstate": Decision(State.IN_DECISION, State.REINSTATED, gettext_lazy("Reinstate: the listing stays"),
                          gettext_lazy("Reinstated. The listing stays on sale and both sides are told.")),
}

# How many items "claim the next" takes unless the reviewer says.
CLAIM_BATCH = 10


def decisions_for(state: str) -> list[str]:
    """The decisions a reviewer may take on an item in ``state``, in the table's order (none once decided)."""
    return [code for code, decision in DECISIONS.items()
            if decision.from_state == state and workflow.can_move(state, decision.to_state)]


def decision_problems(*, decision: str, reason: str, note: str) -> dict[str, list[str]]:
    """What is wrong with a decision's input, by field (the page's form and the API's serializer both ask)."""
    if decision != "reject":
        return {}  # a reason is read only for a rejection
    if reason not in ItemRejectionReason.values:
        return {"reason": [_("Choose the reason of the rejection (one of: %(codes)s).") % {
            "codes": ", ".join(ItemRejectionReason.values)}]}
    if reason == ItemRejectionReason.OTHER and not note.strip():
        return {"note": [_("Explain the reason in the note.")]}
    return {}


def decision_take(*, reviewer: User, item_id: int, decision: str, reason: str = "", note: str = "") -> ComplaintItem:
    """Take ``decision`` (a key of ``DECISIONS``) on the item; ``services.ActionRefused`` when its state (now, under
    the row lock) does not offer it."""
    if DECISIONS[decision].from_state == State.IN_REVIEW:
        return services.item_review_decide(reviewer=reviewer, item_id=item_id, decision=decision,
                                           reason=reason if decision == "reject" else "", note=note)
    return services.item_decide(reviewer=reviewer, item_id=item_id, decision=decision, note=note)


class ItemDecisionForm(forms.Form):
    # Posted by the decision's button; the service checks the item's state still offers it.
    decision = forms.ChoiceField(choices=[(code, decision.label) for code, decision in DECISIONS.items()])
    reason = forms.ChoiceField(label=gettext_lazy("Reason of a rejection"), required=False,
                               choices=[("", "—"), *ItemRejectionReason.choices])
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=gettext_lazy("Kept in the item's history, which the parties see."))

    def clean(self):
        data = super().clean()
        if "decision" in data:
            for field, problems in decision_problems(decision=data["decision"], reason=data.get("reason", ""),
                                                     note=data.get("note", "")).items():
                for problem in problems:
                    self.add_error(field, problem)
        return data


def _answer_to_counter_notice(item: ComplaintItem):
    """The move that sent the item from its counter-notice to a decision: the complainant's maintain note, or its
    silence past the window (None before)."""
    return next((event for event in reversed(item.events.all())
                 if event.from_state == State.COUNTER_NOTICED and event.to_state == State.IN_DECISION), None)


def _decide_all(request, item: ComplaintItem, data: dict, also: list[int]) -> tuple[int, list[str]]:
    """The decision on ``item`` and, in bulk, on the siblings chosen with it: (how many taken, why others were not)."""
    taken, refused = 0, []
    for item_id in [item.pk, *also]:
        try:
            decision_take(reviewer=request.user, item_id=item_id, decision=data["decision"], reason=data["reason"],
                          note=data["note"].strip())
            taken += 1
        except services.ClaimedByAnother as why:
            refused.append(str(why))
        except services.ActionRefused as why:  # a stale screen: someone moved the item since it was shown
            refused.append(_("the item moved since this page was shown. %(why)s") % {"why": why})
    return taken, refused


@reviewer_required
@require_http_methods(["GET", "POST"])
def review_item(request, item_id):
    item = selectors.item_for_review(item_id)
    if item is None:
        raise Http404
    siblings = list(selectors.sibling_items(item)) if item.state in selectors.AWAITING_REVIEWER else []
    form = ItemDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        sibling_ids = {sibling.pk for sibling in siblings}
        also = [pk for pk in map(int, filter(str.isdigit, request.POST.getlist("also"))) if pk in sibling_ids]
        taken, refused = _decide_all(request, item, form.cleaned_data, also)
        if not taken:
            messages.warning(request, _("Nothing was changed: %(why)s Here it is as it is now.") % {"why": refused[0]})
            return redirect("review_item", item_id=item.pk)
        done = DECISIONS[form.cleaned_data["decision"]].done
        if also:
            done = ngettext("%(done)s (%(n)s item.)", "%(done)s (%(n)s items.)", taken) % {"done": done, "n": taken}
        messages.success(request, done)
        for why in refused:
            messages.warning(request, _("One item was left as it was: %(why)s") % {"why": why})
        following = selectors.next_item_for(request.user, after=item)
        if following is not None:
            return redirect("review_item", item_id=following.pk)
        messages.info(request, _("That was the last item waiting for you."))
        return redirect(f"{reverse('review_items')}?state={item.state}")
    return _review_item_page(request, item, form, siblings)


def _review_item_page(request, item: ComplaintItem, form, siblings):
    ipr = item.complaint.ipr
    today = workdays.today_in_china()
    holder = selectors.claim_holder(item, request.user)
    following = selectors.next_item_for(request.user, after=item)
    return render(request, "complaints/review_item.html", {
        "item": item, "complaint": item.complaint, "ipr": ipr, "listing": item.listing, "form": form,
        "counter_notice": getattr(item, "counter_notice", None),  # a missing one reads as None
        "answer": _answer_to_counter_notice(item),
        "history": with_statements(item.events.all(), {item.pk: item}),
        "decisions": [] if holder else [(code, DECISIONS[code]) for code in decisions_for(item.state)],
        "awaiting": item.state in selectors.AWAITING_REVIEWER,
        "queue_state": item.state if item.state in selectors.AWAITING_REVIEWER else State.IN_REVIEW,
        "letter_ok": ipr.letter_authorises(today) if ipr and ipr.needs_letter else None,
        "today": today,
        "claim_holder": holder,
        "claimed_by_me": item.claimed_by_reviewer(request.user),
        "seller": selectors.seller_record(item.listing.shop),
        "siblings": [(sibling, selectors.claim_holder(sibling, request.user)) for sibling in siblings],
        "next_item": following,
        "spot_check": item.spot_check == SpotCheck.PENDING and item.state in selectors.SPOT_CHECKABLE,
        "spot_check_form": SpotCheckForm(),
    }, status=400 if request.method == "POST" else 200)


class SpotCheckForm(forms.Form):
    outcome = forms.ChoiceField(choices=[(SpotCheck.CONFIRMED, SpotCheck.CONFIRMED), (SpotCheck.UNFOUNDED, SpotCheck.UNFOUNDED)])
    reason = forms.ChoiceField(label=gettext_lazy("Reason, if unfounded"), required=False,
                               choices=[("", "—"), *ItemRejectionReason.choices])
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))


@reviewer_required
@require_POST
def review_item_spot_check(request, item_id):
    """A reviewer's spot check of a Good Faith member's item: the notice stands, or it was unfounded (rejected)."""
    item = get_object_or_404(ComplaintItem, pk=item_id)
    form = SpotCheckForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose whether the notice stands."))
        return redirect("review_item", item_id=item.pk)
    try:
        services.spot_check_decide(reviewer=request.user, item_id=item.pk, **form.cleaned_data)
    except services.ActionRefused as refused:
        messages.error(request, str(refused))
        return redirect("review_item", item_id=item.pk)
    messages.success(request, _("Spot check recorded: the notice stands.") if form.cleaned_data["outcome"] ==
                     SpotCheck.CONFIRMED else _("Spot check recorded: the notice was unfounded; the item is rejected "
                                                "and its listing shown again."))
    following = selectors.review_queue(selectors.QueueFilters(state=selectors.SPOT_CHECKS)).exclude(pk=item.pk).first()
    if following is not None:
        return redirect("review_item", item_id=following.pk)
    return redirect(f"{reverse('review_items')}?state={selectors.SPOT_CHECKS}")


@reviewer_required
@require_POST
def review_item_claim(request, item_id):
    """Claim the item (``release`` in the form gives the reviewer's claim back)."""
    item = get_object_or_404(ComplaintItem, pk=item_id)
    if request.POST.get("release"):
        services.items_release(reviewer=request.user, item_ids=[item.pk])
        messages.success(request, _("Claim released: other reviewers may take this item."))
    elif services.items_claim(reviewer=request.user, items=ComplaintItem.objects.filter(pk=item.pk), count=1):
        messages.success(request, _("Claimed for %(minutes)s minutes: other reviewers see it is yours.") % {
            "minutes": settings.IPP_REVIEW_CLAIM_MINUTES})
    else:
        messages.warning(request, _("This item cannot be claimed: another reviewer holds it, or it waits for no "
                                    "decision."))
    return redirect("review_item", item_id=item.pk)


@dataclass(frozen=True)
class QueueRow:
    """One line of the queue: the item, whose claim it is under, and how it stands against its due day."""

    item: ComplaintItem
    holder_email: str | None  # the other reviewer whose claim runs
    mine: bool  # claimed by the reviewer looking
    overdue: bool
    working_days: int | None  # left until the due day, or past it when overdue

    @classmethod
    def of(cls, item: ComplaintItem, *, reviewer: User, now, today) -> "QueueRow":
        due = item.due_on
        return cls(item=item,
                   holder_email=item.claim_holder_email if selectors.claimed_by_another(item, reviewer, now) else None,
                   mine=item.claimed_by_reviewer(reviewer, now),
                   overdue=bool(due and due < today),
                   working_days=abs(workdays.working_days_between(today, due)) if due else None)


@reviewer_required
@require_http_methods(["GET", "POST"])
def review_items(request):
    """The queue of complaint items: filters, order, paging, and claiming a batch of what is shown."""
    form = QueueFilterForm(request.GET)
    filters = form.filters()
    if request.method == "POST":
        if request.POST.get("action") == "release":
            released = services.items_release(reviewer=request.user)
            messages.success(request, ngettext("%(n)s claim released.", "%(n)s claims released.", released) % {
                "n": released})
            return redirect(request.get_full_path())
        count = int(request.POST["count"]) if request.POST.get("count", "").isdigit() else CLAIM_BATCH
        claimed = services.items_claim(reviewer=request.user, items=selectors.review_queue(filters, reviewer=request.user),
                                       count=count)
        if not claimed:
            messages.warning(request, _("Nothing free to claim among the items shown."))
            return redirect(request.get_full_path())
        messages.success(request, ngettext(
            "%(n)s item claimed for %(minutes)s minutes.", "%(n)s items claimed for %(minutes)s minutes.",
            len(claimed)) % {"n": len(claimed), "minutes": settings.IPP_REVIEW_CLAIM_MINUTES})
        return redirect("review_item", item_id=claimed[0])
    filtered = filters != selectors.QueueFilters(state=filters.state, sort=filters.sort)
    tab = {State.IN_REVIEW: "complaint_items", State.IN_DECISION: "item_decisions",
           selectors.SPOT_CHECKS: "spot_checks"}.get(filters.state, "")
    counts = queue_counts()
    paginator = Paginator(selectors.review_queue(filters, reviewer=request.user), form.page_size())
    if tab and not filtered:
        paginator.count = counts[tab]  # the same items as the tab's count: not counted twice (81,864 rows)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    now, today = timezone.now(), workdays.today_in_china()
    return render(request, "complaints/review_items.html", {
        "form": form, "page": page, "query": query.urlencode(), "state": filters.state,
        "filtered": filtered, "tab": tab, "counts": counts, "today": today,
        "rows": [QueueRow.of(row, reviewer=request.user, now=now, today=today) for row in page.object_list],
        "my_claims": ComplaintItem.objects.filter(claimed_by=request.user, claimed_until__gt=now,
                                                  state__in=selectors.AWAITING_REVIEWER).count(),
        "claim_batch": CLAIM_BATCH, "claim_sizes": [5, 10, 20, 50], "claim_minutes": settings.IPP_REVIEW_CLAIM_MINUTES,
    })
