"""TOTP second factor: required for staff holding a sensitive role, voluntary for everybody else."""

import datetime as dt
from binascii import unhexlify
from typing import Any

import pytest
import time_machine
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from zhengwu.audit.models import AuditEntry
from zhengwu.directory.models import Account
from zhengwu.identity.testing import sign_in
from zhengwu.identity.tests.conftest import login
from zhengwu.identity.views import PENDING_TOTP_KEY

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)


def code_for(key_hex: str, *, offset_steps: int = 0) -> str:
    totp = TOTP(unhexlify(key_hex))
    totp.drift = offset_steps
    return f"{totp.token():06d}"


def _verify(client: Any, token: str, next_url: str = "/workbench/") -> Any:
    return client.post(f"/accounts/totp/verify/?next={next_url}", {"token": token})


def test_a_sensitive_role_without_a_device_is_sent_to_enrolment(
    client: Any, sensitive_staff: Account
) -> None:
    login(client, "lina")
    response = client.get("/workbench/")
    assert response["Location"] == "/accounts/totp/setup/?next=%2Fworkbench%2F"
    page = client.get(response["Location"]).content.decode()
    assert "设置两步验证" in page
    assert "<svg" in page and "totp-qr" in page
    key_hex = client.session[PENDING_TOTP_KEY]
    assert "每次登录都须输入" in page
    # The base32 secret is shown for manual entry, in groups of four.
    from zhengwu.identity.totp import secret_base32

    assert secret_base32(key_hex) in page
    assert not TOTPDevice.objects.exists()  # nothing is saved before the first code


def test_enrolment_is_confirmed_by_a_first_code(client: Any, sensitive_staff: Account) -> None:
    login(client, "lina")
    client.get("/accounts/totp/setup/")
    key_hex = client.session[PENDING_TOTP_KEY]
    wrong_code = "000000" if code_for(key_hex) != "000000" else "111111"
    wrong = client.post("/accounts/totp/setup/", {"token": wrong_code})
    assert "验证码不匹配" in wrong.content.decode()
    assert not TOTPDevice.objects.exists()
    response = client.post("/accounts/totp/setup/?next=/workbench/", {"token": code_for(key_hex)})
    assert response["Location"] == "/workbench/"
    device = TOTPDevice.objects.get(user=sensitive_staff)
    assert device.confirmed and device.key == key_hex
    assert client.get("/workbench/").status_code == 200  # this session counts as verified
    assert AuditEntry.objects.filter(action="identity.totp.enrol", actor=sensitive_staff).exists()
    assert key_hex not in str(AuditEntry.objects.values_list("changes", flat=True)[::1])


def test_a_device_holder_is_asked_for_a_code_and_a_correct_one_lets_them_in(
    client: Any, sensitive_staff: Account, totp_device: TOTPDevice
) -> None:
    login(client, "lina")
    response = client.get("/workbench/")
    assert response["Location"] == "/accounts/totp/verify/?next=%2Fworkbench%2F"
    assert "两步验证" in client.get(response["Location"]).content.decode()
    response = _verify(client, code_for(totp_device.key))
    assert response["Location"] == "/workbench/"
    assert client.get("/workbench/").status_code == 200
    assert AuditEntry.objects.filter(action="identity.totp.verify").count() == 1


def test_a_wrong_code_does_not_let_them_in(
    client: Any, sensitive_staff: Account, totp_device: TOTPDevice
) -> None:
    login(client, "lina")
    good = code_for(totp_device.key)
    wrong = "123456" if good != "123456" else "654321"
    response = _verify(client, wrong)
    assert response.status_code == 200
    body = response.content.decode()
    assert "验证码不正确" in body and "再失败 4 次" in body
    assert client.get("/workbench/")["Location"].startswith("/accounts/totp/verify/")
    entry = AuditEntry.objects.get(action="identity.login.fail")
    assert entry.changes == {"stage": "totp", "reason": "bad_credentials"}


def test_malformed_codes_are_refused_without_counting(
    client: Any, sensitive_staff: Account, totp_device: TOTPDevice
) -> None:
    login(client, "lina")
    for token in ("12345", "abcdef", "1234567", "' OR 1", "12 34 5"):
        response = _verify(client, token)
        assert "请输入身份验证器应用中显示的六位数字" in response.content.decode()
    assert not AuditEntry.objects.filter(action="identity.login.fail").exists()


def test_a_code_cannot_be_used_twice(
    client: Any, sensitive_staff: Account, totp_device: TOTPDevice
) -> None:
    with time_machine.travel(START, tick=False):
        token = code_for(totp_device.key)
        login(client, "lina")
        assert _verify(client, token)["Location"] == "/workbench/"
        client.post("/accounts/logout/")
        login(client, "lina")
        assert _verify(client, token).status_code == 200  # replay refused


def test_the_code_of_the_previous_time_step_is_accepted(
    client: Any, sensitive_staff: Account, totp_device: TOTPDevice
) -> None:
    login(client, "lina")
    assert _verify(client, code_for(totp_device.key, offset_steps=-1)).status_code == 302


def test_after_a_wrong_code_the_right_one_works_once_the_back_off_has_passed(
    client: Any, sensitive_staff: Account, totp_device: TOTPDevice
) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        login(client, "lina")
        good = code_for(totp_device.key)
        _verify(client, "123456" if good != "123456" else "654321")
        too_soon = _verify(client, good)
        assert "请等待 1 秒后再试" in too_soon.content.decode()
        traveller.shift(dt.timedelta(seconds=2))
        assert _verify(client, good)["Location"] == "/workbench/"
    # The back-off refusal was not a guess and did not count.
    assert AuditEntry.objects.filter(action="identity.login.fail").count() == 1


def test_five_wrong_codes_lock_the_account_and_end_the_session(
    client: Any, sensitive_staff: Account, totp_device: TOTPDevice
) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        login(client, "lina")
        good = code_for(totp_device.key)
        wrong = "123456" if good != "123456" else "654321"
        for _ in range(4):
            _verify(client, wrong)
            traveller.shift(dt.timedelta(seconds=20))  # past django-otp's own back-off
        response = _verify(client, wrong)
        assert response.status_code == 429
        assert "该账号已被临时锁定" in response.content.decode()
        assert "_auth_user_id" not in client.session
        assert login(client, "lina").status_code == 429
    assert AuditEntry.objects.filter(action="identity.account.lock").count() == 1


def test_replacing_a_device_needs_the_current_one_first(
    client: Any, sensitive_staff: Account, totp_device: TOTPDevice
) -> None:
    login(client, "lina")
    # Enrolment is not an escape from verification.
    response = client.get("/accounts/totp/setup/")
    assert response["Location"].startswith("/accounts/totp/verify/")
    _verify(client, code_for(totp_device.key))
    page = client.get("/accounts/totp/setup/").content.decode()
    assert "原来使用的将失效" in page
    key_hex = client.session[PENDING_TOTP_KEY]
    with time_machine.travel(dt.datetime.now(tz=dt.UTC) + dt.timedelta(seconds=60)):
        client.post("/accounts/totp/setup/", {"token": code_for(key_hex)})
    assert list(TOTPDevice.objects.values_list("key", flat=True)) == [key_hex]
    entry = AuditEntry.objects.get(action="identity.totp.enrol")
    assert entry.changes["replaced_devices"] == 1


def test_staff_without_a_sensitive_role_are_not_asked(client: Any, staff: Account) -> None:
    login(client, "zhangwei")
    assert client.get("/workbench/").status_code == 200


def test_a_citizen_who_enrolled_voluntarily_is_asked_too(client: Any, citizen: Account) -> None:
    login(client, "wangfang")
    page = client.get("/accounts/totp/setup/").content.decode()
    assert "每次登录都须输入" not in page  # voluntary
    key_hex = client.session[PENDING_TOTP_KEY]
    client.post("/accounts/totp/setup/", {"token": code_for(key_hex)})
    client.post("/accounts/logout/")
    login(client, "wangfang")
    assert client.get("/")["Location"] == "/accounts/totp/verify/?next=%2F"


def test_the_account_row_follows_every_device_change(client: Any, citizen: Account) -> None:
    """has_second_factor spares every request the device queries; it must follow devices added
    or removed by any path, or a session would skip its second factor."""
    device = TOTPDevice.objects.create(user=citizen, name="x", confirmed=False)
    citizen.refresh_from_db()
    assert citizen.has_second_factor is False  # unconfirmed: no second factor yet
    device.confirmed = True
    device.save()
    citizen.refresh_from_db()
    assert citizen.has_second_factor is True
    login(client, "wangfang")
    assert client.get("/")["Location"] == "/accounts/totp/verify/?next=%2F"
    TOTPDevice.objects.filter(user=citizen).delete()
    citizen.refresh_from_db()
    assert citizen.has_second_factor is False
    assert client.get("/").status_code == 200


def test_the_verification_page_needs_a_signed_in_account(client: Any) -> None:
    assert client.get("/accounts/totp/verify/")["Location"].startswith("/accounts/login/")
    assert client.get("/accounts/totp/setup/")["Location"].startswith("/accounts/login/")


def test_the_sign_in_helper_lets_other_modules_reach_their_pages(
    client: Any, sensitive_staff: Account
) -> None:
    sign_in(client, sensitive_staff)
    assert client.get("/workbench/").status_code == 200
