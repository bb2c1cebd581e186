"""The embedded default (`make run` with nothing installed): SQLite plus kombu's filesystem broker.

Starts the real processes — a Celery worker and Celery beat — against a fresh folder and
waits until beat's heartbeat task has been consumed by the worker and written to SQLite.
"""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def wait_for(condition, timeout: float, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    return None


@pytest.mark.timeout(120)
def test_worker_and_beat_run_on_sqlite_and_the_filesystem_broker(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update(DEBUG="1", IPP_VAR_DIR=str(tmp_path), IPP_HEARTBEAT_INTERVAL="1", DJANGO_SETTINGS_MODULE="ipp.settings")
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True, timeout=90)
    celery = [python, "-m", "celery", "-A", "ipp"]
    logs = {name: open(tmp_path / f"{name}.log", "w") for name in ("worker", "beat")}  # noqa: SIM115
    processes = [
        subprocess.Popen([*celery, "worker", "--concurrency=1", "--loglevel=INFO"], cwd=ROOT, env=env,
                         stdout=logs["worker"], stderr=subprocess.STDOUT, start_new_session=True),
        subprocess.Popen([*celery, "beat", "--loglevel=INFO"], cwd=ROOT, env=env,
                         stdout=logs["beat"], stderr=subprocess.STDOUT, start_new_session=True),
    ]
    try:
        def heartbeat():
            try:
                with sqlite3.connect(tmp_path / "ipp.sqlite3", timeout=5) as db:
                    return db.execute("SELECT beat_at FROM ipp_heartbeat WHERE name = 'worker'").fetchone()
            except sqlite3.OperationalError:
                return None

        first = wait_for(heartbeat, timeout=60)
        assert first, (tmp_path / "worker.log").read_text()[-2000:] + (tmp_path / "beat.log").read_text()[-2000:]
        # Beat keeps ticking: a later heartbeat replaces the first.
        assert wait_for(lambda: (hb := heartbeat()) and hb != first and hb, timeout=30)
        assert (tmp_path / "broker" / "queue").is_dir()
    finally:
        for process in processes:
            os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        for log in logs.values():
            log.close()
