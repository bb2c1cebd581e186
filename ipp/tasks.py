"""Portal-wide tasks, and the one way services enqueue work."""

import logging
from importlib import import_module

from celery import shared_task
from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)


def enqueue(task_name: str, *args) -> None:
    """Send a task once the current transaction commits (never for work that rolled back).

    If the broker is unreachable the error is logged and the caller carries on: what
    the task would have done is either best-effort (a notification) or re-done by the
    periodic sweeps, which read the database, not the queue.
    """

    from ipp.celery import app

    # Celery discovers tasks lazily (at worker start); the web process imports them here.
    import_module(task_name.rpartition(".")[0])
    task = app.tasks[task_name]

    def send():
        try:
            task.apply_async(args=args)
        except Exception:  # kombu raises several kinds when the broker is down  # noqa: BLE001
            logger.exception("Could not enqueue %s%r; the sweeps will catch up", task_name, args)

    transaction.on_commit(send)


@shared_task(name="ipp.tasks.heartbeat")
def heartbeat(name: str = "worker") -> None:
    """Proves to the health page that beat schedules and a worker consumes."""
    from ipp.models import Heartbeat

    Heartbeat.objects.update_or_create(name=name, defaults={"beat_at": timezone.now()})


@shared_task(name="ipp.tasks.run_periodic_sweeps", acks_late=True, time_limit=1800, soft_time_limit=1700)
def run_periodic_sweeps() -> dict[str, int]:
    from ipp.sweeps import run_sweeps

    return {name: changed for name, changed in run_sweeps(as_of=timezone.now())}
