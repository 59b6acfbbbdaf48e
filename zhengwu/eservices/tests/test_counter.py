"""窗口收件: a clerk registers an in-person application; the case then runs like online ones."""

import datetime as dt
import re
from typing import Any

import pytest

from zhengwu.core.errors import NotFound, PermissionDenied, ValidationFailed
from zhengwu.eservices import cases, counter, selectors_cases
from zhengwu.eservices.models import Application, ApplicationEvent, ApplicationMaterial
from zhengwu.identifiers.checksums import generate_resident_id

pytestmark = pytest.mark.django_db
S = Application.Status
ID = generate_resident_id("990100", dt.date(1960, 5, 4), 7)


def data(cw: Any, id_number: str = ID, files: bool = True, **form: Any) -> counter.CounterInput:
    return counter.CounterInput(
        applicant=counter.CounterApplicant("citizen", "黄大爷", id_number, "139 0000 0000"),
        form_data={"shop_name": "黄记小吃", "area": "12", **form},
        files={cw.material.pk: [cw.upload("扫描件.pdf")]} if files else {},
    )


def test_counter_case_is_submitted_and_proceeds_like_online(cw: Any) -> None:
    result = counter.counter_register(actor=cw.clerk, item=cw.item, data=data(cw), token="c" * 32)
    app = result.application
    assert app.status == S.SUBMITTED and app.channel == "counter" and app.applicant is None
    assert app.applicant_id_number == ID and app.form_data == {"shop_name": "黄记小吃", "area": 12}
    assert app.number and len(result.query_code) == 8
    assert selectors_cases.query_application(app.number, result.query_code).pk == app.pk
    assert ApplicationMaterial.objects.filter(application=app).count() == 1
    assert ApplicationEvent.objects.filter(application=app, kind="counter").exists()
    assert cases.open_task(app).element_id == "accept"
    # a replayed form returns the same case, without the code
    again = counter.counter_register(actor=cw.clerk, item=cw.item, data=data(cw), token="c" * 32)
    assert again.application.pk == app.pk and again.query_code == ""
    assert Application.objects.filter(channel="counter").count() == 1
    # then 受理 → 审查 → 决定 as for online cases
    cases.application_accept(actor=cw.clerk, application=app)
    cases.application_review(actor=cw.reviewer, application=app, recommend="approve", opinion="")
    cases.application_decide(
        actor=cw.leader, application=app, approve=True, reason="", legal_basis="",
        fee_charged="10", fee_receipt_number="FS-9",
    )  # fmt: skip
    app.refresh_from_db()
    assert app.status == S.CONCLUDED and app.decision == "approved"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"id_number": "110101199001011234"}, "applicant_id_number"),  # check digit wrong
        ({"id_number": ""}, "applicant_id_number"),
        ({"files": False}, "materials"),
        ({"area": "abc"}, "errors"),
    ],
)
def test_bad_input_registers_nothing(cw: Any, change: dict[str, Any], field: str) -> None:
    kw = {k: v for k, v in change.items() if k in ("id_number", "files")}
    form = {k: v for k, v in change.items() if k not in kw}
    with pytest.raises(ValidationFailed) as exc:
        counter.counter_register(actor=cw.clerk, item=cw.item, data=data(cw, **kw, **form))
    assert field in exc.value.data or exc.value.data.get("field") == field
    assert not Application.objects.exists() and not ApplicationMaterial.objects.exists()


def test_wrong_file_type_and_other_department_refused(cw: Any) -> None:
    bad = data(cw)
    bad.files = {cw.material.pk: [cw.upload("x.pdf", b"MZ\x90\x00 not a pdf")]}
    with pytest.raises(ValidationFailed):
        counter.counter_register(actor=cw.clerk, item=cw.item, data=bad)
    with pytest.raises(PermissionDenied):
        counter.counter_register(actor=cw.other_clerk, item=cw.item, data=data(cw))
    assert not Application.objects.exists()
    assert cw.item not in counter.counter_items(cw.other_clerk)
    draft = cw.w.item("未发布事项")
    with pytest.raises(NotFound):
        counter.counter_register(actor=cw.clerk, item=draft, data=data(cw))


def test_counter_pages_and_receipt(cw: Any, client: Any) -> None:
    client.force_login(cw.clerk)
    assert cw.item.name in client.get("/workbench/cases/counter/").content.decode()
    url = f"/workbench/cases/counter/{cw.item.code}/"
    page = client.get(url).content.decode()
    assert "applicant_id_number" in page and f"material_{cw.material.pk}" in page
    token = re.search(r'name="idempotency_token" value="([^"]+)"', page).group(1)
    post = {
        "idempotency_token": token,
        "applicant_kind": "citizen",
        "applicant_name": "黄大爷",
        "applicant_id_number": "110101199001011234",
        "shop_name": "黄记小吃",
        "area": "12",
    }
    r = client.post(url, {**post, f"material_{cw.material.pk}": cw.upload()})
    assert r.status_code == 400 and not Application.objects.exists()
    assert 'value="黄记小吃"' in r.content.decode()  # typed data kept
    post["applicant_id_number"] = ID
    r = client.post(url, {**post, f"material_{cw.material.pk}": cw.upload()})
    assert r.status_code == 200
    app = Application.objects.get()
    body = r.content.decode()
    code = re.search(r'id="receipt-code"><strong>([A-Z0-9]{8})</strong>', body).group(1)
    assert app.number in body and app.query_code == cases.query_code_digest(code)
    assert ID not in body  # ID masked on the receipt
    # reprint: same receipt without the code; other department: 404
    again = client.get(f"/workbench/cases/{app.pk}/receipt/").content.decode()
    assert app.number in again and code not in again
    client.force_login(cw.other_clerk)
    assert client.get(f"/workbench/cases/{app.pk}/receipt/").status_code == 404
    assert client.get(url).status_code == 404
    # the public query with number + code finds it
    client.logout()
    r = client.post("/services/query/", {"number": app.number, "code": code})
    assert r.status_code == 200 and cw.item.name in r.content.decode()
