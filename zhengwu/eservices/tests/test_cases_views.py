"""The case pages through HTTP: applicant side, public query and disclosure, workbench."""

import io
from typing import Any

import pytest
from django.urls import reverse

from zhengwu.eservices import cases, selectors_cases
from zhengwu.eservices.models import Application, ApplicationMaterial
from zhengwu.identity.testing import sign_in

pytestmark = pytest.mark.django_db
S = Application.Status


def detail_url(app: Application) -> str:
    return reverse("eservices:application_detail", args=[app.pk])


def test_guide_offers_apply_and_apply_resumes_the_draft(client: Any, cw: Any) -> None:
    url = reverse("eservices:guide", args=[cw.item.code])
    assert "apply-online" in client.get(url).content.decode()
    sign_in(client, cw.citizen)
    r1 = client.post(reverse("eservices:apply", args=[cw.item.code]))
    r2 = client.post(reverse("eservices:apply", args=[cw.item.code]))
    assert r1.status_code == 302 and r1["Location"] == r2["Location"]
    assert Application.objects.filter(applicant=cw.citizen).count() == 1


def test_the_form_is_filled_and_submitted_in_one_post(client: Any, cw: Any) -> None:
    """在线申请 opens the blank form; one post with the fields, a file and 提交 makes the case, and
    a replay of that post (double click, retry) finds the same case."""
    sign_in(client, cw.citizen)
    url = reverse("eservices:apply", args=[cw.item.code])
    page = client.get(url).content.decode()
    assert 'name="idempotency_token"' in page and cw.material.name in page
    assert "新申请，尚未保存" in page
    assert not Application.objects.filter(applicant=cw.citizen).exists()  # no empty draft
    token = page.split('name="idempotency_token" value="')[1].split('"')[0]
    post = {"action": "submit", "shop_name": "面馆", "area": "12", "idempotency_token": token,
            "contact_phone": "13800138000"}  # fmt: skip
    r = client.post(url, {**post, f"material_{cw.material.pk}": cw.upload()})
    app = Application.objects.get(applicant=cw.citizen)
    assert r.status_code == 302 and r["Location"] == detail_url(app)
    assert app.status == S.SUBMITTED and app.number and app.workflow_instance_id
    assert app.form_data == {"shop_name": "面馆", "area": 12}
    assert app.contact_phone == "13800138000"
    page = client.get(detail_url(app)).content.decode()
    code = page.split('id="query-code"')[1].split("<strong>")[1].split("</strong>")[0]
    assert selectors_cases.query_application(app.number, code).pk == app.pk
    assert not any(k.startswith("qc_") for k, _v in client.session.items())  # not kept server-side
    assert 'id="query-code"' not in client.get(detail_url(app)).content.decode()  # shown once
    r = client.post(url, {**post, f"material_{cw.material.pk}": cw.upload()})
    assert r.status_code == 302 and r["Location"] == detail_url(app)
    assert Application.objects.filter(applicant=cw.citizen).count() == 1
    assert ApplicationMaterial.objects.filter(application=app).count() == 1
    # Applying again later is a new case; the old one stays as it was.
    assert client.get(url).status_code == 200


def test_the_query_code_is_shown_on_its_own_case_page_only(client: Any, cw: Any) -> None:
    """One cookie carries the newest case's code: submissions do not pile up cookies, and a
    code is never shown on another case's page."""
    sign_in(client, cw.citizen)
    url = reverse("eservices:apply", args=[cw.item.code])
    apps = []
    for token in ("first-token-0123456789", "second-token-0123456789"):
        client.post(url, {"action": "submit", "shop_name": "面馆", "area": "12",
                          "idempotency_token": token,
                          f"material_{cw.material.pk}": cw.upload()})  # fmt: skip
        apps.append(Application.objects.get(idempotency_key=token))
    assert [k for k in client.cookies if k.startswith("zw_qc")] == ["zw_qc"]
    assert 'id="query-code"' not in client.get(detail_url(apps[0])).content.decode()
    page = client.get(detail_url(apps[1])).content.decode()
    code = page.split('id="query-code"')[1].split("<strong>")[1].split("</strong>")[0]
    assert selectors_cases.query_application(apps[1].number, code).pk == apps[1].pk


def test_a_refused_first_post_keeps_the_draft_and_what_was_typed(client: Any, cw: Any) -> None:
    sign_in(client, cw.citizen)
    url = reverse("eservices:apply", args=[cw.item.code])
    bad = cw.upload("a.pdf", b"GIF89a not really")
    r = client.post(url, {"action": "submit", "shop_name": "面馆", "area": "12",
                          f"material_{cw.material.pk}": bad})  # fmt: skip
    assert r.status_code == 400
    body = r.content.decode()
    assert cw.material.name in body and 'value="面馆"' in body
    app = Application.objects.get(applicant=cw.citizen)
    assert app.status == S.DRAFT and app.form_data["shop_name"] == "面馆"
    assert f'action="{detail_url(app)}"' in body  # the corrected form goes to the draft
    # The form comes back as the draft; submitting without the file names what is missing.
    assert client.get(url)["Location"] == detail_url(app)
    r = client.post(detail_url(app), {"action": "submit", "shop_name": "面馆", "area": "12"})
    assert r.status_code == 400 and cw.material.name in r.content.decode()
    app.refresh_from_db()
    assert app.status == S.DRAFT and app.number is None


def test_a_post_with_a_file_field_not_of_the_item_is_refused(client: Any, cw: Any) -> None:
    sign_in(client, cw.citizen)
    url = reverse("eservices:apply", args=[cw.item.code])
    r = client.post(url, {"action": "save", "shop_name": "面馆", "material_999999": cw.upload()})
    assert r.status_code == 404
    r = client.post(url, {"action": "save", "evil": cw.upload()})
    assert r.status_code == 404
    assert not Application.objects.filter(applicant=cw.citizen).exists()


def test_staff_cannot_apply(client: Any, cw: Any) -> None:
    sign_in(client, cw.clerk)
    r = client.post(reverse("eservices:apply", args=[cw.item.code]))
    assert r.status_code == 403


def test_full_public_apply_with_upload_and_errors(client: Any, cw: Any) -> None:
    sign_in(client, cw.citizen)
    app = cases.application_draft_create(actor=cw.citizen, item=cw.item)
    url = detail_url(app)
    # bad form + wrong file type: Chinese errors, draft kept with the typed values
    bad = cw.upload("a.pdf", b"GIF89a not really")
    r = client.post(
        url,
        {"action": "submit", "shop_name": "", "area": "abc", f"material_{cw.material.pk}": bad},
    )
    assert r.status_code == 400
    body = r.content.decode()
    assert cw.material.name in body
    app.refresh_from_db()
    assert app.status == S.DRAFT
    # save draft, come back later
    r = client.post(url, {"action": "save", "shop_name": "面馆", "area": "12"})
    assert r.status_code == 302
    assert 'value="面馆"' in client.get(url).content.decode()
    # upload two files for the same material, then submit
    r = client.post(
        url,
        {
            "action": "save",
            "shop_name": "面馆",
            "area": "12",
            f"material_{cw.material.pk}": [cw.upload("a.pdf"), cw.upload("b.pdf")],
        },
    )
    assert r.status_code == 302
    assert ApplicationMaterial.objects.filter(application=app).count() == 2
    r = client.post(url, {"action": "submit", "shop_name": "面馆", "area": "12"})
    assert r.status_code == 302
    page = client.get(url).content.decode()
    app.refresh_from_db()
    assert app.status == S.SUBMITTED and app.number in page
    assert 'id="query-code"' in page
    # double submit: same case, no error
    r = client.post(url, {"action": "submit", "shop_name": "面馆", "area": "12"})
    assert r.status_code in (302, 409)
    assert Application.objects.filter(applicant=cw.citizen).exclude(number=None).count() == 1
    # my applications
    assert app.number in client.get(reverse("eservices:my_applications")).content.decode()


def test_other_applicant_gets_404(client: Any, cw: Any) -> None:
    app, _code = cw.submitted()
    sign_in(client, cw.citizen2)
    assert client.get(detail_url(app)).status_code == 404
    assert client.post(detail_url(app), {"action": "withdraw"}).status_code == 404
    assert app.number not in client.get(reverse("eservices:my_applications")).content.decode()


def test_material_file_readable_by_applicant_and_handling_staff_only(client: Any, cw: Any) -> None:
    app, _code = cw.submitted()
    f = ApplicationMaterial.objects.filter(application=app).first().file
    url = reverse("files:download", args=[f.uuid])
    sign_in(client, cw.citizen)
    assert client.get(url).status_code == 200
    sign_in(client, cw.clerk)
    assert client.get(url).status_code == 200
    sign_in(client, cw.other_clerk)
    assert client.get(url).status_code in (403, 404)
    sign_in(client, cw.citizen2)
    assert client.get(url).status_code in (403, 404)


def test_public_query_same_not_found_for_wrong_code(client: Any, cw: Any) -> None:
    app, code = cw.submitted()
    url = reverse("eservices:query")
    r = client.post(url, {"number": app.number, "code": code.lower()})
    assert r.status_code == 200 and "query-result" in r.content.decode()
    assert "陈小明" not in r.content.decode() and "陈**" in r.content.decode()
    wrong = client.post(url, {"number": app.number, "code": "XXXXXXXX"})
    missing = client.post(url, {"number": "nope", "code": code})
    assert wrong.status_code == missing.status_code == 404
    assert (
        "' OR 1=1 --"
        not in client.post(url, {"number": "' OR 1=1 --", "code": "x"}).content.decode()
    )


def test_disclosure_masks_names(client: Any, cw: Any) -> None:
    app, _ = cw.submitted()
    cases.application_not_accept(actor=cw.clerk, application=app, reason="不属于本机关职权")
    r = client.get(reverse("eservices:disclosure"), {"q": app.number})
    body = r.content.decode()
    assert app.number in body and "陈小明" not in body and "陈**" in body


def test_workbench_list_detail_and_steps(client: Any, cw: Any) -> None:
    app, _ = cw.submitted()
    sign_in(client, cw.clerk)
    r = client.get(reverse("cases:list"), {"q": app.number})
    assert r.status_code == 200 and app.number in r.content.decode()
    r = client.get(reverse("cases:detail", args=[app.pk]))
    assert r.status_code == 200 and "step-accept" in r.content.decode()
    r = client.post(
        reverse("cases:step", args=[app.pk, "correction"]),
        {f"m_{cw.material.pk}": "1", f"note_{cw.material.pk}": "缺少盖章"},
    )
    assert r.status_code == 302
    app.refresh_from_db()
    assert app.status == S.CORRECTION_REQUESTED
    # the applicant sees the whole notice
    sign_in(client, cw.citizen)
    page = client.get(detail_url(app)).content.decode()
    assert "缺少盖章" in page and "correction-notice" in page
    client.post(
        detail_url(app),
        {
            "action": "submit",
            "shop_name": "面馆",
            "area": "12",
            f"material_{cw.material.pk}": cw.upload("fixed.pdf"),
        },
    )
    app.refresh_from_db()
    assert app.status == S.SUBMITTED
    sign_in(client, cw.clerk)
    assert client.post(reverse("cases:step", args=[app.pk, "accept"])).status_code == 302
    r = client.post(reverse("cases:step", args=[app.pk, "accept"]))
    assert r.status_code == 409  # a second click
    sign_in(client, cw.reviewer)
    client.post(reverse("cases:step", args=[app.pk, "review"]), {"recommend": "approve"})
    sign_in(client, cw.leader)
    r = client.post(
        reverse("cases:step", args=[app.pk, "decide"]),
        {"decision": "refuse", "reason": "", "legal_basis": ""},
    )
    assert r.status_code == 400
    r = client.post(
        reverse("cases:step", args=[app.pk, "decide"]),
        {"decision": "refuse", "reason": "场所不符", "legal_basis": "食品安全法"},
    )
    assert r.status_code == 302
    app.refresh_from_db()
    assert app.status == S.CONCLUDED and app.decision == "refused"
    sign_in(client, cw.citizen)
    page = client.get(detail_url(app)).content.decode()
    assert "行政复议" in page and "场所不符" in page
    r = client.post(detail_url(app), {"action": "rate", "level": "2", "comment": "太慢了"})
    assert r.status_code == 302
    sign_in(client, cw.leader)
    r = client.post(reverse("cases:step", args=[app.pk, "respond"]), {"response": "已整改"})
    assert r.status_code == 302
    sign_in(client, cw.citizen)
    assert "已整改" in client.get(detail_url(app)).content.decode()


def test_other_department_gets_404(client: Any, cw: Any) -> None:
    app, _ = cw.submitted()
    sign_in(client, cw.other_clerk)
    assert client.get(reverse("cases:detail", args=[app.pk])).status_code == 404
    assert client.post(reverse("cases:step", args=[app.pk, "accept"])).status_code == 404
    assert app.number not in client.get(reverse("cases:list")).content.decode()


def test_excel_export(client: Any, cw: Any) -> None:
    from openpyxl import load_workbook

    app, _ = cw.submitted()
    sign_in(client, cw.clerk)
    r = client.get(reverse("cases:export"))
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws.cell(2, 1).value == app.number


def test_citizen_cannot_open_workbench_cases(client: Any, cw: Any) -> None:
    sign_in(client, cw.citizen)
    assert client.get(reverse("cases:list")).status_code in (302, 403)
