"""The login flows as people click through them, in a real browser (Debian's chromium)."""

import re
from binascii import unhexlify
from typing import Any

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from zhengwu.directory.models import Account, Organisation, Region, Role, RoleAssignment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Yunze#2024"


def _staff(username: str, display_name: str, *, sensitive: bool) -> Account:
    region, _ = Region.objects.get_or_create(
        code="990100", defaults={"name": "云泽市", "level": Region.Level.CITY}
    )
    organisation, _ = Organisation.objects.get_or_create(
        name="云泽市审计局", defaults={"kind": Organisation.Kind.DEPARTMENT, "region": region}
    )
    account = Account.objects.create_user(
        username, PASSWORD, display_name=display_name, kind=Account.Kind.STAFF,
        organisation=organisation,
    )  # fmt: skip
    role = Role.objects.create(
        code=f"auditor-{username}", name="审计员", requires_second_factor=sensitive
    )
    RoleAssignment.objects.create(account=account, role=role, organisation=organisation)
    return account


def _fill_login(page: Page, username: str, password: str) -> None:
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def test_staff_member_logs_in_with_totp_and_sees_the_workbench(
    page: Page, live_server: Any
) -> None:
    account = _staff("lina", "李娜", sensitive=True)
    device = TOTPDevice.objects.create(user=account, name="phone", confirmed=True)

    page.goto(f"{live_server.url}/workbench/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=(/|%2F)workbench(/|%2F)$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("登录")
    _fill_login(page, "lina", PASSWORD)

    expect(page).to_have_url(re.compile(r"/accounts/totp/verify/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("两步验证")
    page.get_by_label("六位验证码").fill(f"{TOTP(unhexlify(device.key)).token():06d}")
    page.get_by_role("button", name="验证").click()

    expect(page).to_have_url(f"{live_server.url}/workbench/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("李娜")


def test_a_user_who_failed_five_times_sees_the_lockout_message(
    page: Page, live_server: Any
) -> None:
    _staff("zhangwei", "张伟", sensitive=False)
    page.goto(f"{live_server.url}/accounts/login/")
    for attempt in range(1, 5):
        _fill_login(page, "zhangwei", f"Wrong#Pass{attempt}")
        expect(page.get_by_role("alert")).to_contain_text("用户名或密码错误")
        expect(page.get_by_role("alert")).to_contain_text(f"再失败 {5 - attempt} 次")
    _fill_login(page, "zhangwei", "Wrong#Pass5")
    expect(page.locator("#lockout-notice")).to_contain_text("该账号已被临时锁定")

    _fill_login(page, "zhangwei", PASSWORD)  # the sixth try, with the right password
    notice = page.locator("#lockout-notice")
    expect(notice).to_contain_text("该账号已被临时锁定")
    expect(notice).to_contain_text("连续登录失败 5 次，账号已被锁定 15 分钟")
    expect(notice).to_contain_text(re.compile(r"请于 \d{4}-\d{2}-\d{2} \d{2}:\d{2} 之后再试"))
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
