"""Fault tests (``make faults``): real processes on private servers, never the machine's shared ones.

Each test builds its own ``Stack`` (tests/faults/stack.py): a PostgreSQL cluster and a
redis-server on free ports in a temporary folder, migrated and seeded with ``seed_demo``, and
the real gunicorn and Celery processes. Nothing uses pytest-django's test database. Without
the PostgreSQL binaries or redis-server the tests are skipped with the reason (with
``IPP_REQUIRE_SERVICES=1``, as in CI, that is an error instead). ``IPP_FAULTS_KEEP=1`` keeps
each stack's folder (logs, database) for a look after the run.
"""

import os
from pathlib import Path

import pytest

from .stack import Stack, postgres_binaries_missing, redis_binary_missing

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    reason = postgres_binaries_missing() or redis_binary_missing()
    if not reason:
        return
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            if os.environ.get("IPP_REQUIRE_SERVICES") == "1":
                raise pytest.UsageError(f"{item.nodeid}: {reason}")
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def make_stack(request):
    """``make_stack(**options)`` starts a Stack; every one is closed (processes killed, folder removed) at the end.
    When the test failed, the end of each process's log is printed (pytest shows it with the failure)."""
    stacks: list[Stack] = []

    def make(**options) -> Stack:
        stack = Stack(keep=os.environ.get("IPP_FAULTS_KEEP") == "1", **options)
        stacks.append(stack)
        return stack

    yield make
    failed = getattr(getattr(request.node, "report_call", None), "failed", True)
    for stack in stacks:
        if failed:
            print(f"--- stack in {stack.base}")
            for process in stack.processes:
                print(f"--- {process.name} (pid {process.pid}, {'alive' if process.alive() else 'exited'}):")
                print(process.log_tail(4000))
        stack.close()
