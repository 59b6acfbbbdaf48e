"""A small directory for tests: 示范省 > 云泽市 > 青川区, and an organisation tree

    gov (云泽市人民政府)
    ├── scjg (市市场监督管理局)
    │   └── registry (登记注册科)
    └── ga (市公安局)
"""

from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.auth.models import Permission

from zhengwu.directory import actions
from zhengwu.directory.models import Account, Organisation, Region, Role

STRONG_PASSWORD = "Yunze-2024-pass"


@pytest.fixture
def regions(db: Any) -> SimpleNamespace:
    province = actions.region_create(actor=None, code="990000", name="示范省",
                                     level=Region.Level.PROVINCE)  # fmt: skip
    city = actions.region_create(actor=None, code="990100", name="云泽市",
                                 level=Region.Level.CITY, parent=province)  # fmt: skip
    county = actions.region_create(actor=None, code="990102", name="青川区",
                                   level=Region.Level.COUNTY, parent=city)  # fmt: skip
    return SimpleNamespace(province=province, city=city, county=county)


@pytest.fixture
def orgs(regions: SimpleNamespace) -> SimpleNamespace:
    def make(name: str, parent: Organisation | None, kind: str = "department",
             sort_order: int = 0) -> Organisation:  # fmt: skip
        return actions.organisation_create(actor=None, name=name, kind=kind, region=regions.city,
                                           parent=parent, sort_order=sort_order)  # fmt: skip

    gov = make("云泽市人民政府", None, "government")
    scjg = make("市市场监督管理局", gov, sort_order=20)
    registry = make("登记注册科", scjg, "internal")
    ga = make("市公安局", gov, sort_order=10)
    return SimpleNamespace(gov=gov, scjg=scjg, registry=registry, ga=ga)


def make_staff(username: str, organisation: Organisation, **kwargs: Any) -> Account:
    kwargs.setdefault("must_change_password", False)
    return actions.account_create_staff(
        actor=None, username=username, display_name=kwargs.pop("display_name", username),
        organisation=organisation, password=kwargs.pop("password", STRONG_PASSWORD), **kwargs,
    ).account  # fmt: skip


def perms(*labels: str) -> list[Permission]:
    found = []
    for label in labels:
        app_label, codename = label.split(".")
        found.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return found


@pytest.fixture
def clerk_role(db: Any) -> Role:
    return actions.role_create(actor=None, code="clerk", name="受理员",
                               permissions=perms("directory.view_person"))  # fmt: skip


@pytest.fixture
def sysadmin(orgs: SimpleNamespace) -> Account:
    """A system administrator without the second factor, so tests need not pass TOTP."""
    role = actions.role_create(
        actor=None, code="test_sysadmin", name="测试系统管理员",
        permissions=list(Permission.objects.filter(content_type__app_label="directory")),
    )  # fmt: skip
    account = make_staff("sysadmin", orgs.gov)
    actions.role_assign(actor=None, account=account, role=role, organisation=orgs.gov,
                        covers_subtree=True)  # fmt: skip
    return account
