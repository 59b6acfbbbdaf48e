"""Complaints (投诉): from the public pages with the case number and query code, to the
supervisor's inbox with the case history, answered, and the answer shown publicly."""

from typing import Any

import pytest

from zhengwu.eservices.cases import query_code_digest
from zhengwu.eservices.models import Application, ServiceItem
from zhengwu.eservices.registry import case_public_links
from zhengwu.identity.testing import sign_in
from zhengwu.supervision.models import Complaint
from zhengwu.workflow.actions import task_complete
from zhengwu.workflow.models import WorkTask

pytestmark = pytest.mark.django_db
CODE = "ABCD2345"


@pytest.fixture
def case(world: Any) -> Application:
    item = ServiceItem.objects.create(
        name="食品经营许可",
        code="SUP-T-1",
        item_type="licence",
        organisation=world.dept,
        handling_level="city",
        audience="enterprise",
        legal_basis="《食品安全法》",
        conditions="—",
        process_description="—",
        statutory_limit_days=20,
        promised_limit_days=10,
    )
    return Application.objects.create(
        number="YZ2026000123",
        query_code=query_code_digest(CODE),
        item=item,
        handling_organisation=world.dept,
    )


def _complain(client: Any, **overrides: str) -> Any:
    data = {
        "number": "YZ2026000123",
        "code": CODE,
        "complainant_name": "刘女士",
        "contact_phone": "13900000000",
        "content": "办件超期未办结，窗口推诿。",
        **overrides,
    }
    return client.post("/complaints/", data)


def test_complaint_goes_to_the_supervisor_and_the_answer_is_public(
    client: Any, world: Any, case: Application
) -> None:
    assert [url for _label, url in case_public_links(case)] == ["/complaints/?number=YZ2026000123"]
    assert client.get("/complaints/?number=YZ2026000123").status_code == 200
    response = _complain(client)
    assert response.status_code == 200 and response.context["done"] is not None
    complaint = Complaint.objects.get()
    assert complaint.organisation_id == world.dept.pk
    task = WorkTask.objects.get(instance_id=complaint.instance_id, status="open")
    assert task.candidate_role.code == "supervisor" and task.due_date is not None
    sign_in(client, world.supervisor)
    page = client.get(f"/workbench/supervision/complaints/{complaint.pk}/")
    assert page.status_code == 200 and "办件超期未办结" in page.content.decode()
    task_complete(
        actor=world.supervisor,
        task=task,
        decision="approve",
        opinion="已督促部门三日内办结",
        form_data={"outcome": "属实"},
    )
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.ANSWERED and complaint.outcome == "justified"
    client.logout()
    status = client.post("/complaints/status/", {"number": "YZ2026000123", "code": CODE})
    assert "已督促部门三日内办结" in status.content.decode()


def test_wrong_code_or_bad_input_changes_nothing(client: Any, world: Any, case: Any) -> None:
    assert _complain(client, code="WRONG234").status_code == 400
    assert _complain(client, number="<script>alert(1)</script>").status_code == 400
    assert _complain(client, content="   ").status_code == 400
    assert _complain(client, complainant_name="").status_code == 400
    assert (
        client.post("/complaints/status/", {"number": "YZ2026000123", "code": "X"}).status_code
        == 404
    )
    assert not Complaint.objects.exists()


def test_other_supervisors_do_not_see_the_complaint(client: Any, world: Any, case: Any) -> None:
    _complain(client)
    complaint = Complaint.objects.get()
    sign_in(client, world.dept_supervisor)
    assert client.get(f"/workbench/supervision/complaints/{complaint.pk}/").status_code == 404


def test_case_clocks_get_department_category_and_title(world: Any, case: Application) -> None:
    from datetime import date

    from zhengwu.supervision.clocks import clocks_sync
    from zhengwu.supervision.models import Clock
    from zhengwu.workdays.actions import deadline_open

    deadline_open(
        owner_type="eservices.application",
        owner_id=case.pk,
        label="promised",
        start=date(2026, 9, 18),
        working_days=10,
    )
    clocks_sync()
    clock = Clock.objects.get(owner_type="eservices.application")
    assert clock.organisation_id == world.dept.pk
    assert clock.category == f"{case.item_id}:食品经营许可"
    assert clock.title == "YZ2026000123 · 食品经营许可"
    assert clock.url == f"/workbench/cases/{case.pk}/"
