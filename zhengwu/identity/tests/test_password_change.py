"""Changing one's password, and the forced change at first login for accounts an admin created."""

from typing import Any

import pytest

from zhengwu.audit.models import AuditEntry
from zhengwu.directory.models import Account
from zhengwu.identity.tests.conftest import PASSWORD, login

pytestmark = pytest.mark.django_db

NEW = "Qingshan@88"


def _change(client: Any, old: str = PASSWORD, new1: str = NEW, new2: str | None = None) -> Any:
    return client.post(
        "/accounts/password/",
        {
            "old_password": old,
            "new_password1": new1,
            "new_password2": new1 if new2 is None else new2,
        },
    )


@pytest.fixture
def forced(make_staff: Any) -> Account:
    return make_staff("chenjing", display_name="陈静", must_change_password=True)


def test_an_account_with_an_initial_password_is_sent_to_the_change_page(
    client: Any, forced: Account
) -> None:
    response = login(client, "chenjing")
    assert response["Location"] == "/workbench/"
    response = client.get("/workbench/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/?next=%2Fworkbench%2F"
    page = client.get(response["Location"]).content.decode()
    assert "您的密码由管理员设置，请先设置您自己的密码再继续使用" in page
    # Every other page is closed, logout stays open.
    assert client.get("/workbench/notices/")["Location"].startswith("/accounts/password/")
    assert client.get("/")["Location"].startswith("/accounts/password/")
    assert client.post("/accounts/logout/")["Location"] == "/"


def test_changing_the_password_clears_the_obligation_and_is_audited(
    client: Any, forced: Account
) -> None:
    login(client, "chenjing")
    response = client.post(
        "/accounts/password/?next=/workbench/",
        {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW},
    )
    assert response.status_code == 302
    assert response["Location"] == "/workbench/"
    forced.refresh_from_db()
    assert forced.must_change_password is False
    assert forced.password_changed_at is not None
    assert forced.check_password(NEW)
    assert client.get("/workbench/").status_code == 200  # still signed in
    entry = AuditEntry.objects.get(action="identity.password.change")
    assert entry.actor == forced
    assert entry.changes == {"must_change_password": [True, False]}
    assert PASSWORD not in str(entry.changes) and NEW not in str(entry.changes)


def test_a_wrong_current_password_changes_nothing_and_counts_as_a_failure(
    client: Any, staff: Account
) -> None:
    login(client, "zhangwei")
    response = _change(client, old="Wrong#Pass1")
    body = response.content.decode()
    assert "当前密码不正确" in body
    assert "再失败 4 次，账号将被锁定" in body
    staff.refresh_from_db()
    assert staff.check_password(PASSWORD)
    entry = AuditEntry.objects.get(action="identity.login.fail")
    assert entry.changes["stage"] == "password_change"


def test_guessing_the_current_password_locks_the_account_and_ends_the_session(
    client: Any, staff: Account
) -> None:
    login(client, "zhangwei")
    for _ in range(4):
        _change(client, old="Wrong#Pass1")
    response = _change(client, old="Wrong#Pass1")
    assert response.status_code == 429
    assert "该账号已被临时锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert login(client, "zhangwei").status_code == 429


def test_the_two_new_passwords_must_match(client: Any, staff: Account) -> None:
    login(client, "zhangwei")
    response = _change(client, new2="Qingshan@89")
    assert "两次输入的新密码不一致" in response.content.decode()
    staff.refresh_from_db()
    assert staff.check_password(PASSWORD)


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("Ab1#", "密码长度至少为 8 个字符"),
        ("qingshan2024", "当前只有 2 类"),
        ("Zhangwei#2024", "不能包含用户名"),
        (PASSWORD, "新密码不能与当前密码相同"),
    ],
)
def test_a_new_password_breaking_the_policy_is_refused(
    client: Any, staff: Account, new: str, message: str
) -> None:
    login(client, "zhangwei")
    response = _change(client, new1=new)
    assert response.status_code == 200
    assert message in response.content.decode()
    staff.refresh_from_db()
    assert staff.check_password(PASSWORD)
    assert not AuditEntry.objects.filter(action="identity.password.change").exists()


def test_the_change_page_explains_the_rules(client: Any, staff: Account) -> None:
    login(client, "zhangwei")
    body = client.get("/accounts/password/").content.decode()
    assert "至少 8 个字符" in body
    assert "特殊符号中的 3 类" in body


def test_other_sessions_end_when_the_password_changes(client: Any, staff: Account) -> None:
    from django.test import Client

    other = Client()
    login(other, "zhangwei")
    login(client, "zhangwei")
    _change(client)
    assert client.get("/workbench/").status_code == 200
    assert other.get("/workbench/").status_code == 302
