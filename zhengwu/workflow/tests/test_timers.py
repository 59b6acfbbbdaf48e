"""Timers: working-day reminders that repeat, timeouts that route, escalate or send back,
timed waits, and the scheduler's guarantees (a finished task's timers never fire; a second
tick fires nothing twice)."""

from datetime import datetime
from io import StringIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from zhengwu.audit.models import AuditEntry
from zhengwu.core.errors import ValidationFailed
from zhengwu.notify.models import Delivery, Message
from zhengwu.workflow import actions
from zhengwu.workflow.models import TaskEvent, TaskTimer
from zhengwu.workflow.tests.conftest import open_tasks

TZ = ZoneInfo("Asia/Shanghai")


def at(day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A moment in December 2026 (1 Dec is a Tuesday; 5–6 and 12–13 are weekends)."""
    return datetime(2026, 12, day, hour, minute, tzinfo=TZ)


def tick(moment: datetime) -> dict[str, int]:
    with time_machine.travel(moment, tick=False):
        return actions.timers_tick()


def reminders(account: Any) -> int:
    return Message.objects.filter(recipient=account, category="workflow.reminder").count()


@pytest.fixture
def timed(world: Any) -> Any:
    world.deploy("timers.bpmn")
    with time_machine.travel(at(3, 10), tick=False):  # Thursday
        instance = world.start("zw_test_timers")
    return instance


@pytest.mark.django_db
def test_reminder_fires_on_the_working_day_before_due_and_repeats(world: Any, timed: Any) -> None:
    [review] = open_tasks(timed)
    # limit 3 working days from Thursday 3 Dec: Fri, Mon, Tue -> due Tuesday 8 Dec
    assert review.due_date.isoformat() == "2026-12-08"
    remind = TaskTimer.objects.get(instance=timed, element_id="remind")
    assert remind.kind == "reminder"
    assert remind.due_at == at(7, 9)  # Monday 09:00, one working day before the due date
    assert tick(at(5, 12)) == {"fired": 0, "skipped": 0, "failed": 0}  # Saturday: nothing
    assert reminders(world.clerk) == 0
    assert tick(at(7, 9, 1))["fired"] == 1
    assert reminders(world.clerk) == 1 and reminders(world.clerk2) == 1  # every candidate
    # SMS as the diagram asks (delivery recorded, even when no mobile number is known)
    assert Delivery.objects.filter(channel="sms").exists()
    remind.refresh_from_db()
    assert remind.fire_count == 1 and remind.due_at == at(8, 9)  # next working day
    assert TaskEvent.objects.filter(task=review, kind="reminded").count() == 1
    assert tick(at(8, 9, 5))["fired"] == 1
    assert reminders(world.clerk) == 2
    assert AuditEntry.objects.filter(action="workflow.timer.fire").count() == 2


@pytest.mark.django_db
def test_reminders_skip_the_weekend(world: Any) -> None:
    world.deploy("timers.bpmn")
    with time_machine.travel(at(1, 10), tick=False):  # Tuesday; due Friday 4 Dec
        instance = world.start("zw_test_timers")
    remind = TaskTimer.objects.get(instance=instance, element_id="remind")
    assert remind.due_at == at(3, 9)
    tick(at(3, 9))
    tick(at(4, 9))
    remind.refresh_from_db()
    assert remind.due_at == at(7, 9)  # Friday's repeat is followed by Monday, not Saturday


@pytest.mark.django_db
def test_timeout_routes_along_the_timer_flow(world: Any, timed: Any) -> None:
    [review] = open_tasks(timed)
    timeout = TaskTimer.objects.get(instance=timed, element_id="timeout")
    assert timeout.due_at == at(9, 0)  # once the due date (Tue 8 Dec) has passed
    tick(at(8, 23, 59))
    assert open_tasks(timed)[0].pk == review.pk
    tick(at(9, 0, 1))
    review.refresh_from_db()
    assert review.status == "cancelled"
    [leader_task] = open_tasks(timed)
    assert leader_task.element_id == "leader_review"
    assert TaskEvent.objects.filter(task=review, kind="timed_out").exists()
    timeout.refresh_from_db()
    assert timeout.status == "fired" and timeout.fired_at is not None
    # the reminder of the cancelled task is cancelled with it
    assert TaskTimer.objects.get(instance=timed, element_id="remind").status == "cancelled"
    actions.task_complete(actor=world.leader, task=leader_task, decision="approve")
    timed.refresh_from_db()
    assert timed.status == "completed"


@pytest.mark.django_db
def test_a_completed_tasks_timers_never_fire(world: Any, timed: Any) -> None:
    [review] = open_tasks(timed)
    with time_machine.travel(at(4, 10), tick=False):
        actions.task_complete(actor=world.clerk, task=review, decision="approve")
    assert set(TaskTimer.objects.filter(instance=timed).values_list("status", flat=True)) == {
        "cancelled"
    }
    assert tick(at(20, 12)) == {"fired": 0, "skipped": 0, "failed": 0}
    assert reminders(world.clerk) == 0
    assert not TaskEvent.objects.filter(instance=timed, kind__in=["reminded", "timed_out"])


@pytest.mark.django_db
def test_double_tick_fires_once(world: Any, timed: Any) -> None:
    moment = at(9, 0, 1)
    assert tick(moment)["fired"] == 2  # the reminder due Monday, once, and the timeout
    assert tick(moment) == {"fired": 0, "skipped": 0, "failed": 0}
    [leader_task] = open_tasks(timed)
    assert leader_task.element_id == "leader_review"
    assert TaskEvent.objects.filter(instance=timed, kind="timed_out").count() == 1
    # a stale runner holding an old list of due timers does nothing either
    remind = TaskTimer.objects.get(instance=timed, element_id="remind")
    with time_machine.travel(moment, tick=False):
        assert not actions.timer_fire(timer_id=remind.pk, instance_id=timed.pk)


@pytest.mark.django_db
def test_timeout_escalates_to_the_leader(world: Any) -> None:
    world.deploy("timeout_escalate.bpmn")
    with time_machine.travel(at(4, 16), tick=False):  # Friday, limit 1 -> due Monday 7 Dec
        instance = world.start("zw_test_escalate")
    [review] = open_tasks(instance)
    actions.task_claim(actor=world.clerk, task=review)
    assert TaskTimer.objects.get(instance=instance).due_at == at(8, 0)
    tick(at(8, 0, 5))
    review.refresh_from_db()
    assert review.status == "open" and review.claimed_by_id is None
    assert review.candidate_role.code == "wf-leader"
    assert actions.may_handle(world.leader, review)
    assert not actions.may_handle(world.clerk, review)
    assert TaskEvent.objects.filter(task=review, kind="escalated").exists()
    assert Message.objects.filter(recipient=world.leader, category="workflow.task").exists()
    actions.task_complete(actor=world.leader, task=review, decision="approve")
    instance.refresh_from_db()
    assert instance.status == "completed"


@pytest.mark.django_db
def test_timed_wait_then_timeout_sends_back(world: Any) -> None:
    world.deploy("timeout_return.bpmn")
    with time_machine.travel(at(4, 10), tick=False):  # Friday
        instance = world.start("zw_test_autoreturn")
    assert open_tasks(instance) == []
    wait = TaskTimer.objects.get(instance=instance, element_id="cooling")
    assert wait.kind == "wait" and wait.due_at == at(8, 10)  # two working days: Mon, Tue
    tick(at(8, 10, 1))
    [draft] = open_tasks(instance)
    assert draft.element_id == "draft" and draft.assignee_id == world.initiator.pk
    with time_machine.travel(at(8, 11), tick=False):
        actions.task_complete(actor=world.initiator, task=draft, decision="approve")
    [review] = open_tasks(instance)
    assert TaskTimer.objects.get(instance=instance, element_id="too_late").due_at == at(11, 11)
    tick(at(11, 11, 1))
    review.refresh_from_db()
    assert review.status == "cancelled"
    [again] = open_tasks(instance)
    assert again.element_id == "draft" and again.assignee_id == world.initiator.pk
    assert TaskEvent.objects.filter(task=review, kind="timed_out").exists()


@pytest.mark.django_db
def test_tick_command_and_task_wrapper(world: Any, timed: Any) -> None:
    out = StringIO()
    with time_machine.travel(at(7, 9, 30), tick=False):
        call_command("workflow_tick", stdout=out)
    assert "fired=1" in out.getvalue()
    from zhengwu.workflow.tasks import workflow_tick_task

    with time_machine.travel(at(7, 9, 31), tick=False):
        result = workflow_tick_task.enqueue()
    assert result.return_value == {"fired": 0, "skipped": 0, "failed": 0}


BAD_TIMER = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:zw="https://zhengwu.example/bpmn" id="d" targetNamespace="x">
  <bpmn:process id="zw_bad_timer" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="t" name="审核"><bpmn:extensionElements>
      <zw:assignment role="wf-clerk" /></bpmn:extensionElements></bpmn:userTask>
    <bpmn:boundaryEvent id="b" name="提醒" cancelActivity="false" attachedToRef="t">
      <bpmn:timerEventDefinition><bpmn:timeDuration>%s</bpmn:timeDuration>
      </bpmn:timerEventDefinition></bpmn:boundaryEvent>
    <bpmn:endEvent id="end" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="t" />
    <bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>"""


@pytest.mark.django_db
def test_bad_timers_are_refused_with_the_element_named(world: Any) -> None:
    with pytest.raises(ValidationFailed) as exc:
        actions.definition_deploy(actor=world.admin, bpmn_xml=BAD_TIMER % "P1M")
    assert "“提醒”（b）" in exc.value.message and "ISO 8601" in exc.value.message
    ok = actions.definition_deploy(actor=world.admin, bpmn_xml=BAD_TIMER % "PT4H")
    assert ok.timers["b"]["kind"] == "reminder" and ok.timers["b"]["after"] == "PT4H"


@pytest.mark.django_db
def test_a_calendar_change_moves_the_pending_due_date_timers(world: Any, timed: Any) -> None:
    from datetime import date

    from zhengwu.workdays.actions import calendar_day_set
    from zhengwu.workdays.models import CalendarDay

    [review] = open_tasks(timed)
    remind = TaskTimer.objects.get(instance=timed, element_id="remind")
    timeout = TaskTimer.objects.get(instance=timed, element_id="timeout")
    assert (remind.due_at, timeout.due_at) == (at(7, 9), at(9))
    with time_machine.travel(at(3, 11), tick=False):
        calendar_day_set(actor=None, date=date(2026, 12, 4), kind=CalendarDay.Kind.HOLIDAY,
                         name="临时假日", note="测试")  # fmt: skip
    review.refresh_from_db()
    assert review.due_date.isoformat() == "2026-12-09"  # one working day later
    remind.refresh_from_db()
    timeout.refresh_from_db()
    # Same transaction, same rules: the day before the new due date, and after it.
    assert remind.due_at == at(8, 9)
    assert timeout.due_at == at(10)
    assert tick(at(7, 9, 1))["fired"] == 0  # the old moment no longer fires anything
    assert tick(at(8, 9, 1))["fired"] == 1


@pytest.mark.django_db
def test_a_fired_repeating_reminder_keeps_its_cadence_when_the_calendar_moves(
    world: Any, timed: Any
) -> None:
    from datetime import date

    from zhengwu.workdays.actions import calendar_day_set
    from zhengwu.workdays.models import CalendarDay

    assert tick(at(7, 9, 1))["fired"] == 1
    remind = TaskTimer.objects.get(instance=timed, element_id="remind")
    following = remind.due_at
    with time_machine.travel(at(7, 10), tick=False):
        calendar_day_set(actor=None, date=date(2026, 12, 8), kind=CalendarDay.Kind.HOLIDAY,
                         name="临时假日", note="测试")  # fmt: skip
    remind.refresh_from_db()
    assert remind.due_at == following and remind.fire_count == 1
    timeout = TaskTimer.objects.get(instance=timed, element_id="timeout")
    assert timeout.due_at == at(10)  # due date Wed 9 Dec now; the timeout moved with it


@pytest.mark.django_db
def test_migration_re_places_the_timers_by_the_new_version(world: Any, timed: Any) -> None:
    from zhengwu.workflow.migration import instances_migrate
    from zhengwu.workflow.tests.conftest import bpmn

    v1 = timed.definition
    xml = bpmn("timers.bpmn").replace(b'beforeDue="1"', b'beforeDue="2"')
    xml = xml.replace(b'name="\xe5\x88\xb0\xe6\x9c\x9f\xe5\x89\x8d\xe6\x8f\x90\xe9\x86\x92"',
                      'name="到期前两日提醒"'.encode())  # fmt: skip
    v2 = actions.definition_deploy(actor=world.admin, bpmn_xml=xml, filename="timers_v2.bpmn")
    assert v2.version == v1.version + 1
    result = instances_migrate(actor=None, definition_from=v1, definition_to=v2,
                               instance_ids=[timed.pk])  # fmt: skip
    assert result.refused == [] and [i.pk for i in result.moved] == [timed.pk]
    pending = TaskTimer.objects.filter(instance=timed, status="pending")
    remind = pending.get(element_id="remind")
    assert remind.due_at == at(4, 9)  # two working days before Tuesday 8 Dec: Friday 4 Dec
    assert remind.element_name == "到期前两日提醒"
    assert pending.get(element_id="timeout").due_at == at(9)
    assert pending.count() == 2  # no duplicate rows for the same engine timer
    assert tick(at(4, 9, 1))["fired"] == 1
