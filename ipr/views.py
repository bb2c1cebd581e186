from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.selectors import filing_block_reason
from ipp import workdays
from ipp.access import reviewer_required, rights_holder_required
from ipp.bulk import csv_download, import_job_page, recent_import_jobs
from ipp.models import ImportJob
from ipp.reviews import review_page

from . import bulk, letters, selectors, services
from .forms import (
    IPRForm,
    LetterTermForm,
    LetterUploadForm,
    NiceClassFormSet,
    nice_class_initial,
)
from .models import IPR


def _say_not_editable(request) -> None:
    messages.info(request, _("This record is waiting for a reviewer; it can change once it is decided."))


def _own_ipr(request, pk) -> IPR:
    # Someone else's record answers like a missing one.
    return get_object_or_404(IPR.objects.select_related("filed_by", "certificate", "letter"), pk=pk, filed_by=request.user)


@rights_holder_required
def ipr_list(request):
    today = workdays.today_in_china()
    records = selectors.iprs_of(request.user)
    status = request.GET.get("status")
    if status in IPR.Status.values:
        records = records.filter(status=status)
    rows = [(ipr, selectors.next_step(ipr, today=today)) for ipr in records]
    return render(request, "ipr/list.html", {
        "rows": rows, "status": status, "summary": selectors.status_counts(request.user),
        "block_reason": filing_block_reason(request.user), "today": today,
    })


def _all_valid(form, classes) -> bool:
    # Validate both (no short-circuit) so every error of the page shows at once.
    return all([form.is_valid(), classes is None or classes.is_valid()])


def _save_from_form(request, *, form, classes, ipr=None, submit: bool):
    """Save the record from a valid form (and submit it when asked); returns the record or None with errors on the form."""
    data = form.cleaned_data
    changes = {
        "fields": form.record_fields(),
        "classes": classes.classes() if classes is not None else None,
        "certificate": data.get("certificate"),
        "attachments": [(form.attachment_role, upload) for upload in data.get("attachments") or []],
        "remove_attachments": [int(pk) for pk in request.POST.getlist("remove_attachment") if pk.isdigit()],
    }
    try:
        if ipr is not None and ipr.status == IPR.Status.APPROVED:
            # Changing an approved record is a renewal: saved and sent back to review together, or not at all.
            return services.ipr_renew(user=request.user, ipr=ipr, **changes)
        record = services.ipr_save(user=request.user, kind=form.kind, ipr=ipr, **changes)
    except ValidationError as error:
        form.add_error(None, error)
        return None
    except services.SubmissionIncomplete as incomplete:
        for problem in incomplete.problems:
            form.add_error(None, problem)
        return None
    except services.NotEditable:
        _say_not_editable(request)
        return ipr
    if submit:
        try:
            services.ipr_submit(ipr=record, user=request.user)
            messages.success(request, _("Submitted. Reviewers authenticate it within 3 working days."))
        except services.SubmissionIncomplete as incomplete:
            messages.warning(request, _("Saved as a draft. Before it can be submitted: %(problems)s")
                             % {"problems": " ".join(incomplete.problems)})
    else:
        messages.success(request, _("Saved as a draft."))
    return record


@rights_holder_required
@require_http_methods(["GET", "POST"])
def ipr_new(request):
    kind = request.GET.get("kind") or request.POST.get("kind")
    block = filing_block_reason(request.user)
    if block:
        return render(request, "ipr/blocked.html", {"block_reason": block}, status=403 if request.method == "POST" else 200)
    if kind not in IPR.Kind.values:
        return render(request, "ipr/kind.html", {"kinds": IPR.Kind.choices})
    form = IPRForm(request.POST or None, request.FILES or None, kind=kind)
    classes = NiceClassFormSet(request.POST or None, prefix="classes") if kind == IPR.Kind.TRADEMARK else None
    if request.method == "POST" and _all_valid(form, classes):
        record = _save_from_form(request, form=form, classes=classes, submit=request.POST.get("action") == "submit")
        if record is not None:
            return redirect("ipr_detail", pk=record.pk)
    return render(request, "ipr/form.html", {"form": form, "classes": classes, "kind": kind, "ipr": None},
                  status=400 if request.method == "POST" else 200)


@rights_holder_required
@require_http_methods(["GET", "POST"])
def ipr_edit(request, pk):
    ipr = _own_ipr(request, pk)
    if not ipr.is_editable:
        _say_not_editable(request)
        return redirect("ipr_detail", pk=ipr.pk)
    form = IPRForm(request.POST or None, request.FILES or None, kind=ipr.kind, instance=ipr)
    classes = None
    if ipr.kind == IPR.Kind.TRADEMARK:
        classes = NiceClassFormSet(request.POST or None, prefix="classes", initial=None if request.POST else nice_class_initial(ipr))
    if request.method == "POST" and _all_valid(form, classes):
        record = _save_from_form(request, form=form, classes=classes, ipr=ipr,
                                 submit=request.POST.get("action") == "submit" or ipr.status == IPR.Status.APPROVED)
        if record is not None:
            return redirect("ipr_detail", pk=record.pk)
    ipr.refresh_from_db()
    return render(request, "ipr/form.html", {"form": form, "classes": classes, "kind": ipr.kind, "ipr": ipr,
                                             "attachments": ipr.attachments.select_related("document")},
                  status=400 if request.method == "POST" else 200)


def _detail_context(ipr: IPR, *, letter_form=None) -> dict:
    today = workdays.today_in_china()
    start, until = letters.default_term(ipr, today)
    context = {
        "ipr": ipr,
        "today": today,
        "next_step": selectors.next_step(ipr, today=today),
        "attachments": ipr.attachments.select_related("document"),
        "history": selectors.ipr_history(ipr),
        "problems": services.ipr_submission_problems(ipr, on=today) if ipr.status in (IPR.Status.DRAFT, IPR.Status.FAILED) else [],
    }
    if ipr.needs_letter and ipr.is_editable:
        context["term_form"] = LetterTermForm(initial={"valid_from": start, "valid_until": until}, auto_id="term_%s")
        context["letter_form"] = letter_form or LetterUploadForm(initial={"valid_from": start, "valid_until": until})
    return context


@rights_holder_required
def ipr_detail(request, pk):
    return render(request, "ipr/detail.html", _detail_context(_own_ipr(request, pk)))


@rights_holder_required
@require_POST
def ipr_submit(request, pk):
    ipr = _own_ipr(request, pk)
    try:
        services.ipr_submit(ipr=ipr, user=request.user)
        messages.success(request, _("Submitted. Reviewers authenticate it within 3 working days."))
    except services.SubmissionIncomplete as incomplete:
        messages.error(request, _("Not submitted yet: %(problems)s") % {"problems": " ".join(incomplete.problems)})
    return redirect("ipr_detail", pk=ipr.pk)


@rights_holder_required
def ipr_letter_pdf(request, pk):
    """The letter for the owner to sign, for the term asked (a year by default)."""
    ipr = _own_ipr(request, pk)
    if not ipr.needs_letter:
        raise Http404
    today = workdays.today_in_china()
    form = LetterTermForm(request.GET or None)
    if form.is_valid():
        start, until = form.cleaned_data["valid_from"], form.cleaned_data["valid_until"]
    elif request.GET:
        for field, errors in form.errors.items():
            messages.error(request, f"{form.fields[field].label if field in form.fields else ''} {' '.join(errors)}".strip())
        return redirect("ipr_detail", pk=ipr.pk)
    else:
        start, until = letters.default_term(ipr, today)
    pdf = letters.letter_pdf(ipr, valid_from=start, valid_until=until, generated_on=today)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="authorisation-letter-IPR-{ipr.pk}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@rights_holder_required
@require_POST
def ipr_letter_upload(request, pk):
    ipr = _own_ipr(request, pk)
    form = LetterUploadForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.ipr_upload_letter(ipr=ipr, user=request.user, letter=data["letter"], scope=data["scope"],
                                       valid_from=data["valid_from"], valid_until=data["valid_until"])
            messages.success(request, _("The signed letter is attached."))
            return redirect("ipr_detail", pk=ipr.pk)
        except services.LetterRefused as refused:
            form.add_error(refused.field, str(refused))
        except services.NotEditable:
            _say_not_editable(request)
            return redirect("ipr_detail", pk=ipr.pk)
        except services.SubmissionIncomplete as incomplete:
            messages.warning(request, " ".join(incomplete.problems))
            return redirect("ipr_detail", pk=ipr.pk)
    return render(request, "ipr/detail.html", _detail_context(ipr, letter_form=form), status=400)


# --- Reviewers -----------------------------------------------------------------------------

@reviewer_required
@require_http_methods(["GET", "POST"])
def review_ipr(request, pk):
    ipr = selectors.ipr_for_review(pk)
    if ipr is None:
        raise Http404
    return review_page(
        request, submission=ipr, reasons=IPR.FailureReason.choices,
        approve=lambda note: services.ipr_approve(ipr_id=ipr.pk, reviewer=request.user, note=note),
        reject=lambda reason, note: services.ipr_fail(ipr_id=ipr.pk, reviewer=request.user, reason=reason, note=note),
        template="ipr/review.html", queue_tab="ipr",
        context={"ipr": ipr, "changes": selectors.submission_changes(ipr), "history": selectors.ipr_history(ipr),
                 "letter_ok": ipr.letter_authorises(workdays.today_in_china()) if ipr.needs_letter else None},
    )


@reviewer_required
@require_POST
def review_ipr_withdraw(request, pk):
    """Withdraw an approved right's authentication because it was declared invalid."""
    note = request.POST.get("note", "").strip()[:2000]
    if not note:
        messages.error(request, _("Say which decision declared the right invalid (court or office, date, number)."))
        return redirect("review_ipr", pk=pk)
    try:
        services.ipr_withdraw(ipr_id=pk, actor=request.user, note=note)
        messages.success(request, _("Authentication withdrawn. The filer has been told; complaints resting on it are on hold."))
    except services.ReviewConflict:
        messages.warning(request, _("Only an approved right can be withdrawn; here is its current state."))
    return redirect("review_ipr", pk=pk)


# --- Bulk import ---------------------------------------------------------------------------

@rights_holder_required
@require_http_methods(["GET", "POST"])
def ipr_import(request):
    """Many records at once from a CSV and a ZIP of their documents, imported by a worker: all of them, or none."""
    block = filing_block_reason(request.user)
    if block:
        return render(request, "ipr/blocked.html", {"block_reason": block}, status=403 if request.method == "POST" else 200)
    form = bulk.IPRImportForm(request.POST if request.method == "POST" else None, request.FILES or None)
    problems = []
    if request.method == "POST" and form.is_valid():
        try:
            job = bulk.import_job_create(user=request.user, csv_file=form.cleaned_data["csv_file"],
                                         zip_file=form.cleaned_data["zip_file"])
        except bulk.ImportRefused as refused:
            problems = refused.problems
        else:
            return redirect("ipr_import_job", pk=job.pk)
    return render(request, "ipr/import.html", {
        "form": form, "problems": problems, "columns": bulk.COLUMNS,
        "max_rows": settings.IPP_IPR_IMPORT_MAX_ROWS, "jobs": recent_import_jobs(user=request.user, kind=ImportJob.Kind.IPR),
        "job_view": "ipr_import_job",
    }, status=400 if request.method == "POST" else 200)


@rights_holder_required
@require_GET
def ipr_import_job(request, pk):
    """One import's progress and outcome; htmx polls it (the status part only) while the worker runs it."""
    return import_job_page(request, pk=pk, kind=ImportJob.Kind.IPR, page="ipr/import_job.html",
                           part="ipr/_import_status.html", job_view="ipr_import_job", import_view="ipr_import",
                           form_class=bulk.IPRImportForm)


@rights_holder_required
def ipr_import_template(request):
    """An example import file with a row of each kind, filled in for this account."""
    return csv_download(bulk.example_csv(user=request.user, today=workdays.today_in_china()),
                        filename="ipr-import-example.csv")
