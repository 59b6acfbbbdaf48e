"""Seeding from chinese-calendar and administrators' changes to the calendar."""

from datetime import date
from typing import Any

import pytest
from django.core.management import call_command

from zhengwu.audit.models import AuditEntry
from zhengwu.core.errors import NotFound, ValidationFailed
from zhengwu.workdays import actions
from zhengwu.workdays.models import CalendarDay, CalendarYear
from zhengwu.workdays.package import package_years
from zhengwu.workdays.selectors import add_working_days, calendar_year_status, is_working_day

pytestmark = pytest.mark.django_db

HOLIDAY = CalendarDay.Kind.HOLIDAY
MAKEUP = CalendarDay.Kind.MAKEUP_WORKDAY


def _state() -> list[tuple[Any, ...]]:
    return list(CalendarDay.objects.order_by("date").values_list("date", "kind", "name", "source"))


def test_seeding_stores_weekday_holidays_and_weekend_make_up_days_with_names(seeded: None) -> None:
    national_day = CalendarDay.objects.get(date=date(2026, 10, 1))
    assert (national_day.kind, national_day.name, national_day.source) == (
        HOLIDAY,
        "国庆节",
        CalendarDay.Source.PACKAGE,
    )
    assert CalendarDay.objects.get(date=date(2025, 9, 28)).kind == MAKEUP
    # Weekends inside a holiday period are rest days anyway and are not stored.
    assert not CalendarDay.objects.filter(date=date(2026, 10, 3)).exists()
    assert calendar_year_status(2026) == CalendarYear.Status.SEEDED
    assert calendar_year_status(2027) == CalendarYear.Status.UNKNOWN


def test_seeding_twice_changes_nothing(seeded: None) -> None:
    before, audits = _state(), AuditEntry.objects.count()
    result = actions.calendar_year_seed(actor=None, year=2026)
    assert result.changed is False
    assert _state() == before
    assert AuditEntry.objects.count() == audits


def test_seeding_is_audited_with_what_it_added(db: Any) -> None:
    actions.calendar_year_seed(actor=None, year=2026)
    entry = AuditEntry.objects.get(action="workdays.calendar_year.seed")
    assert entry.changes["status"] == ["unknown", "seeded"]
    assert any(line.startswith("2026-10-01 holiday 国庆节") for line in entry.changes["created"])


def test_the_command_seeds_every_year_the_package_knows_and_is_idempotent(db: Any) -> None:
    call_command("workdays_seed", verbosity=0)
    for year in (package_years().start, 2025, package_years().stop - 1):
        assert calendar_year_status(year) == CalendarYear.Status.SEEDED
    before = _state()
    call_command("workdays_seed", verbosity=0)
    assert _state() == before


def test_the_command_refuses_a_year_the_package_does_not_know(db: Any) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="chinese-calendar"):
        call_command("workdays_seed", year=2099, verbosity=0)
    assert not CalendarDay.objects.exists()


def test_an_administrators_edit_survives_reseeding(seeded: None, admin_staff: Any) -> None:
    # Make 2026-10-08 a holiday and 2026-10-10 an ordinary Saturday; then reseed.
    actions.calendar_day_set(
        actor=admin_staff,
        date=date(2026, 10, 8),
        kind=HOLIDAY,
        name="国庆节",
        note="云政办发〔2026〕1号 延长假期",
    )
    actions.calendar_day_clear(actor=admin_staff, date=date(2026, 10, 10), reason="取消调休")
    actions.calendar_year_seed(actor=None, year=2026)
    assert is_working_day(date(2026, 10, 8)) is False
    assert is_working_day(date(2026, 10, 10)) is False
    kept = CalendarDay.objects.get(date=date(2026, 10, 10))
    assert (kept.kind, kept.source) == (CalendarDay.Kind.REGULAR, CalendarDay.Source.ADMIN)


def test_an_admin_overriding_a_seeded_day_keeps_it_through_reseeding(
    seeded: None, admin_staff: Any
) -> None:
    actions.calendar_day_set(
        actor=admin_staff, date=date(2026, 10, 1), kind=HOLIDAY, name="国庆节（本市）", note="本市"
    )
    actions.calendar_year_seed(actor=None, year=2026)
    assert CalendarDay.objects.get(date=date(2026, 10, 1)).name == "国庆节（本市）"


def test_setting_a_holiday_changes_the_count_and_is_audited(seeded: None, admin_staff: Any) -> None:
    assert add_working_days(date(2026, 3, 9), 1) == date(2026, 3, 10)
    actions.calendar_day_set(
        actor=admin_staff, date=date(2026, 3, 10), kind=HOLIDAY, name="建市纪念日", note="市政府令"
    )
    assert is_working_day(date(2026, 3, 10)) is False
    assert add_working_days(date(2026, 3, 9), 1) == date(2026, 3, 11)
    entry = AuditEntry.objects.get(action="workdays.calendar_day.set")
    assert entry.actor_id == admin_staff.pk
    assert entry.changes["kind"] == [None, "holiday"]
    assert entry.changes["name"] == [None, "建市纪念日"]
    assert entry.changes["deadlines_recomputed"] == 0
    assert entry.reason == "市政府令"


def test_clearing_restores_the_weekday_rule_and_records_before_and_after(
    seeded: None, admin_staff: Any
) -> None:
    actions.calendar_day_clear(actor=admin_staff, date=date(2026, 10, 1), reason="测试")
    assert is_working_day(date(2026, 10, 1)) is True
    entry = AuditEntry.objects.get(action="workdays.calendar_day.clear")
    assert entry.changes["kind"] == ["holiday", "regular"]
    assert entry.object_id == "2026-10-01"


def test_clearing_an_admin_day_the_package_does_not_list_deletes_it(
    seeded: None, admin_staff: Any
) -> None:
    actions.calendar_day_set(
        actor=admin_staff, date=date(2026, 3, 10), kind=HOLIDAY, name="建市纪念日", note="市政府令"
    )
    actions.calendar_day_clear(actor=admin_staff, date=date(2026, 3, 10), reason="撤销")
    assert not CalendarDay.objects.filter(date=date(2026, 3, 10)).exists()


def test_clearing_a_day_without_override_is_refused(seeded: None, admin_staff: Any) -> None:
    with pytest.raises(NotFound):
        actions.calendar_day_clear(actor=admin_staff, date=date(2026, 3, 10), reason="x")


@pytest.mark.parametrize(
    ("day", "kind", "name", "note", "message"),
    [
        (date(2026, 3, 14), HOLIDAY, "假日", "原因", "星期六或星期日"),  # a Saturday as a holiday
        (date(2026, 3, 10), MAKEUP, "", "原因", "本来就是工作日"),  # a Tuesday as a make-up day
        (date(2026, 3, 10), HOLIDAY, "  ", "原因", "节日名称"),  # a holiday needs a name
        (date(2026, 3, 10), HOLIDAY, "假日", "", "变更原因"),  # every change needs a reason
        (date(2026, 3, 10), "workday'; DROP TABLE x;--", "假日", "原因", "法定节假日"),
        (date(2026, 3, 10), HOLIDAY, "假" * 101, "原因", "100"),
        (date(1800, 3, 10), HOLIDAY, "假日", "原因", "1900"),
    ],
)
def test_bad_input_is_refused_in_chinese_and_changes_nothing(
    seeded: None, admin_staff: Any, day: date, kind: str, name: str, note: str, message: str
) -> None:
    before, audits = _state(), AuditEntry.objects.count()
    with pytest.raises(ValidationFailed) as caught:
        actions.calendar_day_set(actor=admin_staff, date=day, kind=kind, name=name, note=note)
    assert message in str(caught.value.message)
    assert _state() == before
    assert AuditEntry.objects.count() == audits


def test_a_double_submit_of_the_same_change_is_recorded_once(
    seeded: None, admin_staff: Any
) -> None:
    for _ in range(2):
        actions.calendar_day_set(
            actor=admin_staff, date=date(2026, 3, 10), kind=HOLIDAY, name="建市纪念日", note="令"
        )
    assert AuditEntry.objects.filter(action="workdays.calendar_day.set").count() == 1


def test_html_and_script_in_names_are_stored_as_text(seeded: None, admin_staff: Any) -> None:
    name = "<script>alert(1)</script>"
    actions.calendar_day_set(
        actor=admin_staff, date=date(2026, 3, 10), kind=HOLIDAY, name=name, note="x"
    )
    assert CalendarDay.objects.get(date=date(2026, 3, 10)).name == name


def test_a_year_the_package_does_not_know_can_be_entered_and_confirmed(
    seeded: None, admin_staff: Any
) -> None:
    from zhengwu.workdays.selectors import explain_due_date

    actions.calendar_day_set(
        actor=admin_staff, date=date(2027, 10, 1), kind=HOLIDAY, name="国庆节", note="国办发明电"
    )
    assert explain_due_date(date(2027, 9, 28), 5).unknown_years == (2027,)
    actions.calendar_year_confirm(actor=admin_staff, year=2027, note="国办发明电〔2026〕7号")
    assert calendar_year_status(2027) == CalendarYear.Status.CONFIRMED
    explanation = explain_due_date(date(2027, 9, 28), 5)
    assert explanation.unknown_years == ()
    assert explanation.due_date == date(2027, 10, 6)
    # Seeding later (a newer package) keeps the year confirmed.
    assert AuditEntry.objects.filter(action="workdays.calendar_year.confirm").count() == 1


def test_confirming_a_year_needs_a_reason(db: Any, admin_staff: Any) -> None:
    with pytest.raises(ValidationFailed):
        actions.calendar_year_confirm(actor=admin_staff, year=2027, note=" ")
    assert calendar_year_status(2027) == CalendarYear.Status.UNKNOWN


def test_the_demo_loader_seeds_the_calendar_once(db: Any) -> None:
    import io

    from zhengwu.core.registry import demo_loaders

    loader = dict(demo_loaders.ordered())["workdays"]
    assert loader(io.StringIO()) == []
    assert is_working_day(date(2026, 10, 1)) is False
    before, audits = _state(), AuditEntry.objects.count()
    out = io.StringIO()
    loader(out)
    assert _state() == before
    assert AuditEntry.objects.count() == audits
    assert out.getvalue() == ""
