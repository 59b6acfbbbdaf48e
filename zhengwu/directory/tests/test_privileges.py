"""Nobody raises their own privileges, and administrators act only within their organisations."""

from types import SimpleNamespace
from unittest import mock

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from zhengwu.audit.models import AuditEntry
from zhengwu.core.errors import Conflict, PermissionDenied, ValidationFailed
from zhengwu.directory import actions, rules
from zhengwu.directory.models import Account, Person, Region, Role
from zhengwu.directory.tests.conftest import STRONG_PASSWORD, make_staff, perms

ADMIN_PERMS = ("directory.view_account", "directory.change_account", "directory.view_role",
               "directory.change_role", "directory.view_person", "directory.view_roleassignment",
               "directory.add_roleassignment", "directory.change_roleassignment",
               "directory.delete_roleassignment")  # fmt: skip


@pytest.fixture
def scjg_admin(orgs: SimpleNamespace) -> Account:
    """Administers the accounts of 市市场监督管理局 and its divisions only."""
    role = actions.role_create(actor=None, code="dept_admin", name="部门账号管理员",
                               permissions=perms(*ADMIN_PERMS))  # fmt: skip
    account = make_staff("scjg_admin", orgs.scjg)
    actions.role_assign(actor=None, account=account, role=role, organisation=orgs.scjg,
                        covers_subtree=True)  # fmt: skip
    return account


def test_a_role_holder_cannot_edit_that_role(scjg_admin: Account) -> None:
    role = Role.objects.get(code="dept_admin")
    with pytest.raises(PermissionDenied, match="不能修改该角色"):
        actions.role_update(actor=scjg_admin, role=role,
                            permissions=[*role.permissions.all(),
                                         *perms("audit.view_auditentry")])  # fmt: skip
    with pytest.raises(PermissionDenied):
        actions.role_update(actor=scjg_admin, role=role, requires_second_factor=False)
    assert not role.permissions.filter(codename="view_auditentry").exists()


def test_only_permissions_the_actor_holds_can_be_granted(
    scjg_admin: Account, clerk_role: Role
) -> None:
    with pytest.raises(PermissionDenied, match=r"audit\.export_auditentry"):
        actions.role_update(actor=scjg_admin, role=clerk_role,
                            permissions=perms("directory.view_person",
                                              "audit.export_auditentry"))  # fmt: skip
    with pytest.raises(PermissionDenied):
        actions.role_create(actor=scjg_admin, code="x", name="越权角色",
                            permissions=perms("directory.delete_account"))  # fmt: skip
    actions.role_update(actor=scjg_admin, role=clerk_role,
                        permissions=perms("directory.view_person", "directory.view_account"))
    assert clerk_role.permissions.count() == 2


def test_framework_permissions_are_never_granted_through_roles(
    scjg_admin: Account, clerk_role: Role
) -> None:
    for label in ("auth.change_group", "otp_totp.change_totpdevice", "axes.delete_accessattempt",
                  "contenttypes.change_contenttype", "sessions.view_session"):
        with pytest.raises(ValidationFailed, match="框架内部权限"):
            actions.role_update(actor=None, role=clerk_role, permissions=perms(label))
    choosable = rules.role_permissions_choosable(scjg_admin)
    assert {p.content_type.app_label for p in choosable} == {"directory"}
    assert set(choosable.values_list("codename", flat=True)) == {
        label.split(".")[1] for label in ADMIN_PERMS
    }
    everything = rules.role_permissions_choosable(None)
    assert not everything.filter(content_type__app_label__in=rules.FRAMEWORK_APPS).exists()


def test_the_role_form_offers_only_grantable_permissions_and_keeps_the_rest(
    client: Client, scjg_admin: Account, orgs: SimpleNamespace
) -> None:
    other = actions.role_create(actor=None, code="auditor", name="审计员",
                                permissions=perms("audit.view_auditentry"))  # fmt: skip
    client.force_login(scjg_admin)
    url = reverse("admin:directory_role_change", args=[other.pk])
    form = client.get(url).context["adminform"].form
    offered = set(form.fields["permissions"].queryset.values_list("codename", flat=True))
    assert "view_auditentry" not in offered and "change_group" not in offered
    chosen = perms("directory.view_person")
    response = client.post(url, {"code": "auditor", "name": "审计员", "description": "",
                                 "permissions": [p.pk for p in chosen]})  # fmt: skip
    assert response.status_code == 302
    assert set(other.permissions.values_list("codename", flat=True)) == {
        "view_auditentry", "view_person"
    }


def test_account_administration_is_scoped_to_the_actor_organisations(
    scjg_admin: Account, orgs: SimpleNamespace, clerk_role: Role
) -> None:
    inside = make_staff("registry_clerk", orgs.registry)
    outside = make_staff("ga_clerk", orgs.ga)
    actions.account_reset_password(actor=scjg_admin, account=inside)
    actions.role_assign(actor=scjg_admin, account=inside, role=clerk_role,
                        organisation=orgs.registry)  # fmt: skip
    for attempt in (
        lambda: actions.account_reset_password(actor=scjg_admin, account=outside),
        lambda: actions.account_deactivate(actor=scjg_admin, account=outside),
        lambda: actions.role_assign(actor=scjg_admin, account=outside, role=clerk_role,
                                    organisation=orgs.ga),
        lambda: actions.role_assign(actor=scjg_admin, account=inside, role=clerk_role,
                                    organisation=orgs.ga),
        lambda: actions.account_update(actor=scjg_admin, account=inside, organisation=orgs.ga),
    ):
        with pytest.raises(PermissionDenied):
            attempt()
    outside.refresh_from_db()
    assert outside.is_active and not outside.must_change_password


def test_accounts_more_powerful_than_the_actor_and_superusers_are_refused(
    scjg_admin: Account, orgs: SimpleNamespace
) -> None:
    boss_role = actions.role_create(actor=None, code="boss", name="局长",
                                    permissions=perms("directory.delete_account"))  # fmt: skip
    boss = make_staff("boss", orgs.scjg)
    actions.role_assign(actor=None, account=boss, role=boss_role, organisation=orgs.scjg)
    root = Account.objects.create_superuser("root", STRONG_PASSWORD, organisation=orgs.scjg)
    for target in (boss, root):
        for action in (actions.account_reset_password, actions.account_deactivate):
            with pytest.raises(PermissionDenied) as refused:
                action(actor=scjg_admin, account=target)
            assert any("\u4e00" <= c <= "\u9fff" for c in str(refused.value.message))
    with pytest.raises(PermissionDenied):
        actions.role_assign(actor=scjg_admin, account=make_staff("new", orgs.scjg),
                            role=boss_role, organisation=orgs.scjg)  # fmt: skip
    assert not AuditEntry.objects.filter(actor=scjg_admin).exists()


def test_the_account_admin_lists_only_accounts_in_scope(
    client: Client, scjg_admin: Account, orgs: SimpleNamespace
) -> None:
    inside = make_staff("registry_clerk", orgs.registry)
    outside = make_staff("ga_clerk", orgs.ga)
    client.force_login(scjg_admin)
    listed = client.get(reverse("admin:directory_account_changelist")).context["cl"].result_list
    assert {a.username for a in listed} == {"scjg_admin", "registry_clerk"}
    response = client.get(reverse("admin:directory_account_change", args=[outside.pk]))
    assert response.status_code == 302  # "does not exist" for this administrator
    page = client.get(reverse("admin:directory_account_change", args=[inside.pk]))
    inline = page.context["inline_admin_formsets"][0].formset
    offered = inline.form.base_fields["organisation"].queryset
    assert set(offered) == {orgs.scjg, orgs.registry}


def test_permissions_come_from_roles_only(orgs: SimpleNamespace) -> None:
    clerk = make_staff("clerk", orgs.scjg)
    group = Group.objects.create(name="后门")
    group.permissions.add(*perms("directory.change_account"))
    clerk.groups.add(group)
    clerk.user_permissions.add(*perms("directory.delete_account"))
    clerk = Account.objects.get(pk=clerk.pk)
    assert not clerk.has_perm("directory.change_account")
    assert not clerk.has_perm("directory.delete_account")
    assert clerk.get_all_permissions() == set()


def test_framework_models_are_not_in_the_admin() -> None:
    from axes.models import AccessAttempt
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    for model in (Group, TOTPDevice, StaticDevice, AccessAttempt):
        assert not admin.site.is_registered(model)


def test_a_concurrent_registration_of_the_same_person_is_a_conflict_not_a_crash(
    regions: SimpleNamespace,
) -> None:
    real = actions._full_clean

    def racing(obj: object, exclude: object = ()) -> None:
        real(obj, exclude)  # our checks pass ...
        if isinstance(obj, Person) and not Person.objects.filter(name="先到者").exists():
            # ... and another transaction commits the same ID number before our insert.
            Person.objects.create(name="先到者", id_number=obj.id_number)

    with (
        mock.patch.object(actions, "_full_clean", racing),
        pytest.raises(Conflict, match="请刷新后重试"),
    ):
        actions.account_create_citizen(actor=None, username="zhangsan", name="张三",
                                       id_number="11010519491231002X",
                                       password=STRONG_PASSWORD)  # fmt: skip
    assert not Account.objects.filter(username="zhangsan").exists()


def test_a_concurrent_registration_of_the_same_enterprise_is_a_conflict(
    regions: SimpleNamespace,
) -> None:
    from zhengwu.directory.models import Enterprise

    real = actions._full_clean

    def racing(obj: object, exclude: object = ()) -> None:
        real(obj, exclude)
        if isinstance(obj, Enterprise) and not Enterprise.objects.exists():
            Enterprise.objects.create(name="先到公司", credit_code=obj.credit_code)

    with mock.patch.object(actions, "_full_clean", racing), pytest.raises(Conflict):
        actions.account_create_enterprise(actor=None, username="ent", enterprise_name="某公司",
                                          credit_code="91350200776049653A",
                                          password=STRONG_PASSWORD)  # fmt: skip


def test_a_bulk_delete_is_all_or_nothing(client: Client, sysadmin: Account,
                                         regions: SimpleNamespace) -> None:  # fmt: skip
    unused = actions.region_create(actor=None, code="990103", name="临溪区",
                                   level=Region.Level.COUNTY, parent=regions.city)  # fmt: skip
    client.force_login(sysadmin)
    response = client.post(reverse("admin:directory_region_changelist"), {
        "action": "delete_selected", "post": "yes",
        "_selected_action": [unused.pk, regions.county.pk, regions.city.pk],
    })  # fmt: skip
    assert response.status_code in (200, 302)
    assert Region.objects.filter(pk=unused.pk).exists()  # rolled back with the refused ones
    assert not AuditEntry.objects.filter(action="directory.region.delete").exists()

