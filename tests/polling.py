"""Waiting on a condition with a bound, instead of sleeping: the suite (``tests.conftest.wait_for``), the fault tests
and the soak (``tests.faults.stack``) use it. Plain Python: the soak imports it without pytest or Django."""

import time
from collections.abc import Callable
from typing import Any


class Timeout(AssertionError):
    """The condition did not hold in time: a failed test (an AssertionError), or a failed soak check."""


def wait_until(condition: Callable[[], Any], *, timeout: float = 20.0, interval: float = 0.1,
               message: str = "condition"):
    """Poll ``condition`` until it returns something truthy, and return that; raise ``Timeout`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise Timeout(f"timed out after {timeout:g} s waiting for {message}")
        time.sleep(interval)
