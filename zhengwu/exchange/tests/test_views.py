"""Pages: inbox, sign/return, tracking, received sheet with the instruction form, archive."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from zhengwu.audit.models import AuditEntry
from zhengwu.exchange import actions
from zhengwu.exchange.models import Delivery, ReceivedDocument
from zhengwu.exchange.tests.conftest import clear, pdf_bytes
from zhengwu.exchange.tests.test_receiving import complete, run_to_conclusion
from zhengwu.identity.testing import sign_in

pytestmark = pytest.mark.django_db


def test_inbox_sign_for_and_tracking(client: Any, world: Any) -> None:
    dispatch = world.send([world.unit, world.unit2])
    delivery = dispatch.deliveries.get(organisation=world.unit)
    sign_in(client, world.clerk)
    page = client.get(reverse("exchange:inbox"))
    assert page.status_code == 200 and "关于做好防汛工作的通知" in page.content.decode()
    detail = client.get(reverse("exchange:delivery_detail", args=[delivery.pk]))
    assert detail.status_code == 200
    pdf = client.get(reverse("exchange:delivery_file", args=[delivery.pk, dispatch.pdf_id]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    response = client.post(reverse("exchange:delivery_sign", args=[delivery.pk]))
    received = ReceivedDocument.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "exchange:received_detail", args=[received.pk]
    )
    # a second click gets the Chinese "already signed for" message, no second registration
    again = client.post(reverse("exchange:delivery_sign", args=[delivery.pk]), follow=True)
    assert "已由张收发" in again.content.decode()
    assert ReceivedDocument.objects.count() == 1
    # the sender sees who signed for it
    sign_in(client, world.sender_clerk)
    tracking = client.get(reverse("exchange:tracking", args=[dispatch.pk])).content.decode()
    assert "张收发" in tracking and "云泽市民政局" in tracking
    reminded = client.post(reverse("exchange:dispatch_remind", args=[dispatch.pk]))
    assert reminded.status_code == 302
    assert dispatch.deliveries.get(organisation=world.unit2).reminded_count == 1


def test_other_units_get_404(client: Any, world: Any) -> None:
    dispatch = world.send([world.unit])
    delivery = dispatch.deliveries.get()
    sign_in(client, world.other_clerk)
    for url in [
        reverse("exchange:delivery_detail", args=[delivery.pk]),
        reverse("exchange:delivery_file", args=[delivery.pk, dispatch.pdf_id]),
        reverse("exchange:tracking", args=[dispatch.pk]),
    ]:
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("exchange:delivery_sign", args=[delivery.pk])).status_code == 404
    assert (
        client.post(
            reverse("exchange:dispatch_withdraw", args=[dispatch.pk]), {"reason": "x"}
        ).status_code
        == 404
    )
    received = actions.delivery_sign_for(actor=world.clerk, delivery=delivery)
    assert client.get(reverse("exchange:received_detail", args=[received.pk])).status_code == 404
    assert (
        client.get(
            reverse("exchange:received_file", args=[received.pk, received.pdf_id])
        ).status_code
        == 404
    )
    assert "关于做好防汛" not in client.get(reverse("exchange:received_list")).content.decode()


def test_refuse_with_injection_string_is_escaped(client: Any, world: Any) -> None:
    dispatch = world.send([world.unit])
    delivery = dispatch.deliveries.get()
    sign_in(client, world.clerk)
    reason = "<script>alert(1)</script>'; DROP TABLE x;--"
    client.post(reverse("exchange:delivery_refuse", args=[delivery.pk]), {"reason": reason})
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.REFUSED and delivery.refuse_reason == reason
    sign_in(client, world.sender_clerk)
    html = client.get(reverse("exchange:tracking", args=[dispatch.pk])).content.decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html


def test_classified_open_and_download_are_audited(client: Any, world: Any) -> None:
    dispatch = world.send([world.unit], security_level="机密")
    delivery = dispatch.deliveries.get()
    clear(world.clerk, "confidential")
    sign_in(client, world.clerk)
    client.get(reverse("exchange:delivery_detail", args=[delivery.pk]))
    client.get(reverse("exchange:delivery_file", args=[delivery.pk, dispatch.pdf_id]))
    actions_seen = set(AuditEntry.objects.filter(is_read=True).values_list("action", flat=True))
    assert {"exchange.delivery.read", "exchange.delivery.download"} <= actions_seen


def test_instruction_form_circulation_and_archive_export(client: Any, world: Any) -> None:
    received = actions.delivery_sign_for(actor=world.clerk, delivery=world.send().deliveries.get())
    complete(world.clerk, received, "review")
    complete(world.clerk, received, "propose", "拟请王局长批示")
    sign_in(client, world.leader)
    url = reverse("exchange:received_detail", args=[received.pk])
    page = client.get(url).content.decode()
    assert "基础教育科" in page and "周科员" in page
    bad = client.post(url, {"opinion": "请办理", "departments": []})
    assert bad.status_code == 200 and ReceivedDocument.objects.get().instruction == ""
    response = client.post(
        url,
        {
            "opinion": "请两科室办理",
            "departments": [world.div_a.pk, world.div_b.pk],
            "readers": [world.reader.pk],
        },
    )
    assert response.status_code == 302
    received.refresh_from_db()
    assert received.instruction == "请两科室办理"
    complete(world.leader_a, received, "handle")
    complete(world.leader_b, received, "handle")
    sign_in(client, world.reader)
    assert client.get(url).status_code == 200  # readers may open what they are asked to read
    complete(world.reader, received, "circulate", "已阅")
    complete(world.clerk, received, "conclude")
    sign_in(client, world.clerk)
    html = client.get(url).content.decode()
    assert "archive-form" in html
    client.post(reverse("exchange:received_archive", args=[received.pk]), {"retention": "Y"})
    received.refresh_from_db()
    assert received.status == ReceivedDocument.Status.ARCHIVED
    listing = client.get(reverse("exchange:archive_list"), {"q": "防汛"}).content.decode()
    assert "-WS·" in listing
    export = client.get(reverse("exchange:archive_export"))
    sheet = load_workbook(io.BytesIO(export.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("序号", "档号", "文号", "责任者", "题名", "日期", "密级", "页数", "备注")
    assert rows[1][4] == "关于做好防汛工作的通知" and rows[1][2] == "云政办发〔2026〕12号"


def test_full_text_search_and_filters(client: Any, world: Any) -> None:
    received = actions.delivery_sign_for(actor=world.clerk, delivery=world.send().deliveries.get())
    run_to_conclusion(world, received)
    sign_in(client, world.clerk)
    url = reverse("exchange:received_list")
    assert "防汛" in client.get(url, {"q": "抗旱准备"}).content.decode()  # body text
    assert "关于做好" not in client.get(url, {"q": "地震"}).content.decode()
    assert "关于做好" in client.get(url, {"q": "云政办发", "status": "concluded"}).content.decode()
    assert "关于做好" not in client.get(url, {"status": "processing"}).content.decode()
    assert client.get(url, {"year": "abc", "page": "x"}).status_code == 200


def test_paper_registration_page(client: Any, world: Any) -> None:
    sign_in(client, world.clerk)
    url = reverse("exchange:paper_register")
    assert client.get(url).status_code == 200
    fake = SimpleUploadedFile("scan.pdf", b"<html>not a pdf</html>")
    bad = client.post(
        url, {"organisation": world.unit.pk, "title": "来函", "sender_name": "某局", "scan": fake}
    )
    assert bad.status_code == 400 and not ReceivedDocument.objects.exists()
    good = client.post(
        url,
        {
            "organisation": world.unit.pk,
            "title": "来函",
            "sender_name": "某局",
            "scan": SimpleUploadedFile("scan.pdf", pdf_bytes()),
        },
    )
    assert good.status_code == 302 and ReceivedDocument.objects.get().is_paper
