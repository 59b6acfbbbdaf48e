"""``python manage.py demo``: idempotent, valid identifiers, every credential printed once."""

import re
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.management import call_command
from django.db import connection
from django.test import RequestFactory

from zhengwu.audit.models import AuditEntry
from zhengwu.core.registry import demo_loaders
from zhengwu.directory import rules, selectors
from zhengwu.directory.demo import OBVIOUS_STAFF
from zhengwu.directory.models import Account, Enterprise, Organisation, Person, Region
from zhengwu.identifiers.checksums import parse_resident_id, validate_credit_code

pytestmark = pytest.mark.django_db

CREDENTIAL_ROW = re.compile(r"^(\S+)\s+(\S+-\S+)\s+(.+)$")


def run_demo(*args: str) -> str:
    out = StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


def credentials(output: str) -> dict[str, str]:
    rows = [CREDENTIAL_ROW.match(line) for line in output.splitlines()]
    return {m.group(1): m.group(2) for m in rows if m and m.group(1) != "用户名"}


def row_counts() -> dict[str, int]:
    tables = set(connection.introspection.table_names())
    return {m._meta.label: m._default_manager.count() for m in apps.get_models()
            if m._meta.db_table in tables}  # fmt: skip


def test_the_directory_loader_is_registered_first_among_data_that_refers_to_it() -> None:
    keys = [key for key, _loader in demo_loaders.ordered()]
    assert "directory" in keys


def test_running_the_demo_twice_changes_nothing_and_prints_the_same_accounts() -> None:
    first = run_demo()
    counts, audit_seq = row_counts(), AuditEntry.objects.count()
    second = run_demo()
    assert row_counts() == counts
    assert AuditEntry.objects.count() == audit_seq
    assert credentials(first) == credentials(second)


def test_every_demo_account_is_printed_once_and_its_password_works() -> None:
    output = run_demo("--only", "directory")
    found = credentials(output)
    usernames = [CREDENTIAL_ROW.match(line) for line in output.splitlines()]
    printed = [m.group(1) for m in usernames if m and m.group(1) != "用户名"]
    assert len(printed) == len(set(printed))  # once each
    assert "用户名" in output and "密码" in output
    assert set(found) == set(Account.objects.values_list("username", flat=True))
    assert {spec.username for spec in OBVIOUS_STAFF} <= set(found)
    assert len(found) >= 90
    request = RequestFactory().post("/accounts/login/")
    for username in ("admin", "auditor", "scjg_clerk", "citizen01", "enterprise01"):
        account = authenticate(request, username=username, password=found[username])
        assert account is not None and not account.must_change_password
        validate_password(found[username], user=account)


def test_passwords_are_not_reset_on_a_rerun() -> None:
    run_demo("--only", "directory")
    admin = Account.objects.get(username="admin")
    admin.set_password("Changed-by-admin-1")
    admin.save()
    output = run_demo("--only", "directory")
    admin.refresh_from_db()
    assert admin.check_password("Changed-by-admin-1")
    # The derived password no longer opens the account: it is not printed any more.
    admin_row = next(line for line in output.splitlines() if line.startswith("admin "))
    assert "（已修改）" in admin_row
    assert credentials(output).get("auditor")  # unchanged accounts still show theirs


def test_the_system_administrator_cannot_read_the_audit_trail() -> None:
    """三员分立: the sysadmin role runs the platform, the auditor role reads the trail."""
    run_demo("--only", "directory")
    from zhengwu.directory.models import Role

    sysadmin = set(Role.objects.get(code="sysadmin").permissions.values_list("codename",
                                                                            flat=True))
    auditor = set(Role.objects.get(code="auditor").permissions.values_list("codename", flat=True))
    assert not sysadmin & {"view_auditentry", "export_auditentry"}
    assert auditor == {"view_auditentry", "export_auditentry"}
    admin = Account.objects.get(username="admin")
    assert not admin.has_perm("audit.view_auditentry")
    assert Account.objects.get(username="auditor").has_perm("audit.export_auditentry")


def test_every_generated_identifier_is_valid() -> None:
    run_demo("--only", "directory")
    assert Region.objects.count() == 1 + 1 + 3 + 8 + 20
    for region in Region.objects.select_related("parent"):
        rules.check_region_code(region.code, region.level, region.parent)
    for number in Person.objects.exclude(id_number=None).values_list("id_number", flat=True):
        region_code, _birth, _sex = parse_resident_id(number)
        assert region_code in {"990102", "990103", "990121"}
    codes = [*Enterprise.objects.values_list("credit_code", flat=True),
             *Organisation.objects.exclude(credit_code=None)
             .values_list("credit_code", flat=True)]  # fmt: skip
    for code in codes:
        assert validate_credit_code(code) == code
    assert Enterprise.objects.count() == 10
    assert all(c.startswith("11") for c in Organisation.objects.filter(
        kind__in=["party", "government", "department", "town"]
    ).values_list("credit_code", flat=True))  # fmt: skip


def test_the_demo_world_has_the_shape_the_issue_asks_for() -> None:
    run_demo("--only", "directory")
    kinds = Organisation.objects.values_list("kind", flat=True)
    assert list(kinds).count("department") >= 20
    assert list(kinds).count("town") == 8
    assert list(kinds).count("village_committee") == 20
    assert Account.objects.filter(kind="staff").count() >= 60
    assert Account.objects.filter(kind="citizen").count() == 20
    assert Account.objects.filter(kind="enterprise").count() == 10
    scjg = Organisation.objects.get(code="scjg")
    clerk = Account.objects.get(username="scjg_clerk")
    registry = Organisation.objects.get(parent=scjg, name="登记注册科")
    assert selectors.account_has_perm_in(
        Account.objects.get(username="admin"), "directory.change_organisation", registry
    )
    assert clerk.role_assignments.get().organisation == scjg
    assert Account.objects.get(username="admin").role_assignments.filter(
        role__requires_second_factor=True
    ).exists()
    # Masked display of demo citizens.
    citizen = Account.objects.get(username="citizen01").person
    assert selectors.mask_id_number(citizen.id_number).count("*") == 8
