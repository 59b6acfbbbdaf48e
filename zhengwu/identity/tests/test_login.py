"""Login, lockout (django-axes: 5 failures per user name lock it for 15 minutes), logout, next."""

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from zhengwu.audit.models import AuditEntry
from zhengwu.directory.models import Account
from zhengwu.identity.tests.conftest import PASSWORD, login

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)  # 17:00 in Asia/Shanghai


def _actions(**filters: Any) -> list[str]:
    return list(
        AuditEntry.objects.filter(**filters).order_by("seq").values_list("action", flat=True)
    )


def test_the_login_page_is_in_chinese(client: Any) -> None:
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "<h1" in body and "登录" in body
    assert "用户名" in body and "密码" in body


def test_staff_land_on_the_workbench_and_the_login_is_audited(client: Any, staff: Account) -> None:
    response = login(client, "zhangwei")
    assert response.status_code == 302
    assert response["Location"] == "/workbench/"
    assert client.get("/workbench/").status_code == 200
    entry = AuditEntry.objects.get(action="identity.login.succeed")
    assert entry.actor == staff
    assert entry.object_id == str(staff.pk)
    assert entry.ip == "127.0.0.1"


def test_citizens_land_on_the_public_home_page(client: Any, citizen: Account) -> None:
    response = login(client, "wangfang")
    assert response["Location"] == "/"


def test_a_wrong_password_is_refused_with_a_chinese_message_and_audited(
    client: Any, staff: Account
) -> None:
    response = login(client, "zhangwei", "Wrong#Pass1")
    assert response.status_code == 200
    body = response.content.decode()
    assert "用户名或密码错误" in body
    assert "再失败 4 次，账号将被锁定" in body
    assert "_auth_user_id" not in client.session
    entry = AuditEntry.objects.get(action="identity.login.fail")
    assert entry.object_id == str(staff.pk)
    assert entry.changes == {"stage": "password", "reason": "bad_credentials"}
    assert entry.actor is None


def test_an_unknown_user_name_gets_the_same_answer_and_is_audited_by_name(client: Any) -> None:
    response = login(client, "nosuchuser", "Wrong#Pass1")
    assert "用户名或密码错误" in response.content.decode()
    entry = AuditEntry.objects.get(action="identity.login.fail")
    assert entry.object_repr == "nosuchuser"
    assert entry.object_id == ""


def test_an_injection_string_as_user_name_is_just_a_failed_login(
    client: Any, staff: Account
) -> None:
    response = login(client, "' OR 1=1; --<script>", "x")
    assert response.status_code == 200
    body = response.content.decode()
    assert "<script>" not in body  # escaped in the re-displayed form
    assert Account.objects.count() == 1


def test_an_empty_form_changes_nothing(client: Any, staff: Account) -> None:
    response = client.post("/accounts/login/", {"username": "", "password": ""})
    assert response.status_code == 200
    assert "这个字段是必填项" in response.content.decode()
    assert not AuditEntry.objects.filter(action__startswith="identity.").exists()


def test_the_sixth_attempt_is_locked_out_even_with_the_right_password(
    client: Any, staff: Account
) -> None:
    with time_machine.travel(START, tick=False):
        for _ in range(4):
            assert login(client, "zhangwei", "Wrong#Pass1").status_code == 200
        fifth = login(client, "zhangwei", "Wrong#Pass1")
        assert fifth.status_code == 429  # the fifth failure locks the user name
        sixth = login(client, "zhangwei", PASSWORD)
    assert sixth.status_code == 429
    body = sixth.content.decode()
    assert "该账号已被临时锁定" in body
    assert "连续登录失败 5 次，账号已被锁定 15 分钟" in body
    assert "请于 2026-03-02 17:15 之后再试" in body
    assert "_auth_user_id" not in client.session
    assert _actions(action="identity.account.lock") == ["identity.account.lock"]
    fails = AuditEntry.objects.filter(action="identity.login.fail").order_by("seq")
    assert [e.changes["reason"] for e in fails] == ["bad_credentials"] * 5 + ["locked"]
    assert not AuditEntry.objects.filter(action="identity.login.succeed").exists()


def test_attempts_during_the_lockout_do_not_extend_it(client: Any, staff: Account) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        for _ in range(5):
            login(client, "zhangwei", "Wrong#Pass1")
        traveller.shift(dt.timedelta(minutes=10))
        body = login(client, "zhangwei", "Wrong#Pass1").content.decode()
        assert "请于 2026-03-02 17:15 之后再试" in body
        traveller.shift(dt.timedelta(minutes=6))
        assert login(client, "zhangwei", PASSWORD)["Location"] == "/workbench/"


def test_the_lockout_ends_after_fifteen_minutes(client: Any, staff: Account) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        for _ in range(5):
            login(client, "zhangwei", "Wrong#Pass1")
        traveller.shift(dt.timedelta(minutes=14))
        assert login(client, "zhangwei", PASSWORD).status_code == 429
        traveller.shift(dt.timedelta(minutes=2))
        response = login(client, "zhangwei", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/workbench/"


def test_a_success_resets_the_failure_count(client: Any, staff: Account) -> None:
    for _ in range(4):
        login(client, "zhangwei", "Wrong#Pass1")
    login(client, "zhangwei")
    client.post("/accounts/logout/")
    for _ in range(4):
        response = login(client, "zhangwei", "Wrong#Pass1")
    assert response.status_code == 200  # four fresh failures, not nine


def test_the_lockout_is_per_user_name(client: Any, make_staff: Any) -> None:
    make_staff("zhangwei")
    make_staff("liuyang", display_name="刘洋")
    for _ in range(5):
        login(client, "zhangwei", "Wrong#Pass1")
    assert login(client, "liuyang")["Location"] == "/workbench/"


def test_an_inactive_account_cannot_log_in(client: Any, staff: Account) -> None:
    Account.objects.filter(pk=staff.pk).update(is_active=False)
    assert "用户名或密码错误" in login(client, "zhangwei").content.decode()


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/phish",
        "//evil.example/phish",
        "http://testserver.evil.example/",
        "javascript:alert(1)",
        "/\\evil.example",
    ],
)
def test_a_next_pointing_off_site_is_ignored(client: Any, staff: Account, target: str) -> None:
    response = login(client, "zhangwei", next=target)
    assert response["Location"] == "/workbench/"


def test_a_next_inside_the_site_is_followed(client: Any, staff: Account) -> None:
    response = client.post(
        "/accounts/login/?next=/workbench/notices/", {"username": "zhangwei", "password": PASSWORD}
    )
    assert response["Location"] == "/workbench/notices/"


def test_the_login_form_carries_next_through_a_failed_attempt(client: Any, staff: Account) -> None:
    body = client.get("/accounts/login/?next=/workbench/notices/").content.decode()
    assert 'name="next" value="/workbench/notices/"' in body
    body = client.get("/accounts/login/?next=https://evil.example/").content.decode()
    assert "evil.example" not in body


def test_a_signed_in_user_opening_the_login_page_goes_on(client: Any, staff: Account) -> None:
    login(client, "zhangwei")
    assert client.get("/accounts/login/")["Location"] == "/workbench/"


def test_logout_is_post_only_and_audited(client: Any, staff: Account) -> None:
    login(client, "zhangwei")
    assert client.get("/accounts/logout/").status_code == 405
    assert "_auth_user_id" in client.session
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    entry = AuditEntry.objects.get(action="identity.logout.succeed")
    assert entry.actor == staff
    assert client.get("/workbench/").status_code == 302


def test_logout_without_a_session_is_harmless(client: Any) -> None:
    assert client.post("/accounts/logout/").status_code == 302
    assert not AuditEntry.objects.exists()


def test_lockout_time_is_shown_in_local_time() -> None:
    assert timezone.get_current_timezone_name() == "Asia/Shanghai"
