"""Running processes end to end through the actions: gateways, 会签, sub-processes, 退回 …"""

import pytest

from zhengwu.audit.models import AuditEntry
from zhengwu.core.errors import Conflict, PermissionDenied, ValidationFailed
from zhengwu.notify.models import Message
from zhengwu.workdays.models import Deadline
from zhengwu.workflow import actions, engine
from zhengwu.workflow.models import ProcessInstance, TaskCopy, TaskEvent, WorkTask
from zhengwu.workflow.tests.conftest import SUBJECT, open_tasks

pytestmark = pytest.mark.django_db


def only(instance):
    tasks = open_tasks(instance)
    assert len(tasks) == 1, [t.element_id for t in tasks]
    return tasks[0]


def test_linear_approval_end_to_end(world):
    world.deploy("linear.bpmn")
    instance = world.start("zw_test_linear")
    accept = only(instance)
    assert (accept.element_id, accept.element_name) == ("accept", "窗口受理")
    assert (
        accept.candidate_role == world.clerk_role and accept.candidate_organisation == world.bureau
    )
    assert accept.due_date is not None
    assert Deadline.objects.filter(
        owner_type="workflow.task", owner_id=str(accept.pk), is_open=True
    ).exists()
    # Candidates were told in-app.
    assert Message.objects.filter(
        recipient=world.clerk, link=f"/workbench/workflow/tasks/{accept.pk}/"
    ).exists()
    actions.task_complete(
        actor=world.clerk,
        task=accept,
        decision="approve",
        opinion="材料齐全",
        form_data={"amount": "1200.50"},
    )
    accept.refresh_from_db()
    assert accept.status == "completed" and accept.completed_by == world.clerk
    assert accept.form_data == {"amount": 1200.5}
    assert not Deadline.objects.filter(owner_id=str(accept.pk), is_open=True).exists()
    review = only(instance)
    assert review.element_id == "review" and review.candidate_role == world.leader_role
    # The next step sees the value entered before (read-only there).
    assert actions.task_meta(review)["fields"][0]["access"] == "readonly"
    # A read-only field posted anyway is ignored (and the attempt is on record).
    actions.task_complete(
        actor=world.leader, task=review, decision="approve", form_data={"amount": 1}
    )
    review.refresh_from_db()
    assert review.form_data == {}
    assert AuditEntry.objects.filter(action="workflow.task.field_refused").count() == 1
    instance.refresh_from_db()
    assert instance.status == "completed" and instance.ended_at is not None
    kinds = list(instance.events.values_list("kind", flat=True))
    assert kinds == [
        "started",
        "created",
        "completed",
        "created",
        "field_refused",
        "completed",
        "ended",
    ]
    assert AuditEntry.objects.filter(action="workflow.task.complete").count() == 2
    assert AuditEntry.objects.filter(action="workflow.instance.start").count() == 1


def test_required_field_and_bad_values(world):
    world.deploy("linear.bpmn")
    accept = only(world.start("zw_test_linear"))
    for form in ({}, {"amount": "abc"}, {"amount": "NaN"}, {"secret": "x"}):
        with pytest.raises(ValidationFailed):
            actions.task_complete(
                actor=world.clerk, task=accept, decision="approve", form_data=form
            )
    accept.refresh_from_db()
    assert accept.status == "open"
    with pytest.raises(ValidationFailed):
        actions.task_complete(
            actor=world.clerk, task=accept, decision="maybe", form_data={"amount": 1}
        )
    with pytest.raises(ValidationFailed):  # disagreeing needs an opinion
        actions.task_complete(
            actor=world.clerk, task=accept, decision="reject", form_data={"amount": 1}
        )


def test_other_organisation_cannot_handle(world):
    world.deploy("linear.bpmn")
    accept = only(world.start("zw_test_linear"))
    with pytest.raises(PermissionDenied):
        actions.task_complete(
            actor=world.outsider, task=accept, decision="approve", form_data={"amount": 1}
        )
    with pytest.raises(PermissionDenied):
        actions.task_claim(actor=world.leader, task=accept)


@pytest.mark.parametrize(("decision", "end"), [("approve", "end_ok"), ("reject", "end_refused")])
def test_exclusive_gateway_routes_on_the_decision(world, decision, end):
    world.deploy("exclusive.bpmn")
    instance = world.start("zw_test_exclusive")
    actions.task_complete(actor=world.clerk, task=only(instance), decision=decision, opinion="意见")
    instance.refresh_from_db()
    if decision == "approve":
        approve = only(instance)
        # handling_parent: the bureau's parent is the city government.
        assert approve.candidate_organisation == world.city
        actions.task_complete(actor=world.city_leader, task=approve, decision="approve")
        instance.refresh_from_db()
    assert instance.status == "completed"
    path = engine.completed_elements(engine.load(instance.state))
    assert end in path and ({"end_ok", "end_refused"} - {end}).isdisjoint(path)
    assert open_tasks(instance) == []


def test_script_task_runs_restricted(world):
    world.deploy("exclusive.bpmn")
    instance = world.start("zw_test_exclusive")
    actions.task_complete(actor=world.clerk, task=only(instance), decision="approve")
    actions.task_complete(actor=world.city_leader, task=only(instance), decision="approve")
    wf = engine.load(ProcessInstance.objects.get(pk=instance.pk).state)
    assert wf.last_task.data.get("result") == "approved"


def test_restricted_engine_blocks_builtins():
    env = engine.RestrictedEnvironment()
    assert env.evaluate("len(x) + 1", {"x": [1, 2]}) == 3
    for bad in ("open('/etc/passwd')", "__import__('os')", "().__class__", "getattr(x, 'y')"):
        with pytest.raises((ValueError, NameError)):
            env.evaluate(bad, {"x": 1})


def test_parallel_countersign_joins(world):
    world.deploy("parallel.bpmn")
    instance = world.start("zw_test_parallel")
    draft = only(instance)
    assert draft.assignee == world.initiator
    actions.task_complete(actor=world.initiator, task=draft, decision="approve")
    sign_a, sign_b = open_tasks(instance)
    assert (sign_a.candidate_organisation, sign_b.candidate_organisation) == (
        world.dept_a,
        world.dept_b,
    )
    actions.task_complete(actor=world.clerk_a, task=sign_a, decision="approve")
    assert [t.element_id for t in open_tasks(instance)] == ["sign_b"]
    actions.task_complete(actor=world.clerk_b, task=sign_b, decision="approve")
    final = only(instance)
    assert final.element_id == "final"


def test_send_back_out_of_countersign_leaves_no_orphans_and_rejoins(world):
    world.deploy("parallel.bpmn")
    instance = world.start("zw_test_parallel")
    actions.task_complete(actor=world.initiator, task=only(instance), decision="approve")
    sign_a, sign_b = open_tasks(instance)
    assert actions.send_back_targets(sign_a) == [("draft", "拟稿")]
    actions.task_send_back(
        actor=world.clerk_a, task=sign_a, to_element_id="draft", opinion="请补充依据"
    )
    sign_b.refresh_from_db()
    assert sign_b.status == "cancelled"
    assert not Deadline.objects.filter(owner_id=str(sign_b.pk), is_open=True).exists()
    draft = only(instance)
    assert draft.element_id == "draft" and draft.assignee == world.initiator
    # Resubmitted: both departments sign again, the join waits for both, then the final step.
    actions.task_complete(actor=world.initiator, task=draft, decision="approve")
    a2, b2 = open_tasks(instance)
    actions.task_complete(actor=world.clerk_b, task=b2, decision="approve")
    actions.task_complete(actor=world.clerk_a, task=a2, decision="approve")
    final = only(instance)
    actions.task_complete(actor=world.leader, task=final, decision="approve")
    instance.refresh_from_db()
    assert instance.status == "completed"
    assert WorkTask.objects.filter(instance=instance, status__in=["open", "claimed"]).count() == 0
    event = TaskEvent.objects.get(instance=instance, kind="sent_back")
    assert (event.actor, event.target, event.opinion) == (
        world.clerk_a,
        world.initiator,
        "请补充依据",
    )


def test_send_back_goes_to_the_previous_handler(world):
    world.deploy("sendback.bpmn")
    instance = world.start("zw_test_sendback")
    actions.task_complete(actor=world.initiator, task=only(instance), decision="approve")
    actions.task_complete(actor=world.clerk2, task=only(instance), decision="approve")
    approve = only(instance)
    with pytest.raises(ValidationFailed):
        actions.task_send_back(actor=world.leader, task=approve, to_element_id="review", opinion="")
    with pytest.raises(ValidationFailed):
        actions.task_send_back(
            actor=world.leader, task=approve, to_element_id="nowhere", opinion="x"
        )
    actions.task_send_back(
        actor=world.leader, task=approve, to_element_id="review", opinion="金额有误"
    )
    review = only(instance)
    assert review.element_id == "review" and review.assignee == world.clerk2
    # Decision variables of the undone steps are gone: the step starts clean.
    actions.task_complete(actor=world.clerk2, task=review, decision="approve")
    assert only(instance).element_id == "approve"


def test_multi_instance_all_needs_everyone(world):
    world.deploy("multi_all.bpmn")
    signers = [world.clerk.pk, world.clerk_a.pk, world.clerk_b.pk]
    instance = world.start("zw_test_multi_all", variables={"signers": signers})
    tasks = open_tasks(instance)
    assert sorted(t.assignee_id for t in tasks) == sorted(signers)
    assert len({t.multi_parent for t in tasks}) == 1
    for t in tasks:
        actions.task_complete(actor=t.assignee, task=t, decision="approve")
    instance.refresh_from_db()
    assert instance.status == "completed"
    path = engine.completed_elements(engine.load(instance.state))
    assert "end_ok" in path and "end_refused" not in path


def test_multi_instance_all_one_refusal_ends_it(world):
    world.deploy("multi_all.bpmn")
    instance = world.start(
        "zw_test_multi_all", variables={"signers": [world.clerk.pk, world.clerk_a.pk]}
    )
    first, second = open_tasks(instance)
    actions.task_complete(actor=first.assignee, task=first, decision="reject", opinion="不同意")
    second.refresh_from_db()
    instance.refresh_from_db()
    assert second.status == "cancelled" and instance.status == "completed"
    path = engine.completed_elements(engine.load(instance.state))
    assert "end_refused" in path and "end_ok" not in path


def test_multi_instance_any_first_answer_decides(world):
    world.deploy("multi_any.bpmn")
    instance = world.start(
        "zw_test_multi_any", variables={"signers": [world.clerk.pk, world.clerk_a.pk]}
    )
    first, second = open_tasks(instance)
    actions.task_complete(actor=second.assignee, task=second, decision="approve")
    first.refresh_from_db()
    instance.refresh_from_db()
    assert first.status == "cancelled" and instance.status == "completed"


def test_multi_instance_sequence_one_after_another(world):
    world.deploy("multi_sequence.bpmn")
    instance = world.start(
        "zw_test_multi_sequence", variables={"signers": [world.clerk_a.pk, world.clerk_b.pk]}
    )
    first = only(instance)
    assert first.assignee == world.clerk_a
    actions.task_complete(actor=world.clerk_a, task=first, decision="approve")
    second = only(instance)
    assert second.assignee == world.clerk_b
    actions.task_complete(actor=world.clerk_b, task=second, decision="approve")
    instance.refresh_from_db()
    assert instance.status == "completed"


def test_multi_instance_bad_variable_is_refused(world):
    world.deploy("multi_all.bpmn")
    with pytest.raises(ValidationFailed):
        world.start("zw_test_multi_all", variables={"signers": [999999]})
    assert ProcessInstance.objects.count() == 0


def test_embedded_subprocess(world):
    world.deploy("subprocess.bpmn")
    instance = world.start("zw_test_subprocess")
    inner = only(instance)
    assert inner.element_id == "internal_review" and inner.scope == "internal"
    actions.task_complete(actor=world.clerk, task=inner, decision="approve")
    final = only(instance)
    assert final.element_id == "final"
    actions.task_complete(actor=world.leader, task=final, decision="approve")
    instance.refresh_from_db()
    assert instance.status == "completed"


def test_call_activity_uses_latest_called_version_at_start(world):
    world.deploy("called.bpmn", "caller.bpmn")
    instance = world.start("zw_test_caller")
    called = only(instance)
    assert called.element_id == "called_review" and called.scope == "zw_test_called"
    actions.task_complete(actor=world.clerk, task=called, decision="approve")
    final = only(instance)
    actions.task_complete(actor=world.leader, task=final, decision="approve")
    instance.refresh_from_db()
    assert instance.status == "completed"


def test_running_instance_keeps_its_version(world):
    v1 = world.deploy("linear.bpmn")
    instance = world.start("zw_test_linear")
    from zhengwu.workflow.tests.conftest import bpmn

    changed = bpmn("linear.bpmn").replace("科室审核".encode(), "科室复核".encode())
    v2 = actions.definition_deploy(actor=world.admin, bpmn_xml=changed)
    actions.task_complete(
        actor=world.clerk, task=only(instance), decision="approve", form_data={"amount": 5}
    )
    assert only(instance).element_name == "科室审核"
    assert instance.definition == v1
    newer = world.start("zw_test_linear")
    assert newer.definition == v2


def test_claim_release_and_double_claim(world):
    world.deploy("linear.bpmn")
    accept = only(world.start("zw_test_linear"))
    actions.task_claim(actor=world.clerk, task=accept)
    with pytest.raises(Conflict) as info:
        actions.task_claim(actor=world.clerk2, task=accept)
    assert "张承办" in str(info.value.message)
    with pytest.raises((Conflict, PermissionDenied)):
        actions.task_complete(
            actor=world.clerk2, task=accept, decision="approve", form_data={"amount": 1}
        )
    actions.task_release(actor=world.clerk, task=accept)
    actions.task_claim(actor=world.clerk2, task=accept)
    accept.refresh_from_db()
    assert accept.claimed_by == world.clerk2


def test_concurrent_completion_with_stale_object(world):
    world.deploy("linear.bpmn")
    instance = world.start("zw_test_linear")
    accept = only(instance)
    stale = WorkTask.objects.get(pk=accept.pk)
    actions.task_complete(
        actor=world.clerk, task=accept, decision="approve", form_data={"amount": 1}
    )
    before = (WorkTask.objects.count(), TaskEvent.objects.count(), AuditEntry.objects.count())
    with pytest.raises(Conflict) as info:
        actions.task_complete(
            actor=world.clerk2, task=stale, decision="approve", form_data={"amount": 2}
        )
    assert "张承办" in str(info.value.message)
    assert (
        WorkTask.objects.count(),
        TaskEvent.objects.count(),
        AuditEntry.objects.count(),
    ) == before


def test_transfer_and_delegate(world):
    world.deploy("linear.bpmn")
    instance = world.start("zw_test_linear")
    accept = only(instance)
    actions.task_claim(actor=world.clerk, task=accept)
    actions.task_transfer(actor=world.clerk, task=accept, to=world.clerk2, reason="出差")
    accept.refresh_from_db()
    assert accept.assignee == world.clerk2 and accept.claimed_by is None
    with pytest.raises(PermissionDenied):
        actions.task_complete(
            actor=world.clerk, task=accept, decision="approve", form_data={"amount": 1}
        )
    # 委派: the delegate answers, the task comes back to the delegator to decide.
    actions.task_delegate(actor=world.clerk2, task=accept, to=world.clerk_a, note="请协助核实")
    actions.task_complete(actor=world.clerk_a, task=accept, decision="approve", opinion="已核实")
    accept.refresh_from_db()
    assert accept.status == "claimed" and accept.claimed_by == world.clerk2
    assert accept.delegated_by is None
    actions.task_complete(
        actor=world.clerk2, task=accept, decision="approve", form_data={"amount": 3}
    )
    assert only(instance).element_id == "review"
    with pytest.raises(ValidationFailed):
        actions.task_transfer(actor=world.leader, task=only(instance), to=world.leader)


def test_withdraw_before_first_step_is_handled(world):
    world.deploy("linear.bpmn")
    instance = world.start("zw_test_linear")
    with pytest.raises(PermissionDenied):
        actions.instance_withdraw(actor=world.clerk, instance=instance)
    actions.instance_withdraw(actor=world.initiator, instance=instance, reason="填错了")
    instance.refresh_from_db()
    assert instance.status == "withdrawn"
    assert open_tasks(instance) == []
    other = world.start("zw_test_linear")
    actions.task_complete(
        actor=world.clerk, task=only(other), decision="approve", form_data={"amount": 1}
    )
    with pytest.raises(Conflict) as info:
        actions.instance_withdraw(actor=world.initiator, instance=other)
    assert "张承办" in str(info.value.message)


def test_copy_for_information(world):
    world.deploy("linear.bpmn")
    instance = world.start("zw_test_linear")
    actions.task_copy(
        actor=world.initiator,
        instance=instance,
        recipients=[world.leader, world.leader],
        note="请知悉",
    )
    assert TaskCopy.objects.filter(instance=instance, recipient=world.leader).count() == 1
    from zhengwu.core.errors import NotFound

    with pytest.raises(NotFound):
        actions.task_copy(actor=world.outsider, instance=instance, recipients=[world.clerk])


def test_unknown_subject_type_and_missing_definition(world):
    world.deploy("linear.bpmn")
    with pytest.raises(ValidationFailed):
        actions.instance_start(
            actor=world.initiator,
            definition_key="zw_test_linear",
            owner_type="nope.nope",
            owner_id=1,
            title="x",
            organisation=world.bureau,
        )
    with pytest.raises(ValidationFailed):
        world.start("zw_no_such_process")
    with pytest.raises(ValidationFailed):
        world.start("zw_test_linear", variables={"__builtins__": 1})
    assert ProcessInstance.objects.count() == 0


def test_a_start_prepared_before_the_transaction_writes_what_was_prepared(world):
    world.deploy("linear.bpmn")
    prepared = actions.instance_prepare(
        actor=world.initiator, definition_key="zw_test_linear", organisation=world.bureau
    )
    assert not ProcessInstance.objects.exists() and not WorkTask.objects.exists()  # only read
    [(row, told)] = prepared.rows
    assert row.pk is None and row.element_id == "accept" and row.due_date is not None
    assert {a.pk for a in told} == {world.clerk.pk, world.clerk2.pk}
    instance = actions.instance_start(
        actor=world.initiator, definition_key="zw_test_linear", owner_type=SUBJECT, owner_id="7",
        title="预先准备的流程", organisation=world.bureau, prepared=prepared,
    )  # fmt: skip
    accept = only(instance)
    assert accept.pk == row.pk and accept.spiff_task_id == row.spiff_task_id
    assert Message.objects.filter(recipient=world.clerk2, link__endswith=f"/{accept.pk}/").exists()
    assert engine.load(ProcessInstance.objects.get(pk=instance.pk).state)  # state written once
    # Used once: a second start with it is worked out again (another instance, other rows).
    again = actions.instance_start(
        actor=world.initiator, definition_key="zw_test_linear", owner_type=SUBJECT, owner_id="8",
        title="再来一个", organisation=world.bureau, prepared=prepared,
    )  # fmt: skip
    assert again.pk != instance.pk and only(again).pk != accept.pk
    # Prepared for other inputs (here another organisation): worked out again, not trusted.
    other = actions.instance_prepare(
        actor=world.initiator, definition_key="zw_test_linear", organisation=world.other
    )
    third = actions.instance_start(
        actor=world.initiator, definition_key="zw_test_linear", owner_type=SUBJECT, owner_id="9",
        title="换了部门", organisation=world.bureau, prepared=other,
    )  # fmt: skip
    assert only(third).candidate_organisation == world.bureau
