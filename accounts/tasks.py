from celery import shared_task

from ipp.mail import send_notice

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
    send_notice(submission.user, "accounts/email/review_decision", {"submission": submission, "kind": model_name})
