import datetime as dt

from ipp import workdays


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def test_three_working_days_skip_a_plain_weekend():
    # Thursday → Fri, Mon, Tue
    assert workdays.add_working_days(d("2026-11-19"), 3) == d("2026-11-24")


def test_due_date_skips_national_day_week_and_counts_the_make_up_saturday():
    # Wed 30 Sep 2026; 1-7 Oct are holidays; Thu 8, Fri 9, and Sat 10 Oct is a make-up working day.
    assert workdays.add_working_days(d("2026-09-30"), 3) == d("2026-10-10")


def test_a_make_up_sunday_is_a_working_day():
    assert workdays.is_working_day(d("2025-09-28"))  # Sunday, worked before National Day 2025
    assert not workdays.is_working_day(d("2025-10-01"))


def test_due_date_uses_china_time_not_utc():
    # 17:00 UTC on Friday is already Saturday 01:00 in China: counting starts from Saturday.
    submitted = dt.datetime(2026, 11, 20, 17, 0, tzinfo=dt.UTC)
    assert workdays.due_date(submitted, 3) == d("2026-11-25")
    submitted_friday = dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC)
    assert workdays.due_date(submitted_friday, 3) == d("2026-11-25")


def test_working_days_between_counts_china_working_days_both_ways():
    from ipp.workdays import working_days_between

    # Fri 25 Sep 2026 → Fri 9 Oct 2026: National Day week off, Sat 10 Oct a make-up working day not reached.
    friday, after_holiday = dt.date(2026, 9, 25), dt.date(2026, 10, 9)
    assert working_days_between(friday, friday) == 0
    assert working_days_between(friday, dt.date(2026, 9, 28)) == 1  # Monday
    assert working_days_between(friday, after_holiday) == -working_days_between(after_holiday, friday)
    assert working_days_between(dt.date(2026, 10, 1), after_holiday) == 2  # Thu 8 and Fri 9 Oct


def test_working_days_between_is_the_day_by_day_count_over_years_and_leap_days():
    # It is read from each year's running totals (the reviewers' queue asks it for every row): the count must be the
    # one a walk day by day gives, within a year, across New Year and over several years, both ways.
    def walked(start: dt.date, end: dt.date) -> int:
        if end < start:
            return -walked(end, start)
        return sum(workdays.is_working_day(start + dt.timedelta(days=n)) for n in range(1, (end - start).days + 1))

    days = [d("2023-12-29"), d("2024-02-28"), d("2024-02-29"), d("2024-12-31"), d("2025-01-01"), d("2025-10-01"),
            d("2026-01-02"), d("2026-09-25"), d("2027-03-01")]
    for start in days:
        for end in days:
            assert workdays.working_days_between(start, end) == walked(start, end), (start, end)
