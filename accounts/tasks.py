from celery import shared_task
from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from ipp.mail import send_notice
from ipp.notifications import notify

from .models import IdentityProof, SoleAccountStatement

_MODELS = {"identityproof": IdentityProof, "soleaccountstatement": SoleAccountStatement}

# The news in the notification list, by kind of submission and its status (the email says more).
_NEWS = {
    ("identityproof", "verified"): _("Our reviewers verified your identity."),
    ("identityproof", "expired"): _("Your identity document has expired: upload a current one to register rights and "
                                    "file complaints again."),
    ("identityproof", "failed"): _("Your proof of identity was not accepted: {reason} Correct it and submit again."),
    ("soleaccountstatement", "verified"): _("This account is confirmed as your sole account."),
    ("soleaccountstatement", "failed"): _("Your sole-account statement was not accepted: {reason} Correct it and "
                                          "submit again."),
}


@shared_task(name="accounts.tasks.send_review_decision", acks_late=True, time_limit=60, soft_time_limit=50)
def send_review_decision(model_name: str, pk: int) -> None:
    """Tell the account holder how the review of its submission ended.

    Reads the submission's current state, so a repeated delivery sends the same news.
    """
    submission = _MODELS[model_name].objects.select_related("user").filter(pk=pk).first()
    if submission is None or submission.status == "pending":
        return
    news = _NEWS.get((model_name, submission.status))
    if news is not None:
        reason = submission.FailureReason(submission.failure_reason).label if submission.failure_reason else ""
        # Keyed by the submission and its status: a repeated task adds nothing, an expiry later is news.
        notify(submission.user, kind="identity_decision", key=f"{model_name}:{submission.pk}:{submission.status}",
               subject=_("your identity review"), text=format_lazy(news, reason=reason),
               url=reverse("identity" if model_name == "identityproof" else "sole_account"), email=False)
    send_notice(submission.user, "accounts/email/review_decision", {"submission": submission, "kind": model_name})
