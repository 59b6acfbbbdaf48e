"""Electronic supervision in a real browser: the supervisor opens the dashboard, drills down from
the overdue (red card) count to the case, issues a supervision task (督办), and the task appears in
the department leader's inbox. No request leaves the site (ECharts is vendored)."""

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from zhengwu.directory.actions import organisation_create
from zhengwu.directory.models import Account, Region, Role, RoleAssignment
from zhengwu.supervision.actions import processes_deploy
from zhengwu.supervision.clocks import clocks_tick
from zhengwu.supervision.registry import _OWNERS, OwnerInfo, register_clock_owner
from zhengwu.workdays import actions as workdays

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Yunze#2024"
CASE = "browser_tests.case"


def _account(username: str, name: str, org: Any, role: Role, subtree: bool = False) -> Account:
    account = Account.objects.create_user(
        username, PASSWORD, display_name=name, kind=Account.Kind.STAFF, organisation=org
    )
    RoleAssignment.objects.create(
        account=account, role=role, organisation=org, covers_subtree=subtree
    )
    return account


@pytest.fixture
def world() -> Any:
    today = timezone.localdate()
    for year in {today.year - 1, today.year}:
        workdays.calendar_year_seed(actor=None, year=year)
    region = Region.objects.create(code="990100", name="云泽市", level=2)
    city = organisation_create(
        actor=None, name="云泽市人民政府", kind="government", region=region, code="b-city"
    )
    dept = organisation_create(
        actor=None,
        name="云泽市市场监督管理局",
        kind="department",
        region=region,
        parent=city,
        code="b-scjg",
    )
    sup_role = Role.objects.create(code="supervisor", name="监察员")
    sup_role.permissions.set(Permission.objects.filter(codename="supervise"))
    leader_role = Role.objects.create(code="leader", name="部门领导")
    leader_role.permissions.set(Permission.objects.filter(codename="receive_cards"))
    processes_deploy()
    register_clock_owner(
        CASE,
        "测试办件",
        lambda ids: {
            i: OwnerInfo(organisation_id=dept.pk, title=f"食品经营许可办件{i}", url="") for i in ids
        },
    )
    workdays.deadline_open(
        owner_type=CASE,
        owner_id="7",
        label="承诺时限",
        start=today - timedelta(days=60),
        working_days=5,
    )
    workdays.deadline_open(
        owner_type=CASE, owner_id="8", label="承诺时限", start=today, working_days=20
    )
    clocks_tick()
    yield {
        "supervisor": _account("jiancha", "监察员甲", city, sup_role, subtree=True),
        "leader": _account("wangju", "王局长", dept, leader_role),
    }
    _OWNERS.pop(CASE, None)


def _login(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(f"{base}/workbench/")


def test_dashboard_drill_down_and_supervision_task(
    page: Page, browser: Browser, live_server: Any, world: Any
) -> None:
    base = live_server.url
    external: list[str] = []
    page.on("request", lambda r: external.append(r.url) if not r.url.startswith(base) else None)
    _login(page, base, "jiancha")
    page.goto(f"{base}/workbench/supervision/")
    expect(page.get_by_role("heading", name="电子监察", exact=True)).to_be_visible()
    expect(page.locator("#chart-departments canvas")).to_be_attached()  # ECharts drew
    overdue = page.locator("#overdue-total")
    expect(overdue).to_have_text("1")
    overdue.click()
    expect(page.locator("#row-count")).to_contain_text("1")
    page.get_by_role("link", name="食品经营许可办件7").click()
    expect(page.locator("#timeline")).to_contain_text("红牌")
    page.get_by_label("需部门说明的情况").fill("请说明该办件超期未办结的原因")
    page.get_by_role("button", name="发送给部门").click()
    expect(page.get_by_text("督办任务已发送给部门。")).to_be_visible()

    leader = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai").new_page()
    leader.on("request", lambda r: external.append(r.url) if not r.url.startswith(base) else None)
    _login(leader, base, "wangju")
    leader.goto(f"{base}/workbench/workflow/")
    expect(leader.get_by_role("link", name="食品经营许可办件7")).to_be_visible()
    expect(leader.get_by_text("情况说明").first).to_be_visible()

    # The ranking page (绩效考核): the supervisor computes the month shown.
    page.goto(f"{base}/workbench/supervision/")
    page.get_by_role("link", name="绩效考核", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("部门绩效排名")
    page.get_by_role("button", name="按现行规则计算").click()
    expect(page.get_by_text("个部门的绩效考核")).to_be_visible()
    assert external == []
