"""Accounts built directly from directory models (directory actions are tested by directory)."""

from collections.abc import Callable
from typing import Any

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from zhengwu.directory.models import Account, Organisation, Region, Role, RoleAssignment

PASSWORD = "Yunze#2024"


@pytest.fixture
def organisation(db: Any) -> Organisation:
    region = Region.objects.create(code="990100", name="云泽市", level=Region.Level.CITY)
    return Organisation.objects.create(
        name="云泽市市场监督管理局", kind=Organisation.Kind.DEPARTMENT, region=region
    )


@pytest.fixture
def make_staff(organisation: Organisation) -> Callable[..., Account]:
    def make(username: str = "zhangwei", *, sensitive: bool = False, **fields: Any) -> Account:
        account = Account.objects.create_user(
            username, PASSWORD, display_name=fields.pop("display_name", "张伟"),
            kind=Account.Kind.STAFF, organisation=organisation, **fields,
        )  # fmt: skip
        role = Role.objects.create(
            code=f"role-{username}",
            name="审计员" if sensitive else "受理员",
            requires_second_factor=sensitive,
        )
        RoleAssignment.objects.create(account=account, role=role, organisation=organisation)
        return account

    return make


@pytest.fixture
def staff(make_staff: Callable[..., Account]) -> Account:
    return make_staff()


@pytest.fixture
def sensitive_staff(make_staff: Callable[..., Account]) -> Account:
    return make_staff("lina", sensitive=True, display_name="李娜")


@pytest.fixture
def citizen(db: Any) -> Account:
    return Account.objects.create_user(
        "wangfang", PASSWORD, display_name="王芳", kind=Account.Kind.CITIZEN
    )


@pytest.fixture
def totp_device(sensitive_staff: Account) -> TOTPDevice:
    return TOTPDevice.objects.create(user=sensitive_staff, name="phone", confirmed=True)


def login(client: Any, username: str, password: str = PASSWORD, **extra: Any) -> Any:
    return client.post("/accounts/login/", {"username": username, "password": password, **extra})
