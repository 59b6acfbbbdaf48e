"""A task's due date follows the calendar when an administrator adds a holiday."""

import datetime as dt

import pytest
import time_machine

from zhengwu.workdays.actions import calendar_day_set
from zhengwu.workdays.models import CalendarDay
from zhengwu.workflow.models import WorkTask
from zhengwu.workflow.tests.conftest import open_tasks

pytestmark = pytest.mark.django_db


def test_a_new_holiday_moves_the_open_task_due_date_and_leaves_others(world):
    world.deploy("linear.bpmn")
    with time_machine.travel(dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC), tick=False):
        instance = world.start("zw_test_linear")
    task = open_tasks(instance)[0]
    # Monday 2026-11-02 + 2 working days = Wednesday 2026-11-04.
    assert task.due_date == dt.date(2026, 11, 4)

    calendar_day_set(
        actor=None, date=dt.date(2026, 11, 3), kind=CalendarDay.Kind.HOLIDAY,
        name="临时假日", note="测试：市政府通知",
    )  # fmt: skip

    task.refresh_from_db()
    assert task.due_date == dt.date(2026, 11, 5)
    assert WorkTask.objects.filter(due_date=dt.date(2026, 11, 4)).count() == 0
