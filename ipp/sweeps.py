"""Every periodic sweep, in the order they run. Beat runs them; so does `manage.py run_sweeps`.

A sweep takes ``as_of`` (the time it should act as if it were) and ``dry_run``, and
returns how many records it changed (or would change). Each must be set-based and
idempotent: running it twice at the same time changes nothing the second time.
"""

import datetime as dt
from collections.abc import Callable, Iterator

from django.utils import timezone

from accounts.services import identity_expire_sweep
from complaints.good_faith import good_faith_flag_sweep
from complaints.services import (
    complainant_silence_sweep,
    item_effects_sweep,
    items_enter_review_sweep,
    seller_silence_sweep,
)
from ipp.bulk import import_jobs_resend_sweep
from ipr.services import complaint_items_hold_sweep, expiry_reminder_sweep, ipr_withdraw_sweep


def _china_date(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment, timezone.get_fixed_timezone(8 * 60)).date()


def _on_china_date(sweep):
    """Run a sweep that works on calendar days with the day it is in China at ``as_of``."""
    return lambda as_of, dry_run: sweep(as_of=_china_date(as_of), dry_run=dry_run)


# Order matters: an expired identity is marked before the rights resting on it are
# withdrawn, and rights are withdrawn before the complaint items resting on them are held.
SWEEPS: list[tuple[str, Callable[[dt.datetime, bool], int]]] = [
    ("identity documents expired", _on_china_date(identity_expire_sweep)),
    ("IPR authentications withdrawn", _on_china_date(ipr_withdraw_sweep)),
    ("complaint items held on withdrawn IPRs", _on_china_date(complaint_items_hold_sweep)),
    ("expiry reminders queued (30 and 7 days)", _on_china_date(expiry_reminder_sweep)),
    ("complaint items put into review", lambda as_of, dry_run: items_enter_review_sweep(as_of=as_of, dry_run=dry_run)),
    ("listings taken down (no counter-notice in time)", lambda as_of, dry_run: seller_silence_sweep(as_of=as_of, dry_run=dry_run)),
    ("counter-notices sent to a decision (no answer in time)",
     lambda as_of, dry_run: complainant_silence_sweep(as_of=as_of, dry_run=dry_run)),
    ("complaint item side effects run again", lambda as_of, dry_run: item_effects_sweep(as_of=as_of, dry_run=dry_run)),
    ("Good Faith members under the bar flagged", lambda as_of, dry_run: good_faith_flag_sweep(as_of=as_of, dry_run=dry_run)),
    ("import jobs queued again (IPR and complaint uploads)", lambda as_of, dry_run: import_jobs_resend_sweep(as_of=as_of, dry_run=dry_run)),
]


def run_sweeps(*, as_of: dt.datetime, dry_run: bool = False) -> Iterator[tuple[str, int]]:
    for name, sweep in SWEEPS:
        yield name, sweep(as_of, dry_run)
