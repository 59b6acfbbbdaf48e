"""Superusers need TOTP; a per-address throttle blunts lockout abuse; administrators can reset a
second factor and unlock an account (audited, within their organisations)."""

from typing import Any

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from zhengwu.audit.models import AuditEntry
from zhengwu.core.errors import PermissionDenied, ValidationFailed
from zhengwu.directory.models import Account, Organisation, Role, RoleAssignment
from zhengwu.identity import actions, selectors
from zhengwu.identity.testing import sign_in
from zhengwu.identity.tests.conftest import PASSWORD, login


def _administrator(organisation: Organisation, username: str = "admin") -> Account:
    account = Account.objects.create_user(username, PASSWORD, display_name="管理员",
                                          kind=Account.Kind.STAFF, organisation=organisation)
    role = Role.objects.create(code=f"admin-{username}", name="账号管理员")
    role.permissions.add(*Permission.objects.filter(
        content_type__app_label="directory", codename__in=["view_account", "change_account"]))
    RoleAssignment.objects.create(account=account, role=role, organisation=organisation,
                                  covers_subtree=True)  # fmt: skip
    return account


def test_a_superuser_must_enrol_a_second_factor(client: Client, organisation: Any) -> None:
    root = Account.objects.create_superuser("root", PASSWORD, organisation=organisation)
    assert not root.must_change_password
    assert selectors.second_factor_required(root)
    response = login(client, "root")
    assert response["Location"] == "/workbench/"
    assert client.get("/workbench/")["Location"].startswith(reverse("identity:totp_setup"))


def test_a_superuser_signed_in_with_a_second_factor_reaches_the_admin(
    client: Client, organisation: Any
) -> None:
    root = Account.objects.create_superuser("root", PASSWORD, organisation=organisation)
    sign_in(client, root)
    assert client.get("/workbench/admin/").status_code == 200


def test_an_address_that_fails_too_often_is_throttled_across_user_names(
    client: Client, make_staff: Any, settings: Any
) -> None:
    settings.ZHENGWU_LOGIN_ADDRESS_FAILURE_LIMIT = 6
    victim = make_staff("victim", display_name="受害者")
    for name in ("a1", "a2", "a3", "victim", "victim", "a4"):
        client.post("/accounts/login/", {"username": name, "password": "Wrong#Pass1"},
                    REMOTE_ADDR="10.0.0.66")
    refused = client.post("/accounts/login/", {"username": "victim", "password": PASSWORD},
                          REMOTE_ADDR="10.0.0.66")  # fmt: skip
    assert refused.status_code == 429
    assert "您所在网络地址的登录失败次数过多" in refused.content.decode()
    # The throttled attempt did not count against the victim, who signs in from elsewhere.
    victim_failures = AccessAttempt.objects.filter(username="victim")
    assert sum(victim_failures.values_list("failures_since_start", flat=True)) == 2
    ok = Client().post("/accounts/login/", {"username": "victim", "password": PASSWORD},
                       REMOTE_ADDR="10.0.0.7")  # fmt: skip
    assert ok.status_code == 302 and victim is not None
    assert AuditEntry.objects.filter(action="identity.login.fail",
                                     changes__reason="address_throttled").count() == 1


def test_a_forged_forwarded_for_header_does_not_escape_the_throttle(
    client: Client, make_staff: Any, settings: Any
) -> None:
    settings.ZHENGWU_LOGIN_ADDRESS_FAILURE_LIMIT = 3
    for number in range(3):
        client.post("/accounts/login/", {"username": f"u{number}", "password": "x"},
                    REMOTE_ADDR="10.0.0.66", HTTP_X_FORWARDED_FOR=f"1.2.3.{number}")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"10.0.0.66"}
    assert selectors.address_throttled("10.0.0.66")


def test_an_administrator_resets_a_lost_second_factor(
    organisation: Any, sensitive_staff: Account
) -> None:
    admin = _administrator(organisation)
    TOTPDevice.objects.create(user=sensitive_staff, name="phone", confirmed=True)
    StaticDevice.objects.create(user=sensitive_staff, name="backup", confirmed=True)
    assert actions.account_second_factor_reset(actor=admin, account=sensitive_staff,
                                               reason="手机丢失") == 2  # fmt: skip
    assert not TOTPDevice.objects.filter(user=sensitive_staff).exists()
    assert not StaticDevice.objects.filter(user=sensitive_staff).exists()
    assert actions.account_second_factor_reset(actor=admin, account=sensitive_staff) == 0
    entry = AuditEntry.objects.get(action="identity.totp.reset")
    assert entry.actor == admin and entry.reason == "手机丢失"
    assert selectors.pending_obligation(sensitive_staff) == selectors.Obligation.TOTP_SETUP
    with pytest.raises(ValidationFailed):
        actions.account_second_factor_reset(actor=admin, account=admin)


def test_remedies_are_refused_outside_the_administrator_scope(
    organisation: Any, sensitive_staff: Account
) -> None:
    from zhengwu.directory.actions import organisation_create

    def department(name: str) -> Organisation:
        return organisation_create(actor=None, name=name, kind=Organisation.Kind.DEPARTMENT,
                                   region=organisation.region)  # fmt: skip

    sensitive_staff.organisation = department("市市场监督管理局")
    sensitive_staff.save()
    outsider = _administrator(department("市公安局"), "ga_admin")
    TOTPDevice.objects.create(user=sensitive_staff, name="phone", confirmed=True)
    for action in (actions.account_second_factor_reset, actions.account_unlock):
        with pytest.raises(PermissionDenied):
            action(actor=outsider, account=sensitive_staff)
    assert TOTPDevice.objects.filter(user=sensitive_staff).exists()


def test_an_administrator_unlocks_a_locked_account(
    client: Client, organisation: Any, staff: Account
) -> None:
    admin = _administrator(organisation)
    for _ in range(5):
        login(client, "zhangwei", "Wrong#Pass1")
    assert login(client, "zhangwei").status_code == 429
    assert actions.account_unlock(actor=admin, account=staff, reason="本人电话确认") >= 1
    assert login(client, "zhangwei")["Location"] == "/workbench/"
    assert AuditEntry.objects.get(action="identity.account.unlock").actor == admin
    assert actions.account_unlock(actor=admin, account=staff) == 0


def test_the_admin_offers_both_remedies_as_account_actions(
    client: Client, organisation: Any, sensitive_staff: Account
) -> None:
    admin = _administrator(organisation)
    TOTPDevice.objects.create(user=sensitive_staff, name="phone", confirmed=True)
    client.force_login(admin)
    response = client.post(reverse("admin:directory_account_changelist"), {
        "action": "reset_second_factor_selected", "_selected_action": [sensitive_staff.pk],
    })  # fmt: skip
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=sensitive_staff).exists()
