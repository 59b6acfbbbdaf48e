"""The unified inbox in a real browser: 待办 with its count, 签收, form and opinion, 同意; the next
handler; 退回 with an opinion back to the first clerk; 抄送; 已办 / 我发起的; two clerks on the
same task (the second gets "已由X办理" and nothing changes); the path taken on the instance page."""

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from zhengwu.directory.models import Account, Organisation, Region, Role, RoleAssignment
from zhengwu.workflow import actions
from zhengwu.workflow.models import TaskEvent, WorkTask
from zhengwu.workflow.registry import register_subject_type, unregister_subject_type

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Yunze#2024"
BPMN = Path(__file__).resolve().parents[2] / "zhengwu" / "workflow" / "tests" / "bpmn"
SUBJECT = "browser_tests.inbox_subject"
TITLE = "关于开办食品店的申请"


def _account(username: str, name: str, org: Organisation, role: Role) -> Account:
    account = Account.objects.create_user(username, PASSWORD, display_name=name,
                                          kind=Account.Kind.STAFF, organisation=org)  # fmt: skip
    RoleAssignment.objects.create(account=account, role=role, organisation=org)
    return account


@pytest.fixture
def world() -> Any:
    register_subject_type(SUBJECT, "测试事项")
    region, _ = Region.objects.get_or_create(
        code="990100", defaults={"name": "云泽市", "level": Region.Level.CITY}
    )
    org = Organisation.objects.create(name="云泽市市场监督管理局", code="wf-bureau",
                                      kind=Organisation.Kind.DEPARTMENT, region=region)  # fmt: skip
    clerk_role = Role.objects.create(code="wf-clerk", name="承办人")
    leader_role = Role.objects.create(code="wf-leader", name="科室负责人")
    world = {
        "org": org,
        "clerk": _account("zhangclerk", "张承办", org, clerk_role),
        "leader": _account("wangleader", "王科长", org, leader_role),
        "leader2": _account("sunleader", "孙科长", org, leader_role),
    }
    actions.definition_deploy(actor=None, bpmn_xml=(BPMN / "linear.bpmn").read_bytes(),
                              filename="linear.bpmn")  # fmt: skip
    yield world
    unregister_subject_type(SUBJECT)


def _login(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(f"{base}/workbench/")


def _session(browser: Browser, base: str, username: str, external: list[str]) -> Page:
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.on("request", lambda r: external.append(r.url) if not r.url.startswith(base) else None)
    _login(page, base, username)
    return page


def _tab(page: Page, name: str) -> Any:
    return page.get_by_role("navigation", name="事项列表").get_by_role(
        "link", name=re.compile(name)
    )


def test_inbox_flow_claim_approve_send_back_copy_and_conflict(
    page: Page, browser: Browser, live_server: Any, world: Any
) -> None:
    base = live_server.url
    inbox = f"{base}/workbench/workflow/"
    external: list[str] = []
    page.on("request", lambda r: external.append(r.url) if not r.url.startswith(base) else None)
    instance = actions.instance_start(
        actor=world["clerk"], definition_key="zw_test_linear", owner_type=SUBJECT,
        owner_id="7", title=TITLE, organisation=world["org"],
    )  # fmt: skip

    # The clerk: 待办 (1), claim, fill the form and the opinion, agree.
    _login(page, base, "zhangclerk")
    page.goto(inbox)
    expect(_tab(page, "待办")).to_have_text("待办 (1)")
    page.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", name="窗口受理")).to_be_visible()
    page.get_by_role("button", name="签收").click()
    expect(page.locator(".profile-facts")).to_contain_text("张承办")
    page.get_by_label("金额（元）").fill("800")
    page.locator("#opinion").fill("材料齐全，同意受理")
    page.get_by_role("button", name="同意", exact=True).click()
    expect(page).to_have_url(re.compile(r"/workbench/workflow/$"))
    expect(_tab(page, "待办")).to_have_text("待办 (0)")

    # The leader sees the next step and sends it back with an opinion.
    leader = _session(browser, base, "wangleader", external)
    leader.goto(inbox)
    expect(_tab(leader, "待办")).to_have_text("待办 (1)")
    leader.get_by_role("link", name=TITLE).click()
    expect(leader.get_by_role("heading", name="科室审核")).to_be_visible()
    expect(leader.locator("#field_amount")).to_have_text("800")  # read-only here
    back = leader.locator("form").filter(has=leader.locator("#to_element_id"))
    back.get_by_label("退回到").select_option("accept")
    back.get_by_label("原因").fill("请补充租赁合同")
    back.get_by_role("button", name="退回").click()
    expect(leader).to_have_url(re.compile(r"/workbench/workflow/$"))
    expect(_tab(leader, "待办")).to_have_text("待办 (0)")

    # Back with the first clerk, the opinion in the history; resubmitted.
    page.goto(inbox)
    expect(_tab(page, "待办")).to_have_text("待办 (1)")
    page.get_by_role("link", name=TITLE).click()
    history = page.get_by_role("table").filter(has_text="办理记录")
    expect(history).to_contain_text("请补充租赁合同")
    expect(history).to_contain_text("王科长")
    page.get_by_label("金额（元）").fill("900")
    page.locator("#opinion").fill("已补充租赁合同")
    page.get_by_role("button", name="同意", exact=True).click()
    expect(_tab(page, "待办")).to_have_text("待办 (0)")

    # Two leaders on the same task: the second gets "已由王科长…办理", nothing changes.
    leader2 = _session(browser, base, "sunleader", external)
    for p in (leader, leader2):
        p.goto(inbox)
        p.get_by_role("link", name=TITLE).click()
        expect(p.get_by_role("heading", name="科室审核")).to_be_visible()
    leader.get_by_role("button", name="同意", exact=True).click()
    expect(leader).to_have_url(re.compile(r"/workbench/workflow/$"))
    events_before = TaskEvent.objects.filter(instance=instance).count()
    leader2.locator("#opinion").fill("同意")
    leader2.get_by_role("button", name="同意", exact=True).click()
    expect(leader2.get_by_role("alert")).to_contain_text(re.compile(r"此事项已由王科长于.+办理"))
    review = WorkTask.objects.filter(instance=instance, element_id="review").latest("pk")
    assert review.completed_by_id == world["leader"].pk
    assert (review.decision, review.opinion) == ("approve", "")
    assert TaskEvent.objects.filter(instance=instance).count() == events_before
    instance.refresh_from_db()
    assert instance.status == "completed"

    # 抄送: the leader copies the case to the clerk, who finds it under 抄送.
    leader.goto(f"{base}/workbench/workflow/instances/{instance.pk}/")
    leader.get_by_label("抄送给（用户名，逗号分隔）").fill("zhangclerk")
    leader.get_by_role("button", name="抄送").click()
    expect(leader.get_by_role("status").first).to_contain_text("抄送")

    page.goto(inbox)
    expect(_tab(page, "抄送")).to_have_text("抄送 (1)")
    _tab(page, "抄送").click()
    rows = page.locator("table.data-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(TITLE)
    expect(rows.first).to_contain_text("王科长")

    # 已办: both of the clerk's completions of 窗口受理; 我发起的: the instance, 已办结.
    _tab(page, "已办").click()
    rows = page.locator("table.data-table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("窗口受理")
    expect(rows.nth(1)).to_contain_text("窗口受理")
    _tab(page, "我发起的").click()
    rows = page.locator("table.data-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("线性审批（测试）")
    expect(leader.locator("body")).not_to_contain_text("Traceback")

    # The instance page: the path taken highlighted, the history table.
    rows.first.get_by_role("link", name=TITLE).click()
    diagram = page.locator("#bpmn-viewer")
    expect(diagram.locator(".djs-container")).to_be_visible()
    for element in ("accept", "review"):
        expect(
            diagram.locator(f'.djs-element.zw-done[data-element-id="{element}"]')
        ).to_be_visible()
    expect(diagram.locator(".djs-element.zw-active")).to_have_count(0)
    expect(diagram.locator('.djs-connection.zw-done[data-element-id="Flow_2"]')).to_have_count(1)
    history = page.get_by_role("table").filter(has_text="办理记录")
    expect(history).to_contain_text("请补充租赁合同")
    expect(history).to_contain_text("已补充租赁合同")
    assert external == [], f"requests left the server: {external}"
    for p in (leader, leader2):
        p.context.close()
