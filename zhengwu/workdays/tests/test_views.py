"""The calendar pages on the workbench: who may use them and what they show and change."""

from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from zhengwu.workdays import actions
from zhengwu.workdays.models import CalendarDay, Deadline
from zhengwu.workdays.selectors import is_working_day

pytestmark = pytest.mark.django_db

YEAR_URL = "/workbench/calendar/"
CALC_URL = "/workbench/calendar/due-date/"


def _client(account: Any) -> Client:
    client = Client()
    client.force_login(account)
    return client


def test_urls_are_where_the_shell_routes_them() -> None:
    assert reverse("workdays:year") == YEAR_URL
    assert reverse("workdays:calculator") == CALC_URL
    assert (
        reverse("workdays:day_edit", args=["2026-10-01"]) == "/workbench/calendar/day/2026-10-01/"
    )


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", YEAR_URL),
        ("get", CALC_URL),
        ("get", "/workbench/calendar/day/2026-10-01/"),
        ("post", "/workbench/calendar/day/2026-10-01/"),
        ("post", "/workbench/calendar/day/2026-10-01/clear/"),
        ("post", "/workbench/calendar/seed/"),
        ("post", "/workbench/calendar/confirm/"),
    ],
)
def test_anonymous_visitors_are_sent_to_the_login_page(method: str, url: str) -> None:
    response = getattr(Client(), method)(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("identity:login"))


@pytest.mark.parametrize("url", [YEAR_URL, CALC_URL, "/workbench/calendar/day/2026-10-01/"])
def test_staff_without_the_permission_are_refused(plain_staff: Any, url: str) -> None:
    assert _client(plain_staff).get(url).status_code == 403


def test_viewers_may_look_but_not_change(seeded: None, viewer_staff: Any) -> None:
    client = _client(viewer_staff)
    page = client.get(YEAR_URL + "?year=2026")
    assert page.status_code == 200
    assert client.get("/workbench/calendar/day/2026-10-08/").status_code == 403
    response = client.post(
        "/workbench/calendar/day/2026-10-08/",
        {"kind": "holiday", "name": "国庆节", "note": "x"},
    )
    assert response.status_code == 403
    assert client.post("/workbench/calendar/seed/", {"year": 2026}).status_code == 403
    assert is_working_day(date(2026, 10, 8)) is True


def test_the_year_view_marks_holidays_and_make_up_days_in_text(
    seeded: None, admin_staff: Any
) -> None:
    html = _client(admin_staff).get(YEAR_URL + "?year=2026").content.decode()
    assert "2026" in html
    assert "法定节假日 国庆节" in html  # the accessible description of 2026-10-01
    assert "调休上班（国庆节）" in html or "国庆节调休上班" in html
    assert 'id="d-2026-10-01"' in html
    assert reverse("workdays:day_edit", args=["2026-10-01"]) in html
    assert "已从 chinese-calendar 导入" in html or "chinese-calendar" in html


def test_the_year_view_of_an_unknown_year_says_so(seeded: None, viewer_staff: Any) -> None:
    html = _client(viewer_staff).get(YEAR_URL + "?year=2027").content.decode()
    assert "未知" in html


@pytest.mark.parametrize("year", ["abc", "99999", "-1", "1800"])
def test_the_year_view_rejects_nonsense_years(viewer_staff: Any, year: str) -> None:
    assert _client(viewer_staff).get(YEAR_URL, {"year": year}).status_code == 404


def test_an_admin_marks_a_holiday_through_the_form(
    seeded: None, admin_staff: Any, listener_calls: list[list[Any]]
) -> None:
    deadline = actions.deadline_open(
        owner_type="eservices.application",
        owner_id="9",
        label="法定时限",
        start=date(2026, 3, 5),
        working_days=10,
    )
    response = _client(admin_staff).post(
        "/workbench/calendar/day/2026-03-10/",
        {"kind": "holiday", "name": "建市纪念日", "note": "市政府令第1号"},
    )
    assert response.status_code == 302
    assert response["Location"].endswith("?year=2026#d-2026-03-10")
    assert is_working_day(date(2026, 3, 10)) is False
    deadline.refresh_from_db()
    assert deadline.due_date == date(2026, 3, 20)
    assert len(listener_calls) == 1


def test_marking_a_saturday_as_a_holiday_is_refused_with_a_chinese_message(
    seeded: None, admin_staff: Any
) -> None:
    response = _client(admin_staff).post(
        "/workbench/calendar/day/2026-03-14/",
        {"kind": "holiday", "name": "假日", "note": "原因"},
    )
    assert response.status_code == 200
    assert "星期六或星期日" in response.content.decode()
    assert not CalendarDay.objects.filter(date=date(2026, 3, 14)).exists()


def test_the_form_requires_a_reason(seeded: None, admin_staff: Any) -> None:
    response = _client(admin_staff).post(
        "/workbench/calendar/day/2026-03-10/", {"kind": "holiday", "name": "假日", "note": ""}
    )
    assert response.status_code == 200
    assert "请填写变更原因" in response.content.decode()
    assert not CalendarDay.objects.filter(date=date(2026, 3, 10)).exists()


@pytest.mark.parametrize("day", ["x", "2026-13-01", "2026-02-30", "1800-01-01", "<script>"])
def test_a_nonsense_date_in_the_address_is_not_found(admin_staff: Any, day: str) -> None:
    assert _client(admin_staff).get(f"/workbench/calendar/day/{day}/").status_code == 404


def test_an_admin_removes_an_override(seeded: None, admin_staff: Any) -> None:
    client = _client(admin_staff)
    assert client.get("/workbench/calendar/day/2026-10-01/").status_code == 200
    response = client.post("/workbench/calendar/day/2026-10-01/clear/", {"reason": "测试撤销"})
    assert response.status_code == 302
    assert is_working_day(date(2026, 10, 1)) is True


def test_removing_without_a_reason_changes_nothing(seeded: None, admin_staff: Any) -> None:
    response = _client(admin_staff).post(
        "/workbench/calendar/day/2026-10-01/clear/", {"reason": ""}
    )
    assert response.status_code == 302
    assert is_working_day(date(2026, 10, 1)) is False


def test_the_seed_button_seeds_the_year_once(admin_staff: Any) -> None:
    client = _client(admin_staff)
    client.post("/workbench/calendar/seed/", {"year": 2026})
    assert is_working_day(date(2026, 10, 1)) is False
    count = CalendarDay.objects.count()
    response = client.post("/workbench/calendar/seed/", {"year": 2026}, follow=True)
    assert CalendarDay.objects.count() == count
    assert "没有变化" in response.content.decode()


def test_seeding_a_year_the_package_does_not_know_is_refused(admin_staff: Any) -> None:
    response = _client(admin_staff).post("/workbench/calendar/seed/", {"year": 2099}, follow=True)
    assert "chinese-calendar" in response.content.decode()
    assert not CalendarDay.objects.exists()


def test_confirming_a_year(admin_staff: Any) -> None:
    from zhengwu.workdays.selectors import calendar_year_status

    client = _client(admin_staff)
    client.post("/workbench/calendar/confirm/", {"year": 2027, "note": ""})
    assert calendar_year_status(2027) == "unknown"
    client.post("/workbench/calendar/confirm/", {"year": 2027, "note": "国办发明电〔2026〕7号"})
    assert calendar_year_status(2027) == "confirmed"


def test_the_calculator_explains_the_due_date(seeded: None, viewer_staff: Any) -> None:
    response = _client(viewer_staff).get(CALC_URL, {"start": "2026-09-29", "days": "5"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "2026年10月12日" in html
    assert "国庆节" in html
    assert "2026年10月10日" in html  # the make-up Saturday is counted and shown


def test_the_calculator_flags_an_unknown_year(seeded: None, viewer_staff: Any) -> None:
    html = (
        _client(viewer_staff).get(CALC_URL, {"start": "2027-09-28", "days": "5"}).content.decode()
    )
    assert "2027" in html
    assert "尚未" in html


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "not-a-date", "days": "5"}, "YYYY-MM-DD"),
        ({"start": "2026-09-29", "days": "abc"}, "整数"),
        ({"start": "2026-09-29", "days": "99999"}, "3650"),
        ({"start": "", "days": "5"}, "起算日期"),
    ],
)
def test_the_calculator_explains_bad_input_in_chinese(
    viewer_staff: Any, params: dict[str, str], message: str
) -> None:
    response = _client(viewer_staff).get(CALC_URL, params)
    assert response.status_code == 200
    assert message in response.content.decode()


def test_the_menu_entry_is_registered_for_viewers() -> None:
    from zhengwu.core.registry import workbench

    item = workbench.menu["workdays"]
    assert item.url_name == "workdays:year"
    assert item.permissions == ("workdays.view_calendarday",)


def test_no_deadline_is_touched_by_viewing(seeded: None, viewer_staff: Any) -> None:
    _client(viewer_staff).get(CALC_URL, {"start": "2026-09-29", "days": "5"})
    assert not Deadline.objects.exists()
