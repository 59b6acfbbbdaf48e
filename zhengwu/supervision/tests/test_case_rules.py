"""The irregularity rules about cases, against real eservices cases driven through the
eservices actions (submit, 补正, accept, review, decide, transfer): what must be flagged is,
and what is regular is not — a joint item (联合审查) or a process without a review step is not
"decided without the required steps"."""

import itertools
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from zhengwu.directory.models import Role
from zhengwu.eservices import cases
from zhengwu.eservices.models import Application
from zhengwu.eservices.tests.conftest import CaseWorld, World
from zhengwu.supervision.actions import processes_deploy, rules_run
from zhengwu.supervision.clocks import clocks_tick
from zhengwu.supervision.models import Clock, Flag
from zhengwu.supervision.rules import (
    correction_repeated,
    decided_without_steps,
    fee_differs,
    reassigned_repeatedly,
)
from zhengwu.workdays import actions as workdays_actions
from zhengwu.workflow.actions import definition_deploy, task_transfer
from zhengwu.workflow.models import WorkTask

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")

# An item process without a review step (即办件: 受理 → 决定).
QUICK_BPMN = Path(__file__).with_name("case_quick.bpmn")


def at(day: date, hour: int = 10) -> Any:
    return time_machine.travel(datetime(day.year, day.month, day.day, hour, tzinfo=TZ), tick=False)


@pytest.fixture
def cw(db: Any, settings: Any) -> CaseWorld:
    for year in (2025, 2026):
        workdays_actions.calendar_year_seed(actor=None, year=year)
    # Built "before" the cases below: the clock sync is incremental (reads deadlines changed
    # since the last sync), so nothing may be stamped later than the days the tests travel to.
    with at(date(2026, 9, 1)):
        world = CaseWorld(World(settings))
        Role.objects.create(code="supervisor", name="监察员")  # the supervision processes name it
        processes_deploy()
    return world


def _decide(cw: CaseWorld, app: Application, **kwargs: Any) -> Application:
    return cases.application_decide(
        actor=cw.leader, application=app, approve=True, reason="", legal_basis="", **kwargs
    )


def _regular(cw: CaseWorld, item: Any = None) -> Application:
    """A case handled by the book: accepted, reviewed, decided, the catalogue fee charged."""
    app, _code = cw.submitted(item=item)
    cases.application_accept(actor=cw.clerk, application=app)
    cases.application_review(actor=cw.reviewer, application=app, recommend="approve", opinion="")
    return _decide(cw, app, fee_charged="10.00", fee_receipt_number="R-0001")


def _flagged(findings: list[Any]) -> set[str]:
    return {f.owner_id for f in findings}


def test_a_case_handled_by_the_book_is_not_flagged(cw: CaseWorld) -> None:
    app = _regular(cw)
    assert app.status == "concluded" and app.fee_charged == 10
    for rule in (correction_repeated, fee_differs, decided_without_steps, reassigned_repeatedly):
        assert str(app.pk) not in _flagged(rule()), rule.__name__


def test_correction_more_than_once_is_flagged(cw: CaseWorld) -> None:
    app, _code = cw.submitted()
    once, _ = cw.submitted(applicant=cw.citizen2)
    for case, rounds in ((app, 2), (once, 1)):
        for _i in range(rounds):
            cases.application_request_correction(
                actor=cw.clerk,
                application=case,
                items=[cases.CorrectionItem(cw.material.pk, "", "缺少签字")],
            )
            cases.application_material_add(
                actor=case.applicant, application=case, material=cw.material, upload=cw.upload()
            )
            cases.application_submit(actor=case.applicant, application=case)
    app.refresh_from_db()
    assert app.correction_count == 2
    found = correction_repeated()
    assert _flagged(found) == {str(app.pk)}
    assert found[0].organisation_id == cw.w.bureau.pk and "2" in found[0].detail


def test_a_fee_other_than_the_catalogue_is_flagged(cw: CaseWorld) -> None:
    app, _code = cw.submitted()
    cases.application_accept(actor=cw.clerk, application=app)
    cases.application_review(actor=cw.reviewer, application=app, recommend="approve", opinion="")
    _decide(cw, app, fee_charged="50.00", fee_receipt_number="R-0002")
    regular = _regular(cw)
    found = fee_differs()
    assert _flagged(found) == {str(app.pk)} and str(regular.pk) not in _flagged(found)
    assert "50" in found[0].detail and "10" in found[0].detail


def test_decided_without_steps_follows_the_case_process(cw: CaseWorld) -> None:
    # A joint item: 联合审查 instead of 审查 — regular.
    joint_item = cw.item
    joint_item.joint_organisations.add(cw.w.other)
    joint, _code = cw.submitted(item=joint_item)
    cases.application_accept(actor=cw.clerk, application=joint)
    cases.application_review(
        actor=cw.other_reviewer, application=joint, recommend="approve", opinion="同意"
    )
    cases.application_review(actor=cw.reviewer, application=joint, recommend="approve", opinion="")
    _decide(cw, joint)
    joint_item.joint_organisations.clear()
    # An item whose process has no review step (即办件) — regular.
    definition_deploy(actor=None, bpmn_xml=QUICK_BPMN.read_bytes(), filename=QUICK_BPMN.name)
    quick_item = cw.w.item("即办事项", status="published")
    quick_item.process_key = "test_case_quick"
    quick_item.save(update_fields=["process_key"])
    quick, _code = cw.submitted(item=quick_item)
    cases.application_accept(actor=cw.clerk, application=quick)
    _decide(cw, quick)
    # A default-process case decided by the book, then its review step struck from the record
    # (what the rule exists to catch: a decision with no completed review behind it).
    tampered = _regular(cw)
    WorkTask.objects.filter(instance_id=tampered.workflow_instance_id, element_id="review").update(
        status="cancelled"
    )
    for case in (joint, quick, tampered):
        case.refresh_from_db()
        assert case.status == "concluded", case
    assert _flagged(decided_without_steps()) == {str(tampered.pk)}


def test_a_case_reassigned_repeatedly_is_flagged(cw: CaseWorld) -> None:
    second = cw.w.staff("reviewer2", "钱审核", cw.w.bureau, cw.reviewer_role)
    app, _code = cw.submitted()
    cases.application_accept(actor=cw.clerk, application=app)
    handlers = [cw.reviewer, second, cw.reviewer, second]
    for giver, taker in itertools.pairwise(handlers):
        task = WorkTask.objects.get(
            instance_id=app.workflow_instance_id, element_id="review", status__in=WorkTask.ACTIVE
        )
        task_transfer(actor=giver, task=task, to=taker, reason="工作调整")
    found = reassigned_repeatedly()
    assert _flagged(found) == {str(app.pk)}
    assert found[0].owner_type == "eservices.application"
    assert found[0].organisation_id == cw.w.bureau.pk


def test_a_case_concluded_after_its_limit_is_flagged_with_its_department(cw: CaseWorld) -> None:
    with at(date(2026, 9, 18)):
        app, _code = cw.submitted()
        cases.application_accept(actor=cw.clerk, application=app)
        clocks_tick()
    app.refresh_from_db()
    assert app.promised_due == date(2026, 10, 9)  # 10 working days over National Day
    with at(date(2026, 10, 13)):
        cases.application_review(
            actor=cw.reviewer, application=app, recommend="approve", opinion=""
        )
        _decide(cw, app)
        clocks_tick()
        flags = rules_run()
    clock = Clock.objects.get(
        owner_type="eservices.application", owner_id=str(app.pk), label="promised"
    )
    assert (clock.is_open, clock.colour, clock.organisation_id) == (False, "red", cw.w.bureau.pk)
    assert clock.category == f"{cw.item.pk}:{cw.item.name}"
    late = [f for f in flags if f.rule == "concluded_late"]
    assert {(f.owner_type, f.owner_id) for f in late} == {("eservices.application", str(app.pk))}
    assert late[0].organisation_id == cw.w.bureau.pk
    # The regular steps of the same case are not flagged, and a second run adds nothing.
    assert {f.rule for f in flags} == {"concluded_late"}
    with at(date(2026, 10, 13)):
        assert rules_run() == []
    assert Flag.objects.count() == 1
