"""The seller's side of the workflow: its notices, and the counter-notice. Thin: the rules are in services.

A notice is a complaint item on a listing of one of the seller's shops that reached the
seller (``selectors.notices_of``). The seller sees the complaint's right, reason and evidence
and, of the complainant, only its name and email.
"""

import datetime as dt

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from ipp.access import role_required
from ipr.forms import MultipleDocumentField

from . import selectors, services
from .models import ComplaintItem, CounterNotice
from .statements import with_statements

State = ComplaintItem.State
seller_required = role_required("seller")
LIST_PAGE_SIZE = 25
# A notice to answer within this much of its deadline is marked as closing soon.
CLOSING_SOON = dt.timedelta(hours=24)
TO_ANSWER = State.SELLER_NOTIFIED


class NoticeFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=gettext_lazy("Show"), required=False,
        choices=[("", gettext_lazy("All notices")), (TO_ANSWER, gettext_lazy("To answer"))]
        + [(state.value, state.label) for state in selectors.NOTICE_STATES if state != TO_ANSWER])


class CounterNoticeForm(forms.Form):
    """The seller's counter-notice. (Here rather than in forms.py: it belongs to these pages alone.)"""

    ground = forms.ChoiceField(label=gettext_lazy("Ground"), choices=CounterNotice.Ground.choices,
                               widget=forms.RadioSelect)
    statement = forms.CharField(
        label=gettext_lazy("Statement"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy("Why the listing does not infringe the right, with the facts your evidence proves. "
                               "Up to 5,000 characters."),
        error_messages={"required": gettext_lazy("Explain why the listing does not infringe.")})
    evidence = MultipleDocumentField(
        label=gettext_lazy("Evidence (PDF, JPEG or PNG)"), required=False,
        help_text=gettext_lazy("The rights owner's authorisation to sell, invoices from the brand or its "
                               "distributors, or the certificate of your own registered right."))
    perjury_statement = forms.BooleanField(
        label=gettext_lazy("I state under penalty of perjury that I have a good faith belief the listing was "
                           "complained about as a result of a mistake or misidentification, and that the "
                           "information in this counter-notice is accurate."),
        error_messages={"required": gettext_lazy("Make the statement under penalty of perjury to file a "
                                                 "counter-notice.")})

    def clean_evidence(self):
        files = self.cleaned_data["evidence"]
        if len(files) > services.MAX_EVIDENCE_FILES:
            raise ValidationError(_("Attach at most %(n)s files.") % {"n": services.MAX_EVIDENCE_FILES})
        return files


def _deadline(item: ComplaintItem, now) -> str:
    """How a notice still to answer stands against its window: "overdue" (closed), "soon" (within a day) or ""."""
    if item.state != State.SELLER_NOTIFIED or item.respond_by is None:
        return ""
    if item.respond_by <= now:
        return "overdue"
    return "soon" if item.respond_by - now <= CLOSING_SOON else ""


@seller_required
@require_GET
def seller_notices(request):
    form = NoticeFilterForm(request.GET)
    state = form.cleaned_data["state"] if form.is_valid() else ""
    page = Paginator(selectors.notices_of(request.user, state=state), LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "complaints/seller/notices.html", {
        "form": form, "page": page, "rows": [(item, _deadline(item, now)) for item in page.object_list],
        "query": query.urlencode(), "filtered": bool(state),
    })


def _history(item: ComplaintItem) -> list[tuple]:
    """(event, who, note) of each move since the notice, as the seller may know it.

    The complainant's notes (to withdraw, accept, maintain) are written for the platform and
    may name people or contacts: the seller sees that the complainant acted, not its words.
    The platform's notes are its reasons, which the seller is owed.
    """
    rows = []
    for event in with_statements(selectors.notice_history(item), {item.pk: item}):
        if event.actor_id is None:
            who, note = _("automatic"), event.note
        elif event.actor_id == item.listing.shop.owner_id:
            who, note = _("you"), event.note
        elif event.actor_id == item.complaint.complainant_id:
            who, note = _("complainant"), ""
        else:
            who, note = _("platform"), event.note
        rows.append((event, who, note))
    return rows


@seller_required
@require_http_methods(["GET", "POST"])
def seller_notice(request, item_id):
    item = selectors.notice_of(request.user, item_id)
    if item is None:  # another seller's item, or one that has not reached its seller: as if it did not exist
        raise Http404
    answerable = selectors.notice_answerable(item)
    form = None
    if answerable:
        form = CounterNoticeForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                services.counter_notice_file(seller=request.user, item_id=item.pk, ground=data["ground"],
                                             statement=data["statement"], perjury_statement=data["perjury_statement"],
                                             evidence=data["evidence"])
            except services.FilingRefused as refused:
                for field, problems in refused.errors.items():
                    form.add_error(field if field in form.fields else None, problems)
            except services.ActionRefused as refused:
                messages.error(request, str(refused))
                return redirect("seller_notice", item.pk)
            else:
                messages.success(request, _("Counter-notice filed: the complainant is told and may accept it; "
                                            "otherwise the platform decides."))
                return redirect("seller_notice", item.pk)
    elif request.method == "POST":
        messages.error(request, _("The window for a counter-notice on this listing has closed."))
        return redirect("seller_notice", item.pk)
    name, email = selectors.notice_complainant(item.complaint)
    return render(request, "complaints/seller/notice.html", {
        "item": item, "complaint": item.complaint, "ipr": item.complaint.ipr,
        "complainant_name": name, "complainant_email": email,
        "counter_notice": getattr(item, "counter_notice", None), "form": form, "deadline": _deadline(item, timezone.now()),
        "history": _history(item),
    }, status=400 if form is not None and form.is_bound else 200)
