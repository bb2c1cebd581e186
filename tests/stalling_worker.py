"""A real Celery worker that stalls inside a sweep's second batch, so that a test can SIGKILL it there.

Started by ``tests/test_workflow_worker.py`` as a process of its own:

    python tests/stalling_worker.py QUEUE MARKER_FILE

with ``DATABASE_URL`` (the test database) and ``CELERY_BROKER_URL`` (the test Redis) in its
environment. Batches are made small (50 rows) and the second one, once its rows are locked,
updated and logged but before it commits, writes MARKER_FILE and waits to be killed: the
moment a worker dying mid-batch is most likely to lose or repeat work.
"""

import os
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["DJANGO_SETTINGS_MODULE"] = "ipp.settings"

import django  # noqa: E402

django.setup()

from complaints import workflow  # noqa: E402
from ipp.celery import app  # noqa: E402

BATCH = 50


def main(queue: str, marker: Path) -> None:
    workflow.BATCH_SIZE = BATCH
    refresh = workflow.complaint_status_refresh
    batches = 0

    def stall_in_the_second_batch(complaint_ids):
        # Called by items_move_due inside each batch's transaction, after its UPDATE and INSERT.
        nonlocal batches
        batches += 1
        if batches == 2:
            marker.write_text(str(os.getpid()))
            threading.Event().wait()  # until the test kills this process
        refresh(complaint_ids)

    workflow.complaint_status_refresh = stall_in_the_second_batch
    app.conf.update(task_default_queue=queue, task_default_exchange=queue, task_default_routing_key=queue,
                    worker_enable_remote_control=False, worker_hijack_root_logger=False)
    app.worker_main(["worker", "--pool=solo", "--loglevel=WARNING", "-Q", queue,
                     "--without-heartbeat", "--without-mingle", "--without-gossip"])


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]))
