"""Small helpers the measurements share: percentiles and a timer."""

import time
from collections.abc import Callable, Sequence


def percentile(values: Sequence[float], share: float) -> float:
    """The ``share`` (0–1) percentile of ``values``, interpolated between the two nearest ranks."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    position = (len(ordered) - 1) * share
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def latency_summary(seconds: Sequence[float]) -> dict:
    """p50, p95 and the extremes in milliseconds, and how many runs they come from."""
    return {"p50_ms": round(percentile(seconds, 0.50) * 1000, 1), "p95_ms": round(percentile(seconds, 0.95) * 1000, 1),
            "min_ms": round(min(seconds) * 1000, 1), "max_ms": round(max(seconds) * 1000, 1), "runs": len(seconds)}


def timed(action: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result
