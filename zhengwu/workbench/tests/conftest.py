from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import Permission

from zhengwu.core.registry import workbench as registry
from zhengwu.directory.models import Account, Organisation, Region, Role, RoleAssignment


@pytest.fixture
def org(db: Any) -> Organisation:
    city = Region.objects.create(code="990100", name="云泽市", level=Region.Level.CITY)
    return Organisation.objects.create(name="云泽市市场监督管理局", kind="department", region=city)


def grant(account: Account, organisation: Organisation, code: str, name: str, *perms: str) -> Role:
    role, _ = Role.objects.get_or_create(code=code, defaults={"name": name})
    for perm in perms:
        app_label, codename = perm.split(".")
        role.permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    RoleAssignment.objects.create(account=account, role=role, organisation=organisation)
    return role


@pytest.fixture
def clerk(org: Organisation) -> Account:
    return Account.objects.create_user(
        "zhangwei", "Xx-12345678", display_name="张伟", kind="staff", organisation=org,
        job_title="科员",
    )  # fmt: skip


@pytest.fixture
def admin_staff(org: Organisation) -> Account:
    account = Account.objects.create_user(
        "sysadmin", "Xx-12345678", display_name="系统管理员", kind="staff", organisation=org
    )
    grant(
        account,
        org,
        "notice-publisher",
        "公告发布员",
        "workbench.add_notice",
        "workbench.view_notice",
    )
    return account


@pytest.fixture
def citizen(db: Any) -> Account:
    return Account.objects.create_user(
        "citizen1", "Xx-12345678", display_name="市民", kind="citizen"
    )


@pytest.fixture
def clean_registry() -> Iterator[None]:
    """Let a test register menu items, shortcuts and panels without leaking them."""
    saved = (dict(registry.menu), dict(registry.shortcuts), dict(registry.home_panels))
    yield
    registry.menu, registry.shortcuts, registry.home_panels = (dict(s) for s in saved)
