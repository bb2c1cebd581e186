"""The admins' pages: sellers' penalty points (the list, repeat infringers, each shop's ledger) and the platforms'
settings with their change history. Thin: the reads are in ``selectors``, the one write in ``platform_settings``.
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from ipp.access import admin_required

from . import platform_settings, selectors
from .models import Platform

SELLERS_PAGE_SIZE = 25
LEDGER_PAGE_SIZE = 50


class SellerFilterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Shop or seller"), required=False, max_length=100)
    platform = forms.ChoiceField(label=gettext_lazy("Platform"), required=False)
    repeat = forms.BooleanField(label=gettext_lazy("Repeat infringers only"), required=False)
    sort = forms.ChoiceField(label=gettext_lazy("Sort by"), required=False, choices=[
        ("points", gettext_lazy("Points, most first")), ("points_asc", gettext_lazy("Points, fewest first")),
        ("latest", gettext_lazy("Latest penalty")), ("shop", gettext_lazy("Shop name"))])

    def __init__(self, *args, platforms, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["platform"].choices = [("", _("All platforms"))] + [(p.code, p.label) for p in platforms]


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@admin_required
@require_GET
def admin_sellers(request):
    form = SellerFilterForm(request.GET, platforms=Platform.objects.all())
    form.is_valid()
    data = form.cleaned_data  # the valid filters apply; an unknown value in one does not drop the others
    shops = selectors.penalised_shops(platform=data.get("platform", ""), repeat_only=data.get("repeat", False),
                                      search=data.get("q", "").strip(), order=data.get("sort") or "points")
    page = Paginator(shops, SELLERS_PAGE_SIZE).get_page(request.GET.get("page"))
    sort = data.get("sort") or "points"
    points_sort = request.GET.copy()
    points_sort.pop("page", None)
    points_sort["sort"] = "points_asc" if sort == "points" else "points"
    return render(request, "complaints/admin_area/sellers.html", {
        "form": form, "page": page, "query": _query_without_page(request), "sort": sort,
        "points_sort_query": points_sort.urlencode(),
        "filtered": any(data.get(name) for name in ("q", "platform", "repeat")),
        "threshold": settings.IPP_REPEAT_INFRINGER_POINTS,
    })


@admin_required
@require_GET
def admin_seller_ledger(request, shop_pk):
    shop = selectors.penalised_shop(shop_pk)
    if shop is None:
        raise Http404
    page = Paginator(selectors.penalty_ledger(shop), LEDGER_PAGE_SIZE).get_page(request.GET.get("page"))
    seller_shops = list(selectors.shops_of_seller(shop.owner)) if shop.owner_id else [shop]
    return render(request, "complaints/admin_area/seller_ledger.html", {
        "shop": shop, "page": page, "query": "", "seller_shops": seller_shops,
        "seller_points": sum(s.points for s in seller_shops),
        "threshold": settings.IPP_REPEAT_INFRINGER_POINTS,
    })


@admin_required
@require_GET
def admin_platforms(request):
    return render(request, "complaints/admin_area/platforms.html", {
        "platforms": selectors.platforms_with_last_change(),
    })


@admin_required
@require_http_methods(["GET", "POST"])
def admin_platform_edit(request, code):
    platform = Platform.objects.filter(pk=code).first()
    if platform is None:
        raise Http404
    form = platform_settings.PlatformSettingsForm(request.POST or None, instance=platform)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                changes = platform_settings.platform_settings_update(
                    admin=request.user, code=platform.pk, seen=form.cleaned_data["seen"], values=form.values())
            except platform_settings.ChangedMeanwhile as conflict:
                platform.refresh_from_db()
                form, status = platform_settings.conflict_form(form, conflict, platform), 409
            else:
                if changes:
                    messages.success(request, _("Saved: %(fields)s. The change is in the history below.") % {
                        "fields": ", ".join(str(Platform._meta.get_field(c.field).verbose_name) for c in changes)})
                else:
                    messages.info(request, _("Nothing to save: the settings are as they were."))
                return redirect("admin_platform_edit", code=platform.pk)
    history = [(entry, platform_settings.changes_of(entry)) for entry in selectors.platform_history(platform)]
    return render(request, "complaints/admin_area/platform_edit.html", {
        "platform": platform, "form": form, "history": history,
    }, status=status)
