"""Process admin in a real browser: upload (bad, then good), the bpmn-js editor, and an
instance diagram with the path taken highlighted (vendored bpmn-js, no CDN)."""

import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from playwright.sync_api import Page, expect

from zhengwu.directory.models import Account, Organisation, Region, Role, RoleAssignment
from zhengwu.workflow import actions
from zhengwu.workflow.registry import register_subject_type, unregister_subject_type

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Yunze#2024"
BPMN = Path(__file__).resolve().parents[2] / "zhengwu" / "workflow" / "tests" / "bpmn"
SUBJECT = "browser_tests.subject"


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
    admin_role = Role.objects.create(code="wf-admin", name="流程管理员")
    admin_role.permissions.set(Permission.objects.filter(
        content_type__app_label="workflow",
        codename__in=["view_processdefinition", "add_processdefinition",
                      "change_processdefinition", "migrate_processinstance"],
    ))  # fmt: skip
    clerk_role = Role.objects.create(code="wf-clerk", name="承办人")
    Role.objects.create(code="wf-leader", name="科室负责人")
    world = {
        "org": org,
        "admin": _account("liuadmin", "刘管理", org, admin_role),
        "clerk": _account("zhangclerk", "张承办", org, clerk_role),
    }
    yield world
    unregister_subject_type(SUBJECT)


def _login(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(f"{base}/workbench/")


def test_admin_uploads_edits_and_sees_the_path_taken(
    page: Page, live_server: Any, world: Any
) -> None:
    base = live_server.url
    external: list[str] = []
    page.on("request", lambda r: external.append(r.url) if not r.url.startswith(base) else None)
    _login(page, base, "liuadmin")

    # A malformed diagram: the Chinese message names the element, nothing is stored.
    page.goto(f"{base}/workbench/workflow/admin/upload/")
    page.get_by_label("BPMN 文件").set_input_files(str(BPMN / "bad_gateway_no_outgoing.bpmn"))
    page.get_by_role("button", name="校验并部署").click()
    error = page.locator("#upload-error")
    expect(error).to_contain_text("死胡同")
    expect(error).to_contain_text("gw_dead")
    expect(error).to_contain_text(re.compile(r"[\u4e00-\u9fff]{4,}"))

    # A good one: deployed, its diagram drawn by bpmn-js.
    page.get_by_label("BPMN 文件").set_input_files(str(BPMN / "linear.bpmn"))
    page.get_by_role("button", name="校验并部署").click()
    expect(page.get_by_role("status").first).to_contain_text("已部署")
    expect(page.locator("#bpmn-viewer .djs-container")).to_be_visible()
    expect(page.locator('#bpmn-viewer [data-element-id="review"]')).to_be_visible()

    # The editor: the canvas renders; saving the unchanged diagram says so.
    page.get_by_role("link", name="编辑为新版本").click()
    expect(page.locator("#bpmn-modeler .djs-container")).to_be_visible()
    expect(page.locator("#bpmn-modeler")).to_have_attribute("data-ready", "true")
    page.get_by_role("button", name="校验并部署").click()
    expect(page.locator("#modeler-status")).to_contain_text("未作任何更改")

    # An instance the admin started, one step done: the path taken is highlighted.
    instance = actions.instance_start(
        actor=world["admin"], definition_key="zw_test_linear", owner_type=SUBJECT,
        owner_id="7", title="关于开办食品店的申请", organisation=world["org"],
    )  # fmt: skip
    task = instance.tasks.get()
    actions.task_complete(actor=world["clerk"], task=task, decision="approve",
                          form_data={"amount": 800})  # fmt: skip
    page.goto(f"{base}/workbench/workflow/instances/{instance.pk}/")
    diagram = page.locator("#bpmn-viewer")
    expect(diagram.locator(".djs-container")).to_be_visible()
    expect(diagram.locator('.djs-element.zw-done[data-element-id="accept"]')).to_be_visible()
    expect(diagram.locator('.djs-element.zw-active[data-element-id="review"]')).to_be_visible()
    expect(diagram.locator('.djs-connection.zw-done[data-element-id="Flow_1"]')).to_have_count(1)
    expect(page.get_by_role("table").filter(has_text="窗口受理")).to_be_visible()
    assert external == [], f"requests left the server: {external}"
