"""Process admin pages through the test client: list, upload, editor save, rules, diagrams,
migration — and who may use them."""

import json

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from zhengwu.audit.models import AuditEntry
from zhengwu.directory.models import Role, RoleAssignment
from zhengwu.identity.testing import sign_in
from zhengwu.workflow import actions
from zhengwu.workflow.models import ProcessDefinition, TaskAssignmentRule
from zhengwu.workflow.tests.conftest import bpmn, open_tasks

pytestmark = pytest.mark.django_db

ADMIN_PERMS = ["view_processdefinition", "add_processdefinition", "change_processdefinition",
               "migrate_processinstance"]  # fmt: skip


@pytest.fixture
def admin(world, client):
    role = Role.objects.get(code="wf-admin")
    role.permissions.set(Permission.objects.filter(content_type__app_label="workflow",
                                                   codename__in=ADMIN_PERMS))  # fmt: skip
    sign_in(client, world.admin)
    return world.admin


def upload(client, name, content=None):
    data = content if content is not None else bpmn(name)
    return client.post(
        reverse("workflow:admin_upload"),
        {"file": SimpleUploadedFile(name, data, content_type="application/xml")},
    )


def test_list_shows_versions_running_counts_and_unassigned_steps(world, admin, client):
    world.deploy("linear.bpmn")
    world.start("zw_test_linear")
    world.deploy("migrate_linear_v2.bpmn", "camunda_form.bpmn")
    html = client.get(reverse("workflow:admin_processes")).content.decode()
    assert "线性审批（测试）" in html and "zw_test_linear" in html
    assert "v1" in html and "v2" in html
    camunda = ProcessDefinition.objects.exclude(key="zw_test_linear").get()
    for _eid, name in actions.unassigned_steps(camunda):
        assert name in html
    assert reverse("workflow:admin_migrate", args=["zw_test_linear"]) in html


def test_upload_malformed_file_shows_chinese_error_and_stores_nothing(world, admin, client):
    for name in ("bad_broken.bpmn", "bad_gateway_no_outgoing.bpmn", "bad_no_start.bpmn",
                 "bad_missing_conditions.bpmn"):  # fmt: skip
        response = upload(client, name)
        assert response.status_code == 400
        html = response.content.decode()
        assert 'role="alert"' in html
    response = upload(client, "bad_gateway_no_outgoing.bpmn")
    assert "死胡同" in response.content.decode() and "gw_dead" in response.content.decode()
    # Injection and non-BPMN content are refused too.
    for content in (b"<script>alert(1)</script>", b"\xff\xfe\x00", b"",
                    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
                    b"<x>&e;</x>"):  # fmt: skip
        assert upload(client, "x.bpmn", content).status_code == 400
    assert client.post(reverse("workflow:admin_upload"), {}).status_code == 400
    assert not ProcessDefinition.objects.exists()


def test_upload_good_file_deploys_and_second_upload_is_unchanged(world, admin, client):
    response = upload(client, "linear.bpmn")
    definition = ProcessDefinition.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("workflow:admin_definition", args=[definition.pk])
    page = client.get(response["Location"]).content.decode()
    assert "已部署" in page and "窗口受理" in page
    assert 'id="bpmn-viewer"' in page and "bpmn-navigated-viewer.production.min.js" in page
    upload(client, "linear.bpmn")  # double submit: same XML, no new version
    assert ProcessDefinition.objects.count() == 1
    xml = client.get(reverse("workflow:admin_bpmn", args=[definition.pk]))
    assert xml["Content-Type"].startswith("application/xml")
    assert xml.content.decode() == definition.bpmn_xml


def test_editor_page_and_json_save(world, admin, client):
    page = client.get(reverse("workflow:admin_new")).content.decode()
    assert "bpmn-modeler.production.min.js" in page and 'id="bpmn-xml"' in page
    assert "cdn" not in page.lower() and "unpkg" not in page.lower()
    url = reverse("workflow:admin_deploy")
    bad = client.post(url, json.dumps({"xml": bpmn("bad_gateway_no_outgoing.bpmn").decode()}),
                      content_type="application/json")  # fmt: skip
    assert bad.status_code == 400
    error = bad.json()["error"]
    assert error["data"]["element_id"] == "gw_dead" and "死胡同" in error["message"]
    for body in ("not json", json.dumps([1]), json.dumps({"xml": 5})):
        assert client.post(url, body, content_type="application/json").status_code == 400
    assert not ProcessDefinition.objects.exists()
    good = client.post(url, json.dumps({"xml": bpmn("linear.bpmn").decode(),
                                        "filename": "linear.bpmn"}),
                       content_type="application/json")  # fmt: skip
    assert good.status_code == 200 and good.json()["version"] == 1
    definition = ProcessDefinition.objects.get()
    edit = client.get(reverse("workflow:admin_edit", args=[definition.pk])).content.decode()
    assert "zw_test_linear" in edit
    # A new version from the editor.
    changed = bpmn("linear.bpmn").decode().replace("科室审核", "科室复核")
    again = client.post(url, json.dumps({"xml": changed}), content_type="application/json")
    assert again.json()["version"] == 2 and again.json()["created"] is True


def test_editor_save_needs_csrf_token(world, admin, client):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    sign_in(strict, world.admin)
    response = strict.post(reverse("workflow:admin_deploy"),
                           json.dumps({"xml": bpmn("linear.bpmn").decode()}),
                           content_type="application/json")  # fmt: skip
    assert response.status_code == 403
    assert not ProcessDefinition.objects.exists()


def test_assignment_rule_form_makes_the_process_startable(world, admin, client):
    definition = world.deploy("camunda_form.bpmn")
    unassigned = actions.unassigned_steps(definition)
    assert unassigned
    url = reverse("workflow:admin_rule", args=[definition.pk])
    page = client.get(reverse("workflow:admin_definition", args=[definition.pk])).content.decode()
    assert 'name="role"' in page and url in page
    # Wrong input: unknown role, unknown fixed organisation, bad limit — nothing stored.
    for data in ({"role": "nope"}, {"role": "wf-clerk", "organisation_scope": "fixed",
                                    "fixed_organisation": "no-such-org"},
                 {"role": "wf-clerk", "limit_days": "三"},
                 {"role": "wf-clerk", "organisation_scope": "<script>"}):  # fmt: skip
        response = client.post(url, {"element_id": unassigned[0][0], **data})
        assert response.status_code == 400 and 'id="rule-error"' in response.content.decode()
    assert not TaskAssignmentRule.objects.exists()
    for element_id, _name in unassigned:
        response = client.post(
            url,
            {
                "element_id": element_id,
                "role": "wf-clerk",
                "organisation_scope": "fixed",
                "fixed_organisation": "wf-bureau",
                "limit_days": "2",
            },
        )
        assert response.status_code == 302
    assert actions.unassigned_steps(definition) == []
    rule = TaskAssignmentRule.objects.first()
    assert rule.organisation_scope == "fixed:wf-bureau" and rule.limit_days == 2
    world.start(definition.key)  # now it can start


def test_migration_page_dry_run_then_confirm(world, admin, client):
    v1 = world.deploy("linear.bpmn")
    movable = world.start("zw_test_linear", title="可迁移的申请")
    stuck = world.start("zw_test_linear", title="不可迁移的申请")
    actions.task_complete(actor=world.clerk, task=open_tasks(stuck)[0], decision="approve",
                          form_data={"amount": 1})  # fmt: skip
    v2 = world.deploy("migrate_linear_v3.bpmn")
    url = reverse("workflow:admin_migrate", args=["zw_test_linear"])
    assert client.get(url).status_code == 200
    html = client.get(url, {"from": v1.pk, "to": v2.pk}).content.decode()
    assert "可迁移的申请" in html and "不可迁移的申请" in html
    assert f'name="instance" value="{movable.pk}"' in html
    assert f'name="instance" value="{stuck.pk}"' not in html
    assert "科室审核" in html  # the reason names the step
    assert client.get(url, {"from": v1.pk, "to": v1.pk}).status_code == 400
    response = client.post(url, {"from": v1.pk, "to": v2.pk,
                                 "instance": [movable.pk, stuck.pk]})  # fmt: skip
    assert response.status_code == 302
    movable.refresh_from_db()
    stuck.refresh_from_db()
    assert movable.definition == v2 and stuck.definition == v1
    assert AuditEntry.objects.filter(action="workflow.instance.migrate").count() == 1
    assert client.get(reverse("workflow:admin_migrate", args=["no_such"])).status_code == 404


def test_instance_diagram_data_has_the_path_taken(world, client):
    world.deploy("linear.bpmn")
    instance = world.start("zw_test_linear")
    actions.task_complete(actor=world.clerk, task=open_tasks(instance)[0], decision="approve",
                          form_data={"amount": 1})  # fmt: skip
    client.force_login(world.clerk)
    page = client.get(reverse("workflow:instance", args=[instance.pk])).content.decode()
    assert reverse("workflow:instance_diagram", args=[instance.pk]) in page
    data = client.get(reverse("workflow:instance_diagram", args=[instance.pk])).json()
    assert data["completed"][:2] == ["start", "accept"] and data["active"] == ["review"]
    assert "<bpmn:process" in data["xml"]
    client.force_login(world.outsider)
    assert client.get(reverse("workflow:instance_diagram", args=[instance.pk])).status_code == 404


def test_pages_are_closed_to_staff_without_permissions(world, client):
    definition = world.deploy("linear.bpmn")
    client.force_login(world.clerk)
    urls = [
        reverse("workflow:admin_processes"), reverse("workflow:admin_upload"),
        reverse("workflow:admin_new"), reverse("workflow:admin_definition", args=[definition.pk]),
        reverse("workflow:admin_bpmn", args=[definition.pk]),
        reverse("workflow:admin_edit", args=[definition.pk]),
        reverse("workflow:admin_migrate", args=[definition.key]),
    ]  # fmt: skip
    for url in urls:
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("workflow:admin_deploy"), "{}",
                       content_type="application/json").status_code == 403  # fmt: skip
    assert client.post(reverse("workflow:admin_rule", args=[definition.pk]),
                       {"element_id": "accept"}).status_code == 403  # fmt: skip
    client.logout()
    assert client.get(reverse("workflow:admin_processes")).status_code == 302
    # Viewing without deploy rights: the list works, the upload link is not offered.
    viewer = Role.objects.create(code="wf-viewer", name="流程查看")
    viewer.permissions.add(Permission.objects.get(codename="view_processdefinition"))
    RoleAssignment.objects.get_or_create(account=world.clerk2, role=viewer,
                                         organisation=world.bureau)  # fmt: skip
    client.force_login(world.clerk2)
    html = client.get(reverse("workflow:admin_processes")).content.decode()
    assert "zw_test_linear" in html and reverse("workflow:admin_upload") not in html
    assert client.get(reverse("workflow:admin_upload")).status_code == 403


def test_demo_loader_grants_sysadmin_and_is_idempotent(db):
    import io

    from zhengwu.workflow.admin_demo import grant_admin_permissions

    role = Role.objects.create(code="sysadmin", name="系统管理员")
    grant_admin_permissions(io.StringIO())
    codes = set(role.permissions.values_list("codename", flat=True))
    assert {"add_processdefinition", "migrate_processinstance"} <= codes
    entries = AuditEntry.objects.count()
    grant_admin_permissions(io.StringIO())
    assert AuditEntry.objects.count() == entries
