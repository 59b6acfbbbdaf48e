"""Tracked deadlines follow calendar changes; domain modules hear about it through listeners."""

from datetime import date
from typing import Any

import pytest

from zhengwu.audit.models import AuditEntry
from zhengwu.core.errors import Conflict, ValidationFailed
from zhengwu.workdays import actions
from zhengwu.workdays.models import CalendarDay, Deadline
from zhengwu.workdays.selectors import deadline_list_for_owner

pytestmark = pytest.mark.django_db


def _open(owner_id: str, start: date, n: int, label: str = "法定时限") -> Deadline:
    return actions.deadline_open(
        owner_type="eservices.application",
        owner_id=owner_id,
        label=label,
        start=start,
        working_days=n,
    )


def test_opening_a_deadline_computes_its_due_date(seeded: None) -> None:
    deadline = _open("1", date(2026, 9, 29), 5)
    assert deadline.due_date == date(2026, 10, 12)
    assert deadline.is_open is True
    assert AuditEntry.objects.filter(action="workdays.deadline.open").count() == 1


def test_a_new_holiday_moves_only_the_open_deadlines_spanning_it(
    seeded: None, admin_staff: Any, listener_calls: list[list[Any]]
) -> None:
    spanning = _open("1", date(2026, 3, 5), 10)  # Fri 03-06 … due Thu 03-19
    closed = _open("2", date(2026, 3, 5), 10)
    actions.deadline_close(owner_type="eservices.application", owner_id="2")
    earlier = _open("3", date(2026, 2, 24), 3)  # due 02-27, before the new holiday
    later = _open("4", date(2026, 3, 12), 3)  # starts after the new holiday
    assert spanning.due_date == date(2026, 3, 19)

    actions.calendar_day_set(
        actor=admin_staff,
        date=date(2026, 3, 10),
        kind=CalendarDay.Kind.HOLIDAY,
        name="建市纪念日",
        note="市政府令第1号",
    )

    for d in (spanning, closed, earlier, later):
        d.refresh_from_db()
    assert spanning.due_date == date(2026, 3, 20)  # one working day later
    assert closed.due_date == date(2026, 3, 19)
    assert earlier.due_date == date(2026, 2, 27)
    assert later.due_date == date(2026, 3, 17)
    assert [[d.pk for d in call] for call in listener_calls] == [[spanning.pk]]
    assert listener_calls[0][0].due_date == date(2026, 3, 20)
    entry = AuditEntry.objects.get(action="workdays.calendar_day.set")
    assert entry.changes["deadlines_recomputed"] == 1
    assert entry.changes["deadlines_moved"] == 1
    assert entry.changes["deadline_moves"][0]["due_date"] == ["2026-03-19", "2026-03-20"]


def test_a_deadline_due_on_the_new_holiday_moves_too(seeded: None, admin_staff: Any) -> None:
    due_on_it = _open("1", date(2026, 3, 5), 3)  # 03-06, 03-09, 03-10
    assert due_on_it.due_date == date(2026, 3, 10)
    starting_on_it = _open("2", date(2026, 3, 10), 1)
    actions.calendar_day_set(
        actor=admin_staff, date=date(2026, 3, 10), kind="holiday", name="纪念日", note="令"
    )
    due_on_it.refresh_from_db()
    starting_on_it.refresh_from_db()
    assert due_on_it.due_date == date(2026, 3, 11)
    assert starting_on_it.due_date == date(2026, 3, 11)  # the start day is never counted


def test_removing_a_holiday_brings_deadlines_earlier(
    seeded: None, admin_staff: Any, listener_calls: list[list[Any]]
) -> None:
    deadline = _open("1", date(2026, 9, 29), 2)
    assert deadline.due_date == date(2026, 10, 8)
    actions.calendar_day_clear(actor=admin_staff, date=date(2026, 10, 1), reason="测试")
    deadline.refresh_from_db()
    assert deadline.due_date == date(2026, 10, 1)
    assert len(listener_calls) == 1


def test_a_new_make_up_workday_brings_deadlines_earlier(seeded: None, admin_staff: Any) -> None:
    deadline = _open("1", date(2026, 3, 12), 2)  # Fri 03-13, Mon 03-16
    actions.calendar_day_set(
        actor=admin_staff, date=date(2026, 3, 14), kind="makeup", name="", note="调休"
    )
    deadline.refresh_from_db()
    assert deadline.due_date == date(2026, 3, 14)


def test_renaming_a_holiday_moves_nothing_and_calls_no_listener(
    seeded: None, admin_staff: Any, listener_calls: list[list[Any]]
) -> None:
    deadline = _open("1", date(2026, 9, 29), 2)
    actions.calendar_day_set(
        actor=admin_staff,
        date=date(2026, 10, 1),
        kind="holiday",
        name="国庆节（新名）",
        note="改名",
    )
    deadline.refresh_from_db()
    assert deadline.due_date == date(2026, 10, 8)
    assert listener_calls == []


def test_a_failing_listener_aborts_the_calendar_change(seeded: None, admin_staff: Any) -> None:
    deadline = _open("1", date(2026, 3, 5), 10)

    def broken(deadlines: list[Deadline]) -> None:
        raise RuntimeError("domain copy could not be updated")

    actions.on_deadlines_changed(broken)
    try:
        with pytest.raises(RuntimeError):
            actions.calendar_day_set(
                actor=admin_staff, date=date(2026, 3, 10), kind="holiday", name="纪念日", note="令"
            )
    finally:
        actions.remove_deadlines_listener(broken)
    assert not CalendarDay.objects.filter(date=date(2026, 3, 10)).exists()
    deadline.refresh_from_db()
    assert deadline.due_date == date(2026, 3, 19)


def test_seeding_a_year_recomputes_deadlines_counted_on_weekdays_alone(db: Any) -> None:
    # Opened before 2026 was known: National Day counted as working days.
    deadline = _open("1", date(2026, 9, 29), 5)
    assert deadline.due_date == date(2026, 10, 6)
    actions.calendar_year_seed(actor=None, year=2026)
    deadline.refresh_from_db()
    assert deadline.due_date == date(2026, 10, 12)


def test_opening_the_same_deadline_twice_returns_the_first(seeded: None) -> None:
    first = _open("1", date(2026, 9, 29), 5)
    assert _open("1", date(2026, 9, 29), 5).pk == first.pk
    assert Deadline.objects.count() == 1
    with pytest.raises(Conflict):
        _open("1", date(2026, 9, 30), 5)
    # A different label is a separate deadline (e.g. the promised limit).
    assert _open("1", date(2026, 9, 29), 3, label="承诺时限").pk != first.pk


def test_closing_is_idempotent_and_per_label(seeded: None) -> None:
    _open("1", date(2026, 9, 29), 5)
    _open("1", date(2026, 9, 29), 3, label="承诺时限")
    closed = actions.deadline_close(
        owner_type="eservices.application", owner_id="1", label="承诺时限"
    )
    assert [d.label for d in closed] == ["承诺时限"]
    assert (
        actions.deadline_close(owner_type="eservices.application", owner_id="1", label="承诺时限")
        == []
    )
    remaining = deadline_list_for_owner(owner_type="eservices.application", owner_id="1")
    assert [d.label for d in remaining] == ["法定时限"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"working_days": -1}, "0"),
        ({"working_days": "5"}, "0"),
        ({"working_days": True}, "0"),
        ({"label": "  "}, "名称"),
        ({"owner_id": ""}, "所属"),
        ({"start": "2026-09-29"}, "日期"),
    ],
)
def test_bad_deadlines_are_refused(seeded: None, kwargs: dict[str, Any], message: str) -> None:
    args: dict[str, Any] = {
        "owner_type": "eservices.application",
        "owner_id": "1",
        "label": "法定时限",
        "start": date(2026, 9, 29),
        "working_days": 5,
    }
    args.update(kwargs)
    with pytest.raises(ValidationFailed) as caught:
        actions.deadline_open(**args)
    assert message in str(caught.value.message)
    assert not Deadline.objects.exists()


def test_a_zero_day_deadline_is_due_on_its_start(seeded: None) -> None:
    assert _open("1", date(2026, 10, 1), 0).due_date == date(2026, 10, 1)
