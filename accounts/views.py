from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ipp import workdays
from ipp.access import reviewer_required, rights_holder_required
from ipr import selectors as ipr_selectors
from ipr.models import IPR

from . import selectors, services
from .forms import IdentityProofForm, ReviewDecisionForm, SoleAccountForm
from .models import AccountEvent, IdentityProof, ReviewStatus, SoleAccountStatement


@login_required
def dashboard(request):
    user = request.user
    context = {}
    if user.is_rights_holder:
        proof = selectors.identity_standing(user)
        context.update(
            proof=proof,
            renewal_pending=proof is not None and proof.status == ReviewStatus.VERIFIED
            and IdentityProof.objects.filter(user=user, status=ReviewStatus.PENDING).exists(),
            block_reason=selectors.filing_block_reason(user),
            needs_sole_account=selectors.needs_sole_account_confirmation(user),
            pending_statement=SoleAccountStatement.objects.filter(user=user, status=ReviewStatus.PENDING).first(),
            events=AccountEvent.objects.filter(user=user)[:8],
            ipr_summary=ipr_selectors.status_counts(user),
        )
    if user.is_reviewer:
        today = workdays.today_in_china()
        context["queue_counts"] = {
            "identity": IdentityProof.objects.aggregate(
                pending=Count("pk", filter=Q(status=ReviewStatus.PENDING)),
                overdue=Count("pk", filter=Q(status=ReviewStatus.PENDING, due_on__lt=today)),
            ),
            "sole_account": SoleAccountStatement.objects.aggregate(
                pending=Count("pk", filter=Q(status=ReviewStatus.PENDING)),
                overdue=Count("pk", filter=Q(status=ReviewStatus.PENDING, due_on__lt=today)),
            ),
            "ipr": IPR.objects.aggregate(
                pending=Count("pk", filter=Q(status=IPR.Status.PENDING)),
                overdue=Count("pk", filter=Q(status=IPR.Status.PENDING, due_on__lt=today)),
            ),
        }
    return render(request, "accounts/dashboard.html", context)


@rights_holder_required
@require_http_methods(["GET", "POST"])
def identity(request):
    user = request.user
    current = selectors.identity_current(user)
    # Anything but a proof already waiting for review: a first proof, a fix, or a renewal.
    can_submit = current is None or current.status != ReviewStatus.PENDING
    form = None
    if can_submit:
        form = IdentityProofForm(request.POST or None, request.FILES or None, user=user)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                services.identity_submit(
                    user=user, document_kind=data["document_kind"], document_number=data["document_number"],
                    expires_on=data["expires_on"], document=data["document"],
                    legal_representative_document=data.get("legal_representative_document"),
                )
                messages.success(request, _("Thank you. Your proof of identity is with our reviewers."))
            except services.AlreadyPending:
                messages.info(request, _("A proof of identity you sent is already with our reviewers."))
            return redirect("identity")
    if current and current.status == ReviewStatus.FAILED and form is not None and request.method == "GET":
        form.initial = {"document_kind": current.document_kind, "document_number": current.document_number,
                        "expires_on": current.expires_on}
    return render(request, "accounts/identity.html", {
        "current": current, "form": form,
        "history": IdentityProof.objects.filter(user=user).select_related("decided_by"),
    })


@rights_holder_required
@require_http_methods(["GET", "POST"])
def sole_account(request):
    user = request.user
    pending = SoleAccountStatement.objects.filter(user=user, status=ReviewStatus.PENDING).first()
    needed = selectors.needs_sole_account_confirmation(user)
    holder = selectors.sole_account_holder(user)
    form = None
    if needed and pending is None and holder is None:
        form = SoleAccountForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.sole_account_submit(user=user, statement=form.cleaned_data["statement"])
                messages.success(request, _("Your sole-account statement is with our reviewers."))
            except services.AlreadyPending:
                messages.info(request, _("A sole-account statement you sent is already with our reviewers."))
            return redirect("sole_account")
    return render(request, "accounts/sole_account.html", {
        "needed": needed, "pending": pending, "holder": holder, "form": form,
        "others": selectors.accounts_sharing_name(user).count(),
        "history": SoleAccountStatement.objects.filter(user=user),
    })


# --- Reviewers -----------------------------------------------------------------------------

# The oldest first; the full moderation queue (paging, claiming) comes with its own issue.
QUEUE_PAGE_ROWS = 200

# One tab per kind of submission reviewers authenticate.
QUEUE_TABS = {
    "identity": selectors.identity_queue,
    "sole_account": selectors.sole_account_queue,
    "ipr": ipr_selectors.ipr_queue,
}


@reviewer_required
def review_queue(request):
    tab = request.GET.get("tab") if request.GET.get("tab") in QUEUE_TABS else "identity"
    rows = QUEUE_TABS[tab]()
    counts = {name: queue().count() for name, queue in QUEUE_TABS.items()}
    return render(request, "accounts/review_queue.html", {
        "tab": tab,
        "total": counts[tab],
        "rows": rows[:QUEUE_PAGE_ROWS],
        "page_rows": QUEUE_PAGE_ROWS,
        "today": workdays.today_in_china(),
        "counts": counts,
    })


def _review(request, *, submission, reasons, approve, reject, template, extra=None):
    form = ReviewDecisionForm(request.POST or None, reasons=reasons)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["decision"] == "approve":
                approve(submission.pk, request.user, data["note"])
                messages.success(request, _("Approved. The user has been told."))
            else:
                reject(submission.pk, request.user, data["reason"], data["note"])
                messages.success(request, _("Rejected. The user has been told why."))
        except services.SoleAccountTaken:
            messages.error(request, _("Another account is already confirmed as the sole account of this complainant. "
                                      "Reject this statement, or first withdraw the other confirmation in the data admin."))
            return redirect(request.path)
        except services.ReviewConflict:
            messages.warning(request, _("Someone else decided this already; here is the current state."))
            return redirect(request.path)
        return redirect(f"{reverse('review_queue')}?tab={'sole_account' if isinstance(submission, SoleAccountStatement) else 'identity'}")
    context = {"submission": submission, "form": form, "today": workdays.today_in_china(),
               "history": AccountEvent.objects.filter(user=submission.user).select_related("actor")[:20]}
    context.update(extra or {})
    return render(request, template, context, status=400 if request.method == "POST" else 200)


@reviewer_required
@require_http_methods(["GET", "POST"])
def review_identity(request, pk):
    proof = get_object_or_404(IdentityProof.objects.select_related("user", "document", "legal_representative_document", "decided_by"), pk=pk)
    return _review(
        request, submission=proof, reasons=IdentityProof.FailureReason.choices,
        approve=lambda pk, reviewer, note: services.identity_approve(proof_id=pk, reviewer=reviewer, note=note),
        reject=lambda pk, reviewer, reason, note: services.identity_reject(proof_id=pk, reviewer=reviewer, reason=reason, note=note),
        template="accounts/review_identity.html",
        extra={"previous": IdentityProof.objects.filter(user=proof.user).exclude(pk=proof.pk).first()},
    )


@reviewer_required
@require_http_methods(["GET", "POST"])
def review_sole_account(request, pk):
    statement = get_object_or_404(SoleAccountStatement.objects.select_related("user", "document", "decided_by"), pk=pk)
    return _review(
        request, submission=statement, reasons=SoleAccountStatement.FailureReason.choices,
        approve=lambda pk, reviewer, note: services.sole_account_confirm(statement_id=pk, reviewer=reviewer, note=note),
        reject=lambda pk, reviewer, reason, note: services.sole_account_reject(statement_id=pk, reviewer=reviewer, reason=reason, note=note),
        template="accounts/review_sole_account.html",
        extra={"identity": selectors.identity_current(statement.user),
               "sharing": selectors.accounts_sharing_name(statement.user).order_by("date_joined")},
    )
