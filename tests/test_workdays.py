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
