"""Bulk upload of complaints from a CSV: the upload page, the job's page and the template file. Thin: the
rules are in ``complaints.bulk``, the job and its page in ``ipp.bulk``."""

from django.conf import settings
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from ipp import workdays
from ipp.access import rights_holder_required
from ipp.bulk import ImportRefused, csv_download, import_job_page, recent_import_jobs
from ipp.models import ImportJob

from . import bulk
from .selectors import complaint_filing_block_reason

KIND = ImportJob.Kind.COMPLAINTS


@rights_holder_required
@require_http_methods(["GET", "POST"])
def complaint_import(request):
    """Many complaints at once from a CSV of listings, filed by a worker: all of them, or none."""
    block = complaint_filing_block_reason(request.user)
    if block:
        return render(request, "complaints/blocked.html", {"block_reason": block},
                      status=403 if request.method == "POST" else 200)
    form = bulk.ComplaintImportForm(request.POST if request.method == "POST" else None, request.FILES or None)
    problems = []
    if request.method == "POST" and form.is_valid():
        try:
            job = bulk.complaint_import_job_create(
                user=request.user, csv_file=form.cleaned_data["csv_file"],
                statements=form.cleaned_data["good_faith_statement"] and form.cleaned_data["accuracy_statement"])
        except ImportRefused as refused:
            problems = refused.problems
        else:
            return redirect("complaint_import_job", pk=job.pk)
    return render(request, "complaints/import.html", {
        "form": form, "problems": problems, "columns": bulk.COLUMNS, "max_rows": settings.IPP_COMPLAINT_IMPORT_MAX_ROWS,
        "jobs": recent_import_jobs(user=request.user, kind=KIND), "job_view": "complaint_import_job",
        "rights": bulk.rights_to_name(user=request.user),
    }, status=400 if request.method == "POST" else 200)


@rights_holder_required
@require_GET
def complaint_import_job(request, pk):
    """One upload's progress and outcome (the complaints filed, or every problem by line); htmx polls it."""
    return import_job_page(request, pk=pk, kind=KIND, page="complaints/import_job.html", part="complaints/_import_status.html",
                           job_view="complaint_import_job", import_view="complaint_import",
                           form_class=bulk.ComplaintImportForm,
                           context=lambda job: {"complaints": bulk.complaints_of_job(job) if job.state == ImportJob.Status.DONE else []})


@rights_holder_required
@require_GET
def complaint_import_template(request):
    """A CSV to fill in, with this account's rights and example rows."""
    return csv_download(bulk.template_csv(user=request.user, today=workdays.today_in_china()),
                        filename="complaints-import.csv")
