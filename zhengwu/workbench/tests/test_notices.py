"""System notices: administrators publish, every staff member sees them."""

import re
from typing import Any

import pytest

from zhengwu.audit.models import AuditEntry
from zhengwu.core.errors import PermissionDenied, ValidationFailed
from zhengwu.core.idempotency import create_once, new_token
from zhengwu.notify.selectors import unread_count
from zhengwu.workbench.actions import notice_publish
from zhengwu.workbench.models import Notice

pytestmark = pytest.mark.django_db


def test_a_published_notice_reaches_every_staff_member(
    client: Any, admin_staff: Any, clerk: Any, citizen: Any
) -> None:
    client.force_login(admin_staff)
    response = client.post(
        "/workbench/notices/new/",
        {"title": "关于国庆节放假安排的通知", "body": "10月1日至7日放假。"},
    )
    notice = Notice.objects.get()
    assert (
        response.status_code == 302 and response["Location"] == f"/workbench/notices/{notice.pk}/"
    )
    assert AuditEntry.objects.filter(
        action="workbench.notice.publish", object_id=str(notice.pk)
    ).exists()

    client.force_login(clerk)
    home = client.get("/workbench/").content.decode()
    assert "关于国庆节放假安排的通知" in home
    assert unread_count(clerk) == 1  # the inbox announces it too
    assert unread_count(citizen) == 0  # notices are for staff
    detail = client.get(f"/workbench/notices/{notice.pk}/").content.decode()
    assert "10月1日至7日放假。" in detail and "系统管理员" in detail


def test_only_holders_of_the_permission_may_publish(client: Any, clerk: Any) -> None:
    client.force_login(clerk)
    assert client.get("/workbench/notices/new/").status_code == 403
    assert client.post("/workbench/notices/new/", {"title": "t", "body": "b"}).status_code == 403
    with pytest.raises(PermissionDenied):
        notice_publish(actor=clerk, title="t", body="b")
    assert not Notice.objects.exists()
    assert "发布通知公告" not in client.get("/workbench/").content.decode()


def test_an_empty_notice_is_refused_in_chinese(client: Any, admin_staff: Any) -> None:
    client.force_login(admin_staff)
    response = client.post("/workbench/notices/new/", {"title": "  ", "body": ""})
    assert response.status_code == 200
    assert "这个字段是必填项。" in response.content.decode()
    with pytest.raises(ValidationFailed, match="标题"):
        notice_publish(actor=admin_staff, title=" ", body="正文")
    assert not Notice.objects.exists()


def test_missing_notice_is_404(client: Any, clerk: Any) -> None:
    client.force_login(clerk)
    assert client.get("/workbench/notices/424242/").status_code == 404


def test_a_double_submit_publishes_one_notice_and_one_message_per_staff_member(
    client: Any, admin_staff: Any, clerk: Any
) -> None:
    client.force_login(admin_staff)
    form_page = client.get("/workbench/notices/new/").content.decode()
    token = re.search(r'name="idempotency_token" value="([^"]+)"', form_page).group(1)
    data = {"title": "关于国庆节放假安排的通知", "body": "10月1日至7日放假。"}
    data["idempotency_token"] = token

    first = client.post("/workbench/notices/new/", data)
    second = client.post("/workbench/notices/new/", data)  # the double click

    notice = Notice.objects.get()
    assert first["Location"] == second["Location"] == f"/workbench/notices/{notice.pk}/"
    assert notice.idempotency_token == token
    assert unread_count(clerk) == 1
    assert AuditEntry.objects.filter(action="workbench.notice.publish").count() == 1
    assert AuditEntry.objects.filter(action="notify.message.send").count() == 1

    # A fresh form has a fresh token and publishes a second notice.
    other = client.get("/workbench/notices/new/").content.decode()
    assert token not in other
    client.post("/workbench/notices/new/", {**data, "idempotency_token": new_token()})
    assert Notice.objects.count() == 2 and unread_count(clerk) == 2


def test_a_tampered_token_is_refused_and_publishes_nothing(client: Any, admin_staff: Any) -> None:
    client.force_login(admin_staff)
    response = client.post(
        "/workbench/notices/new/",
        {"title": "t", "body": "b", "idempotency_token": "<script>x</script>"},
    )
    assert response.status_code == 200
    assert "表单已过期" in response.content.decode()
    assert not Notice.objects.exists()


def test_a_replayed_token_returns_the_notice_even_after_a_concurrent_insert(
    admin_staff: Any, clerk: Any
) -> None:
    token = new_token()
    first = notice_publish(actor=admin_staff, title="通知", body="正文", idempotency_token=token)
    # create_once: the unique column decides when the cheap check missed the first row.
    notice, created = create_once(
        Notice, token, title="通知", body="正文", published_by=admin_staff,
        published_at=first.published_at,
    )  # fmt: skip
    assert (notice, created) == (first, False)
    assert Notice.objects.count() == 1 and unread_count(clerk) == 1
