"""A small world: a city, two departments (the issuer and another), staff who may view or revoke
licences, a citizen and an enterprise with real-name identities."""

import datetime as dt
import itertools
from typing import Any

import pytest
from django.contrib.auth.models import Permission

from zhengwu.directory.actions import organisation_create
from zhengwu.directory.models import Account, Enterprise, Person, Region, Role, RoleAssignment
from zhengwu.identifiers.checksums import generate_credit_code, generate_resident_id
from zhengwu.licences.actions import licence_issue

PASSWORD = "Xx-12345678"
CITIZEN_ID = generate_resident_id("990102", dt.date(1990, 3, 7), 123)
OTHER_CITIZEN_ID = generate_resident_id("990103", dt.date(1985, 1, 2), 456)
ENTERPRISE_CODE = generate_credit_code("9", "1", "990102", "MA123456")


def perms(*codenames: str) -> list[Permission]:
    return list(Permission.objects.filter(content_type__app_label="licences",
                                          codename__in=codenames))  # fmt: skip


class World:
    def __init__(self) -> None:
        region = Region.objects.create(code="990100", name="云泽市", level=2)
        self.city = organisation_create(actor=None, name="云泽市人民政府", kind="government",
                                        region=region, code="lic-city")  # fmt: skip
        self.bureau = organisation_create(
            actor=None, name="市市场监督管理局", kind="department", region=region,
            parent=self.city, code="lic-scjg",
            credit_code=generate_credit_code("1", "1", "990100", "MB000123"),
        )  # fmt: skip
        self.other = organisation_create(
            actor=None, name="市民政局", kind="department", region=region, parent=self.city,
            code="lic-mz",
        )  # fmt: skip
        self.viewer_role = Role.objects.create(code="lic-viewer", name="证照查询")
        self.viewer_role.permissions.set(perms("view_licence"))
        self.revoker_role = Role.objects.create(code="lic-revoker", name="证照管理")
        self.revoker_role.permissions.set(perms("view_licence", "revoke_licence"))
        self.clerk = self.staff("lclerk", "张受理", self.bureau, self.viewer_role)
        self.leader = self.staff("lleader", "王局长", self.bureau, self.revoker_role)
        self.other_leader = self.staff("lother", "钱民政", self.other, self.revoker_role)
        person = Person.objects.create(name="李小明", id_number=CITIZEN_ID)
        self.citizen = Account.objects.create_user("lcitizen", PASSWORD, display_name="李小明",
                                                   kind="citizen", person=person)  # fmt: skip
        other_person = Person.objects.create(name="赵大海", id_number=OTHER_CITIZEN_ID)
        self.other_citizen = Account.objects.create_user(
            "lcitizen2", PASSWORD, display_name="赵大海", kind="citizen", person=other_person
        )
        company = Enterprise.objects.create(name="云泽市望江餐饮有限公司",
                                            credit_code=ENTERPRISE_CODE)  # fmt: skip
        self.enterprise = Account.objects.create_user(
            "lcompany", PASSWORD, display_name="望江餐饮", kind="enterprise", enterprise=company
        )

    cases = itertools.count(1)

    def staff(self, username: str, name: str, org: Any, role: Role) -> Account:
        account = Account.objects.create_user(username, PASSWORD, display_name=name,
                                              kind="staff", organisation=org)  # fmt: skip
        RoleAssignment.objects.create(account=account, role=role, organisation=org)
        return account

    def issue(self, **overrides: Any) -> Any:
        values: dict[str, Any] = {
            "actor": self.clerk, "licence_type": "food-business",
            "holder_name": "云泽市望江餐饮有限公司", "holder_id_number": ENTERPRISE_CODE,
            "issuing_organisation": self.bureau,
            "fields": {"经营场所": "云泽市青川区望江路18号", "主体业态": "餐饮服务经营者",
                       "经营项目": "热食类食品制售"},
            "valid_from": dt.date(2026, 1, 5), "valid_until": None,
            "owner_type": "test.case", "owner_id": next(self.cases),
            "holder_account": self.enterprise,
        }  # fmt: skip
        values.update(overrides)
        return licence_issue(**values)


@pytest.fixture
def world(db: Any) -> World:
    return World()
