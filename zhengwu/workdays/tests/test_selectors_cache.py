"""The per-process calendar cache: fast when warm, and never wrong after a change."""

import uuid
from datetime import date
from typing import Any

import pytest

from zhengwu.workdays import selectors
from zhengwu.workdays.models import CalendarDay, CalendarRevision
from zhengwu.workdays.selectors import add_working_days, is_working_day, working_days_between


def _change_behind_the_cache(day: date) -> None:
    """What another process's calendar change looks like to this one."""
    CalendarDay.objects.create(date=day, kind="holiday", name="纪念日", source="admin", note="x")
    CalendarRevision.objects.update_or_create(pk=1, defaults={"token": uuid.uuid4().hex})


@pytest.mark.django_db
def test_a_warm_calendar_costs_one_token_check_inside_a_transaction(
    seeded: None, django_assert_max_num_queries: Any
) -> None:
    is_working_day(date(2026, 1, 5))
    with django_assert_max_num_queries(1):
        add_working_days(date(2026, 9, 1), 60)
    with django_assert_max_num_queries(1):
        working_days_between(date(2004, 1, 1), date(2026, 12, 31))


@pytest.mark.django_db
def test_a_change_by_another_process_is_seen_inside_a_transaction(seeded: None) -> None:
    assert is_working_day(date(2026, 3, 10)) is True
    _change_behind_the_cache(date(2026, 3, 10))
    assert is_working_day(date(2026, 3, 10)) is False


@pytest.mark.django_db(transaction=True)
def test_outside_transactions_the_cache_answers_without_queries_until_it_expires(
    settings: Any, django_assert_num_queries: Any
) -> None:
    settings.ZHENGWU_WORKDAYS_CACHE_SECONDS = 3600
    assert is_working_day(date(2026, 3, 10)) is True
    with django_assert_num_queries(0):
        assert add_working_days(date(2026, 3, 9), 1) == date(2026, 3, 10)
    _change_behind_the_cache(date(2026, 3, 10))
    # Another process's change is picked up when the cache expires …
    settings.ZHENGWU_WORKDAYS_CACHE_SECONDS = 0
    assert is_working_day(date(2026, 3, 10)) is False


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_is_forgotten(settings: Any) -> None:
    from django.db import transaction

    from zhengwu.workdays import actions

    settings.ZHENGWU_WORKDAYS_CACHE_SECONDS = 3600
    assert is_working_day(date(2026, 3, 10)) is True
    with pytest.raises(RuntimeError), transaction.atomic():
        actions.calendar_day_set(
            actor=None, date=date(2026, 3, 10), kind="holiday", name="纪念日", note="x"
        )
        assert is_working_day(date(2026, 3, 10)) is False
        raise RuntimeError("rolled back")
    assert is_working_day(date(2026, 3, 10)) is True
    assert selectors._cached is not None
