"""Operators see the delivery log masked and retry failures from system administration."""

from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission

from zhengwu.notify.actions import notify_send
from zhengwu.notify.models import Delivery
from zhengwu.notify.tests.conftest import make_staff

pytestmark = pytest.mark.django_db(transaction=True)


def operator(*codenames: str) -> Any:
    account = make_staff("operator", display_name="运维")
    role = apps.get_model("directory", "Role").objects.create(code="notify-operator", name="运维")
    role.permissions.set(
        Permission.objects.filter(content_type__app_label="notify", codename__in=codenames)
    )
    apps.get_model("directory", "RoleAssignment").objects.create(
        account=account, role=role, organisation=account.organisation
    )
    return account


def test_the_delivery_log_shows_masked_addresses_and_failures_can_be_retried(
    client: Any, alice: Any, settings: Any
) -> None:
    settings.ZHENGWU_SMS_PROVIDER = "zhengwu.notify.tests.test_channels.FailingSmsProvider"
    notify_send(recipients=[alice], subject="短信失败", body="", channels=("sms",))
    delivery = Delivery.objects.get()
    assert delivery.status == "failed"

    client.force_login(operator("view_delivery", "retry_delivery"))
    page = client.get("/workbench/admin/notify/delivery/").content.decode()
    assert "138****5678" in page and "13812345678" not in page
    assert "重发所选的失败投递" in page

    settings.ZHENGWU_SMS_PROVIDER = "zhengwu.notify.providers.LogFileSmsProvider"
    response = client.post(
        "/workbench/admin/notify/delivery/",
        {"action": "retry_failed", "_selected_action": [delivery.pk]},
        follow=True,
    )
    assert "已重发 1 条投递" in response.content.decode()
    delivery.refresh_from_db()
    assert delivery.status == "sent"


def test_viewing_the_log_does_not_grant_retrying(client: Any, alice: Any) -> None:
    client.force_login(operator("view_delivery"))
    page = client.get("/workbench/admin/notify/delivery/").content.decode()
    assert "重发所选的失败投递" not in page
    assert client.get("/workbench/admin/notify/delivery/add/").status_code == 403
