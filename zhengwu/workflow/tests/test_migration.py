"""Moving running instances to another version: dry run, bulk move, continuing, races."""

import re

import pytest
from django.contrib.auth.models import Permission

from zhengwu.audit.models import AuditEntry
from zhengwu.core.errors import Conflict, PermissionDenied, ValidationFailed
from zhengwu.directory.models import Role
from zhengwu.workflow import actions, engine
from zhengwu.workflow.migration import instances_migrate, migration_plan
from zhengwu.workflow.models import ProcessDefinition, ProcessInstance
from zhengwu.workflow.tests.conftest import bpmn, open_tasks

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(world):
    role = Role.objects.get(code="wf-admin")
    role.permissions.add(*Permission.objects.filter(
        content_type__app_label="workflow",
        codename__in=["view_processdefinition", "migrate_processinstance"],
    ))  # fmt: skip
    return world.admin


def only(instance):
    tasks = open_tasks(instance)
    assert len(tasks) == 1, [t.element_id for t in tasks]
    return tasks[0]


def accept(world, instance):
    actions.task_complete(actor=world.clerk, task=only(instance), decision="approve",
                          form_data={"amount": 100})  # fmt: skip


def plan_of(v1, v2):
    return {row.instance.pk: row for row in migration_plan(definition_from=v1, definition_to=v2)}


def test_dry_run_says_which_can_move_and_changes_nothing(world, admin):
    v1 = world.deploy("linear.bpmn")
    at_accept = world.start("zw_test_linear", title="在受理")
    at_review = world.start("zw_test_linear", title="在审核")
    accept(world, at_review)
    done = world.start("zw_test_linear", title="已办结")
    accept(world, done)
    actions.task_complete(actor=world.leader, task=only(done), decision="approve")
    v3 = world.deploy("migrate_linear_v3.bpmn")  # "review" replaced by "approve"
    states = dict(ProcessInstance.objects.values_list("pk", "state"))

    plan = plan_of(v1, v3)
    assert set(plan) == {at_accept.pk, at_review.pk}  # ended instances are not listed
    assert plan[at_accept.pk].can_move
    assert "窗口受理" in plan[at_accept.pk].reason
    row = plan[at_review.pk]
    assert not row.can_move
    assert "科室审核" in row.reason and "review" in row.reason and "2" in row.reason
    assert re.search(r"[\u4e00-\u9fff]", row.reason)  # said in Chinese
    # A dry run writes nothing.
    assert dict(ProcessInstance.objects.values_list("pk", "state")) == states
    assert set(ProcessInstance.objects.values_list("definition_id", flat=True)) == {v1.pk}
    assert not AuditEntry.objects.filter(action="workflow.instance.migrate").exists()


def test_move_continue_on_new_version_and_others_keep_theirs(world, admin):
    v1 = world.deploy("linear.bpmn")
    chosen = world.start("zw_test_linear", title="迁移")
    accept(world, chosen)
    left = world.start("zw_test_linear", title="不迁移")
    accept(world, left)
    review_row = only(chosen)
    v2 = world.deploy("migrate_linear_v2.bpmn")  # adds "archive" after "review"
    assert all(row.can_move for row in plan_of(v1, v2).values())

    result = instances_migrate(actor=admin, definition_from=v1, definition_to=v2,
                               instance_ids=[chosen.pk])  # fmt: skip
    assert [i.pk for i in result.moved] == [chosen.pk] and result.refused == []
    chosen.refresh_from_db()
    left.refresh_from_db()
    assert chosen.definition == v2 and left.definition == v1
    # The waiting task row is the same one (handler and deadline kept), renamed as in v2.
    moved_row = only(chosen)
    assert moved_row.pk == review_row.pk and moved_row.element_name == "科室审查"
    entry = AuditEntry.objects.get(action="workflow.instance.migrate")
    assert entry.changes["definition"] == ["线性审批（测试） v1", "线性审批（测试） v2"]

    # It continues on v2: after review comes the new "archive" step.
    actions.task_complete(actor=world.leader, task=moved_row, decision="approve")
    archive = only(chosen)
    assert archive.element_id == "archive" and archive.candidate_role == world.clerk_role
    actions.task_complete(actor=world.clerk, task=archive, decision="approve")
    chosen.refresh_from_db()
    assert chosen.status == "completed"
    assert engine.completed_elements(engine.load(chosen.state))[-2:] == ["archive", "end"]
    # The one not chosen still ends after review, as v1 says.
    actions.task_complete(actor=world.leader, task=only(left), decision="approve")
    left.refresh_from_db()
    assert left.status == "completed"
    assert "archive" not in engine.completed_elements(engine.load(left.state))


def test_bulk_move_takes_the_movable_and_refuses_the_others(world, admin):
    v1 = world.deploy("linear.bpmn")
    a = world.start("zw_test_linear", title="甲")
    b = world.start("zw_test_linear", title="乙")
    accept(world, b)
    v3 = world.deploy("migrate_linear_v3.bpmn")
    result = instances_migrate(actor=admin, definition_from=v1, definition_to=v3,
                               instance_ids=[str(a.pk), b.pk, a.pk])  # fmt: skip
    assert [i.pk for i in result.moved] == [a.pk]
    assert [pk for pk, _reason in result.refused] == [b.pk]
    assert "科室审核" in result.refused[0][1]
    b.refresh_from_db()
    assert b.definition == v1 and only(b).element_id == "review"
    # Continue a on v3: accept, then the new "approve" step.
    accept(world, a)
    assert only(a).element_id == "approve"
    # Moving it again is refused (already there), nothing else changes.
    again = instances_migrate(actor=admin, definition_from=v1, definition_to=v3,
                              instance_ids=[a.pk])  # fmt: skip
    assert again.moved == [] and again.refused[0][0] == a.pk
    assert AuditEntry.objects.filter(action="workflow.instance.migrate").count() == 1


def test_element_gone_from_history_or_changed_kind_cannot_move(world, admin):
    v1 = world.deploy("linear.bpmn")
    at_review = world.start("zw_test_linear")
    accept(world, at_review)
    v4 = world.deploy("migrate_linear_v4.bpmn")  # "accept" (already done) removed
    row = plan_of(v1, v4)[at_review.pk]
    assert not row.can_move and "窗口受理" in row.reason and "历史" in row.reason

    text = bpmn("linear.bpmn").decode()
    manual = re.sub(
        r'<bpmn:userTask id="review"(.*?)</bpmn:userTask>',
        r'<bpmn:manualTask id="review"\1</bpmn:manualTask>',
        text,
        flags=re.S,
    )
    v5 = actions.definition_deploy(actor=admin, bpmn_xml=manual)
    row = plan_of(v1, v5)[at_review.pk]
    assert not row.can_move and "review" in row.reason and "类型" in row.reason


def test_multi_person_step_in_progress_cannot_move(world, admin):
    v1 = world.deploy("multi_all.bpmn")
    instance = world.start(
        "zw_test_multi_all", variables={"signers": [world.clerk.pk, world.leader.pk]}
    )
    text = bpmn("multi_all.bpmn").decode().replace('name="会签（测试）"', 'name="会签（测试二）"')
    v2 = actions.definition_deploy(actor=admin, bpmn_xml=text)
    row = plan_of(v1, v2)[instance.pk]
    assert not row.can_move and "会签" in row.reason
    result = instances_migrate(actor=admin, definition_from=v1, definition_to=v2,
                               instance_ids=[instance.pk])  # fmt: skip
    assert result.moved == [] and result.refused


def test_unassigned_steps_in_new_version_block_everything(world, admin):
    v1 = world.deploy("linear.bpmn")
    instance = world.start("zw_test_linear")
    text = (
        bpmn("linear.bpmn")
        .decode()
        .replace('<zw:assignment role="wf-leader" organisation="handling" limit="3" />', "")
    )
    v2 = actions.definition_deploy(actor=admin, bpmn_xml=text)
    row = plan_of(v1, v2)[instance.pk]
    assert not row.can_move and "科室审核" in row.reason
    with pytest.raises(ValidationFailed):
        instances_migrate(actor=admin, definition_from=v1, definition_to=v2,
                          instance_ids=[instance.pk])  # fmt: skip
    actions.assignment_rule_set(actor=admin, definition=v2, element_id="review",
                                role_code="wf-leader")  # fmt: skip
    assert plan_of(v1, v2)[instance.pk].can_move


def test_stale_completion_after_migration_is_safe(world, admin):
    """A clerk holding the task from before the move completes it: it runs on the new version;
    a second, stale completion is refused and changes nothing."""
    v1 = world.deploy("linear.bpmn")
    instance = world.start("zw_test_linear")
    stale = only(instance)  # loaded before the move
    v2 = world.deploy("migrate_linear_v2.bpmn")
    instances_migrate(actor=admin, definition_from=v1, definition_to=v2, instance_ids=[instance.pk])
    actions.task_complete(actor=world.clerk, task=stale, decision="approve",
                          form_data={"amount": 5})  # fmt: skip
    instance.refresh_from_db()
    version, state = instance.version, instance.state
    with pytest.raises(Conflict):
        actions.task_complete(actor=world.clerk2, task=stale, decision="approve",
                              form_data={"amount": 6})  # fmt: skip
    instance.refresh_from_db()
    assert (instance.version, instance.state) == (version, state)
    review = only(instance)
    actions.task_complete(actor=world.leader, task=review, decision="approve")
    assert only(instance).element_id == "archive"  # v2's path


def test_plan_is_rechecked_under_the_lock(world, admin):
    """The dry run said "can move", then someone moved the instance on to a step the new
    version lacks: the bulk move refuses it instead of corrupting it."""
    v1 = world.deploy("linear.bpmn")
    instance = world.start("zw_test_linear")
    v3 = world.deploy("migrate_linear_v3.bpmn")
    assert plan_of(v1, v3)[instance.pk].can_move
    accept(world, instance)  # now waiting at "review", which v3 lacks
    result = instances_migrate(actor=admin, definition_from=v1, definition_to=v3,
                               instance_ids=[instance.pk])  # fmt: skip
    assert result.moved == [] and "科室审核" in result.refused[0][1]
    instance.refresh_from_db()
    assert instance.definition == v1
    actions.task_complete(actor=world.leader, task=only(instance), decision="approve")
    instance.refresh_from_db()
    assert instance.status == "completed"


def test_bad_requests(world, admin):
    v1 = world.deploy("linear.bpmn")
    instance = world.start("zw_test_linear")
    v2 = world.deploy("migrate_linear_v2.bpmn")
    other = world.deploy("parallel.bpmn")
    with pytest.raises(ValidationFailed):
        migration_plan(definition_from=v1, definition_to=other)
    with pytest.raises(ValidationFailed):
        migration_plan(definition_from=v1, definition_to=v1)
    for ids in ([], ["1; DROP TABLE workflow_processinstance"], [True], None):
        with pytest.raises(ValidationFailed):
            instances_migrate(actor=admin, definition_from=v1, definition_to=v2, instance_ids=ids)
    with pytest.raises(PermissionDenied):
        instances_migrate(actor=world.clerk, definition_from=v1, definition_to=v2,
                          instance_ids=[instance.pk])  # fmt: skip
    missing = instances_migrate(actor=admin, definition_from=v1, definition_to=v2,
                                instance_ids=[999999])  # fmt: skip
    assert missing.moved == [] and missing.refused[0][0] == 999999
    assert ProcessDefinition.objects.get(pk=v1.pk).instances.count() == 1


@pytest.mark.django_db(transaction=True)
def test_move_and_completion_at_once_on_postgresql(world, admin):
    """An admin moves the instance while a clerk completes its step: the row lock orders them;
    whichever wins, the instance ends up consistent on one version."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    v1 = world.deploy("linear.bpmn")
    instance = world.start("zw_test_linear")
    task = only(instance)
    v3 = world.deploy("migrate_linear_v3.bpmn")  # lacks "review"
    barrier = threading.Barrier(2)
    outcome: dict[str, object] = {}

    def move():
        try:
            barrier.wait()
            outcome["move"] = instances_migrate(
                actor=admin, definition_from=v1, definition_to=v3, instance_ids=[instance.pk]
            )
        finally:
            connections.close_all()

    def complete():
        try:
            barrier.wait()
            actions.task_complete(
                actor=world.clerk, task=task, decision="approve", form_data={"amount": 3}
            )
            outcome["complete"] = "ok"
        except (Conflict, ValidationFailed) as exc:
            outcome["complete"] = str(exc.message)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=move), threading.Thread(target=complete)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcome["complete"] == "ok"
    instance.refresh_from_db()
    waiting = only(instance)
    moved = bool(outcome["move"].moved)
    assert instance.definition == (v3 if moved else v1)
    # Moved first: the clerk's step ran on v3 (next "approve"); otherwise the move was refused
    # because the instance already waited at "review", which v3 lacks.
    assert waiting.element_id == ("approve" if moved else "review")
    assert waiting.element_id in instance.definition.user_tasks
    assert [t.element_id for t in engine.ready_human_tasks(engine.load(instance.state))] == [
        waiting.element_id
    ]
