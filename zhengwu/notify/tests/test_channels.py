"""SMS and e-mail leave only after the caller's commit; failures are recorded, never raised."""

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.db import transaction

from zhengwu.core.errors import Conflict
from zhengwu.identifiers.masking import mask_address
from zhengwu.notify.actions import delivery_retry, notify_send
from zhengwu.notify.models import Delivery, Message
from zhengwu.notify.providers import SmsError, SmsProvider
from zhengwu.notify.selectors import unread_count

# Real commits: on_commit callbacks run exactly as in production.
pytestmark = pytest.mark.django_db(transaction=True)


class FailingSmsProvider(SmsProvider):
    def send(self, mobile: str, text: str) -> str:
        raise SmsError("gateway refused: quota exhausted")


class Boom(Exception):
    pass


def sms_lines() -> list[str]:
    path = Path(settings.ZHENGWU_SMS_LOG_FILE)
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def test_sms_is_written_to_the_log_file_after_commit(
    alice: Any, settings: Any, tmp_path: Path
) -> None:
    settings.ZHENGWU_SMS_LOG_FILE = tmp_path / "deep" / "dir" / "sms.log"  # directories are created
    with transaction.atomic():
        notify_send(
            recipients=[alice], subject="办件已受理", body="请留意审批进度。", channels=("sms",)
        )
        assert sms_lines() == []  # nothing leaves before the commit

    [line] = sms_lines()
    _when, message_id, mobile, text = line.split("\t")
    assert mobile == "13812345678"
    assert text == "【云泽市人民政府】办件已受理：请留意审批进度。"
    delivery = Delivery.objects.get(channel="sms")
    assert delivery.status == "sent"
    assert delivery.provider_message_id == message_id
    assert delivery.provider == "zhengwu.notify.providers.LogFileSmsProvider"
    assert delivery.sent_at is not None and delivery.attempts == 1
    assert oct(Path(settings.ZHENGWU_SMS_LOG_FILE).stat().st_mode & 0o777) == "0o600"


def test_nothing_is_sent_when_the_callers_transaction_rolls_back(alice: Any) -> None:
    with pytest.raises(Boom), transaction.atomic():
        notify_send(
            recipients=[alice], body="", subject="不应发送", channels=("inapp", "sms", "email")
        )
        raise Boom

    assert sms_lines() == []
    assert mail.outbox == []
    assert not Message.objects.exists()
    assert not Delivery.objects.exists()


def test_line_breaks_in_an_sms_cannot_forge_log_lines(alice: Any) -> None:
    notify_send(
        recipients=[alice],
        subject="换行",
        body="a\n2026-01-01\tfake\t13800000000\tx",
        channels=("sms",),
    )
    [line] = sms_lines()
    assert line.endswith("：a\\n2026-01-01 fake 13800000000 x")


def test_a_failing_provider_is_recorded_and_does_not_break_the_caller(
    alice: Any, settings: Any
) -> None:
    settings.ZHENGWU_SMS_PROVIDER = f"{__name__}.FailingSmsProvider"

    messages = notify_send(
        recipients=[alice], body="", subject="补正通知", channels=("inapp", "sms")
    )

    assert len(messages) == 1 and unread_count(alice) == 1  # the rest of the work went through
    delivery = Delivery.objects.get(channel="sms")
    assert delivery.status == "failed"
    assert "quota exhausted" in delivery.error
    assert delivery.attempts == 1

    # An operator retries once the gateway is back; the row records the second attempt.
    settings.ZHENGWU_SMS_PROVIDER = "zhengwu.notify.providers.LogFileSmsProvider"
    delivery_retry(actor=None, delivery=delivery)
    delivery.refresh_from_db()
    assert delivery.status == "sent" and delivery.error == "" and delivery.attempts == 2
    assert len(sms_lines()) == 1
    with pytest.raises(Conflict):
        delivery_retry(actor=None, delivery=delivery)  # a sent delivery is not sent twice


def test_a_missing_mobile_number_is_a_visible_failure_that_can_be_retried(alice: Any) -> None:
    alice.mobile = ""
    alice.save()
    notify_send(recipients=[alice], body="", subject="无号码", channels=("sms",))
    delivery = Delivery.objects.get(channel="sms")
    assert delivery.status == "failed"
    assert delivery.error == "该账号没有手机号码。"
    assert sms_lines() == []

    alice.mobile = "13800001111"
    alice.save()
    delivery_retry(actor=None, delivery=delivery)
    delivery.refresh_from_db()
    assert delivery.status == "sent" and delivery.address == "13800001111"


def test_email_goes_through_djangos_mail_api(alice: Any, bob: Any, settings: Any) -> None:
    settings.ZHENGWU_BASE_URL = "https://www.yunze.gov.example"
    notify_send(
        recipients=[alice, bob], subject="公文待签收", body="请及时签收。", link="/workbench/",
        channels=("email",),
    )  # fmt: skip

    assert sorted(m.to[0] for m in mail.outbox) == ["alice@yunze.example", "bob@yunze.example"]
    sent = mail.outbox[0]
    assert sent.subject == "公文待签收"
    assert "请及时签收。" in sent.body and "https://www.yunze.gov.example/workbench/" in sent.body
    deliveries = Delivery.objects.filter(channel="email")
    assert {d.status for d in deliveries} == {"sent"}
    assert all(d.provider_message_id.startswith("<") for d in deliveries)


def test_addresses_are_masked_for_display(alice: Any) -> None:
    notify_send(recipients=[alice], body="", subject="掩码", channels=("sms", "email"))
    shown = {d.channel: str(d) for d in Delivery.objects.all()}
    assert "138****5678" in shown["sms"] and "13812345678" not in shown["sms"]
    assert "a***@yunze.example" in shown["email"]
    assert mask_address("") == "" and mask_address("12") == "**"
