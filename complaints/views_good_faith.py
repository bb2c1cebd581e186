"""The admins' Good Faith Program pages: complainants' records, who is eligible, the members, and each
complainant's standing with its history; grant, suspend, revoke, and filing suspensions. Thin: the rules are in
``good_faith``."""

from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import User
from ipp.access import admin_required

from . import good_faith
from .models import Complaint, FilingSuspension, GoodFaithChange, GoodFaithMembership

PAGE_SIZE = 25
Action = GoodFaithChange.Action


class ChangeForm(forms.Form):
    action = forms.ChoiceField(label=gettext_lazy("Decision"), choices=[
        (Action.GRANT, gettext_lazy("Grant membership")), (Action.SUSPEND, gettext_lazy("Suspend membership")),
        (Action.REVOKE, gettext_lazy("Revoke membership"))])
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=gettext_lazy("Kept with the change; the complainant is told."),
                             error_messages={"required": gettext_lazy("Give the reason: it is kept, and the "
                                                                      "complainant is told.")})

    def __init__(self, *args, standing: str | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [(code, label) for code, label in self.fields["action"].choices
                                         if standing in good_faith.ALLOWED[code]]


class SuspensionForm(forms.Form):
    days = forms.IntegerField(label=gettext_lazy("Days"), min_value=1, max_value=365, initial=30)
    reason = forms.CharField(label=gettext_lazy("Why (the manifestly unfounded notices)"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             error_messages={"required": gettext_lazy("Give the reason: it is kept, and the "
                                                                      "complainant is told.")})


def _rows(records: list[dict]) -> list[tuple[User, good_faith.Record]]:
    """(complainant, record) for rows of ``good_faith.complainant_records``: one query for the users."""
    users = User.objects.select_related("good_faith").in_bulk([row["complainant_id"] for row in records])
    return [(users[row["complainant_id"]], good_faith.record_of_row(row)) for row in records]


@admin_required
@require_GET
def admin_good_faith(request):
    search = request.GET.get("q", "").strip()[:100]
    members = list(GoodFaithMembership.objects.select_related("complainant").order_by("status", "-flagged_at", "pk"))
    records = good_faith.records_of([m.complainant_id for m in members])
    # Members are left out in the query, before the cut: 100 eligible members must not hide every eligible newcomer.
    eligible = list(good_faith.complainant_records(eligible_only=True).exclude(complainant_id__in=(
        GoodFaithMembership.objects.filter(status=GoodFaithMembership.Status.MEMBER).values("complainant_id")))[:100])
    page = Paginator(good_faith.complainant_records(search=search), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "complaints/admin_area/good_faith.html", {
        "members": [(m, records[m.complainant_id]) for m in members],
        "eligible": _rows(eligible), "page": page, "complainants": _rows(list(page.object_list)),
        "search": search, "query": urlencode({"q": search}) if search else "",
        "criteria": {name: getattr(settings, f"IPP_GOOD_FAITH_{name.upper()}") for name in (
            "window_days", "min_decided", "min_takedown_share", "max_counter_success_share", "readmit_days",
            "spot_check_share")},
    })


@admin_required
@require_http_methods(["GET", "POST"])
def admin_good_faith_complainant(request, user_id):
    complainant = get_object_or_404(User, pk=user_id, role=User.Role.RIGHTS_HOLDER)
    membership = good_faith.membership_of(complainant)
    standing = membership.status if membership else None
    change_form = ChangeForm(request.POST if request.POST.get("form") == "change" else None, standing=standing)
    # Its own ids: both forms have a "reason", and a page may have an id once.
    suspension_form = SuspensionForm(request.POST if request.POST.get("form") == "suspend" else None,
                                     auto_id="suspension_%s")
    if request.method == "POST":
        try:
            if request.POST.get("form") == "lift":
                suspension_id = request.POST.get("suspension", "")
                if suspension_id.isdecimal() and len(suspension_id) <= 18 and good_faith.filing_suspension_lift(
                        admin=request.user, complainant_id=complainant.pk, suspension_id=int(suspension_id)):
                    messages.success(request, _("Suspension lifted: the complainant may file again."))
                else:
                    messages.error(request, _("No suspension of this complainant in force was lifted."))
                return redirect("admin_good_faith_complainant", user_id=complainant.pk)
            if change_form.is_bound and change_form.is_valid():
                good_faith.good_faith_change(admin=request.user, complainant_id=complainant.pk,
                                             action=change_form.cleaned_data["action"],
                                             reason=change_form.cleaned_data["reason"])
                messages.success(request, _("Saved; the complainant is told."))
                return redirect("admin_good_faith_complainant", user_id=complainant.pk)
            if suspension_form.is_bound and suspension_form.is_valid():
                good_faith.filing_suspend(admin=request.user, complainant_id=complainant.pk,
                                          days=suspension_form.cleaned_data["days"],
                                          reason=suspension_form.cleaned_data["reason"])
                messages.success(request, _("Filing suspended; the complainant is told."))
                return redirect("admin_good_faith_complainant", user_id=complainant.pk)
        except good_faith.GoodFaithRefused as refused:
            (change_form if change_form.is_bound else suspension_form).add_error(None, str(refused))
    return render(request, "complaints/admin_area/good_faith_complainant.html", {
        "complainant": complainant, "membership": membership,
        "record": good_faith.records_of([complainant.pk])[complainant.pk],
        "by_reason": [(dict(Complaint.Reason.choices).get(code, code), record)
                      for code, record in good_faith.record_by_reason(complainant).items()],
        "now": timezone.now(),
        "history": GoodFaithChange.objects.filter(complainant=complainant).select_related("actor")[:50],
        "suspensions": FilingSuspension.objects.filter(complainant=complainant).select_related("actor")[:20],
        "change_form": change_form, "suspension_form": suspension_form,
        "readmit_after": good_faith.readmit_after(complainant),
    }, status=400 if request.method == "POST" else 200)
