"""Clocks move with the real calendar (chinese-calendar seeded): National Day 2026.

2026 around National Day: Sun 09-20 is a make-up workday, Fri 09-25 … Sun 09-27 中秋节, Thu 10-01 …
Wed 10-07 国庆节, Sat 10-10 a make-up workday. Fri 09-25 (the Friday right before National Day)
is a holiday, so the case is accepted on the last working Friday before it, Fri 09-18. With a
promised limit of 10 working days (09-20, 21, 22, 23, 24, 28, 29, 30, 10-08, 10-09) it is due Fri
10-09. Default rule: yellow at 80 % used (8th working day = Wed 09-30) or 2 working days left
(also 09-30); red from the day after the due date — Sat 10-10, itself a make-up workday.
"""

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from zhengwu.notify.models import Delivery, Message
from zhengwu.supervision.actions import extension_request, rules_run
from zhengwu.supervision.clocks import clocks_evaluate, clocks_sync, clocks_tick
from zhengwu.supervision.models import Card, Clock, Extension, Flag
from zhengwu.supervision.tests.conftest import CASE
from zhengwu.workdays import actions as workdays
from zhengwu.workflow.actions import task_complete
from zhengwu.workflow.models import WorkTask

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
ACCEPTED = date(2026, 9, 18)


def at(day: date, hour: int = 9) -> Any:
    return time_machine.travel(datetime(day.year, day.month, day.day, hour, tzinfo=TZ), tick=False)


def open_case(owner_id: str = "1", start: date = ACCEPTED, days: int = 10) -> Any:
    with at(start):
        return workdays.deadline_open(
            owner_type=CASE, owner_id=owner_id, label="承诺时限", start=start, working_days=days
        )


def tick_on(day: date) -> Clock:
    with at(day):
        clocks_tick()
    return Clock.objects.get(owner_type=CASE, owner_id="1")


def test_a_case_accepted_before_national_day_turns_yellow_and_red_on_the_right_days(
    world: Any,
) -> None:
    deadline = open_case()
    assert deadline.due_date == date(2026, 10, 9)
    colours = {
        day: tick_on(day).colour
        for day in [
            date(2026, 9, 18),
            date(2026, 9, 20),
            date(2026, 9, 29),
            date(2026, 9, 30),
            date(2026, 10, 1),
            date(2026, 10, 7),
            date(2026, 10, 9),
            date(2026, 10, 10),
            date(2026, 10, 12),
        ]
    }
    assert colours == {
        date(2026, 9, 18): "green",
        date(2026, 9, 20): "green",
        date(2026, 9, 29): "green",
        date(2026, 9, 30): "yellow",
        date(2026, 10, 1): "yellow",
        date(2026, 10, 7): "yellow",
        date(2026, 10, 9): "yellow",
        date(2026, 10, 10): "red",
        date(2026, 10, 12): "red",
    }
    cards = list(Card.objects.order_by("pk").values_list("colour", "issued_on"))
    assert cards == [("yellow", date(2026, 9, 30)), ("red", date(2026, 10, 10))]


def test_cards_notify_handler_leader_and_supervisor_in_app_and_by_sms(world: Any) -> None:
    open_case()
    tick_on(date(2026, 9, 30))
    card = Card.objects.get()
    expected = {world.clerk.pk, world.leader.pk, world.supervisor.pk}
    assert set(card.recipients) == expected
    assert (
        set(
            Message.objects.filter(category="supervision.card").values_list(
                "recipient_id", flat=True
            )
        )
        == expected
    )
    assert (
        set(
            Delivery.objects.filter(channel="sms", category="supervision.card").values_list(
                "recipient_id", flat=True
            )
        )
        == expected
    )
    # Another department's leader and a supervisor without scope hear nothing.
    assert not Message.objects.filter(
        recipient__in=[world.other_leader, world.dept_supervisor]
    ).exists()
    # Ticking again the same day issues and sends nothing new.
    tick_on(date(2026, 9, 30))
    assert Card.objects.count() == 1
    assert Message.objects.filter(category="supervision.card").count() == 3


def test_one_message_per_person_for_many_cards(world: Any) -> None:
    for i in range(1, 6):
        open_case(owner_id=str(i))
    tick_on(date(2026, 9, 30))
    assert Card.objects.count() == 5
    assert Message.objects.filter(recipient=world.leader, category="supervision.card").count() == 1
    assert "5" in Message.objects.get(recipient=world.leader).subject


def test_suspension_stops_the_clock(world: Any) -> None:
    open_case()
    tick_on(date(2026, 9, 29))
    with at(date(2026, 9, 29)):
        workdays.deadline_suspend(
            owner_type=CASE, owner_id="1", on=date(2026, 9, 29), reason="专家评审"
        )
    for day in (date(2026, 9, 30), date(2026, 10, 9), date(2026, 10, 12)):
        clock = tick_on(day)
        assert (clock.colour, clock.is_paused) == ("green", True)
    with at(date(2026, 10, 12)):
        workdays.deadline_resume(owner_type=CASE, owner_id="1", on=date(2026, 10, 12))
    # 09-30, 10-08, 10-09, 10-10, 10-12 given back: due Thu 10-15, yellow from Tue 10-13.
    clock = tick_on(date(2026, 10, 12))
    assert (clock.due_date, clock.yellow_on, clock.colour, clock.is_paused) == (
        date(2026, 10, 15),
        date(2026, 10, 13),
        "green",
        False,
    )
    assert tick_on(date(2026, 10, 13)).colour == "yellow"
    assert tick_on(date(2026, 10, 15)).colour == "yellow"
    assert tick_on(date(2026, 10, 16)).colour == "red"
    assert list(Card.objects.values_list("colour", "issued_on")) == [
        ("yellow", date(2026, 10, 13)),
        ("red", date(2026, 10, 16)),
    ]


def test_an_approved_extension_moves_the_due_date_and_keeps_the_red_card(world: Any) -> None:
    open_case()
    assert tick_on(date(2026, 10, 10)).colour == "red"
    clock = Clock.objects.get()
    with at(date(2026, 10, 12)):
        extension = extension_request(
            actor=world.clerk,
            clock=clock,
            extra_working_days="5",
            reason="需现场核查，经负责人批准延长",
        )
        task = WorkTask.objects.get(instance_id=extension.instance_id, status="open")
        assert task.candidate_role.code == "leader"
        task_complete(actor=world.leader, task=task, decision="approve", opinion="同意延长")
    extension.refresh_from_db()
    assert extension.status == Extension.Status.APPROVED
    assert (extension.old_due_date, extension.new_due_date) == (
        date(2026, 10, 9),
        date(2026, 10, 15),
    )
    clock = tick_on(date(2026, 10, 12))
    # 15 working days from 09-18 end Thu 10-15; yellow from the 12th working day (10-12).
    assert (clock.due_date, clock.colour) == (date(2026, 10, 15), "yellow")
    assert Card.objects.filter(colour="red").count() == 1  # the history stays
    assert tick_on(date(2026, 10, 16)).colour == "red"


def test_a_refused_extension_changes_nothing(world: Any) -> None:
    open_case()
    tick_on(date(2026, 10, 8))
    clock = Clock.objects.get()
    with at(date(2026, 10, 8)):
        extension = extension_request(
            actor=world.clerk, clock=clock, extra_working_days=3, reason="材料复杂"
        )
        task = WorkTask.objects.get(instance_id=extension.instance_id, status="open")
        task_complete(actor=world.leader, task=task, decision="reject", opinion="理由不充分")
    extension.refresh_from_db()
    assert extension.status == Extension.Status.REFUSED
    assert tick_on(date(2026, 10, 8)).due_date == date(2026, 10, 9)


def test_extension_requests_are_checked(world: Any) -> None:
    from zhengwu.core.errors import Conflict, NotFound, ValidationFailed

    open_case()
    tick_on(date(2026, 9, 21))
    clock = Clock.objects.get()
    with at(date(2026, 9, 21)):
        for days in ("0", "61", "x", ""):
            with pytest.raises(ValidationFailed):
                extension_request(
                    actor=world.clerk, clock=clock, extra_working_days=days, reason="理由"
                )
        with pytest.raises(ValidationFailed):
            extension_request(actor=world.clerk, clock=clock, extra_working_days=2, reason=" ")
        with pytest.raises(NotFound):  # another department's leader
            extension_request(
                actor=world.other_leader, clock=clock, extra_working_days=2, reason="理由"
            )
        extension_request(actor=world.clerk, clock=clock, extra_working_days=2, reason="理由")
        with pytest.raises(Conflict):  # double submit
            extension_request(actor=world.clerk, clock=clock, extra_working_days=2, reason="理由")
    assert Extension.objects.count() == 1


def test_a_concluded_late_case_keeps_its_red_card_and_is_flagged(world: Any) -> None:
    open_case()
    assert tick_on(date(2026, 10, 10)).colour == "red"
    with at(date(2026, 10, 13)):
        workdays.deadline_close(owner_type=CASE, owner_id="1")
    clock = tick_on(date(2026, 10, 13))
    assert (clock.is_open, clock.colour, clock.closed_on) == (False, "red", date(2026, 10, 13))
    assert clock.elapsed_days == 13  # 10-13 is the 13th working day after 09-18
    assert Card.objects.filter(clock=clock, colour="red").count() == 1
    # Later ticks leave a closed clock alone.
    assert tick_on(date(2026, 11, 2)).colour == "red"
    with at(date(2026, 10, 13)):
        flags = rules_run()
        assert rules_run() == []  # no duplicate flags
    assert [f.rule for f in flags] == ["concluded_late"]
    flag = flags[0]
    task = WorkTask.objects.get(instance_id=flag.instance_id, status="open")
    assert task.element_id == "explain" and task.candidate_organisation_id == world.dept.pk
    task_complete(actor=world.leader, task=task, decision="approve", opinion="系统故障导致延误")
    flag.refresh_from_db()
    assert flag.status == Flag.Status.EXPLAINED and flag.explanation == "系统故障导致延误"
    review = WorkTask.objects.get(instance_id=flag.instance_id, status="open")
    assert review.element_id == "accept"
    task_complete(actor=world.supervisor, task=review, decision="reject", opinion="理由不成立")
    flag.refresh_from_db()
    assert flag.status == Flag.Status.CONFIRMED and flag.review_opinion == "理由不成立"


def test_concluded_late_between_ticks_gets_a_late_red_card(world: Any) -> None:
    open_case()
    tick_on(date(2026, 10, 8))  # yellow
    with at(date(2026, 10, 12)):
        workdays.deadline_close(owner_type=CASE, owner_id="1")
    clock = tick_on(date(2026, 10, 12))
    assert clock.colour == "red"
    assert Card.objects.filter(colour="red", reason="late").count() == 1


def test_a_case_concluded_in_time_stays_as_it_was(world: Any) -> None:
    open_case()
    tick_on(date(2026, 9, 22))
    with at(date(2026, 9, 23)):
        workdays.deadline_close(owner_type=CASE, owner_id="1")
    clock = tick_on(date(2026, 10, 20))
    assert (clock.colour, clock.is_open, clock.elapsed_days) == ("green", False, 4)
    assert not Card.objects.exists()


def test_evaluation_is_set_based(world: Any, django_assert_max_num_queries: Any) -> None:
    for i in range(1, 41):
        open_case(owner_id=str(i))
    with at(date(2026, 9, 21)):
        clocks_sync()
    with at(date(2026, 10, 10)), django_assert_max_num_queries(6):
        assert clocks_evaluate() == 40
    assert Clock.objects.filter(colour="red").count() == 40
    assert Card.objects.count() == 40
    with at(date(2026, 10, 10)), django_assert_max_num_queries(6):
        assert clocks_evaluate() == 0


def test_workflow_task_limits_have_clocks(world: Any) -> None:
    open_case()
    tick_on(date(2026, 9, 21))
    with at(date(2026, 9, 21)):
        extension = extension_request(
            actor=world.clerk, clock=Clock.objects.get(), extra_working_days=2, reason="理由"
        )
        clocks_tick()
    task = WorkTask.objects.get(instance_id=extension.instance_id)
    clock = Clock.objects.get(owner_type="workflow.task", owner_id=str(task.pk))
    assert clock.organisation_id == world.dept.pk
    assert clock.due_date == task.due_date
    assert clock.title.endswith("审批延长")
