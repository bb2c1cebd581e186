"""Filing a complaint step by step, and Manage Complaints. Thin: the rules are in services.

A complaint is a draft from its first step: each step saves what it was given, so a
half-done complaint (and a half-checked list of 200 addresses) is never lost. Filing
runs every check of ``services.complaint_draft_submit`` on the draft as it stands.
"""

import csv

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ipp import workdays
from ipp.access import rights_holder_required
from ipr.models import IPR

from . import selectors, services
from .forms import (
    EvidenceForm,
    FilterForm,
    ListingSearchForm,
    ListingsForm,
    MaintainForm,
    PlatformForm,
    ReasonForm,
    RightForm,
    StatementsForm,
)
from .marketplaces import marketplace
from .models import Complaint, Listing
from .selectors import complaint_filing_block_reason
from .statements import with_statements

STEPS = [
    ("platform", gettext_lazy("Platform")),
    ("right", gettext_lazy("IP right")),
    ("reason", gettext_lazy("Reason")),
    ("listings", gettext_lazy("Listings")),
    ("evidence", gettext_lazy("Evidence")),
    ("statements", gettext_lazy("Statements")),
    ("review", gettext_lazy("Review and file")),
]
STEP_NAMES = [name for name, _label in STEPS]
# Where each input of the filing service is entered, to link its errors back to the step.
FIELD_STEPS = {"platform": "platform", "ipr": "right", "reason": "reason", "urls": "listings",
               "evidence": "evidence", "statements": "statements"}
SEARCH_RESULTS = 50
LIST_PAGE_SIZE = 25


def _own_draft(request, pk) -> Complaint:
    return get_object_or_404(Complaint.objects.select_related("platform", "ipr__filed_by"),
                             pk=pk, complainant=request.user, status=Complaint.Status.DRAFT)


def _next_step(step: str) -> str:
    return STEP_NAMES[min(STEP_NAMES.index(step) + 1, len(STEP_NAMES) - 1)]


def _step_done(complaint: Complaint | None, step: str) -> bool:
    if complaint is None:
        return False
    return {
        "platform": True,
        "right": complaint.ipr_id is not None,
        "reason": bool(complaint.reason),
        "listings": bool(complaint.urls_text.strip()),
        "evidence": bool(complaint.description) or complaint.evidence.exists(),
        "statements": complaint.good_faith_statement and complaint.accuracy_statement,
        "review": False,
    }[step]


def _render_step(request, complaint: Complaint | None, step: str, context: dict, status: int = 200):
    steps = [(name, label, _step_done(complaint, name)) for name, label in STEPS]
    return render(request, "complaints/file.html", {
        "complaint": complaint, "step": step, "steps": steps, "step_number": STEP_NAMES.index(step) + 1,
        "step_template": f"complaints/steps/{step}.html", **context,
    }, status=status)


def _after_save(request, complaint: Complaint, step: str):
    """Where the step's buttons lead once it has saved: the next step, or back to the list with the draft kept."""
    if request.POST.get("action") == "save":
        messages.success(request, _("Draft saved. Continue it any time from Manage Complaints."))
        return redirect("complaint_list")
    if request.POST.get("action") == "back":
        return redirect("complaint_step", complaint.pk, STEP_NAMES[max(STEP_NAMES.index(step) - 1, 0)])
    return redirect("complaint_step", complaint.pk, _next_step(step))


def _leaving_unchosen(request, form) -> bool:
    """Back or "save draft" with nothing chosen on a step: leave it as it was, without an error."""
    return request.method == "POST" and request.POST.get("action") in ("save", "back") and not form.is_valid()


def _blocked(request):
    reason = complaint_filing_block_reason(request.user)
    if reason:
        return render(request, "complaints/blocked.html", {"block_reason": reason}, status=403)
    return None


# --- The steps ---------------------------------------------------------------------------------

@rights_holder_required
@require_http_methods(["GET", "POST"])
def complaint_new(request):
    """Step 1 before there is a draft: choosing the platform creates it."""
    if (blocked := _blocked(request)) is not None:
        return blocked
    form = PlatformForm(request.POST or None, initial={"platform": request.GET.get("platform")})
    if request.method == "POST" and form.is_valid():
        complaint = services.complaint_draft_start(user=request.user, platform_code=form.cleaned_data["platform"].code)
        # Started from a right's page: that right is taken when it may be used on the chosen platform.
        ipr_id = request.GET.get("ipr", "")
        ipr = IPR.objects.select_related("filed_by").filter(pk=ipr_id, filed_by=request.user).first() if ipr_id.isdigit() else None
        if ipr and services.ipr_problem(ipr, platform=complaint.platform, on=workdays.today_in_china()) is None:
            services.complaint_draft_update(complaint=complaint, ipr=ipr)
            return redirect("complaint_step", complaint.pk, "reason")
        return redirect("complaint_step", complaint.pk, "right")
    return _render_step(request, None, "platform", {"form": form})


def _step_platform(request, complaint: Complaint):
    form = PlatformForm(request.POST or None, initial={"platform": complaint.platform})
    if request.method == "POST" and form.is_valid():
        services.complaint_draft_update(complaint=complaint, platform_code=form.cleaned_data["platform"].code)
        return _after_save(request, complaint, "platform")
    return _render_step(request, complaint, "platform", {"form": form})


def _step_right(request, complaint: Complaint):
    rows = services.iprs_for_filing(request.user, platform=complaint.platform, on=workdays.today_in_china())
    usable = [ipr for ipr, problem in rows if problem is None]
    form = RightForm(request.POST or None, usable=usable, initial={"ipr": complaint.ipr_id})
    if _leaving_unchosen(request, form):
        return _after_save(request, complaint, "right")
    if request.method == "POST" and form.is_valid():
        chosen = next(ipr for ipr in usable if ipr.pk == form.cleaned_data["ipr"])
        services.complaint_draft_update(complaint=complaint, ipr=chosen)
        return _after_save(request, complaint, "right")
    return _render_step(request, complaint, "right", {
        "form": form, "usable": usable, "choices": list(zip(form["ipr"], usable, strict=True)), "unusable": [(ipr, problem) for ipr, problem in rows if problem]})


def _step_reason(request, complaint: Complaint):
    if complaint.ipr is None:
        messages.info(request, _("Choose the right first: the reasons depend on its kind."))
        return redirect("complaint_step", complaint.pk, "right")
    form = ReasonForm(request.POST or None, reasons=services.reasons_for(complaint.ipr.kind),
                      initial={"reason": complaint.reason})
    if _leaving_unchosen(request, form):
        return _after_save(request, complaint, "reason")
    if request.method == "POST" and form.is_valid():
        services.complaint_draft_update(complaint=complaint, reason=form.cleaned_data["reason"])
        return _after_save(request, complaint, "reason")
    return _render_step(request, complaint, "reason", {"form": form})


def _append_listings(complaint: Complaint, text: str, listing_pks: list[str]) -> tuple[str, int]:
    """The pasted text with the ticked search results' addresses added on lines of their own."""
    urls = Listing.objects.filter(pk__in=[pk for pk in listing_pks if pk.isdigit()],
                                  platform=complaint.platform).order_by("pk").values_list("url", flat=True)
    present = {line.strip() for line in text.splitlines()}
    new = [url for url in urls if url not in present]
    lines = [line for line in text.splitlines()] + new
    return "\n".join(lines).strip("\n"), len(new)


def _step_listings(request, complaint: Complaint):
    form = ListingsForm(request.POST or None, initial={"urls_text": complaint.urls_text},
                        platform_code=complaint.platform_id)
    check = None
    if request.method == "POST" and form.is_valid():
        text = form.cleaned_data["urls_text"]
        action = request.POST.get("action")
        if action == "add":
            text, added = _append_listings(complaint, text, request.POST.getlist("listing"))
            messages.success(request, ngettext("%(n)s listing added to the list.", "%(n)s listings added to the list.",
                                               added) % {"n": added} if added else _("Tick the listings to add first."))
        services.complaint_draft_update(complaint=complaint, urls_text=text)
        if action in ("save", "back"):
            return _after_save(request, complaint, "listings")
        # The box shows the list as saved (with the added listings); continuing checks every line.
        form = ListingsForm(initial={"urls_text": text}, platform_code=complaint.platform_id)
        if action != "add":
            check = services.listings_check(platform=complaint.platform, text=text, complainant=request.user)
            if not text.strip():
                form = ListingsForm({"urls_text": text}, platform_code=complaint.platform_id)
                form.is_valid()
                form.add_error("urls_text", _("Paste at least one product address, or add listings from the search."))
            elif not check.problems:
                return _after_save(request, complaint, "listings")
    return _render_step(request, complaint, "listings", {
        "form": form, "check": check, "search_form": ListingSearchForm(),
        # Open while the list is empty, and after adding from it (the filer is likely to search again).
        "search_open": request.POST.get("action") == "add" or not form["urls_text"].value(),
        "limit": complaint.platform.max_listings_per_complaint,
    })


def _step_evidence(request, complaint: Complaint):
    form = EvidenceForm(request.POST or None, request.FILES or None, initial={"description": complaint.description})
    if request.method == "POST" and form.is_valid():
        removed = [int(pk) for pk in request.POST.getlist("remove_evidence") if pk.isdigit()]
        if removed:
            services.complaint_evidence_remove(complaint=complaint, evidence_ids=removed)
        try:
            services.complaint_evidence_add(complaint=complaint, user=request.user, uploads=form.cleaned_data["files"])
        except services.FilingRefused as refused:
            form.add_error("files", refused.errors["evidence"])
        else:
            services.complaint_draft_update(complaint=complaint, description=form.cleaned_data["description"])
            return _after_save(request, complaint, "evidence")
    return _render_step(request, complaint, "evidence", {
        "form": form, "evidence": complaint.evidence.select_related("document")})


def _step_statements(request, complaint: Complaint):
    form = StatementsForm(request.POST or None, initial={
        "good_faith_statement": complaint.good_faith_statement, "accuracy_statement": complaint.accuracy_statement})
    going_back = request.POST.get("action") in ("save", "back")
    if request.method == "POST" and (going_back or form.is_valid()):
        services.complaint_draft_update(complaint=complaint, good_faith_statement="good_faith_statement" in request.POST,
                                        accuracy_statement="accuracy_statement" in request.POST)
        return _after_save(request, complaint, "statements")
    return _render_step(request, complaint, "statements", {"form": form})


def _step_review(request, complaint: Complaint):
    errors: dict[str, list] = {}
    if request.method == "POST":
        try:
            filed = services.complaint_draft_submit(user=request.user, complaint=complaint)
        except services.FilingRefused as refused:
            errors = refused.errors
        else:
            messages.success(request, ngettext("Complaint %(ref)s filed against %(n)s listing.",
                                               "Complaint %(ref)s filed against %(n)s listings.", filed.items.count()) % {
                "ref": filed.reference, "n": filed.items.count()})
            return redirect("complaint_detail", filed.pk)
    check = services.listings_check(platform=complaint.platform, text=complaint.urls_text, complainant=request.user) \
        if complaint.urls_text.strip() else None
    ipr_problem = services.ipr_problem(complaint.ipr, platform=complaint.platform, on=workdays.today_in_china()) \
        if complaint.ipr else None
    problems = [(FIELD_STEPS.get(field, "review"), message) for field, messages_ in errors.items() if field != "urls"
                for message in messages_]
    return _render_step(request, complaint, "review", {
        "check": check, "ipr_problem": ipr_problem, "problems": problems, "url_problems": errors.get("urls", []),
        "evidence": complaint.evidence.select_related("document"),
        "missing": [label for name, label in STEPS[:-1] if name != "evidence" and not _step_done(complaint, name)],
    }, status=400 if errors else 200)


STEP_VIEWS = {"platform": _step_platform, "right": _step_right, "reason": _step_reason, "listings": _step_listings,
              "evidence": _step_evidence, "statements": _step_statements, "review": _step_review}


@rights_holder_required
@require_http_methods(["GET", "POST"])
def complaint_step(request, pk, step):
    if step not in STEP_VIEWS:
        raise Http404
    complaint = get_object_or_404(Complaint.objects.select_related("platform", "ipr__filed_by"), pk=pk,
                                  complainant=request.user)
    if complaint.status != Complaint.Status.DRAFT:
        return redirect("complaint_detail", complaint.pk)
    if (blocked := _blocked(request)) is not None:
        return blocked
    try:
        return STEP_VIEWS[step](request, complaint)
    except services.DraftFiled as filed:  # filed from another tab meanwhile
        messages.info(request, str(filed))
        return redirect("complaint_detail", complaint.pk)


@rights_holder_required
@require_GET
def listing_search(request, pk):
    """Search results for the listings step (htmx): the platform's active listings, each to tick."""
    complaint = _own_draft(request, pk)
    form = ListingSearchForm(request.GET)
    results, reported = [], set()
    if form.is_valid() and (form.cleaned_data["q"].strip() or form.cleaned_data["seller"].strip()):
        results = list(marketplace().search(complaint.platform, keywords=form.cleaned_data["q"],
                                            seller=form.cleaned_data["seller"])[:SEARCH_RESULTS + 1])
        reported = services.open_listing_ids(request.user, results)
    return render(request, "complaints/_search_results.html", {
        "results": results[:SEARCH_RESULTS], "more": len(results) > SEARCH_RESULTS, "reported": reported,
        "searched": bool(results) or form.is_bound and any(request.GET.get(k, "").strip() for k in ("q", "seller")),
    })


@rights_holder_required
@require_POST
def complaint_delete(request, pk):
    try:
        services.complaint_draft_delete(complaint=_own_draft(request, pk))
    except services.DraftFiled as filed:
        messages.info(request, str(filed))
        return redirect("complaint_detail", pk)
    messages.success(request, _("Draft deleted."))
    return redirect("complaint_list")


# --- Manage Complaints ---------------------------------------------------------------------------

def _filter_form(request) -> FilterForm:
    return FilterForm(request.GET, iprs=IPR.objects.filter(filed_by=request.user).order_by("kind", "name"))


@rights_holder_required
@require_GET
def complaint_list(request):
    form = _filter_form(request)
    complaints = selectors.complaints_filed_by(request.user, **form.filters())
    page = Paginator(complaints, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    summaries = selectors.item_summaries(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "complaints/list.html", {
        "form": form, "page": page, "rows": [(c, summaries.get(c.pk, [])) for c in page.object_list],
        "drafts": selectors.drafts_of(request.user), "query": query.urlencode(),
        "filtered": any(form.filters().values()), "block_reason": complaint_filing_block_reason(request.user),
    })


@rights_holder_required
@require_GET
def complaint_detail(request, pk):
    complaint = selectors.complaint_of(request.user, pk)
    if complaint is None:
        raise Http404
    if complaint.status == Complaint.Status.DRAFT:
        return redirect("complaint_step", complaint.pk, "review")
    return complaint_detail_page(request, complaint)


def complaint_detail_page(request, complaint: Complaint, *, maintain_form: MaintainForm | None = None,
                          status: int = 200):
    """The filed complaint's page; ``maintain_form`` is a refused answer to a counter-notice, shown with its errors."""
    items = list(complaint.items.all())
    # Each counter-notice (a missing one reads as None), with the form to maintain the complaint while it may
    # still be answered.
    counter_notices = []
    for item in items:
        if getattr(item, "counter_notice", None) is None:
            continue
        form = None
        if services.counter_notice_answerable(item):
            prefix = f"maintain-{item.pk}"
            form = maintain_form if maintain_form and maintain_form.prefix == prefix else MaintainForm(prefix=prefix)
        counter_notices.append((item, form))
    return render(request, "complaints/detail.html", {
        "complaint": complaint, "items": items, "summary": selectors.item_summaries([complaint]).get(complaint.pk, []),
        "withdrawable": {item.pk for item in items if services.workflow.can_move(item.state, "withdrawn")},
        "history": with_statements(selectors.complaint_history(complaint), {item.pk: item for item in items}),
        "counter_notices": counter_notices,
    }, status=status)


@rights_holder_required
@require_POST
def complaint_withdraw(request, pk):
    complaint = selectors.complaint_of(request.user, pk)
    if complaint is None or complaint.status == Complaint.Status.DRAFT:
        raise Http404
    chosen = None if request.POST.get("scope") == "all" else [
        int(pk) for pk in request.POST.getlist("item") if pk.isdigit()]
    if chosen == []:
        messages.error(request, _("Tick the listings to withdraw first."))
        return redirect("complaint_detail", complaint.pk)
    try:
        moved = services.complaint_withdraw(user=request.user, complaint=complaint, item_ids=chosen,
                                            note=request.POST.get("note", "")[:2000])
    except services.NothingToWithdraw as nothing:
        messages.error(request, str(nothing))
    else:
        messages.success(request, ngettext("%(n)s listing withdrawn from %(ref)s.", "%(n)s listings withdrawn from %(ref)s.",
                                           len(moved)) % {"n": len(moved), "ref": complaint.reference})
    return redirect("complaint_detail", complaint.pk)


class _Echo:
    def write(self, value):
        return value


def _cell(value) -> str:
    # A cell starting with = + - @ runs as a formula in spreadsheets; listing titles come from sellers.
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@rights_holder_required
@require_GET
def complaint_export(request):
    """Every item of the filtered complaints as CSV, streamed (a large account has many thousands)."""
    complaints = selectors.complaints_filed_by(request.user, **_filter_form(request).filters())
    header = [_("Complaint"), _("Filed at"), _("Platform"), _("Right"), _("Registration number"), _("Reason"),
              _("Complaint status"), _("Listing id"), _("Address"), _("Title"), _("Seller"), _("Item status"),
              _("Last change")]

    def rows():
        writer = csv.writer(_Echo())
        yield "\ufeff" + writer.writerow(header)  # the BOM makes Excel read UTF-8 (Chinese titles)
        for item in selectors.items_for_export(complaints).iterator(chunk_size=2000):
            complaint = item.complaint
            yield writer.writerow([_cell(v) for v in (
                complaint.reference, localtime(complaint.submitted_at).isoformat(timespec="seconds") if complaint.submitted_at else "",
                complaint.platform.label, complaint.ipr.name if complaint.ipr else "", complaint.ipr.number if complaint.ipr else "",
                complaint.reason, complaint.status, item.listing.listing_id, item.listing.url, item.listing.title,
                item.listing.shop.name, item.state, localtime(item.updated_at).isoformat(timespec="seconds"))])

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="complaints.csv"'
    return response

