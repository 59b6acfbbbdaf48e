"""Excel export and import of the catalogue: round trip, row-level Chinese errors, all or
nothing, scoping, and formula-looking text."""

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from zhengwu.audit.models import AuditEntry
from zhengwu.core.errors import ValidationFailed
from zhengwu.eservices import actions
from zhengwu.eservices.models import ServiceItem
from zhengwu.identity.testing import sign_in

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def export(client: Any) -> bytes:
    response = client.get(reverse("eservices_manage:export"))
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    return response.content


def upload(content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("catalogue.xlsx", content, content_type=XLSX)


def edit(content: bytes, change: Any) -> bytes:
    wb = load_workbook(io.BytesIO(content))
    change(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def header_col(ws: Any, header: str) -> int:
    return next(c.column for c in ws[1] if c.value == header)


def test_export_import_round_trip(client: Any, world: Any) -> None:
    item = world.item("食品经营许可", summary='=HYPERLINK("http://evil")')
    world.item("药品零售企业许可", status="published")
    world.item("低保", org=world.other, audience="person", item_type="benefit", life_events=[])
    sign_in(client, world.clerk)
    content = export(client)
    wb = load_workbook(io.BytesIO(content))
    assert wb.sheetnames == ["事项", "申请材料", "收费项目", "常见问题"]
    items = wb["事项"]
    codes = [row[0] for row in items.iter_rows(min_row=2, values_only=True)]
    assert sorted(codes) == sorted(
        [item.code, ServiceItem.objects.get(name="药品零售企业许可").code]
    )
    summary = items.cell(row=codes.index(item.code) + 2, column=header_col(items, "事项简介"))
    assert summary.data_type == "s"  # text stays text, never a live formula
    assert [r[2] for r in wb["申请材料"].iter_rows(min_row=2, values_only=True)][:2] == [
        "食品经营许可申请书",
        "营业执照",
    ]

    # Unchanged workbook: nothing to do (the published item cannot be imported over).
    def drop_published(wb: Any) -> None:
        ws = wb["事项"]
        for row in range(ws.max_row, 1, -1):
            if ws.cell(row=row, column=2).value == "药品零售企业许可":
                ws.delete_rows(row)
        for name in ("申请材料", "收费项目", "常见问题"):
            ws = wb[name]
            for row in range(ws.max_row, 1, -1):
                if ws.cell(row=row, column=1).value != item.code:
                    ws.delete_rows(row)

    same = edit(content, drop_published)
    report = actions.catalogue_import(actor=world.clerk, upload=upload(same))
    assert report.unchanged == [item.code] and not report.updated and not report.created
    assert ServiceItem.objects.get(pk=item.pk).version == 1

    def change(wb: Any) -> None:
        drop_published(wb)
        ws = wb["事项"]
        ws.cell(row=2, column=header_col(ws, "事项名称"), value="食品经营许可（含餐饮）")
        new = [c.value for c in ws[2]]
        new[0] = "IMPORT-0001"
        new[1] = "小餐饮登记"
        ws.append(new)
        wb["常见问题"].append(["IMPORT-0001", 1, "小餐饮需要许可吗？", "实行登记管理。"])

    sign_in(client, world.clerk)
    response = client.post(
        reverse("eservices_manage:import"), {"workbook": upload(edit(content, change))}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.name == "食品经营许可（含餐饮）" and item.version == 2
    assert item.summary == '=HYPERLINK("http://evil")'
    assert [m.name for m in item.materials.all()] == ["食品经营许可申请书", "营业执照"]
    created = ServiceItem.objects.get(code="IMPORT-0001")
    assert created.status == "draft" and created.organisation == world.bureau
    assert [q.question for q in created.faqs.all()] == ["小餐饮需要许可吗？"]
    assert [m.name for m in created.materials.all()] == []  # its rows were not in the sheet
    assert created.legal_basis == item.legal_basis and created.promised_limit_days == 10
    assert {t.code for t in created.topics.all()} == {"food-drug"}
    assert AuditEntry.objects.filter(action="eservices.catalogue.import").count() == 1


def test_a_bad_row_is_reported_and_nothing_changes(client: Any, world: Any) -> None:
    item = world.item("食品经营许可")
    other = world.item("药品零售企业许可")
    sign_in(client, world.clerk)
    content = export(client)

    def spoil(wb: Any) -> None:
        ws = wb["事项"]
        ws.cell(row=2, column=header_col(ws, "事项名称"), value="改了名字")  # a valid change…
        ws.cell(row=3, column=header_col(ws, "承诺办结时限（工作日）"), value=99)  # …and a bad one
        ws.cell(row=3, column=header_col(ws, "事项类型"), value="行政审批")
        wb["申请材料"].cell(row=2, column=5, value="扫描件")

    before = AuditEntry.objects.count()
    response = client.post(
        reverse("eservices_manage:import"), {"workbook": upload(edit(content, spoil))}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "工作表“事项”第3行“承诺办结时限（工作日）”列：" in html
    assert "不得超过法定办结时限" in html
    assert "工作表“事项”第3行“事项类型”列：" in html
    assert "工作表“申请材料”第2行“材料形式”列：" in html
    assert "没有导入任何内容" in html
    for it in (item, other):
        fresh = ServiceItem.objects.get(pk=it.pk)
        assert fresh.name == it.name and fresh.version == 1
    assert AuditEntry.objects.count() == before


def test_import_refuses_other_departments_and_junk(world: Any) -> None:
    item = world.item(
        "低保", org=world.other, audience="person", item_type="benefit", life_events=[]
    )
    content = actions.catalogue_export(
        actor=world.other_clerk, items=ServiceItem.objects.filter(pk=item.pk)
    )
    with pytest.raises(ValidationFailed) as refused:
        actions.catalogue_import(actor=world.clerk, upload=upload(content))
    assert any(
        "第2行“实施机构编码”列：您无权维护市民政局的事项" in e for e in refused.value.data["errors"]
    )
    with pytest.raises(ValidationFailed) as junk:
        actions.catalogue_import(actor=world.clerk, upload=upload(b"not a workbook at all"))
    assert "Excel" in str(junk.value.message)
    assert ServiceItem.objects.get(pk=item.pk).version == 1


def test_workbook_labels_cover_every_choice() -> None:
    from zhengwu.eservices import spreadsheet
    from zhengwu.eservices.models import Audience, HandlingLevel, ItemType, Material

    assert set(spreadsheet.TYPE_LABELS) == set(ItemType.values)
    assert set(spreadsheet.LEVEL_LABELS) == set(HandlingLevel.values)
    assert set(spreadsheet.AUDIENCE_LABELS) == set(Audience.values)
    assert set(spreadsheet.FORM_LABELS) == set(Material.Form.values)
    assert set(spreadsheet.STATUS_LABELS) == set(ServiceItem.Status.values)
