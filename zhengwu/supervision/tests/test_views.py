"""Dashboard numbers equal the rows behind them; drill-down; access; exports; the card rule."""

from datetime import date, datetime
from io import BytesIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from openpyxl import load_workbook

from zhengwu.audit.models import AuditEntry
from zhengwu.identity.testing import sign_in
from zhengwu.supervision import selectors
from zhengwu.supervision.clocks import clocks_tick
from zhengwu.supervision.models import Clock, Flag, RuleSettings
from zhengwu.supervision.tests.conftest import CASE
from zhengwu.workdays import actions as workdays
from zhengwu.workflow.models import WorkTask

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
TODAY = datetime(2026, 10, 12, 10, tzinfo=TZ)


@pytest.fixture
def cases(world: Any) -> Any:
    """12 cases in two departments: starts spread so that colours differ on 10-12; 3 closed."""
    with time_machine.travel(datetime(2026, 9, 1, 9, tzinfo=TZ), tick=False):
        for i in range(1, 13):
            owner = f"{'AB'[i % 2]}{i}"
            world.orgs[owner] = world.dept.pk if i % 3 else world.other.pk
            workdays.deadline_open(
                owner_type=CASE,
                owner_id=owner,
                label="承诺时限",
                start=date(2026, 9, i),
                working_days=15 + i,
            )
    with time_machine.travel(datetime(2026, 9, 28, 9, tzinfo=TZ), tick=False):
        for owner in ("B1", "A2", "B3"):
            workdays.deadline_close(owner_type=CASE, owner_id=owner)
    with time_machine.travel(TODAY, tick=False):
        clocks_tick()
    return world


def _numbers_equal_rows(client: Any, actor: Any, query: str) -> None:
    response = client.get("/workbench/supervision/?" + query)
    assert response.status_code == 200
    for row in response.context["counts"]:
        for colour in ("green", "yellow", "red"):
            link = (
                f"/workbench/supervision/clocks/?{response.context['filters'].query()}"
                f"&organisation={row['organisation_id']}&colour={colour}"
            )
            listed = client.get(link)
            assert listed.context["page"].paginator.count == row[colour], (row, colour)


def test_dashboard_numbers_equal_the_rows_behind_them(client: Any, cases: Any) -> None:
    sign_in(client, cases.supervisor)
    with time_machine.travel(TODAY, tick=False):
        counts = selectors.counts_by_organisation(cases.supervisor, selectors.ClockFilters())
        assert sum(r["total"] for r in counts) == 9
        assert {r["red"] for r in counts} != {0}
        for row in counts:
            f = selectors.ClockFilters(organisation_id=row["organisation_id"])
            assert selectors.clock_list(cases.supervisor, f).count() == row["total"]
        _numbers_equal_rows(client, cases.supervisor, "")
        _numbers_equal_rows(
            client, cases.supervisor, f"organisation={cases.dept.pk}&from=2026-09-03"
        )
        _numbers_equal_rows(client, cases.supervisor, "region=9901&type=test.case")


def test_on_time_and_processing_times_match_their_lists(client: Any, cases: Any) -> None:
    sign_in(client, cases.supervisor)
    with time_machine.travel(TODAY, tick=False):
        response = client.get("/workbench/supervision/")
        on_time = response.context["on_time"]
        assert on_time["total"] == 3
        late = client.get("/workbench/supervision/clocks/?state=late")
        assert late.context["page"].paginator.count == on_time["late"]
        for row in response.context["times"]:
            listed = client.get(
                "/workbench/supervision/clocks/", {"state": "closed", "category": row["category"]}
            )
            assert listed.context["page"].paginator.count == row["n"]
            days = sorted(c.elapsed_days for c in listed.context["page"].object_list)
            assert row["p90"] == days[-(-9 * len(days) // 10) - 1]
        data = client.get("/workbench/supervision/data/").json()
        assert sum(r["total"] for r in data["by_organisation"]) == 9
        assert data["on_time"] == on_time


def test_drill_down_to_one_clock_and_its_timeline(client: Any, cases: Any) -> None:
    sign_in(client, cases.supervisor)
    with time_machine.travel(TODAY, tick=False):
        red = client.get("/workbench/supervision/clocks/?colour=red")
        clock = red.context["page"].object_list[0]
        page = client.get(f"/workbench/supervision/clocks/{clock.pk}/")
        assert page.status_code == 200
        kinds = [e["what"] for e in page.context["timeline"]]
        assert kinds[0] == "start" and "card" in kinds
        response = client.post(
            f"/workbench/supervision/clocks/{clock.pk}/", {"detail": "请说明超期原因"}
        )
        assert response.status_code == 302
        flag = Flag.objects.get()
        task = WorkTask.objects.get(instance_id=flag.instance_id)
        assert task.candidate_organisation_id == clock.organisation_id
        again = client.post(f"/workbench/supervision/clocks/{clock.pk}/", {"detail": "再次督办"})
        assert again.status_code == 400 and Flag.objects.count() == 1
        assert (
            client.post(f"/workbench/supervision/clocks/{clock.pk}/", {"detail": " "}).status_code
            == 400
        )


def test_excel_export_lists_the_filtered_rows(client: Any, cases: Any) -> None:
    sign_in(client, cases.supervisor)
    with time_machine.travel(TODAY, tick=False):
        response = client.get("/workbench/supervision/clocks/?colour=red&export=xlsx")
    ws = load_workbook(BytesIO(response.content)).active
    assert ws.max_row - 1 == Clock.objects.filter(colour="red", is_open=True).count()


def test_access(client: Any, cases: Any) -> None:
    clock = Clock.objects.filter(organisation=cases.dept).first()
    sign_in(client, cases.clerk)
    assert client.get("/workbench/supervision/").status_code == 403
    # A supervisor of another department sees neither the clock nor its numbers.
    sign_in(client, cases.dept_supervisor)
    assert client.get(f"/workbench/supervision/clocks/{clock.pk}/").status_code == 404
    listed = client.get("/workbench/supervision/clocks/?state=all")
    assert all(c.organisation_id == cases.other.pk for c in listed.context["page"].object_list)
    # The other department's leader cannot ask to extend this clock.
    sign_in(client, cases.other_leader)
    assert client.get(f"/workbench/supervision/clocks/{clock.pk}/extension/").status_code == 404
    sign_in(client, cases.clerk)
    assert client.get(f"/workbench/supervision/clocks/{clock.pk}/extension/").status_code == 200
    response = client.post(
        f"/workbench/supervision/clocks/{clock.pk}/extension/",
        {"extra_working_days": "<script>", "reason": "x"},
    )
    assert response.status_code == 400


def test_the_supervisor_edits_the_card_rule_audited(client: Any, cases: Any) -> None:
    sign_in(client, cases.supervisor)
    with time_machine.travel(TODAY, tick=False):
        before = Clock.objects.filter(colour="yellow").count()
        assert (
            client.post(
                "/workbench/supervision/rule/", {"yellow_share": "101", "yellow_days_left": "2"}
            ).status_code
            == 400
        )
        assert (
            client.post(
                "/workbench/supervision/rule/", {"yellow_share": "50", "yellow_days_left": "5"}
            ).status_code
            == 302
        )
        clocks_tick()
    assert (
        RuleSettings.objects.get().yellow_share,
        RuleSettings.objects.get().yellow_days_left,
    ) == (50, 5)
    assert AuditEntry.objects.filter(action="supervision.rule.update").count() == 1
    assert Clock.objects.filter(colour="yellow").count() >= before


def test_flag_pages(client: Any, cases: Any) -> None:
    from zhengwu.supervision.actions import rules_run

    with time_machine.travel(TODAY, tick=False):
        flags = rules_run()
    sign_in(client, cases.supervisor)
    assert client.get("/workbench/supervision/flags/").status_code == 200
    for flag in flags:
        assert client.get(f"/workbench/supervision/flags/{flag.pk}/").status_code == 200
    sign_in(client, cases.leader)
    for flag in flags:
        expected = 200 if flag.organisation_id == cases.dept.pk else 404
        assert client.get(f"/workbench/supervision/flags/{flag.pk}/").status_code == expected
