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


def test_editor_properties_panel_assigns_steps_then_deploys_with_none_unassigned(
    page: Page, live_server: Any, world: Any
) -> None:
    """A diagram from another modeler, its steps unassigned: assigned, given decisions and form
    fields in the editor's panel, saved — the new version has no unassigned step."""
    from zhengwu.workflow.models import ProcessDefinition

    base = live_server.url
    external: list[str] = []
    page.on("request", lambda r: external.append(r.url) if not r.url.startswith(base) else None)
    v1 = actions.definition_deploy(actor=world["admin"], filename="camunda_form.bpmn",
                                   bpmn_xml=(BPMN / "camunda_form.bpmn").read_bytes())  # fmt: skip
    assert [e for e, _n in actions.unassigned_steps(v1)] == ["check", "fill"] or len(
        actions.unassigned_steps(v1)) == 2  # fmt: skip
    _login(page, base, "liuadmin")
    page.goto(f"{base}/workbench/workflow/admin/definitions/{v1.pk}/edit/")
    modeler = page.locator("#bpmn-modeler")
    expect(modeler).to_have_attribute("data-ready", "true")
    panel = page.locator("#zw-properties")
    expect(panel).to_contain_text("选择一个人工任务")

    # First step: the clerk role of the handling organisation, 2 working days.
    modeler.locator('.djs-element[data-element-id="fill"]').click()
    expect(panel).to_have_attribute("data-element", "fill")
    panel.get_by_label("办理人").select_option("role:wf-clerk")
    panel.get_by_label("时限（工作日）").fill("2")
    panel.get_by_label("时限（工作日）").blur()

    # Second step: the leader of the parent organisation, may send back, one extra field.
    modeler.locator('.djs-element[data-element-id="check"]').click()
    expect(panel).to_have_attribute("data-element", "check")
    panel.get_by_label("办理人").select_option("role:wf-leader")
    panel.get_by_label("在哪个单位").select_option("handling_parent")
    panel.get_by_label("退回", exact=True).check()
    panel.get_by_role("button", name="添加字段").click()
    row = panel.locator("tr.zw-field-row").last
    row.get_by_label("字段标识").fill("verdict")
    row.get_by_label("显示名称").fill("复核结论")
    row.locator("select[name=ftype]").select_option("enum")
    row.get_by_label("选项（逗号分隔）").fill("通过,不通过")
    row.get_by_label("必填").check()

    # Back to the first step: the panel reads what was written.
    modeler.locator('.djs-element[data-element-id="fill"]').click()
    expect(panel.get_by_label("办理人")).to_have_value("role:wf-clerk")
    expect(panel.get_by_label("时限（工作日）")).to_have_value("2")

    page.get_by_role("button", name="校验并部署").click()
    expect(page.locator("#modeler-status")).to_contain_text("已部署")
    v2 = ProcessDefinition.objects.get(key=v1.key, is_latest=True)
    assert v2.version == v1.version + 1
    assert actions.unassigned_steps(v2) == []
    fill, check = v2.user_tasks["fill"], v2.user_tasks["check"]
    assert fill["assignment"]["role"] == "wf-clerk" and fill["limit"] == 2
    assert [f["id"] for f in fill["fields"]] == ["reason", "days"]  # camunda:formData kept
    assert check["assignment"] == {"kind": "role", "role": "wf-leader",
                                   "organisation": "handling_parent"}  # fmt: skip
    assert "send_back" in check["decisions"]
    assert check["fields"][-1]["id"] == "verdict" and check["fields"][-1]["required"] is True
    assert '<zw:assignment role="wf-clerk"' in v2.bpmn_xml
    assert external == [], f"requests left the server: {external}"
