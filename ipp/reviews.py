"""The review screen every reviewed submission shares (identity proofs, sole-account
statements, IP rights): approve, or reject with a reason from the submission's list."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from ipp import workdays


class ReviewConflict(Exception):
    """The submission was already decided (or changed) by someone else."""


class DecisionRefused(Exception):
    """The rules do not allow this decision as the submission stands; the message says why, to the reviewer."""


def review_page(request, *, submission, reasons, approve, reject, template: str, queue_tab: str, context: dict):
    """Show ``submission`` beside the decision form; on a valid decision call ``approve(note)`` or ``reject(reason, note)``."""
    from accounts.forms import ReviewDecisionForm

    form = ReviewDecisionForm(request.POST or None, reasons=reasons)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["decision"] == "approve":
                approve(data["note"])
                messages.success(request, _("Approved. The user has been told."))
            else:
                reject(data["reason"], data["note"])
                messages.success(request, _("Rejected. The user has been told why."))
        except DecisionRefused as refused:
            form.add_error(None, str(refused))
        except ReviewConflict:
            messages.warning(request, _("Someone else decided this already; here is the current state."))
            return redirect(request.path)
        else:
            return redirect(f"{reverse('review_queue')}?tab={queue_tab}")
    return render(request, template, {"submission": submission, "form": form, "today": workdays.today_in_china(), **context},
                  status=400 if request.method == "POST" else 200)
