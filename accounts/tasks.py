from celery import shared_task
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation

from .models import IdentityProof, SoleAccountStatement

_MODELS = {"identityproof": IdentityProof, "soleaccountstatement": SoleAccountStatement}


@shared_task(name="accounts.tasks.send_review_decision", acks_late=True, time_limit=60, soft_time_limit=50)
def send_review_decision(model_name: str, pk: int) -> None:
    """Tell the account holder how the review of its submission ended.

    Reads the submission's current state, so a repeated delivery sends the same news.
    """
    submission = _MODELS[model_name].objects.select_related("user").filter(pk=pk).first()
    if submission is None or submission.status == "pending":
        return
    context = {"submission": submission, "user": submission.user, "kind": model_name}
    with translation.override(submission.user.language):
        subject = render_to_string("accounts/email/review_decision_subject.txt", context).strip()
        body = render_to_string("accounts/email/review_decision.txt", context)
    send_mail(subject, body, None, submission.user.notice_recipients)
