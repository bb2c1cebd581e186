"""Working-day arithmetic on China's calendar (the one home for it).

China moves weekends around its public holidays: some Saturdays and Sundays are
make-up working days (调休) and some weekdays are holidays. ``holidays.CN`` knows both,
and each year's schedule is published around November, so keep the package current.
"""

import datetime as dt
from functools import lru_cache

import holidays
from django.utils import timezone


@lru_cache(maxsize=8)
def _calendar(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("CN", years=range(year - 1, year + 3))


def is_working_day(day: dt.date) -> bool:
    return _calendar(day.year).is_working_day(day)


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The date ``days`` working days after ``start`` (``start`` itself never counts)."""
    day = start
    remaining = days
    while remaining > 0:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


def due_date(submitted_at: dt.datetime, working_days: int) -> dt.date:
    """The due date of work submitted at ``submitted_at`` (China time), due in ``working_days``."""
    local_day = timezone.localtime(submitted_at, timezone.get_fixed_timezone(8 * 60)).date()
    return add_working_days(local_day, working_days)


def today_in_china() -> dt.date:
    return timezone.localtime(timezone.now(), timezone.get_fixed_timezone(8 * 60)).date()


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after ``start`` up to and including ``end``; negative when ``end`` is before ``start``.

    ``working_days_between(today, due)`` is how many working days are left (0: due today), and
    minus how many it is overdue by.
    """
    if end < start:
        return -working_days_between(end, start)
    # Counted from each year's running totals, not day by day: the reviewers' queue asks this for every row, and a
    # row overdue by a year cost a year of lookups (docs/benchmarks.md).
    days = _working_days_into_year(end) - _working_days_into_year(start)
    for year in range(start.year, end.year):
        days += _running_totals(year)[-1]
    return days


@lru_cache(maxsize=64)
def _running_totals(year: int) -> tuple[int, ...]:
    """``totals[n]``: how many of the first ``n`` days of ``year`` are working days (``totals[-1]``: the whole year)."""
    first = dt.date(year, 1, 1)
    totals = [0]
    for offset in range((dt.date(year + 1, 1, 1) - first).days):
        totals.append(totals[-1] + is_working_day(first + dt.timedelta(days=offset)))
    return tuple(totals)


def _working_days_into_year(day: dt.date) -> int:
    """Working days from 1 January of ``day``'s year up to and including ``day``."""
    return _running_totals(day.year)[day.timetuple().tm_yday]
