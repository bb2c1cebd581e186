"""The complainant's answer to a seller's counter-notice: accept it, or maintain the complaint. Thin: the rules
(who, which state, the window) are in ``services``; both buttons are on the complaint's page."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ipp.access import rights_holder_required

from . import selectors, services
from .forms import MaintainForm
from .models import ComplaintItem
from .views import complaint_detail_page


def _own_item(request, pk: int, item_id: int) -> ComplaintItem:
    # Another account's item, or an item of another complaint, is not found: nobody learns which ids exist.
    item = selectors.complaint_item_of(request.user, pk, item_id)
    if item is None:
        raise Http404
    return item


@rights_holder_required
@require_POST
def counter_notice_accept(request, pk, item_id):
    item = _own_item(request, pk, item_id)
    try:
        services.counter_notice_accept(user=request.user, item_id=item.pk, note=request.POST.get("note", "")[:2000])
    except services.ActionRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("Counter-notice accepted: the listing stays on sale, and the seller is told."))
    return redirect("complaint_detail", pk)


@rights_holder_required
@require_POST
def complaint_maintain(request, pk, item_id):
    item = _own_item(request, pk, item_id)
    form = MaintainForm(request.POST, request.FILES, prefix=f"maintain-{item.pk}")
    if form.is_valid():
        try:
            services.complaint_maintain(user=request.user, item_id=item.pk, note=form.cleaned_data["note"],
                                        evidence=form.cleaned_data["files"])
        except services.FilingRefused as refused:
            for field, problems in refused.errors.items():
                form.add_error("note" if field == "note" else None, problems)
        except services.ActionRefused as refused:
            messages.error(request, str(refused))
            return redirect("complaint_detail", pk)
        else:
            messages.success(request, _("Complaint maintained: a reviewer decides, with your note and evidence."))
            return redirect("complaint_detail", pk)
    return complaint_detail_page(request, selectors.complaint_of(request.user, pk), maintain_form=form, status=400)
