"""Every periodic sweep, in the order they run. Beat runs them; so does `manage.py run_sweeps`.

A sweep takes ``as_of`` (the time it should act as if it were) and ``dry_run``, and
returns how many records it changed (or would change). Each must be set-based and
idempotent: running it twice at the same time changes nothing the second time.
"""

import datetime as dt
from collections.abc import Callable, Iterator

from django.utils import timezone

from accounts.services import identity_expire_sweep


def _china_date(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment, timezone.get_fixed_timezone(8 * 60)).date()


SWEEPS: list[tuple[str, Callable[[dt.datetime, bool], int]]] = [
    ("identity documents expired", lambda as_of, dry_run: identity_expire_sweep(as_of=_china_date(as_of), dry_run=dry_run)),
]


def run_sweeps(*, as_of: dt.datetime, dry_run: bool = False) -> Iterator[tuple[str, int]]:
    for name, sweep in SWEEPS:
        yield name, sweep(as_of, dry_run)
