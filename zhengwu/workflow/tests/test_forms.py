"""Task forms from a JSON Schema the admin edits: schema checks, rendering, validation with
Chinese messages, and per-step access enforced on the server."""

import json
from typing import Any

import pytest

from zhengwu.audit.models import AuditEntry
from zhengwu.core.errors import PermissionDenied, ValidationFailed
from zhengwu.identity.testing import sign_in
from zhengwu.workflow import actions, forms
from zhengwu.workflow.models import TaskEvent, TaskForm
from zhengwu.workflow.tests.conftest import open_tasks

SCHEMA = {
    "type": "object",
    "properties": {
        "amount": {"type": "number", "title": "金额（元）", "minimum": 0, "maximum": 100000},
        "copies": {"type": "integer", "title": "份数"},
        "urgent": {"type": "boolean", "title": "是否加急"},
        "kind": {"type": "string", "title": "类别", "enum": ["新办", "变更"]},
        "deadline": {"type": "string", "title": "办结日期", "format": "date"},
        "note": {"type": "string", "title": "说明", "x-widget": "textarea", "maxLength": 20},
        "secret": {"type": "string", "title": "内部备注"},
    },
    "required": ["amount", "kind"],
}


@pytest.fixture
def linear(world: Any) -> Any:
    world.deploy("linear.bpmn")
    actions.task_form_set(actor=world.admin, process_key="zw_test_linear", element_id="accept",
                          schema=json.dumps(SCHEMA, ensure_ascii=False))  # fmt: skip
    return world.start("zw_test_linear")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("schema", "words"),
    [
        ("{not json", "JSON"),
        ('"a string"', "JSON"),
        ('{"type": "array", "items": {}}', "object"),
        ('{"type": "object", "properties": {"x": {"type": "file"}}}', "JSON Schema"),
        ('{"type": "object", "properties": {"x": {"type": "object"}}}', "string"),
        ('{"type": "object", "properties": {"decision": {"type": "string"}}}', "decision"),
        ('{"type": "object", "properties": {"a": {"type": "string"}}, "required": ["b"]}', "b"),
        ('{"type": "object", "properties": {"<script>": {"type": "string"}}}', "<script>"),
    ],
)
def test_bad_schemas_are_refused_in_chinese(world: Any, schema: str, words: str) -> None:
    world.deploy("linear.bpmn")
    with pytest.raises(ValidationFailed) as exc:
        actions.task_form_set(actor=world.admin, process_key="zw_test_linear",
                              element_id="accept", schema=schema)  # fmt: skip
    assert words in str(exc.value.message)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in str(exc.value.message))
    assert not TaskForm.objects.exists()


@pytest.mark.django_db
def test_only_process_admins_set_forms(world: Any) -> None:
    world.deploy("linear.bpmn")
    with pytest.raises(PermissionDenied):
        actions.task_form_set(actor=world.clerk, process_key="zw_test_linear",
                              element_id="accept", schema=SCHEMA)  # fmt: skip
    with pytest.raises(ValidationFailed):
        actions.task_form_set(actor=world.admin, process_key="zw_test_linear",
                              element_id="nope", schema=SCHEMA)  # fmt: skip


@pytest.mark.django_db
def test_schema_renders_fields_with_chinese_labels_and_access(world: Any, linear: Any) -> None:
    [accept] = open_tasks(linear)
    rendered = {f["id"]: f for f in forms.render_fields(actions.step_form(accept), {})}
    assert "secret" not in rendered  # hidden at this step by the diagram's zw:field map
    assert rendered["amount"]["label"] == "金额（元）" and rendered["amount"]["required"]
    assert rendered["kind"]["widget"] == "select"
    assert rendered["kind"]["choices"] == ["新办", "变更"]
    assert rendered["urgent"]["widget"] == "checkbox"
    assert rendered["deadline"]["widget"] == "date"
    assert rendered["note"]["widget"] == "textarea"
    assert rendered["copies"]["widget"] == "number" and rendered["copies"]["step"] == "1"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "新办"}, "“金额（元）”为必填项"),
        ({"amount": "abc", "kind": "新办"}, "“金额（元）”必须是数字"),
        ({"amount": "-1", "kind": "新办"}, "金额（元）"),
        ({"amount": "1", "kind": "注销"}, "“类别”"),
        ({"amount": "1", "kind": "新办", "copies": "1.5"}, "“份数”必须是整数"),
        ({"amount": "1", "kind": "新办", "deadline": "2026-13-01"}, "“办结日期”"),
        ({"amount": "1", "kind": "新办", "note": "长" * 21}, "“说明”"),
        ({"amount": "1", "kind": "新办", "urgent": "maybe"}, "“是否加急”"),
    ],
)
def test_submissions_are_validated_with_chinese_messages(
    world: Any, linear: Any, data: dict, message: str
) -> None:
    [accept] = open_tasks(linear)
    with pytest.raises(ValidationFailed) as exc:
        actions.task_complete(actor=world.clerk, task=accept, decision="approve", form_data=data)
    assert message in str(exc.value.message)
    accept.refresh_from_db()
    assert accept.status == "open"


@pytest.mark.django_db
def test_valid_submission_is_typed_and_protected_fields_ignored_and_audited(
    world: Any, linear: Any
) -> None:
    [accept] = open_tasks(linear)
    actions.task_complete(
        actor=world.clerk, task=accept, decision="approve",
        form_data={"amount": "1200.50", "kind": "变更", "copies": "3", "urgent": "true",
                   "deadline": "2026-12-31", "secret": "<script>alert(1)</script>"},
    )  # fmt: skip
    accept.refresh_from_db()
    assert accept.form_data == {"amount": 1200.5, "kind": "变更", "copies": 3, "urgent": True,
                                "deadline": "2026-12-31"}  # fmt: skip
    assert TaskEvent.objects.filter(task=accept, kind="field_refused", opinion="secret").exists()
    entry = AuditEntry.objects.get(action="workflow.task.field_refused")
    assert entry.changes == {"fields": ["secret"]}


@pytest.mark.django_db
def test_task_page_renders_schema_form_and_posts_it(world: Any, linear: Any) -> None:
    from django.test import Client

    [accept] = open_tasks(linear)
    client = Client()
    sign_in(client, world.clerk)
    page = client.get(f"/workbench/workflow/tasks/{accept.pk}/").content.decode()
    assert "是否加急" in page and 'type="checkbox"' in page and 'type="date"' in page
    assert "field_secret" not in page
    response = client.post(f"/workbench/workflow/tasks/{accept.pk}/", {
        "op": "complete", "decision": "approve", "field_amount": "10", "field_kind": "新办",
        "field_secret": "tampered",
    })  # fmt: skip
    assert response.status_code == 302
    accept.refresh_from_db()
    assert accept.form_data["urgent"] is False and "secret" not in accept.form_data
    assert AuditEntry.objects.filter(action="workflow.task.field_refused").exists()


@pytest.mark.django_db
def test_admin_edits_the_schema_on_a_page(world: Any) -> None:
    from django.test import Client

    world.deploy("linear.bpmn")
    client = Client()
    sign_in(client, world.admin)
    url = "/workbench/workflow/forms/zw_test_linear/accept/"
    page = client.get(url)
    assert page.status_code == 200 and "金额（元）" in page.content.decode()
    bad = client.post(url, {"op": "save", "schema": "{"})
    assert bad.status_code == 400 and not TaskForm.objects.exists()
    ok = client.post(url, {"op": "save", "schema": json.dumps(SCHEMA)})
    assert ok.status_code == 302 and TaskForm.objects.count() == 1
    clerk = Client()
    sign_in(clerk, world.clerk)
    assert clerk.get(url).status_code == 403


@pytest.mark.django_db
def test_camunda_form_data_becomes_a_schema(world: Any) -> None:
    definition = world.deploy("camunda_form.bpmn")
    [(_element_id, meta)] = [(k, m) for k, m in definition.user_tasks.items() if m["fields"]][:1]
    schema = forms.fields_to_schema(meta["fields"])
    forms.schema_check(schema)
    assert schema["type"] == "object" and set(schema["properties"]) == {
        f["id"] for f in meta["fields"]
    }
