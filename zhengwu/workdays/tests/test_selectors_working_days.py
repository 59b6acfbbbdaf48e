"""Working-day arithmetic on the seeded 2025–2026 calendar (行政许可法 Art. 82)."""

from datetime import date, timedelta

import pytest

from zhengwu.workdays.selectors import (
    add_working_days,
    explain_due_date,
    is_working_day,
    unknown_years_between,
    working_days_between,
)

pytestmark = pytest.mark.django_db


def test_national_day_is_not_a_working_day(seeded: None) -> None:
    assert date(2026, 10, 1).weekday() == 3  # a Thursday
    assert is_working_day(date(2026, 10, 1)) is False
    assert is_working_day(date(2025, 10, 1)) is False


def test_a_make_up_weekend_day_is_a_working_day(seeded: None) -> None:
    # 国务院办公厅: 2025-09-28 (Sunday) and 2025-10-11 (Saturday) are worked for National Day.
    assert date(2025, 9, 28).weekday() == 6
    assert is_working_day(date(2025, 9, 28)) is True
    assert is_working_day(date(2025, 10, 11)) is True
    assert is_working_day(date(2025, 10, 12)) is False  # the Sunday after stays a rest day


def test_ordinary_weekdays_and_weekends(seeded: None) -> None:
    assert is_working_day(date(2026, 3, 10)) is True  # Tuesday
    assert is_working_day(date(2026, 3, 14)) is False  # Saturday


def test_counting_starts_the_day_after_the_start(seeded: None) -> None:
    # Accepted on Monday 2026-03-09: working day 1 is Tuesday.
    assert add_working_days(date(2026, 3, 9), 1) == date(2026, 3, 10)
    assert add_working_days(date(2026, 3, 9), 5) == date(2026, 3, 16)


def test_zero_working_days_is_the_start_itself(seeded: None) -> None:
    assert add_working_days(date(2026, 10, 1), 0) == date(2026, 10, 1)


def test_adding_across_national_day_2026(seeded: None) -> None:
    # Start Tue 2026-09-29. Working: 9-30 (1); 10-01..10-07 off (holiday + weekend);
    # 10-08 Thu (2), 10-09 Fri (3), 10-10 Sat make-up (4), 10-12 Mon (5).
    assert add_working_days(date(2026, 9, 29), 1) == date(2026, 9, 30)
    assert add_working_days(date(2026, 9, 29), 2) == date(2026, 10, 8)
    assert add_working_days(date(2026, 9, 29), 4) == date(2026, 10, 10)
    assert add_working_days(date(2026, 9, 29), 5) == date(2026, 10, 12)


def test_a_limit_ending_in_a_holiday_ends_on_the_next_working_day(seeded: None) -> None:
    # 民法典 Art. 203: 20 working days from 2026-09-08 would end on 10-06 by Monday–Friday.
    due = add_working_days(date(2026, 9, 8), 20)
    assert is_working_day(due) is True
    assert due > date(2026, 10, 7)


def test_negative_counts_go_backwards(seeded: None) -> None:
    # Three working days before Thu 2026-10-08: 09-30, 09-29, 09-28.
    assert add_working_days(date(2026, 10, 8), -1) == date(2026, 9, 30)
    assert add_working_days(date(2026, 10, 8), -3) == date(2026, 9, 28)
    # And going back undoes going forward from a working day.
    start = date(2026, 9, 29)
    assert add_working_days(add_working_days(start, 7), -7) == start


def test_working_days_between_counts_after_a_through_b(seeded: None) -> None:
    assert working_days_between(date(2026, 9, 29), date(2026, 10, 12)) == 5
    assert working_days_between(date(2026, 9, 29), date(2026, 9, 29)) == 0
    assert working_days_between(date(2026, 9, 30), date(2026, 10, 7)) == 0


def test_working_days_between_is_antisymmetric(seeded: None) -> None:
    pairs = [
        (date(2025, 9, 20), date(2025, 10, 20)),
        (date(2026, 1, 1), date(2026, 12, 31)),
        (date(2026, 2, 10), date(2026, 3, 2)),
        (date(2025, 12, 25), date(2026, 1, 5)),
    ]
    for a, b in pairs:
        assert working_days_between(b, a) == -working_days_between(a, b)


def test_between_and_add_agree_day_by_day(seeded: None) -> None:
    start = date(2025, 9, 1)
    for n in range(90):
        due = add_working_days(start, n)
        assert working_days_between(start, due) == n
    # Counting by formula matches counting day by day over two whole years.
    day, counted = date(2024, 12, 31), 0
    while day < date(2026, 12, 31):
        day += timedelta(days=1)
        counted += is_working_day(day)
        assert working_days_between(date(2024, 12, 31), day) == counted


def test_explanation_names_each_skipped_holiday_and_counted_make_up_day(seeded: None) -> None:
    explanation = explain_due_date(date(2026, 9, 22), 10)
    assert explanation.due_date == add_working_days(date(2026, 9, 22), 10)
    holidays = {(d.date, d.name) for d in explanation.holidays_skipped}
    assert (date(2026, 9, 25), "中秋节") in holidays
    assert (date(2026, 10, 1), "国庆节") in holidays
    assert (date(2026, 10, 7), "国庆节") in holidays
    assert [d.date for d in explanation.makeup_days_counted] == [date(2026, 10, 10)]
    assert date(2026, 10, 3) in [d.date for d in explanation.weekends_skipped]
    ordinals = [d.ordinal for d in explanation.days if d.counted]
    assert ordinals == list(range(1, 11))
    assert explanation.is_certain is True
    text = "\n".join(explanation.as_lines())
    assert "国庆节" in text
    assert "中秋节" in text
    assert "调休" in text  # the make-up workday is called out in Chinese
    periods = [(p.name, p.first, p.last) for p in explanation.holiday_periods]
    assert ("国庆节", date(2026, 10, 1), date(2026, 10, 7)) in periods


def test_explanation_of_a_backward_count_is_in_date_order(seeded: None) -> None:
    explanation = explain_due_date(date(2026, 10, 12), -3)
    assert explanation.due_date == date(2026, 10, 8)
    dates = [d.date for d in explanation.days]
    assert dates == sorted(dates)


def test_a_year_the_calendar_does_not_know_falls_back_to_weekdays_and_is_flagged(
    seeded: None,
) -> None:
    # 2027 is neither seeded nor confirmed: 2027-10-01 (a Friday) counts as a working day.
    assert is_working_day(date(2027, 10, 1)) is True
    explanation = explain_due_date(date(2027, 9, 28), 5)
    assert explanation.due_date == date(2027, 10, 5)
    assert explanation.unknown_years == (2027,)
    assert explanation.is_certain is False
    assert any("2027" in line for line in explanation.as_lines())
    assert unknown_years_between(date(2026, 12, 1), date(2027, 1, 10)) == [2027]
    # A count inside a known year is not flagged.
    assert explain_due_date(date(2026, 3, 2), 5).unknown_years == ()


def test_explanation_as_dict_is_json_ready(seeded: None) -> None:
    data = explain_due_date(date(2026, 9, 29), 2).as_dict()
    assert data["due_date"] == "2026-10-08"
    assert data["days"][0] == {
        "date": "2026-09-30",
        "status": "working",
        "name": "",
        "ordinal": 1,
        "year_known": True,
    }
    assert {d["status"] for d in data["days"]} == {"working", "holiday", "weekend"}


def test_datetimes_are_taken_as_their_local_date(seeded: None) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    # 2026-09-30 17:00 UTC is already 10-01 01:00 in Shanghai.
    moment = datetime(2026, 9, 30, 17, 0, tzinfo=ZoneInfo("UTC"))
    assert is_working_day(moment) is False
