"""Deploying BPMN files: validation with Chinese messages naming the element, versions."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from zhengwu.core.errors import PermissionDenied, ValidationFailed
from zhengwu.workflow import actions
from zhengwu.workflow.models import ProcessDefinition, TaskAssignmentRule
from zhengwu.workflow.tests.conftest import BPMN_DIR, bpmn

pytestmark = pytest.mark.django_db


def refused(world, content) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as info:
        actions.definition_deploy(actor=world.admin, bpmn_xml=content)
    assert ProcessDefinition.objects.count() == 0
    return info.value


def test_deploy_reads_assignment_extension(world):
    definition = world.deploy("linear.bpmn")
    assert (definition.key, definition.version, definition.is_latest) == ("zw_test_linear", 1, True)
    assert definition.name == "线性审批（测试）"
    accept = definition.user_tasks["accept"]
    assert accept["assignment"] == {"kind": "role", "role": "wf-clerk", "organisation": "handling"}
    assert accept["limit"] == 2
    assert {f["id"]: f["access"] for f in accept["fields"]} == {
        "amount": "editable",
        "secret": "hidden",
    }


def test_same_xml_twice_is_one_version_and_a_change_is_the_next(world):
    first = world.deploy("linear.bpmn")
    again = world.deploy("linear.bpmn")
    assert again.pk == first.pk and again.was_created is False
    changed = bpmn("linear.bpmn").replace("窗口受理".encode(), "窗口受理（新）".encode())
    second = actions.definition_deploy(actor=world.admin, bpmn_xml=changed)
    assert second.version == 2 and second.is_latest
    first.refresh_from_db()
    assert not first.is_latest


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("bad_broken.bpmn", "XML"),
        ("bad_gateway_no_outgoing.bpmn", "“死胡同”（gw_dead）"),
        ("bad_no_start.bpmn", "开始事件"),
        ("bad_missing_conditions.bpmn", "“走哪条？”（gw_which）"),
    ],
)
def test_malformed_diagrams_are_refused_naming_the_element(world, name, fragment):
    error = refused(world, bpmn(name))
    assert fragment in str(error.message)


def test_gateway_without_outgoing_flow_message(world):
    error = refused(world, bpmn("bad_gateway_no_outgoing.bpmn"))
    assert str(error.message) == "网关“死胡同”（gw_dead）没有流出的顺序流。"
    assert error.data["element_id"] == "gw_dead"


def test_dtd_and_entities_are_refused(world):
    xxe = b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>' + bpmn(
        "linear.bpmn"
    ).split(b"?>", 1)[1].replace(b"\xe7\xba\xbf", b"&x;", 1)
    error = refused(world, xxe)
    assert "DTD" in str(error.message)


def test_unsupported_element_is_named(world):
    content = (
        bpmn("linear.bpmn")
        .replace(b'<bpmn:userTask id="review"', b'<bpmn:serviceTask id="review"')
        .replace(
            b"</bpmn:userTask>\n    <bpmn:endEvent", b"</bpmn:serviceTask>\n    <bpmn:endEvent"
        )
    )
    error = refused(world, content)
    assert "“科室审核”（review）" in str(error.message)
    assert "serviceTask" in str(error.message)


def test_unknown_role_is_refused(world):
    error = refused(world, bpmn("linear.bpmn").replace(b'role="wf-leader"', b'role="nobody"'))
    assert "“科室审核”（review）" in str(error.message) and "nobody" in str(error.message)


def test_unsafe_condition_is_refused(world):
    content = bpmn("exclusive.bpmn").replace(
        b'decision == "approve"</bpmn:condition', b"().__class__ == 1</bpmn:condition"
    )
    error = refused(world, content)
    assert "下划线" in str(error.message)


def test_call_activity_needs_the_called_process_first(world):
    error = refused(world, bpmn("caller.bpmn"))
    assert "“调用专项审查”（call_review）" in str(error.message)
    world.deploy("called.bpmn", "caller.bpmn")
    assert ProcessDefinition.objects.filter(key="zw_test_caller").exists()


def test_deploy_needs_the_permission(world):
    with pytest.raises(PermissionDenied):
        actions.definition_deploy(actor=world.clerk, bpmn_xml=bpmn("linear.bpmn"))


def test_camunda_diagram_deploys_with_unassigned_steps(world):
    definition = world.deploy("camunda_form.bpmn")
    assert actions.unassigned_steps(definition) == [("fill", "填写表单"), ("check", "复核")]
    assert [f["id"] for f in definition.user_tasks["fill"]["fields"]] == ["reason", "days"]
    with pytest.raises(ValidationFailed) as info:
        world.start("zw_test_camunda")
    assert "“填写表单”（fill）" in str(info.value.message)
    assert "“复核”（check）" in str(info.value.message)
    for step in ("fill", "check"):
        actions.assignment_rule_set(
            actor=world.admin,
            definition=definition,
            element_id=step,
            role_code="wf-clerk",
            organisation_scope="handling",
            limit_days=2,
        )
    instance = world.start("zw_test_camunda")
    task = instance.tasks.get()
    assert (task.element_id, task.candidate_role, task.candidate_organisation) == (
        "fill",
        world.clerk_role,
        world.bureau,
    )
    # A new version keeps the rules for the steps that still exist.
    changed = bpmn("camunda_form.bpmn").replace("复核".encode(), "复核（新）".encode())
    v2 = actions.definition_deploy(actor=world.admin, bpmn_xml=changed)
    assert TaskAssignmentRule.objects.filter(definition=v2).count() == 2
    assert actions.unassigned_steps(v2) == []


def test_management_command(world):
    out = StringIO()
    call_command("workflow_deploy", str(BPMN_DIR / "linear.bpmn"), stdout=out)
    assert "zw_test_linear" in out.getvalue() and "1" in out.getvalue()
    with pytest.raises(CommandError) as info:
        call_command("workflow_deploy", str(BPMN_DIR / "bad_gateway_no_outgoing.bpmn"))
    assert "死胡同" in str(info.value)
    assert ProcessDefinition.objects.count() == 1


def test_management_command_missing_file(world, tmp_path: Path):
    with pytest.raises(CommandError):
        call_command("workflow_deploy", str(tmp_path / "nope.bpmn"))
