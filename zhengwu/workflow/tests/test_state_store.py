"""Slim engine state: the specs are stored once (EngineSpec) and referenced by hash; states
written before (specs inline) stay readable and continue."""

import json

import pytest

from zhengwu.workflow import actions, engine
from zhengwu.workflow.models import EngineSpec, ProcessInstance
from zhengwu.workflow.tests.conftest import open_tasks

pytestmark = pytest.mark.django_db


def test_instances_of_a_version_share_one_stored_spec(world):
    world.deploy("parallel.bpmn")
    first = world.start("zw_test_parallel")
    second = world.start("zw_test_parallel")
    assert EngineSpec.objects.count() == 1
    for instance in (first, second):
        state = json.loads(instance.state)
        assert state["spec"] == {engine.SPEC_REF: EngineSpec.objects.get().sha256}
        assert state["subprocess_specs"] == {}
    inline = engine.dump(engine.load(first.state), store=False)
    assert len(inline) - len(first.state) > 3000  # the specs are no longer copied in
    actions.task_complete(actor=world.initiator, task=open_tasks(first)[0], decision="approve")
    assert EngineSpec.objects.count() == 1  # a step re-uses the stored spec


def test_called_processes_are_part_of_the_stored_spec(world):
    world.deploy("called.bpmn", "caller.bpmn")
    instance = world.start("zw_test_caller")
    wf = engine.load(ProcessInstance.objects.get(pk=instance.pk).state)
    assert wf.subprocess_specs  # restored from the stored blob
    assert EngineSpec.objects.count() == 1


def test_an_old_state_with_inline_specs_is_read_and_continues(world):
    world.deploy("linear.bpmn")
    instance = world.start("zw_test_linear")
    old = engine.dump(engine.load(instance.state), store=False)
    assert engine.SPEC_REF not in old
    ProcessInstance.objects.filter(pk=instance.pk).update(state=old)
    EngineSpec.objects.all().delete()  # as before the store existed
    task = open_tasks(instance)[0]
    actions.task_complete(actor=world.clerk, task=task, decision="approve", form_data={"amount": 5})
    instance.refresh_from_db()
    assert [t.element_id for t in open_tasks(instance)] == ["review"]
    assert engine.SPEC_REF in instance.state and EngineSpec.objects.count() == 1


def test_a_missing_stored_spec_is_an_engine_error_not_a_crash(world):
    world.deploy("linear.bpmn")
    instance = world.start("zw_test_linear")
    state = json.loads(instance.state)
    state["spec"] = {engine.SPEC_REF: "0" * 64}
    with pytest.raises(engine.EngineError):
        engine.load(json.dumps(state))


def test_migration_dry_run_stores_nothing(world):
    from zhengwu.workflow.migration import migration_plan

    v1 = world.deploy("linear.bpmn")
    world.start("zw_test_linear")
    v2 = world.deploy("migrate_linear_v2.bpmn")
    before = EngineSpec.objects.count()
    rows = migration_plan(definition_from=v1, definition_to=v2)
    assert rows and rows[0].can_move
    assert EngineSpec.objects.count() == before
