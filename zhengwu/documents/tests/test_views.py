"""Pages: drafting through the forms, the step panel, search and filters, clearance, audit of
classified reads, revisions diff, Excel export, other departments get 404."""

import io
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from zhengwu.audit.models import AuditEntry
from zhengwu.documents import actions
from zhengwu.documents.models import OfficialDocument
from zhengwu.identity.testing import sign_in

pytestmark = pytest.mark.django_db


def _post_data(world: Any, **overrides: Any) -> dict[str, Any]:
    data = {
        "register": world.register.pk,
        "doc_type": "notice",
        "title": "关于开展安全生产大检查的通知",
        "body": "一、检查范围\n全市各类生产经营单位。",
        "main_recipients": [u.pk for u in world.units],
        "security_level": "none",
        "urgency": "none",
        "doc_date": "",
    }
    data.update(overrides)
    return data


def test_draft_through_the_form_and_submit(client: Any, world: Any) -> None:
    sign_in(client, world.drafter)
    response = client.get(reverse("documents:create"))
    assert response.status_code == 200
    assert "云政办发" in response.content.decode()
    response = client.post(reverse("documents:create"), _post_data(world))
    assert response.status_code == 302
    doc = OfficialDocument.objects.get()
    assert doc.issuer_mark == "云泽市人民政府办公室文件"
    page = client.get(reverse("documents:detail", args=[doc.pk])).content.decode()
    assert "关于开展安全生产大检查的通知" in page and "submit-document" in page
    client.post(reverse("documents:submit", args=[doc.pk]), {"opinion": "请审核"})
    doc.refresh_from_db()
    assert doc.status == "in_review"
    sign_in(client, world.reviewer)
    page = client.get(reverse("documents:detail", args=[doc.pk])).content.decode()
    assert "step-approve" in page and "edit-document" in page
    client.post(reverse("documents:step", args=[doc.pk]), {"decision": "approve", "opinion": "可"})
    doc.refresh_from_db()
    assert doc.status == "awaiting_signoff"


def test_bad_form_shows_chinese_errors_and_stores_nothing(client: Any, world: Any) -> None:
    sign_in(client, world.drafter)
    response = client.post(
        reverse("documents:create"),
        _post_data(world, security_level="secret", copy_number="1", title="<script>x</script>"),
    )
    assert response.status_code == 400
    assert "份号" in response.content.decode()
    assert OfficialDocument.objects.count() == 0


def test_double_post_creates_one_draft(client: Any, world: Any) -> None:
    sign_in(client, world.drafter)
    data = _post_data(world, idempotency_token="tok-" + "a" * 30)
    client.post(reverse("documents:create"), data)
    client.post(reverse("documents:create"), data)
    assert OfficialDocument.objects.count() == 1


def test_other_department_gets_404(client: Any, world: Any) -> None:
    doc = world.draft()
    sign_in(client, world.outsider)
    for name in ("detail", "edit", "revisions", "preview"):
        assert client.get(reverse(f"documents:{name}", args=[doc.pk])).status_code == 404
    assert client.post(reverse("documents:submit", args=[doc.pk])).status_code == 404
    assert client.get(reverse("documents:detail", args=[999999])).status_code == 404


def test_countersigner_sees_the_document_but_cannot_edit(client: Any, world: Any) -> None:
    doc = world.to(world.draft(countersign_departments=[world.edu]), "countersigning")
    sign_in(client, world.edu_leader)
    page = client.get(reverse("documents:detail", args=[doc.pk])).content.decode()
    assert "step-approve" in page and "edit-document" not in page
    assert client.get(reverse("documents:edit", args=[doc.pk])).status_code == 302
    response = client.post(reverse("documents:edit", args=[doc.pk]), _post_data(world))
    assert response.status_code == 302
    doc.refresh_from_db()
    assert doc.title != "关于开展安全生产大检查的通知"


def test_classified_needs_clearance_and_reads_are_audited(client: Any, world: Any) -> None:
    doc = world.draft(security_level="confidential", copy_number="000003", security_years=5)
    public = world.draft(title="公开的通知")
    sign_in(client, world.reviewer)
    assert client.get(reverse("documents:detail", args=[doc.pk])).status_code == 404
    listing = client.get(reverse("documents:list")).content.decode()
    assert "公开的通知" in listing and doc.title not in listing.replace(public.title, "")
    actions.clearance_set(actor=None, account=world.reviewer, level="secret")
    assert client.get(reverse("documents:detail", args=[doc.pk])).status_code == 404
    actions.clearance_set(actor=None, account=world.reviewer, level="confidential")
    before = AuditEntry.objects.filter(action="documents.official_document.read").count()
    assert client.get(reverse("documents:detail", args=[doc.pk])).status_code == 200
    assert client.get(reverse("documents:preview", args=[doc.pk])).status_code == 200
    after = AuditEntry.objects.filter(action="documents.official_document.read").count()
    assert after == before + 2
    client.get(reverse("documents:detail", args=[public.pk]))
    assert AuditEntry.objects.filter(action="documents.official_document.read").count() == after


def test_search_filters_and_export(client: Any, world: Any) -> None:
    world.draft(title="关于做好防汛抗旱工作的通知", body="一、汛期值班\n各地要落实值班制度。")
    world.draft(title="关于表彰先进集体的决定", doc_type="decision", body="经研究，决定表彰。")
    sign_in(client, world.drafter)
    page = client.get(reverse("documents:list"), {"q": "值班制度"}).content.decode()
    assert "防汛抗旱" in page and "表彰先进" not in page
    page = client.get(reverse("documents:list"), {"doc_type": "decision"}).content.decode()
    assert "表彰先进" in page and "防汛抗旱" not in page
    page = client.get(reverse("documents:list"), {"q": "' OR 1=1 --"}).content.decode()
    assert "防汛抗旱" not in page
    response = client.get(reverse("documents:list"), {"export": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    titles = [row[1].value for row in sheet.iter_rows(min_row=2)]
    assert "关于做好防汛抗旱工作的通知" in titles


def test_revisions_diff_in_chinese(client: Any, world: Any) -> None:
    doc = world.to(world.draft(), "in_review")
    actions.document_update(actor=world.reviewer, document=doc,
                            data=world.data(body="一、总体要求\n新增的一段话。"),
                            expected_version=doc.version)  # fmt: skip
    sign_in(client, world.drafter)
    page = client.get(reverse("documents:revisions", args=[doc.pk]), {"a": 1, "b": 2})
    text = page.content.decode()
    assert page.status_code == 200
    assert "+ 新增的一段话。" in text and "王核稿" in text
    assert "正文" in text  # the field's Chinese label


def test_sent_document_shows_tracking_and_reminds(client: Any, world: Any) -> None:
    doc = world.to(world.draft(), "sent")
    sign_in(client, world.drafter)
    page = client.get(reverse("documents:detail", args=[doc.pk])).content.decode()
    for unit in world.units:
        assert unit.name in page
    assert 'id="tracking"' in page
    response = client.post(reverse("documents:remind", args=[doc.pk]), follow=True)
    assert response.status_code == 200


def test_double_click_on_numbering_does_not_seal(client: Any, world: Any) -> None:
    doc = world.to(world.draft(), "signed_off")
    sign_in(client, world.drafter)
    url = reverse("documents:step", args=[doc.pk])
    client.post(url, {"decision": "approve", "step": "number"})
    response = client.post(url, {"decision": "approve", "step": "number"}, follow=True)
    assert "此环节已办理" in response.content.decode()
    doc.refresh_from_db()
    assert doc.status == "numbered" and doc.pdf is None


def test_attachment_text_is_searchable_and_bad_files_refused(client: Any, world: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    doc = world.draft()
    sign_in(client, world.drafter)
    upload = SimpleUploadedFile("分工表.txt", "牵头单位：市大数据中心\n".encode(), "text/plain")
    client.post(reverse("documents:attach", args=[doc.pk]), {"file": upload})
    doc.refresh_from_db()
    assert doc.attachments.count() == 1 and "分工表" in doc.attachment_names
    page = client.get(reverse("documents:list"), {"q": "大数据中心"}).content.decode()
    assert doc.title in page
    bad = SimpleUploadedFile("病毒.pdf", b"MZ\x90\x00" + b"\x00" * 100, "application/pdf")
    response = client.post(reverse("documents:attach", args=[doc.pk]), {"file": bad}, follow=True)
    assert doc.attachments.count() == 1
    assert response.status_code == 200
    # the reviewer may not attach while the drafter holds the draft
    sign_in(client, world.reviewer)
    other = SimpleUploadedFile("x.txt", b"abc", "text/plain")
    response = client.post(reverse("documents:attach", args=[doc.pk]), {"file": other}, follow=True)
    assert "在当前环节您无权修改此公文" in response.content.decode()
    assert doc.attachments.count() == 1
