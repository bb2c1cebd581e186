"""Reviewers decide complaint items: accept or reject an item in review, take down or reinstate one awaiting a
decision after a counter-notice. A plain page for now; the full moderation queue (claiming, paging) is its own issue.

``DECISIONS`` is the one table of what a reviewer may decide, each decision a move of ``workflow.TRANSITIONS``:
the page offers the decisions of the item's state, and the page and the API (``api_review``) take them through
``decision_take``, so both accept exactly the same moves. The services lock the item and refuse a decision its
current state does not allow (``ActionRefused``): a reviewer acting on a stale screen is told, nothing changes.
"""

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from accounts.models import User
from ipp import workdays
from ipp.access import reviewer_required

from . import selectors, services, workflow
from .models import ComplaintItem, ItemRejectionReason

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

# The queue tab (accounts.views.QUEUE_TABS) each waiting state is listed in.
QUEUE_TAB = {State.IN_REVIEW: "complaint_items", State.IN_DECISION: "item_decisions"}


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


@reviewer_required
@require_http_methods(["GET", "POST"])
def review_item(request, item_id):
    item = selectors.item_for_review(item_id)
    if item is None:
        raise Http404
    form = ItemDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            decision_take(reviewer=request.user, item_id=item.pk, decision=data["decision"], reason=data["reason"],
                          note=data["note"].strip())
        except services.ActionRefused as refused:
            # A stale screen: someone moved the item since it was shown. Show it as it is now.
            messages.warning(request, _("Nothing was changed: the item moved since this page was shown. %(why)s "
                                        "Here it is as it is now.") % {"why": refused})
            return redirect("review_item", item_id=item.pk)
        messages.success(request, DECISIONS[data["decision"]].done)
        return redirect(f"{reverse('review_queue')}?tab={QUEUE_TAB[DECISIONS[data['decision']].from_state]}")
    ipr = item.complaint.ipr
    today = workdays.today_in_china()
    return render(request, "complaints/review_item.html", {
        "item": item, "complaint": item.complaint, "ipr": ipr, "listing": item.listing, "form": form,
        "counter_notice": getattr(item, "counter_notice", None),  # a missing one reads as None
        "answer": _answer_to_counter_notice(item),
        "history": item.events.all(),
        "decisions": [(code, DECISIONS[code]) for code in decisions_for(item.state)],
        "queue_tab": QUEUE_TAB.get(item.state, "complaint_items"),
        "letter_ok": ipr.letter_authorises(today) if ipr and ipr.needs_letter else None,
        "today": today,
    }, status=400 if request.method == "POST" else 200)
