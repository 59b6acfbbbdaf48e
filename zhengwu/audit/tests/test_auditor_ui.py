"""The auditor's pages: who may enter, searching, the detail page, the Excel export."""

import io
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from zhengwu.audit import context
from zhengwu.audit.actions import audit_record
from zhengwu.audit.models import AuditEntry
from zhengwu.audit.tests.conftest import login
from zhengwu.core.registry import workbench

LIST = reverse("audit:entry_list")
EXPORT = reverse("audit:entry_export")
INJECTIONS = ["' OR 1=1 --", "\"; DROP TABLE audit_auditentry; --", "<script>alert(1)</script>",
              "%", "_", "\\", "=HYPERLINK(\"http://evil\")"]  # fmt: skip


def entry(action: str = "test.thing.update", **kwargs: Any) -> AuditEntry:
    kwargs.setdefault("actor", None)
    return audit_record(action=action, **kwargs)


def workbook_rows(response: Any) -> list[tuple[Any, ...]]:
    content = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_the_login_page(client: Client) -> None:
    response = client.get(LIST)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("identity:login"))


@pytest.mark.django_db
def test_staff_without_the_auditor_role_are_refused(make_staff: Any) -> None:
    client = login(make_staff("clerk"))
    entry()
    assert client.get(LIST).status_code == 403
    assert (
        client.get(reverse("audit:entry_detail", args=[AuditEntry.objects.get().pk])).status_code
        == 403
    )
    assert client.post(EXPORT).status_code == 403


@pytest.mark.django_db
def test_viewing_without_the_export_permission_hides_and_refuses_export(viewer: Any) -> None:
    client = login(viewer)
    entry()
    response = client.get(LIST)
    assert response.status_code == 200
    assert EXPORT not in response.content.decode()
    assert client.post(EXPORT).status_code == 403
    assert not AuditEntry.objects.filter(action="audit.entry.export").exists()


@pytest.mark.django_db
def test_the_workbench_menu_offers_the_audit_trail_to_auditors(auditor_client: Client) -> None:
    item = workbench.menu["audit"]
    assert item.url_name == "audit:entry_list"
    assert item.permissions == ("audit.view_auditentry",)
    html = auditor_client.get(LIST).content.decode()
    assert f'href="{LIST}"' in html
    assert "审计日志" in html


@pytest.mark.django_db
def test_changes_made_through_a_request_carry_address_and_browser(auditor: Any) -> None:
    client = Client(REMOTE_ADDR="10.1.2.3", HTTP_USER_AGENT="TestBrowser/1.0")
    client.force_login(auditor, backend="zhengwu.directory.backends.RoleBackend")
    # An X-Real-IP from the client is not believed unless the deployment trusts its proxy.
    response = client.post(EXPORT, HTTP_X_REAL_IP="8.8.8.8", HTTP_X_REQUEST_ID="abc-123")
    assert response.status_code == 200
    recorded = AuditEntry.objects.get(action="audit.entry.export")
    assert (recorded.ip, recorded.user_agent, recorded.request_id) == (
        "10.1.2.3",
        "TestBrowser/1.0",
        "abc-123",
    )
    assert recorded.actor_id == auditor.pk
    assert recorded.actor_repr == "auditor"


@pytest.mark.django_db
def test_a_trusted_proxy_address_is_used_when_configured(auditor: Any, settings: Any) -> None:
    settings.ZHENGWU_TRUST_X_REAL_IP = True
    client = login(auditor)
    client.post(EXPORT, HTTP_X_REAL_IP="203.0.113.9", HTTP_X_REQUEST_ID="x" * 300)
    client.post(EXPORT, HTTP_X_REAL_IP="not an address")
    first, second = AuditEntry.objects.filter(action="audit.entry.export").order_by("seq")
    assert first.ip == "203.0.113.9"
    assert len(first.request_id) == 32  # an over-long request id is replaced by a fresh one
    assert second.ip == "127.0.0.1"


@pytest.mark.django_db
def test_the_list_is_newest_first_fifty_a_page(auditor_client: Client) -> None:
    for i in range(1, 121):
        entry(object_repr=f"对象{i}")
    first = auditor_client.get(LIST)
    assert first.status_code == 200
    page = first.context["page"]
    assert [e.seq for e in page.entries] == list(range(120, 70, -1))
    assert page.newer_than is None
    second = auditor_client.get(LIST, {"before": page.older_than})
    assert [e.seq for e in second.context["page"].entries] == list(range(70, 20, -1))
    third = auditor_client.get(LIST, {"before": second.context["page"].older_than})
    assert [e.seq for e in third.context["page"].entries] == list(range(20, 0, -1))
    assert third.context["page"].older_than is None
    back = auditor_client.get(LIST, {"after": third.context["page"].newer_than})
    assert [e.seq for e in back.context["page"].entries] == list(range(70, 20, -1))


@pytest.mark.django_db
def test_auditors_search_by_each_field(auditor_client: Client, auditor: Any) -> None:
    with context.bound(context.RequestContext(ip="10.9.9.9")):
        by_auditor = entry(
            "directory.account.create", actor=auditor, object_type="directory.account",
            object_id="42", object_repr="张三（zhangsan）", reason="新入职",
        )  # fmt: skip
    other = entry("notify.message.send", object_repr="通知", reason="例行")
    read = entry("directory.person.read", is_read=True, object_repr="李四", reason="核查身份")

    def seqs(**params: Any) -> list[int]:
        response = auditor_client.get(LIST, params)
        assert response.status_code == 200
        return [e.seq for e in response.context["page"].entries]

    assert seqs(actor="auditor") == [by_auditor.seq]
    assert seqs(action="directory.") == [read.seq, by_auditor.seq]
    assert seqs(action="directory.account.") == [by_auditor.seq]
    assert seqs(object_type="directory.account", object_id="42") == [by_auditor.seq]
    assert seqs(text="张三") == [by_auditor.seq]
    assert seqs(text="例行") == [other.seq]
    assert seqs(ip="10.9.9.9") == [by_auditor.seq]
    assert seqs(kind="reads") == [read.seq]
    assert seqs(kind="changes") == [other.seq, by_auditor.seq]
    today = timezone.localdate()
    assert len(seqs(date_from=today.isoformat(), date_to=today.isoformat())) == 3
    assert seqs(date_from=(today + timedelta(days=1)).isoformat()) == []
    assert seqs(date_to=(today - timedelta(days=1)).isoformat()) == []


@pytest.mark.django_db
def test_bad_search_input_gets_a_chinese_message(auditor_client: Client) -> None:
    entry()
    response = auditor_client.get(LIST, {"ip": "10.1", "date_from": "2026-02-01",
                                         "date_to": "2026-01-01"})  # fmt: skip
    assert response.status_code == 400
    html = response.content.decode()
    assert "请输入完整的IPv4或IPv6地址" in html
    assert "截止日期不能早于起始日期" in html
    bad_date = auditor_client.get(LIST, {"date_from": "2026-13-45"})
    assert bad_date.status_code == 400


@pytest.mark.django_db
@pytest.mark.parametrize("value", INJECTIONS)
def test_injection_strings_in_search_fields_are_harmless(
    auditor_client: Client, value: str
) -> None:
    entry(object_repr="普通对象")
    params = dict.fromkeys(("actor", "action", "object_type", "object_id", "text"), value)
    response = auditor_client.get(LIST, params)
    assert response.status_code == 200
    assert response.context["page"].entries == []
    assert "<script>alert(1)</script>" not in response.content.decode()
    assert AuditEntry.objects.count() == 1


@pytest.mark.django_db
def test_a_nul_character_in_a_search_field_is_refused_with_a_message(
    auditor_client: Client,
) -> None:
    entry()
    response = auditor_client.get(LIST, {"text": "a\x00b"})
    assert response.status_code == 400
    assert response.context["form"].errors["text"]
    assert response.context["page"] is None


@pytest.mark.django_db
def test_stored_markup_is_escaped_on_the_pages(auditor_client: Client) -> None:
    bad = entry(object_repr="<script>alert(1)</script>", reason="<img src=x onerror=alert(1)>",
                changes={"name": ["<b>旧</b>", "<i>新</i>"]})  # fmt: skip
    for url in (LIST, reverse("audit:entry_detail", args=[bad.pk])):
        html = auditor_client.get(url).content.decode()
        assert "<script>alert(1)</script>" not in html
        assert "<img src=x" not in html


@pytest.mark.django_db
def test_the_detail_page_shows_changes_hashes_and_verification(auditor_client: Client) -> None:
    first = entry()
    second = entry(changes={"status": ["草稿", "已发布"]}, reason="审核通过")
    response = auditor_client.get(reverse("audit:entry_detail", args=[second.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "草稿" in html and "已发布" in html and "→" in html
    assert second.entry_hash in html and first.entry_hash in html
    assert "本条校验通过" in html

    table = connection.ops.quote_name(AuditEntry._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET reason = %s WHERE id = %s", ["改", second.pk])  # noqa: S608
    html = auditor_client.get(reverse("audit:entry_detail", args=[second.pk])).content.decode()
    assert "本条校验未通过" in html
    assert "写入后被篡改" in html


@pytest.mark.django_db
def test_a_missing_entry_is_not_found(auditor_client: Client) -> None:
    assert auditor_client.get(reverse("audit:entry_detail", args=[999999])).status_code == 404


@pytest.mark.django_db
def test_export_writes_the_filtered_rows_and_records_itself(auditor_client: Client) -> None:
    entry("directory.account.create", object_repr="张三", changes={"name": ["", "张三"]})
    entry("notify.message.send", object_repr="通知")
    entry("directory.account.update", object_repr='=HYPERLINK("http://evil","点我")')
    response = auditor_client.post(EXPORT, {"action": "directory."})
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert "attachment" in response["Content-Disposition"]
    rows = workbook_rows(response)
    assert rows[0][:4] == ("序号", "时间", "操作人", "操作")
    assert [(r[0], r[3], r[6]) for r in rows[1:]] == [
        (3, "directory.account.update", '=HYPERLINK("http://evil","点我")'),
        (1, "directory.account.create", "张三"),
    ]
    # A formula-looking name stays text in the file.
    sheet = load_workbook(io.BytesIO(b"".join(auditor_client.post(EXPORT).streaming_content)))
    cells = [
        c for row in sheet.worksheets[0].iter_rows() for c in row if str(c.value).startswith("=")
    ]
    assert cells and all(c.data_type == "s" for c in cells)

    export = AuditEntry.objects.filter(action="audit.entry.export").order_by("seq").first()
    assert export.is_read is True
    assert export.actor_repr == "auditor"
    assert "directory." in export.reason
    assert "2" in export.object_repr


@pytest.mark.django_db
def test_export_stops_at_the_cap_and_says_so(auditor_client: Client, settings: Any) -> None:
    settings.ZHENGWU_AUDIT_EXPORT_MAX_ROWS = 3
    for _i in range(5):
        entry()
    rows = workbook_rows(auditor_client.post(EXPORT))
    assert "仅导出最新的3条" in rows[0][0]
    assert rows[1][0] == "序号"
    assert [r[0] for r in rows[2:]] == [5, 4, 3]


@pytest.mark.django_db
def test_export_refuses_get_and_bad_filters(auditor_client: Client) -> None:
    assert auditor_client.get(EXPORT).status_code == 405
    response = auditor_client.post(EXPORT, {"ip": "999.1.1.1"})
    assert response.status_code == 400
    assert not AuditEntry.objects.filter(action="audit.entry.export").exists()
