
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from complaints import reports as complaint_reports
from complaints import selectors as complaint_selectors
from ipp import workdays
from ipp.access import reviewer_required, rights_holder_required
from ipp.review_queues import ITEM_TAB_STATE, QUEUE_TABS, queue_counts, queue_counts_with_overdue
from ipp.reviews import review_page
from ipr import selectors as ipr_selectors

from . import selectors, services
from .forms import IdentityProofForm, SoleAccountForm
from .models import AccountEvent, IdentityProof, ReviewStatus, SoleAccountStatement


@login_required
def dashboard(request):
    user = request.user
    context = {}
    if user.is_rights_holder:
        standing = selectors.account_standing(user)
        proof = standing.proof
        context.update(
            proof=proof,
            renewal_pending=proof is not None and proof.status == ReviewStatus.VERIFIED
            and IdentityProof.objects.filter(user=user, status=ReviewStatus.PENDING).exists(),
            block_reason=selectors.filing_block_reason(user, standing),
            needs_sole_account=standing.needs_sole_account,
            pending_statement=SoleAccountStatement.objects.filter(user=user, status=ReviewStatus.PENDING).first()
            if standing.needs_sole_account else None,
            events=AccountEvent.objects.filter(user=user)[:8],
            ipr_summary=ipr_selectors.status_counts(user),
            complaint_summary=complaint_selectors.status_counts(user),
            holder_figures=complaint_reports.holder_figures(user=user),
        )
    if user.is_reviewer:
        context["queue_counts"] = queue_counts_with_overdue()
    if user.is_seller:
        context["notices_to_answer"] = complaint_selectors.notices_to_answer_count(user)
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

# The oldest first, up to this many (the complaint items have their own queue page, with paging and claims).
QUEUE_PAGE_ROWS = 200


@reviewer_required
def review_queue(request):
    tab = request.GET.get("tab") if request.GET.get("tab") in QUEUE_TABS else "identity"
    if tab in ITEM_TAB_STATE:
        return redirect(f"{reverse('review_items')}?state={ITEM_TAB_STATE[tab]}")
    rows = QUEUE_TABS[tab]()
    counts = queue_counts()
    return render(request, "accounts/review_queue.html", {
        "tab": tab,
        "total": counts[tab],
        "rows": rows[:QUEUE_PAGE_ROWS],
        "page_rows": QUEUE_PAGE_ROWS,
        "today": workdays.today_in_china(),
        "counts": counts,
    })


def _account_history(user):
    return AccountEvent.objects.filter(user=user).select_related("actor")[:20]


@reviewer_required
@require_http_methods(["GET", "POST"])
def review_identity(request, pk):
    proof = get_object_or_404(IdentityProof.objects.select_related("user", "document", "legal_representative_document", "decided_by"), pk=pk)
    return review_page(
        request, submission=proof, reasons=IdentityProof.FailureReason.choices,
        approve=lambda note: services.identity_approve(proof_id=proof.pk, reviewer=request.user, note=note),
        reject=lambda reason, note: services.identity_reject(proof_id=proof.pk, reviewer=request.user, reason=reason, note=note),
        template="accounts/review_identity.html", queue_tab="identity",
        context={"history": _account_history(proof.user),
                 "previous": IdentityProof.objects.filter(user=proof.user).exclude(pk=proof.pk).first()},
    )


@reviewer_required
@require_http_methods(["GET", "POST"])
def review_sole_account(request, pk):
    statement = get_object_or_404(SoleAccountStatement.objects.select_related("user", "document", "decided_by"), pk=pk)
    return review_page(
        request, submission=statement, reasons=SoleAccountStatement.FailureReason.choices,
        approve=lambda note: services.sole_account_confirm(statement_id=statement.pk, reviewer=request.user, note=note),
        reject=lambda reason, note: services.sole_account_reject(statement_id=statement.pk, reviewer=request.user,
                                                                 reason=reason, note=note),
        template="accounts/review_sole_account.html", queue_tab="sole_account",
        context={"history": _account_history(statement.user), "identity": selectors.identity_current(statement.user),
                 "sharing": selectors.accounts_sharing_name(statement.user).order_by("date_joined")},
    )
