"""Complaint work done by the worker. Each task loads what it reports by id and reads its current state,
so a repeated delivery sends the same news and a stale one sends nothing."""

from celery import shared_task

from ipp.bulk import IMPORT_SOFT_TIME_LIMIT, IMPORT_TIME_LIMIT

from .bulk import complaint_import_job_run
from .dmca import dmca_notice_mail

_MAIL = {"acks_late": True, "time_limit": 60, "soft_time_limit": 50}


@shared_task(name="complaints.tasks.send_dmca_mail", **_MAIL)
def send_dmca_mail(notice_id: int, kind: str) -> None:
    """Email a DMCA notifier (who has no account): ``kind`` "received" or "decision"."""
    dmca_notice_mail(notice_id=notice_id, kind=kind)


@shared_task(name="complaints.tasks.run_import_job", acks_late=True, ignore_result=True,
             time_limit=IMPORT_TIME_LIMIT, soft_time_limit=IMPORT_SOFT_TIME_LIMIT)
def run_import_job(job_id: int) -> None:
    """Check and file a queued bulk upload of complaints. Claiming the job makes a repeated delivery do nothing."""
    complaint_import_job_run(job_id=job_id)


@shared_task(name="complaints.tasks.run_item_effects", **_MAIL)
def run_item_effects(event_id: int) -> None:
    """The side effects of one move (complaints.effects); a repeated delivery finds them done."""
    from .effects import run_event_effects

    run_event_effects([event_id])


@shared_task(name="complaints.tasks.run_item_effects_batch", acks_late=True, time_limit=600, soft_time_limit=540)
def run_item_effects_batch(event_ids: list[int]) -> None:
    """The side effects of a sweep's batch of timed moves."""
    from .effects import run_event_effects

    run_event_effects(event_ids)


@shared_task(name="complaints.tasks.start_review", acks_late=True, time_limit=300, soft_time_limit=270)
def start_review(complaint_id: int) -> None:
    """A filed complaint's items go into review; a repeated delivery finds none left to move."""
    from .services import complaint_review_start

    complaint_review_start(complaint_id=complaint_id)
