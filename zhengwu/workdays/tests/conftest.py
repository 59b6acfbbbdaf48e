"""Fixtures: a calendar seeded for 2025–2026 and staff accounts holding calendar roles."""

from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission

from zhengwu.workdays import actions, selectors


@pytest.fixture(autouse=True)
def _fresh_calendar_cache() -> Iterator[None]:
    # Each test's database is rolled back; never let one test see another's cached calendar.
    selectors.invalidate_cache()
    yield
    selectors.invalidate_cache()


@pytest.fixture
def seeded(db: Any) -> None:
    for year in (2025, 2026):
        actions.calendar_year_seed(actor=None, year=year)


@pytest.fixture
def listener_calls() -> Iterator[list[list[Any]]]:
    calls: list[list[Any]] = []

    def listener(deadlines: list[Any]) -> None:
        calls.append(list(deadlines))

    actions.on_deadlines_changed(listener)
    yield calls
    actions.remove_deadlines_listener(listener)


def _organisation() -> Any:
    region, _ = apps.get_model("directory", "Region").objects.get_or_create(
        code="990100", defaults={"name": "云泽市", "level": 2}
    )
    org, _ = apps.get_model("directory", "Organisation").objects.get_or_create(
        name="云泽市人民政府办公室", defaults={"kind": "government", "region": region}
    )
    return org


def make_staff(username: str, *codenames: str) -> Any:
    org = _organisation()
    account = apps.get_model("directory", "Account").objects.create_user(
        username, "Xx-12345678", display_name=username, kind="staff", organisation=org
    )
    if codenames:
        role = apps.get_model("directory", "Role").objects.create(
            code=f"role-{username}", name=username
        )
        role.permissions.set(
            Permission.objects.filter(content_type__app_label="workdays", codename__in=codenames)
        )
        apps.get_model("directory", "RoleAssignment").objects.create(
            account=account, role=role, organisation=org
        )
    return account


@pytest.fixture
def admin_staff(db: Any) -> Any:
    return make_staff("calendar-admin", "view_calendarday", "change_calendarday")


@pytest.fixture
def viewer_staff(db: Any) -> Any:
    return make_staff("calendar-viewer", "view_calendarday")


@pytest.fixture
def plain_staff(db: Any) -> Any:
    return make_staff("plain-staff")
