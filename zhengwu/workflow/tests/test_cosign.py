"""加签 / 减签 on a parallel 会签 step whose diagram allows it."""

from typing import Any

import pytest

from zhengwu.audit.models import AuditEntry
from zhengwu.core.errors import PermissionDenied, ValidationFailed
from zhengwu.workflow import actions
from zhengwu.workflow.models import TaskEvent
from zhengwu.workflow.tests.conftest import open_tasks


def start(world: Any, *signers: Any, key: str = "zw_test_cosign") -> Any:
    return world.start(key, variables={"signers": [s.pk for s in signers]})


def by_assignee(instance: Any) -> dict[int, Any]:
    return {t.assignee_id: t for t in open_tasks(instance)}


@pytest.mark.django_db
def test_add_a_signer_and_the_join_waits_for_them(world: Any) -> None:
    world.deploy("cosign.bpmn")
    instance = start(world, world.clerk, world.leader)
    tasks = by_assignee(instance)
    added = actions.task_signer_add(actor=world.clerk, task=tasks[world.clerk.pk],
                                    signer=world.clerk2, reason="需要李承办会签")  # fmt: skip
    assert added.assignee_id == world.clerk2.pk
    assert added.multi_parent == tasks[world.clerk.pk].multi_parent
    assert set(by_assignee(instance)) == {world.clerk.pk, world.leader.pk, world.clerk2.pk}
    assert TaskEvent.objects.filter(instance=instance, kind="signer_added",
                                    target=world.clerk2).exists()  # fmt: skip
    assert AuditEntry.objects.filter(action="workflow.task.signer_add").exists()
    for person in (world.clerk, world.leader):
        actions.task_complete(actor=person, task=by_assignee(instance)[person.pk],
                              decision="approve")  # fmt: skip
    instance.refresh_from_db()
    assert instance.status == "running"  # still waiting for the added signer
    actions.task_complete(actor=world.clerk2, task=by_assignee(instance)[world.clerk2.pk],
                          decision="approve")  # fmt: skip
    instance.refresh_from_db()
    assert instance.status == "completed"
    assert "end_ok" in instance.state


@pytest.mark.django_db
def test_remove_the_last_waiting_signer_completes_the_step(world: Any) -> None:
    world.deploy("cosign.bpmn")
    instance = start(world, world.clerk, world.leader, world.clerk2)
    tasks = by_assignee(instance)
    actions.task_complete(actor=world.clerk, task=tasks[world.clerk.pk], decision="approve")
    actions.task_complete(actor=world.leader, task=tasks[world.leader.pk], decision="approve")
    removed = tasks[world.clerk2.pk]
    actions.task_signer_remove(actor=world.initiator, task=removed, reason="不再需要")
    removed.refresh_from_db()
    assert removed.status == "cancelled"
    instance.refresh_from_db()
    assert instance.status == "completed" and open_tasks(instance) == []
    assert TaskEvent.objects.filter(task=removed, kind="signer_removed").exists()
    assert AuditEntry.objects.filter(action="workflow.task.signer_remove").exists()


@pytest.mark.django_db
def test_remove_one_of_several_waiting(world: Any) -> None:
    world.deploy("cosign.bpmn")
    instance = start(world, world.clerk, world.leader, world.clerk2)
    tasks = by_assignee(instance)
    actions.task_signer_remove(actor=world.clerk, task=tasks[world.clerk2.pk])
    assert set(by_assignee(instance)) == {world.clerk.pk, world.leader.pk}
    actions.task_complete(actor=world.clerk, task=tasks[world.clerk.pk], decision="approve")
    instance.refresh_from_db()
    assert instance.status == "running"
    actions.task_complete(actor=world.leader, task=tasks[world.leader.pk], decision="reject",
                          opinion="不同意")  # fmt: skip
    instance.refresh_from_db()
    assert instance.status == "completed" and "end_refused" in instance.state


@pytest.mark.django_db
def test_cosign_refusals(world: Any) -> None:
    world.deploy("cosign.bpmn", "multi_all.bpmn")
    instance = start(world, world.clerk, world.leader)
    tasks = by_assignee(instance)
    with pytest.raises(PermissionDenied):  # neither a signer nor the initiator
        actions.task_signer_add(actor=world.clerk2, task=tasks[world.clerk.pk], signer=world.admin)
    with pytest.raises(ValidationFailed):  # already a signer
        actions.task_signer_add(actor=world.clerk, task=tasks[world.clerk.pk], signer=world.leader)
    actions.task_complete(actor=world.clerk, task=tasks[world.clerk.pk], decision="approve")
    with pytest.raises(ValidationFailed):  # signed already: cannot be added again
        actions.task_signer_add(actor=world.leader, task=tasks[world.leader.pk],
                                signer=world.clerk)  # fmt: skip
    with pytest.raises(ValidationFailed):  # the last signer cannot be removed... unless others
        plain = start(world, world.clerk, key="zw_test_cosign")
        actions.task_signer_remove(actor=world.initiator, task=open_tasks(plain)[0])
    other = start(world, world.clerk, world.leader, key="zw_test_multi_all")
    with pytest.raises(ValidationFailed):  # the diagram does not allow it
        actions.task_signer_add(actor=world.clerk, task=by_assignee(other)[world.clerk.pk],
                                signer=world.clerk2)  # fmt: skip
    assert not TaskEvent.objects.filter(kind__in=["signer_added", "signer_removed"]).exists()
