"""A small world for supervision: a city government, two departments, a supervisor covering
the city, leaders and clerks, the 2025–2026 calendar seeded, the supervision processes deployed,
and a test owner type ("test.case") whose clocks belong to a department."""

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import Permission

from zhengwu.directory.actions import organisation_create
from zhengwu.directory.models import Account, Region, Role, RoleAssignment
from zhengwu.supervision.actions import processes_deploy
from zhengwu.supervision.registry import _OWNERS, OwnerInfo, register_clock_owner
from zhengwu.workdays import actions as workdays_actions
from zhengwu.workdays import selectors as workdays_selectors

CASE = "test.case"


def _perms(*codenames: str) -> list[Permission]:
    return list(
        Permission.objects.filter(content_type__app_label="supervision", codename__in=codenames)
    )


class World:
    def __init__(self) -> None:
        region = Region.objects.create(code="990100", name="云泽市", level=2)
        self.city = organisation_create(
            actor=None, name="云泽市人民政府", kind="government", region=region, code="sup-city"
        )
        self.dept = organisation_create(
            actor=None,
            name="云泽市市场监督管理局",
            kind="department",
            region=region,
            parent=self.city,
            code="sup-scjg",
        )
        self.other = organisation_create(
            actor=None,
            name="云泽市教育局",
            kind="department",
            region=region,
            parent=self.city,
            code="sup-jy",
        )
        self.supervisor_role = Role.objects.create(code="supervisor", name="监察员")
        self.supervisor_role.permissions.set(_perms("supervise"))
        self.leader_role = Role.objects.create(code="leader", name="部门领导")
        self.leader_role.permissions.set(_perms("receive_cards", "add_extension"))
        self.clerk_role = Role.objects.create(code="clerk", name="受理员")
        self.clerk_role.permissions.set(_perms("add_extension"))
        self.supervisor = self.staff(
            "sup", "监察员甲", self.city, self.supervisor_role, subtree=True
        )
        self.leader = self.staff("leader", "王局长", self.dept, self.leader_role)
        self.clerk = self.staff("clerk", "张受理", self.dept, self.clerk_role)
        self.other_leader = self.staff("oleader", "李局长", self.other, self.leader_role)
        self.dept_supervisor = self.staff("dsup", "教育局监察", self.other, self.supervisor_role)
        self.handlers: dict[str, list[int]] = {}
        self.orgs: dict[str, int] = {}

    def staff(
        self, username: str, name: str, org: Any, role: Role | None, *, subtree: bool = False
    ) -> Account:
        account = Account.objects.create_user(
            username,
            "Xx-12345678",
            display_name=name,
            kind="staff",
            organisation=org,
            mobile="13800000000",
        )
        if role is not None:
            RoleAssignment.objects.create(
                account=account, role=role, organisation=org, covers_subtree=subtree
            )
        return account

    def resolve(self, ids: list[str]) -> dict[str, OwnerInfo]:
        return {
            i: OwnerInfo(
                organisation_id=self.orgs.get(i, self.dept.pk),
                title=f"办件{i}",
                url=f"/cases/{i}/",
                handler_ids=self.handlers.get(i, [self.clerk.pk]),
                category=f"{i[:1]}:事项{i[:1]}",
            )
            for i in ids
        }


@pytest.fixture(autouse=True)
def _fresh_calendar() -> Iterator[None]:
    workdays_selectors.invalidate_cache()
    yield
    workdays_selectors.invalidate_cache()


@pytest.fixture
def world(db: Any) -> Iterator[World]:
    for year in (2025, 2026):
        workdays_actions.calendar_year_seed(actor=None, year=year)
    w = World()
    processes_deploy()
    register_clock_owner(CASE, "测试办件", w.resolve)
    yield w
    _OWNERS.pop(CASE, None)
