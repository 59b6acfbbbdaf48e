"""Suspending a deadline (行政许可法 Art. 45): the clock stops, resuming moves the due date.

Dates around National Day 2026 (seeded from chinese-calendar): 国庆节 Thu 10-01 … Wed 10-07 off,
Sat 10-10 a make-up workday; 中秋节 Fri 09-25 off.
"""

from datetime import date
from typing import Any

import pytest

from zhengwu.audit.models import AuditEntry
from zhengwu.core.errors import Conflict, NotFound, ValidationFailed
from zhengwu.workdays import actions
from zhengwu.workdays.models import CalendarDay, Deadline, DeadlineSuspension
from zhengwu.workdays.selectors import deadline_suspensions, working_days_between

pytestmark = pytest.mark.django_db

OWNER = {"owner_type": "eservices.application", "owner_id": "42"}


def _open(start: date = date(2026, 9, 22), n: int = 20, label: str = "法定时限") -> Deadline:
    return actions.deadline_open(**OWNER, label=label, start=start, working_days=n)


def _reload(deadline: Deadline) -> Deadline:
    deadline.refresh_from_db()
    return deadline


def test_the_base_case_across_national_day(seeded: None) -> None:
    # 09-23 09-24 09-28 09-29 09-30 10-08 10-09 10-10(班) 10-12 … : the 20th is Tue 10-27.
    assert _open().due_date == date(2026, 10, 27)


def test_resuming_moves_the_due_date_by_the_working_days_suspended(
    seeded: None, admin_staff: Any, listener_calls: list[list[Any]]
) -> None:
    deadline = _open()

    actions.deadline_suspend(
        **OWNER, on=date(2026, 9, 29), reason="专家评审", actor=admin_staff
    )
    assert _reload(deadline).is_suspended
    assert deadline.due_date == date(2026, 10, 27)  # the clock stands still, nothing moves yet

    actions.deadline_resume(**OWNER, on=date(2026, 10, 9), actor=admin_staff)

    # Suspended: working days after Tue 09-29 up to and including Fri 10-09 = 09-30, 10-08, 10-09
    # (the holidays 10-01 … 10-07 were never going to count anyway).
    assert working_days_between(date(2026, 9, 29), date(2026, 10, 9)) == 3
    deadline = _reload(deadline)
    assert not deadline.is_suspended
    assert deadline.suspended_working_days == 3
    assert deadline.due_date == date(2026, 10, 30)  # 10-27 + 3 working days
    [suspension] = deadline_suspensions(deadline)
    assert (suspension.suspended_on, suspension.resumed_on, suspension.working_days) == (
        date(2026, 9, 29), date(2026, 10, 9), 3,
    )  # fmt: skip
    assert suspension.reason == "专家评审" and suspension.suspended_by == admin_staff
    assert [[d.pk for d in call] for call in listener_calls] == [[deadline.pk]]
    resume = AuditEntry.objects.get(action="workdays.deadline.resume")
    assert resume.changes["due_date"] == ["2026-10-27", "2026-10-30"]
    assert resume.changes["working_days_suspended"] == 3
    assert AuditEntry.objects.filter(action="workdays.deadline.suspend", reason="专家评审").exists()


def test_a_suspension_over_the_holiday_alone_costs_nothing(seeded: None) -> None:
    deadline = _open()
    actions.deadline_suspend(**OWNER, on=date(2026, 9, 30), reason="检验")
    actions.deadline_resume(**OWNER, on=date(2026, 10, 7), actor=None)
    assert _reload(deadline).due_date == date(2026, 10, 27)
    assert deadline_suspensions(deadline)[0].working_days == 0


def test_suspensions_add_up_and_resume_on_the_same_day_counts_nothing(seeded: None) -> None:
    deadline = _open()
    actions.deadline_suspend(**OWNER, on=date(2026, 9, 23), reason="听证")
    actions.deadline_resume(**OWNER, on=date(2026, 9, 23))
    actions.deadline_suspend(**OWNER, on=date(2026, 10, 12), reason="检测")
    actions.deadline_resume(**OWNER, on=date(2026, 10, 14))  # 10-13, 10-14
    deadline = _reload(deadline)
    assert [s.working_days for s in deadline_suspensions(deadline)] == [0, 2]
    assert deadline.due_date == date(2026, 10, 29)


def test_a_calendar_change_inside_a_completed_suspension_keeps_the_due_date(
    seeded: None, admin_staff: Any, listener_calls: list[list[Any]]
) -> None:
    deadline = _open()
    actions.deadline_suspend(**OWNER, on=date(2026, 9, 29), reason="专家评审")
    actions.deadline_resume(**OWNER, on=date(2026, 10, 9))
    assert _reload(deadline).due_date == date(2026, 10, 30)
    listener_calls.clear()  # the resumption told them; now only the calendar change counts

    # Thu 10-08 becomes a holiday: the suspension now covers 2 working days, not 3, and the
    # limit loses the same day: the clock was stopped then anyway, so the due date stays.
    actions.calendar_day_set(
        actor=admin_staff, date=date(2026, 10, 8), kind=CalendarDay.Kind.HOLIDAY,
        name="市级假日", note="市政府通知",
    )  # fmt: skip
    deadline = _reload(deadline)
    assert deadline.due_date == date(2026, 10, 30)
    assert deadline.suspended_working_days == 2
    assert deadline_suspensions(deadline)[0].working_days == 2
    assert listener_calls == []


def test_a_calendar_change_after_the_resumption_moves_the_due_date(
    seeded: None, admin_staff: Any
) -> None:
    deadline = _open()
    actions.deadline_suspend(**OWNER, on=date(2026, 9, 29), reason="专家评审")
    actions.deadline_resume(**OWNER, on=date(2026, 10, 9))
    actions.calendar_day_set(
        actor=admin_staff, date=date(2026, 10, 15), kind=CalendarDay.Kind.HOLIDAY,
        name="市级假日", note="市政府通知",
    )  # fmt: skip
    assert _reload(deadline).due_date == date(2026, 11, 2)  # Fri 10-30 → Mon 11-02


def test_a_calendar_change_while_suspended_is_counted_on_resumption(
    seeded: None, admin_staff: Any
) -> None:
    deadline = _open()
    actions.deadline_suspend(**OWNER, on=date(2026, 9, 29), reason="鉴定")
    actions.calendar_day_set(
        actor=admin_staff, date=date(2026, 10, 14), kind=CalendarDay.Kind.HOLIDAY,
        name="市级假日", note="市政府通知",
    )  # fmt: skip
    assert _reload(deadline).due_date == date(2026, 10, 28)  # the limit itself moved by one
    actions.deadline_resume(**OWNER, on=date(2026, 10, 9))
    assert _reload(deadline).due_date == date(2026, 11, 2)  # 10-28 + 10-29, 10-30, 11-02


def test_a_suspension_after_an_overdue_date_is_recounted_too(
    seeded: None, admin_staff: Any
) -> None:
    deadline = _open(start=date(2026, 9, 1), n=3)  # due Fri 09-04
    actions.deadline_suspend(**OWNER, on=date(2026, 10, 12), reason="检疫")
    actions.deadline_resume(**OWNER, on=date(2026, 10, 16))  # 10-13 … 10-16: 4
    assert _reload(deadline).due_date == date(2026, 9, 10)
    actions.calendar_day_set(
        actor=admin_staff, date=date(2026, 10, 14), kind=CalendarDay.Kind.HOLIDAY,
        name="市级假日", note="市政府通知",
    )  # fmt: skip
    deadline = _reload(deadline)
    assert deadline.suspended_working_days == 3
    assert deadline.due_date == date(2026, 9, 9)


def test_only_the_labelled_deadline_is_suspended(seeded: None) -> None:
    statutory = _open()
    promised = _open(n=10, label="承诺时限")
    actions.deadline_suspend(**OWNER, label="法定时限", on=date(2026, 9, 29), reason="听证")
    assert _reload(statutory).is_suspended and not _reload(promised).is_suspended
    # Without a label every open deadline of the owner takes part.
    actions.deadline_resume(**OWNER, on=date(2026, 10, 9))
    actions.deadline_suspend(**OWNER, on=date(2026, 10, 12), reason="招标")
    assert _reload(statutory).is_suspended and _reload(promised).is_suspended


def test_double_submits_change_nothing_and_conflicts_are_refused(seeded: None) -> None:
    deadline = _open()
    actions.deadline_suspend(**OWNER, on=date(2026, 9, 29), reason="听证")
    actions.deadline_suspend(**OWNER, on=date(2026, 9, 29), reason="听证")  # double click
    assert DeadlineSuspension.objects.count() == 1
    with pytest.raises(Conflict, match="2026-09-29"):
        actions.deadline_suspend(**OWNER, on=date(2026, 9, 30), reason="听证")

    actions.deadline_resume(**OWNER, on=date(2026, 10, 9))
    actions.deadline_resume(**OWNER, on=date(2026, 10, 9))  # double click
    assert _reload(deadline).due_date == date(2026, 10, 30)
    assert AuditEntry.objects.filter(action="workdays.deadline.resume").count() == 1
    with pytest.raises(Conflict):
        actions.deadline_resume(**OWNER, on=date(2026, 10, 12))


def test_bad_input_is_refused_in_chinese_and_changes_nothing(seeded: None) -> None:
    deadline = _open()
    with pytest.raises(ValidationFailed, match="事由"):
        actions.deadline_suspend(**OWNER, on=date(2026, 9, 29), reason="  ")
    with pytest.raises(ValidationFailed, match="2026-09-22"):
        actions.deadline_suspend(**OWNER, on=date(2026, 9, 21), reason="听证")
    with pytest.raises(NotFound):
        actions.deadline_suspend(
            owner_type="eservices.application", owner_id="999", on=date(2026, 9, 29), reason="x"
        )
    with pytest.raises(Conflict):
        actions.deadline_resume(**OWNER, on=date(2026, 10, 9))  # not suspended
    actions.deadline_suspend(**OWNER, on=date(2026, 9, 29), reason="听证")
    with pytest.raises(ValidationFailed, match="2026-09-29"):
        actions.deadline_resume(**OWNER, on=date(2026, 9, 28))
    deadline = _reload(deadline)
    assert deadline.suspended_on == date(2026, 9, 29)
    assert deadline.due_date == date(2026, 10, 27)
    assert DeadlineSuspension.objects.count() == 1
