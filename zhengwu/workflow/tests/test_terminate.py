"""终止 by an administrator, and the "migrated" line in an instance's history."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from zhengwu.audit.models import AuditEntry
from zhengwu.core.errors import Conflict, PermissionDenied, ValidationFailed
from zhengwu.directory.models import Role, RoleAssignment
from zhengwu.notify.models import Message
from zhengwu.workdays.models import Deadline
from zhengwu.workflow import actions
from zhengwu.workflow.migration import instances_migrate
from zhengwu.workflow.models import TaskEvent, TaskTimer
from zhengwu.workflow.tests.conftest import open_tasks

pytestmark = pytest.mark.django_db


@pytest.fixture
def terminator(world):
    role = Role.objects.create(code="wf-terminator", name="流程终止管理员")
    role.permissions.set(Permission.objects.filter(
        content_type__app_label="workflow", codename="terminate_processinstance"))  # fmt: skip
    RoleAssignment.objects.create(account=world.admin, role=role, organisation=world.city)
    return world.admin


def test_terminate_cancels_tasks_timers_and_deadlines_with_a_reason(world, terminator):
    world.deploy("timers.bpmn")
    instance = world.start("zw_test_timers")
    [task] = open_tasks(instance)
    actions.task_claim(actor=world.clerk, task=task)
    assert TaskTimer.objects.filter(instance=instance, status="pending").count() == 2
    with pytest.raises(ValidationFailed):
        actions.instance_terminate(actor=terminator, instance=instance, reason="  ")
    with pytest.raises(PermissionDenied):
        actions.instance_terminate(actor=world.clerk, instance=instance, reason="无权")
    actions.instance_terminate(actor=terminator, instance=instance, reason="申请人已注销")
    instance.refresh_from_db()
    assert instance.status == "terminated" and instance.ended_at is not None
    task.refresh_from_db()
    assert task.status == "cancelled"
    assert not TaskTimer.objects.filter(instance=instance, status="pending").exists()
    assert not Deadline.objects.filter(owner_type="workflow.task", owner_id=str(task.pk),
                                       closed_at__isnull=True).exists()  # fmt: skip
    event = TaskEvent.objects.get(instance=instance, kind="terminated")
    assert event.opinion == "申请人已注销" and event.actor == terminator
    entry = AuditEntry.objects.get(action="workflow.instance.terminate")
    assert entry.reason == "申请人已注销"
    # The initiator and the clerk who held the task hear about it.
    assert Message.objects.filter(recipient=world.initiator, category="workflow.instance",
                                  subject__contains="终止").exists() or Message.objects.filter(
        recipient=world.clerk, category="workflow.instance").exists()  # fmt: skip
    with pytest.raises(Conflict):
        actions.instance_terminate(actor=terminator, instance=instance, reason="再次")


def test_terminate_page(world, terminator, client):
    world.deploy("linear.bpmn")
    instance = world.start("zw_test_linear")
    url = reverse("workflow:terminate", args=[instance.pk])
    client.force_login(world.clerk)
    assert client.post(url, {"reason": "x"}).status_code in (302, 403, 404)
    instance.refresh_from_db()
    assert instance.status == "running"
    client.force_login(terminator)
    page = client.get(reverse("workflow:instance", args=[instance.pk]))
    assert "终止" in page.content.decode()
    response = client.post(url, {"reason": "重复申请"}, follow=True)
    assert response.status_code == 200
    instance.refresh_from_db()
    assert instance.status == "terminated"
    assert "重复申请" in response.content.decode()


def test_migration_writes_a_line_in_the_history(world, client):
    v1 = world.deploy("linear.bpmn")
    instance = world.start("zw_test_linear")
    v2 = world.deploy("migrate_linear_v2.bpmn")
    result = instances_migrate(actor=None, definition_from=v1, definition_to=v2,
                               instance_ids=[instance.pk])  # fmt: skip
    assert [i.pk for i in result.moved] == [instance.pk]
    event = TaskEvent.objects.get(instance=instance, kind="migrated")
    assert f"{v1.version}" in event.opinion and f"{v2.version}" in event.opinion
    client.force_login(world.initiator)
    html = client.get(reverse("workflow:instance", args=[instance.pk])).content.decode()
    assert "迁移到其他版本" in html
