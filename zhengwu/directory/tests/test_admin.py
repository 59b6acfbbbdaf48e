"""System administration of the directory through the Django admin at /workbench/admin/."""

from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from zhengwu.audit.models import AuditEntry
from zhengwu.directory import actions
from zhengwu.directory.models import Account, Organisation, Role, RoleAssignment
from zhengwu.directory.tests.conftest import make_staff, perms


@pytest.fixture
def admin_client(client: Client, sysadmin: Account) -> Client:
    client.force_login(sysadmin)
    return client


def organisation_form(orgs: SimpleNamespace, regions: SimpleNamespace, **values: Any) -> dict:
    return {
        "name": "市审计局", "short_name": "", "code": "sj", "kind": "department",
        "parent": orgs.gov.pk, "region": regions.city.pk, "credit_code": "",
        "sort_order": "30", "is_active": "on", **values,
    }  # fmt: skip


def test_a_sysadmin_adds_an_organisation_and_the_change_is_audited(
    admin_client: Client, orgs: SimpleNamespace, regions: SimpleNamespace, sysadmin: Account
) -> None:
    url = reverse("admin:directory_organisation_add")
    assert admin_client.get(url).status_code == 200
    response = admin_client.post(url, organisation_form(orgs, regions))
    assert response.status_code == 302, response.content.decode()[:2000]
    audit_office = Organisation.objects.get(name="市审计局")
    assert audit_office.tree_path == f"/{orgs.gov.pk}/{audit_office.pk}/"
    entry = AuditEntry.objects.get(action="directory.organisation.create",
                                   object_id=audit_office.pk)  # fmt: skip
    assert entry.actor == sysadmin
    listing = admin_client.get(reverse("admin:directory_organisation_changelist"))
    assert "市审计局" in listing.content.decode()


def test_a_wrong_credit_code_is_shown_on_the_form_and_nothing_is_saved(
    admin_client: Client, orgs: SimpleNamespace, regions: SimpleNamespace
) -> None:
    response = admin_client.post(
        reverse("admin:directory_organisation_add"),
        organisation_form(orgs, regions, credit_code="91350200776049653B"),
    )
    assert response.status_code == 200
    assert "统一社会信用代码校验码错误" in response.content.decode()
    assert not Organisation.objects.filter(name="市审计局").exists()


def test_moving_an_organisation_under_its_own_division_is_refused_on_the_form(
    admin_client: Client, orgs: SimpleNamespace, regions: SimpleNamespace
) -> None:
    response = admin_client.post(
        reverse("admin:directory_organisation_change", args=[orgs.scjg.pk]),
        organisation_form(orgs, regions, name="市市场监督管理局", code="",
                          parent=orgs.registry.pk),
    )
    assert response.status_code == 200
    assert "不能把“市市场监督管理局”移到它自己或它的下级机构之下" in response.content.decode()
    assert Organisation.objects.get(pk=orgs.scjg.pk).parent == orgs.gov


def test_moving_an_organisation_through_the_admin_moves_its_subtree(
    admin_client: Client, orgs: SimpleNamespace, regions: SimpleNamespace
) -> None:
    response = admin_client.post(
        reverse("admin:directory_organisation_change", args=[orgs.scjg.pk]),
        organisation_form(orgs, regions, name="市市场监督管理局", code="", parent=orgs.ga.pk),
    )
    assert response.status_code == 302
    registry = Organisation.objects.get(pk=orgs.registry.pk)
    assert registry.tree_path == f"/{orgs.gov.pk}/{orgs.ga.pk}/{orgs.scjg.pk}/{registry.pk}/"
    assert AuditEntry.objects.filter(action="directory.organisation.move").count() == 1


def test_a_sysadmin_creates_a_staff_account_that_must_change_its_password(
    admin_client: Client, orgs: SimpleNamespace, sysadmin: Account
) -> None:
    response = admin_client.post(
        reverse("admin:directory_account_add"),
        {"username": "new.clerk", "display_name": "新科员", "organisation": orgs.registry.pk,
         "job_title": "科员", "email": "", "mobile": "", "initial_password": ""},
        follow=True,
    )  # fmt: skip
    assert response.status_code == 200
    account = Account.objects.get(username="new.clerk")
    assert account.kind == Account.Kind.STAFF and account.must_change_password
    assert "的初始密码为" in response.content.decode()
    entry = AuditEntry.objects.get(action="directory.account.create", object_id=account.pk)
    assert entry.actor == sysadmin


def test_a_weak_initial_password_is_refused_on_the_form(
    admin_client: Client, orgs: SimpleNamespace
) -> None:
    response = admin_client.post(
        reverse("admin:directory_account_add"),
        {"username": "weak", "display_name": "弱密码", "organisation": orgs.registry.pk,
         "initial_password": "12345678"},
    )  # fmt: skip
    assert response.status_code == 200
    assert not Account.objects.filter(username="weak").exists()


def test_roles_are_assigned_on_the_account_page_and_audited(
    admin_client: Client, orgs: SimpleNamespace, clerk_role: Role
) -> None:
    clerk = make_staff("clerk", orgs.registry, display_name="科员甲")
    prefix = "role_assignments"
    response = admin_client.post(
        reverse("admin:directory_account_change", args=[clerk.pk]),
        {"display_name": "科员甲", "organisation": orgs.registry.pk, "job_title": "",
         "email": "", "mobile": "",
         f"{prefix}-TOTAL_FORMS": "1", f"{prefix}-INITIAL_FORMS": "0",
         f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000",
         f"{prefix}-0-role": clerk_role.pk, f"{prefix}-0-organisation": orgs.scjg.pk,
         f"{prefix}-0-covers_subtree": "on", f"{prefix}-0-account": clerk.pk},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:3000]
    assignment = RoleAssignment.objects.get(account=clerk)
    assert (assignment.role, assignment.organisation, assignment.covers_subtree) == (
        clerk_role, orgs.scjg, True,
    )  # fmt: skip
    assert AuditEntry.objects.filter(action="directory.role_assignment.create",
                                     object_id=assignment.pk).exists()  # fmt: skip


def test_a_role_with_permissions_is_created_through_the_admin(
    admin_client: Client,
) -> None:
    chosen = perms("directory.view_account", "directory.view_person")
    response = admin_client.post(
        reverse("admin:directory_role_add"),
        {"code": "viewer", "name": "查阅员", "description": "",
         "permissions": [p.pk for p in chosen]},
    )  # fmt: skip
    assert response.status_code == 302
    role = Role.objects.get(code="viewer")
    assert set(role.permissions.all()) == set(chosen)
    entry = AuditEntry.objects.get(action="directory.role.create", object_id=role.pk)
    assert entry.changes["permissions"] == [[], ["directory.view_account", "directory.view_person"]]
    page = admin_client.get(reverse("admin:directory_role_change", args=[role.pk]))
    assert "可以查看账号" in page.content.decode()


def test_accounts_cannot_be_deleted_only_deactivated(
    admin_client: Client, orgs: SimpleNamespace
) -> None:
    clerk = make_staff("clerk", orgs.registry)
    delete_url = reverse("admin:directory_account_delete", args=[clerk.pk])
    assert admin_client.post(delete_url, {"post": "yes"}).status_code == 403
    response = admin_client.post(
        reverse("admin:directory_account_changelist"),
        {"action": "deactivate_selected", "_selected_action": [clerk.pk]},
    )
    assert response.status_code == 302
    clerk.refresh_from_db()
    assert not clerk.is_active
    assert AuditEntry.objects.filter(action="directory.account.deactivate").count() == 1


def test_lists_show_masked_id_numbers(admin_client: Client, orgs: SimpleNamespace) -> None:
    actions.account_create_citizen(actor=None, username="citizen", name="张三",
                                   id_number="11010519491231002X", mobile="13912345678",
                                   password="Yunze-2024-pass")  # fmt: skip
    for name in ("account", "person"):
        content = admin_client.get(reverse(f"admin:directory_{name}_changelist")).content.decode()
        assert "110105********002X" in content
        assert "11010519491231002X" not in content
    content = admin_client.get(reverse("admin:directory_person_changelist")).content.decode()
    assert "139****5678" in content and "13912345678" not in content


def test_a_search_for_a_partial_id_number_finds_nothing(
    admin_client: Client, orgs: SimpleNamespace
) -> None:
    actions.person_create(actor=None, name="张三", id_number="11010519491231002X")
    url = reverse("admin:directory_person_changelist")
    assert "张三" not in admin_client.get(url, {"q": "19491231"}).content.decode()
    assert "张三" in admin_client.get(url, {"q": "11010519491231002X"}).content.decode()


def test_a_person_is_shown_masked_until_the_viewer_states_a_purpose(
    admin_client: Client, orgs: SimpleNamespace
) -> None:
    person = actions.person_create(actor=None, name="张三", id_number="11010519491231002X",
                                   mobile="13912345678")  # fmt: skip
    change_url = reverse("admin:directory_person_change", args=[person.pk])
    reveal_url = reverse("admin:directory_person_reveal", args=[person.pk])
    page = admin_client.get(change_url).content.decode()
    assert "110105********002X" in page and "11010519491231002X" not in page
    assert reveal_url in page
    assert not AuditEntry.objects.filter(is_read=True).exists()

    refused = admin_client.post(reveal_url, {"purpose": "  "})
    assert refused.status_code == 400
    assert not AuditEntry.objects.filter(is_read=True).exists()

    assert admin_client.post(reveal_url, {"purpose": "核查工单2025-031"}).status_code == 302
    page = admin_client.get(change_url).content.decode()
    assert "11010519491231002X" in page and "13912345678" in page
    entry = AuditEntry.objects.get(action="directory.person.view_personal_data")
    assert entry.is_read and entry.reason == "核查工单2025-031"


def test_the_account_page_masks_contact_details_without_the_grant(
    client: Client, orgs: SimpleNamespace
) -> None:
    manager_role = actions.role_create(actor=None, code="manager", name="账号管理员",
                                       permissions=perms("directory.view_account",
                                                         "directory.change_account"))
    manager = make_staff("manager", orgs.gov)
    actions.role_assign(actor=None, account=manager, role=manager_role, organisation=orgs.gov,
                        covers_subtree=True)  # fmt: skip
    clerk = make_staff("clerk", orgs.scjg, mobile="13912345678", email="clerk@yunze.gov.example")
    client.force_login(manager)
    url = reverse("admin:directory_account_change", args=[clerk.pk])
    page = client.get(url).content.decode()
    assert "139****5678" in page and "13912345678" not in page
    assert "c***@yunze.gov.example" in page and "clerk@yunze.gov.example" not in page
    assert reverse("admin:directory_account_reveal", args=[clerk.pk]) not in page
    # No exact search by phone number without the grant: it would confirm whose number it is.
    found = client.get(reverse("admin:directory_account_changelist"), {"q": "13912345678"})
    assert found.context["cl"].result_count == 0
    assert client.post(reverse("admin:directory_account_reveal", args=[clerk.pk]),
                       {"purpose": "看看"}).status_code == 302  # refused with a message
    assert not AuditEntry.objects.filter(is_read=True).exists()


def test_without_the_grant_a_person_page_stays_masked(
    client: Client, orgs: SimpleNamespace
) -> None:
    viewer_role = actions.role_create(actor=None, code="viewer", name="查阅员",
                                      permissions=perms("directory.view_person"))  # fmt: skip
    viewer = make_staff("viewer", orgs.gov)
    actions.role_assign(actor=None, account=viewer, role=viewer_role, organisation=orgs.gov)
    person = actions.person_create(actor=None, name="张三", id_number="11010519491231002X")
    client.force_login(viewer)
    content = client.get(
        reverse("admin:directory_person_change", args=[person.pk])
    ).content.decode()
    assert "110105********002X" in content and "11010519491231002X" not in content
    assert not AuditEntry.objects.filter(action="directory.person.view_personal_data").exists()
    assert client.get(reverse("admin:directory_organisation_add")).status_code == 403


def test_staff_without_permissions_are_kept_out(client: Client, orgs: SimpleNamespace) -> None:
    clerk = make_staff("clerk", orgs.registry)
    client.force_login(clerk)
    for url in (reverse("admin:index"), reverse("admin:directory_account_changelist")):
        response = client.get(url)
        assert response.status_code in (302, 403)
        if response.status_code == 302:  # to the sign-in page, never into the admin
            assert "login" in response.headers["Location"]
    response = client.post(reverse("admin:directory_account_add"),
                           {"username": "sneaky", "display_name": "x",
                            "organisation": orgs.gov.pk})  # fmt: skip
    assert response.status_code in (302, 403)
    assert not Account.objects.filter(username="sneaky").exists()


def test_an_admin_cannot_give_itself_a_role(
    admin_client: Client, orgs: SimpleNamespace, sysadmin: Account, clerk_role: Role
) -> None:
    prefix = "role_assignments"
    before = RoleAssignment.objects.count()
    response = admin_client.post(
        reverse("admin:directory_account_change", args=[sysadmin.pk]),
        {"display_name": "sysadmin", "organisation": orgs.gov.pk,
         f"{prefix}-TOTAL_FORMS": "2", f"{prefix}-INITIAL_FORMS": "1",
         f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000",
         f"{prefix}-0-id": RoleAssignment.objects.get(account=sysadmin).pk,
         f"{prefix}-0-role": RoleAssignment.objects.get(account=sysadmin).role_id,
         f"{prefix}-0-organisation": orgs.gov.pk, f"{prefix}-0-covers_subtree": "on",
         f"{prefix}-0-account": sysadmin.pk,
         f"{prefix}-1-role": clerk_role.pk, f"{prefix}-1-organisation": orgs.scjg.pk,
         f"{prefix}-1-account": sysadmin.pk},
    )  # fmt: skip
    assert response.status_code == 200
    assert "不能修改自己账号的角色" in response.content.decode()
    assert RoleAssignment.objects.count() == before


@pytest.mark.parametrize("model", ["region", "organisation", "person", "enterprise", "account",
                                   "role", "roleassignment"])  # fmt: skip
def test_every_directory_admin_page_opens_in_chinese(
    admin_client: Client, orgs: SimpleNamespace, model: str, clerk_role: Role
) -> None:
    clerk = make_staff("clerk", orgs.registry)
    actions.role_assign(actor=None, account=clerk, role=clerk_role, organisation=orgs.scjg)
    person = actions.person_create(actor=None, name="张三", id_number="11010519491231002X")
    enterprise = actions.enterprise_create(actor=None, name="示范公司",
                                           credit_code="91350200776049653A")  # fmt: skip
    objects = {"region": orgs.gov.region, "organisation": orgs.scjg, "person": person,
               "enterprise": enterprise, "account": clerk, "role": clerk_role,
               "roleassignment": RoleAssignment.objects.get(account=clerk)}  # fmt: skip
    pages = [reverse(f"admin:directory_{model}_changelist"),
             reverse(f"admin:directory_{model}_change", args=[objects[model].pk])]  # fmt: skip
    if model != "roleassignment":
        pages.append(reverse(f"admin:directory_{model}_add"))
    for url in pages:
        response = admin_client.get(url)
        assert response.status_code == 200, url
        assert "组织机构与账号" in response.content.decode()
    index = admin_client.get(reverse("admin:index")).content.decode()
    assert "行政区划" in index and "角色授权" in index
