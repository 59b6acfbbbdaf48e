"""Staff accounts for the audit tests, built directly from directory rows.

Audit sits below directory in the layers, so even the tests reach its models through the app
registry rather than importing them.
"""

from collections.abc import Callable
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission
from django.test import Client

BACKEND = "zhengwu.directory.backends.RoleBackend"


@pytest.fixture
def organisation(db: Any) -> Any:
    region_model = apps.get_model("directory", "Region")
    organisation_model = apps.get_model("directory", "Organisation")
    region = region_model.objects.create(code="990100", name="云泽市", level=2)
    return organisation_model.objects.create(name="云泽市审计局", kind="department", region=region)


@pytest.fixture
def make_staff(organisation: Any) -> Callable[..., Any]:
    account_model = apps.get_model("directory", "Account")
    role_model = apps.get_model("directory", "Role")
    assignment_model = apps.get_model("directory", "RoleAssignment")

    def make(username: str, *perms: str) -> Any:
        account = account_model.objects.create_user(
            username, "Yunze#2026", display_name=username, kind="staff", organisation=organisation
        )
        if perms:
            role = role_model.objects.create(code=f"role-{username}", name=f"角色{username}")
            for perm in perms:
                app_label, codename = perm.split(".")
                role.permissions.add(
                    Permission.objects.get(content_type__app_label=app_label, codename=codename)
                )
            assignment_model.objects.create(account=account, role=role, organisation=organisation)
        return account

    return make


@pytest.fixture
def auditor(make_staff: Callable[..., Any]) -> Any:
    return make_staff("auditor", "audit.view_auditentry", "audit.export_auditentry")


@pytest.fixture
def viewer(make_staff: Callable[..., Any]) -> Any:
    return make_staff("viewer", "audit.view_auditentry")


def login(account: Any) -> Client:
    client = Client()
    client.force_login(account, backend=BACKEND)
    return client


@pytest.fixture
def auditor_client(auditor: Any) -> Client:
    """An auditor who has stated the purpose of this session's inspection."""
    client = login(auditor)
    session = client.session
    session["audit_read_purpose"] = "例行检查"
    session.save()
    return client
