"""Scorecards (绩效考核): the numbers on a card equal the rows behind them; a weight change
changes the score, is audited and keeps the old version; recomputing is idempotent; who sees
what; Excel and PDF; 好差评 on the dashboard (numbers = rows); complaint outcomes."""

from datetime import date, datetime
from decimal import Decimal
from io import BytesIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from openpyxl import load_workbook

from zhengwu.audit.models import AuditEntry
from zhengwu.core.errors import ValidationFailed
from zhengwu.eservices.cases import query_code_digest
from zhengwu.eservices.models import Application, Rating, ServiceItem
from zhengwu.identity.testing import sign_in
from zhengwu.supervision import scorecards
from zhengwu.supervision.actions import complaint_submit, rules_run
from zhengwu.supervision.clocks import clocks_tick
from zhengwu.supervision.models import Complaint, Flag, Scorecard, ScoringRule
from zhengwu.supervision.tests.conftest import CASE, _perms
from zhengwu.workdays import actions as workdays
from zhengwu.workflow.actions import task_complete
from zhengwu.workflow.models import WorkTask

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
OCT = date(2026, 10, 1)
BASE = "/workbench/supervision/scorecards/"


def at(day: date, hour: int = 10) -> Any:
    return time_machine.travel(datetime(day.year, day.month, day.day, hour, tzinfo=TZ), tick=False)


def _item(world: Any, org: Any, code: str) -> ServiceItem:
    return ServiceItem.objects.create(
        name=f"事项{code}",
        code=code,
        item_type="licence",
        organisation=org,
        handling_level="city",
        audience="enterprise",
        legal_basis="—",
        conditions="—",
        process_description="—",
        statutory_limit_days=20,
        promised_limit_days=10,
    )


def _case(item: ServiceItem, number: str) -> Application:
    return Application.objects.create(
        number=number,
        query_code=query_code_digest("ABCD2345"),
        item=item,
        handling_organisation=item.organisation,
    )


def _answer_complaint(world: Any, complaint: Complaint, outcome: str) -> None:
    task = WorkTask.objects.get(instance_id=complaint.instance_id, status="open")
    task_complete(
        actor=world.supervisor,
        task=task,
        decision="approve",
        opinion="已核查并督促整改",
        form_data={"outcome": outcome},
    )


@pytest.fixture
def month(world: Any) -> Any:
    """October 2026. dept: 4 limits concluded (1 late, confirmed irregularity), ratings 5/4/1
    (the bad one rectified), 2 complaints (属实, 不属实). other: 1 limit on time, rating 2
    (not rectified), 1 complaint 部分属实. Plus September data that must not count."""
    for owner, org, start, close in [  # in time order: the clock sync is incremental
        ("s1", world.dept, date(2026, 9, 1), date(2026, 9, 10)),  # September
        ("d1", world.dept, date(2026, 9, 18), date(2026, 10, 8)),
        ("d2", world.dept, date(2026, 9, 21), date(2026, 10, 9)),
        ("d3", world.dept, date(2026, 10, 8), date(2026, 10, 12)),
        ("d4", world.dept, date(2026, 9, 18), date(2026, 10, 13)),  # due 10-09: late
        ("o1", world.other, date(2026, 10, 8), date(2026, 10, 14)),
    ]:
        world.orgs[owner] = org.pk
        with at(start):
            workdays.deadline_open(
                owner_type=CASE, owner_id=owner, label="承诺时限", start=start, working_days=10
            )
        with at(close):
            workdays.deadline_close(owner_type=CASE, owner_id=owner)
            clocks_tick()
    with at(date(2026, 10, 14)):
        (flag,) = [f for f in rules_run() if f.owner_id == "d4"]
        explain = WorkTask.objects.get(instance_id=flag.instance_id, status="open")
        task_complete(actor=world.leader, task=explain, decision="approve", opinion="人手不足")
        review = WorkTask.objects.get(instance_id=flag.instance_id, status="open")
        task_complete(actor=world.supervisor, task=review, decision="reject", opinion="不成立")
    item_a, item_b = _item(world, world.dept, "SC-A"), _item(world, world.other, "SC-B")
    cases = [_case(item_a, f"YZ20260001{i}") for i in range(4)]
    other_case = _case(item_b, "YZ202600020")
    with at(date(2026, 10, 20)):
        for case, level in zip(cases[:3], (5, 4, 1), strict=True):
            Rating.objects.create(application=case, level=level, comment="")
        Rating.objects.filter(level=1).update(
            rectification_response="已整改", responded_at=datetime(2026, 10, 21, tzinfo=TZ)
        )
        Rating.objects.create(application=other_case, level=2, comment="慢")
        for case, outcome in [(cases[0], "属实"), (cases[1], "不属实"), (other_case, "部分属实")]:
            complaint = complaint_submit(
                number=case.number,
                code="ABCD2345",
                complainant_name="刘女士",
                contact_phone="13900000000",
                content="办理太慢",
            )
            _answer_complaint(world, complaint, outcome)
    with at(date(2026, 9, 20)):
        Rating.objects.create(application=cases[3], level=1, comment="九月")
    return world


def _card(org: Any) -> Scorecard:
    return Scorecard.objects.get(organisation=org, month=OCT)


def test_card_numbers_equal_the_rows_behind_them(client: Any, month: Any) -> None:
    cards = scorecards.scorecards_compute(month=OCT)
    assert len(cards) == 2
    dept = _card(month.dept)
    assert (dept.closed_total, dept.closed_late, dept.flags_confirmed) == (4, 1, 1)
    assert (dept.ratings_total, dept.ratings_satisfied, dept.ratings_bad) == (3, 2, 1)
    assert (dept.complaints_total, dept.complaints_justified, dept.complaints_partly) == (2, 1, 0)
    other = _card(month.other)
    assert (other.closed_total, other.ratings_total, other.complaints_partly) == (1, 1, 1)
    # The default rule: on time 75 % of a 95 % target → 78.9; 1 irregularity → 80;
    # 2 of 3 satisfied → 66.7; 1 justified complaint → 75; weighted 40/20/25/15 → 75.5.
    assert (dept.score_on_time, dept.score_flags, dept.score_ratings, dept.score_complaints) == (
        Decimal("78.9"),
        Decimal("80.0"),
        Decimal("66.7"),
        Decimal("75.0"),
    )
    assert dept.score == Decimal("75.5")
    # other: on time 100, irregularities 100, ratings 0 (one 不满意), complaints 90 → 73.5.
    assert other.score == Decimal("73.5")
    assert (dept.rank, other.rank) == (1, 2)
    sign_in(client, month.supervisor)
    expected = {
        "on_time": dept.closed_total,
        "flags": dept.flags_confirmed,
        "ratings": dept.ratings_total,
        "complaints": dept.complaints_total,
    }
    for component, n in expected.items():
        page = client.get(f"{BASE}{dept.pk}/{component}/")
        assert page.status_code == 200
        assert page.context["page"].paginator.count == n, component
    late = client.get(f"{BASE}{dept.pk}/on_time/").context["page"].object_list
    assert sum(c.closed_on > c.due_date for c in late) == dept.closed_late
    rows = scorecards.scorecard_rows(dept, "ratings")
    assert sum(r.level >= 4 for r in rows) == dept.ratings_satisfied
    ranking = client.get(f"{BASE}?month=2026-10")
    assert [c.organisation_id for c in ranking.context["cards"]] == [month.dept.pk, month.other.pk]
    assert client.get(f"{BASE}{dept.pk}/nonsense/").status_code == 404


def test_a_weight_change_changes_the_score_is_audited_and_old_cards_reproduce(
    client: Any, month: Any
) -> None:
    call_command("supervision_scorecards", "--month", "2026-10")
    old_rule = ScoringRule.objects.get()
    before = _card(month.dept).score
    sign_in(client, month.supervisor)
    values = {
        "weight_on_time": 70,
        "weight_flags": 10,
        "weight_ratings": 10,
        "weight_complaints": 10,
        "on_time_target": 95,
        "flag_penalty": 20,
        "satisfied_level": 4,
        "complaint_penalty": 25,
        "partly_penalty": 10,
    }
    bad = client.post(f"{BASE}rule/", {**values, "weight_flags": 30})  # sums to 120
    assert bad.status_code == 400 and ScoringRule.objects.count() == 1
    response = client.post(f"{BASE}rule/", {**values, "note": "更重视按时办结"})
    assert response.status_code == 302
    assert client.post(f"{BASE}rule/", values).status_code == 302  # same values: no new version
    new_rule = ScoringRule.objects.order_by("-pk").first()
    assert ScoringRule.objects.count() == 2 and new_rule.created_by == month.supervisor
    entry = AuditEntry.objects.get(action="supervision.scoring_rule.update")
    assert entry.changes["weight_on_time"] == [40, 70]
    assert entry.changes["previous_version"] == old_rule.pk
    # Recomputing without asking for the current rule reproduces the month as it was.
    call_command("supervision_scorecards", "--month", "2026-10")
    assert _card(month.dept).score == before and _card(month.dept).rule == old_rule
    # The supervisor recomputes with the current rule: 78.9×.7 + 80×.1 + 66.7×.1 + 75×.1.
    assert client.post(f"{BASE}compute/", {"month": "2026-10"}).status_code == 302
    card = _card(month.dept)
    assert card.rule == new_rule and card.score == Decimal("77.4") != before
    computed = (
        AuditEntry.objects.filter(action="supervision.scorecards.compute").order_by("pk").last()
    )
    assert computed.changes["scores_changed"][str(month.dept.pk)] == [str(before), "77.4"]
    # The old version is kept and still gives the old card.
    scorecards.scorecards_compute(month=OCT, rule=old_rule)
    assert _card(month.dept).score == before


def test_recomputing_is_idempotent(month: Any) -> None:
    call_command("supervision_scorecards", "--month", "2026-10")
    first = list(Scorecard.objects.order_by("organisation_id").values("organisation_id", "score"))
    call_command("supervision_scorecards", "--month", "2026-10")
    again = list(Scorecard.objects.order_by("organisation_id").values("organisation_id", "score"))
    assert first == again and len(again) == 2
    call_command("supervision_scorecards", "--month", "2026-09")
    sept = Scorecard.objects.get(month=date(2026, 9, 1))
    assert (sept.organisation_id, sept.closed_total, sept.ratings_total) == (month.dept.pk, 1, 1)
    assert Scorecard.objects.count() == 3


def test_who_sees_and_edits_what(client: Any, month: Any) -> None:
    from zhengwu.directory.models import Role

    scorecards.scorecards_compute(month=OCT)
    dept, other = _card(month.dept), _card(month.other)
    # The department's leader: its own card only; no rule editing, no computing.
    sign_in(client, month.leader)
    ranking = client.get(f"{BASE}?month=2026-10")
    assert [c.pk for c in ranking.context["cards"]] == [dept.pk]
    assert client.get(f"{BASE}{dept.pk}/").status_code == 200
    assert client.get(f"{BASE}{dept.pk}/ratings/").status_code == 200
    assert client.get(f"{BASE}{other.pk}/").status_code == 404
    assert client.get(f"{BASE}{other.pk}/flags/").status_code == 404
    assert client.post(f"{BASE}rule/", {"weight_on_time": 100}).status_code == 403
    assert client.post(f"{BASE}compute/", {"month": "2026-10"}).status_code == 403
    with pytest.raises(Exception):  # noqa: B017 - PermissionDenied from the action itself
        scorecards.scoring_rule_update(actor=month.leader, values={})
    # A clerk without card permissions sees nothing.
    sign_in(client, month.clerk)
    assert list(client.get(f"{BASE}?month=2026-10").context["cards"]) == []
    assert client.get(f"{BASE}{dept.pk}/").status_code == 404
    # A supervisor of one department sees that department only.
    sign_in(client, month.dept_supervisor)
    assert [c.pk for c in client.get(f"{BASE}?month=2026-10").context["cards"]] == [other.pk]
    # A city leader with the ranking permission sees all, but cannot edit the rule.
    role = Role.objects.create(code="cityleader", name="市领导")
    role.permissions.set(_perms("view_ranking"))
    mayor = month.staff("mayor", "市长", month.city, role, subtree=True)
    sign_in(client, mayor)
    cards = client.get(f"{BASE}?month=2026-10").context["cards"]
    assert [c.pk for c in cards] == [dept.pk, other.pk]
    assert client.get(f"{BASE}rule/").status_code == 403


def test_excel_and_pdf_exports(client: Any, month: Any) -> None:
    scorecards.scorecards_compute(month=OCT)
    sign_in(client, month.supervisor)
    xlsx = client.get(f"{BASE}?month=2026-10&export=xlsx")
    assert xlsx.status_code == 200
    rows = list(load_workbook(BytesIO(xlsx.content)).active.iter_rows(values_only=True))
    assert len(rows) == 3
    assert rows[1][1] == month.dept.name and rows[2][1] == month.other.name
    assert float(rows[1][2]) == 75.5
    pdf = client.get(f"{BASE}?month=2026-10&export=pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    one = client.get(f"{BASE}{_card(month.dept).pk}/?export=pdf")
    assert one.status_code == 200 and one.content.startswith(b"%PDF")


def test_rule_values_are_checked(month: Any) -> None:
    with pytest.raises(ValidationFailed):
        scorecards.scoring_rule_update(
            actor=month.supervisor,
            values={"weight_on_time": "x", "weight_flags": 100},
        )
    with pytest.raises(ValidationFailed):
        scorecards.month_parse("2026-13")
    assert ScoringRule.objects.count() <= 1


def test_complaint_outcome_is_required_and_shown_publicly(client: Any, month: Any) -> None:
    case = Application.objects.get(number="YZ202600013")
    complaint = complaint_submit(
        number=case.number,
        code="ABCD2345",
        complainant_name="王先生",
        contact_phone="13900000001",
        content="材料被退回三次",
    )
    task = WorkTask.objects.get(instance_id=complaint.instance_id, status="open")
    with pytest.raises(ValidationFailed):
        task_complete(actor=month.supervisor, task=task, decision="approve", opinion="已答复")
    _answer_complaint(month, complaint, "部分属实")
    complaint.refresh_from_db()
    assert complaint.outcome == "partly"
    page = client.post("/complaints/status/", {"number": case.number, "code": "ABCD2345"})
    assert complaint.get_outcome_display() in page.content.decode()
    assert "complaint-outcome" in page.content.decode()


def test_ratings_on_the_dashboard_equal_the_rows_behind_them(client: Any, month: Any) -> None:
    sign_in(client, month.supervisor)
    page = client.get("/workbench/supervision/")
    ratings = page.context["ratings"]
    assert (ratings["total"]["n"], ratings["total"]["bad"], ratings["total"]["rectified"]) == (
        5,
        3,
        1,
    )
    by_org = {r["application__handling_organisation_id"]: r for r in ratings["by_organisation"]}
    assert by_org[month.dept.pk]["n"] == 4 and by_org[month.dept.pk]["share"] == 50.0
    for _title, _key, rows in page.context["ratings_tables"]:
        for r in rows:
            listed = client.get(f"/workbench/supervision/ratings/?{r['param']}")
            assert listed.context["page"].paginator.count == r["n"], r
            bad = client.get(f"/workbench/supervision/ratings/?{r['param']}&bad=1")
            assert bad.context["page"].paginator.count == r["bad"], r
    open_ = client.get("/workbench/supervision/ratings/?rectified=no")
    assert open_.context["page"].paginator.count == ratings["total"]["unrectified"] == 2
    # Filters apply to ratings too (date = when rated): October only.
    october = client.get("/workbench/supervision/?from=2026-10-01&to=2026-10-31&state=all")
    assert october.context["ratings"]["total"]["n"] == 4
    # A supervisor of the other department sees its ratings only.
    sign_in(client, month.dept_supervisor)
    scoped = client.get("/workbench/supervision/").context["ratings"]["total"]
    assert scoped["n"] == 1
    assert Flag.objects.filter(status="confirmed").count() == 1
