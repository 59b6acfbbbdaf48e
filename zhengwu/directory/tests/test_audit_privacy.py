"""The directory's personal data reaches the audit trail (and its export) only masked."""

import io
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from zhengwu.audit.models import AuditEntry
from zhengwu.directory import actions
from zhengwu.directory.tests.conftest import make_staff, perms
from zhengwu.identity.testing import sign_in

ID_NUMBER = "11010519491231002X"


@pytest.fixture
def auditor_client(client: Client, orgs: SimpleNamespace) -> Client:
    role = actions.role_create(actor=None, code="auditor", name="审计员",
                               permissions=perms("audit.view_auditentry",
                                                 "audit.export_auditentry"))  # fmt: skip
    auditor = make_staff("auditor", orgs.gov)
    actions.role_assign(actor=None, account=auditor, role=role, organisation=orgs.gov)
    sign_in(client, auditor)
    session = client.session
    session["audit_read_purpose"] = "例行检查"
    session.save()
    return client


def test_people_and_accounts_are_masked_in_the_trail_its_pages_and_its_export(
    auditor_client: Client,
) -> None:
    account = actions.account_create_citizen(actor=None, username="zhangsan", name="张三",
                                             id_number=ID_NUMBER, mobile="13912345678",
                                             password="Yunze-2024-pass").account  # fmt: skip
    actions.person_update(actor=None, person=account.person, mobile="13800001111")
    actions.account_update(actor=None, account=account, email="zhangsan@example.com")
    entries = AuditEntry.objects.filter(object_type__in=["directory.person", "directory.account"],
                                        object_repr__contains="张三")  # fmt: skip
    assert entries.count() == 4
    for entry in entries:
        text = str(entry.changes)
        for secret in (ID_NUMBER, "13912345678", "13800001111", "1949-12-31", "zhangsan@"):
            assert secret not in text
        page = auditor_client.get(reverse("audit:entry_detail", args=[entry.pk]))
        assert ID_NUMBER not in page.content.decode()
    person_entry = entries.get(action="directory.person.create")
    assert person_entry.changes["id_number"][1].startswith("110105********002X #")
    assert person_entry.changes["birth_date"][1].startswith("1949-**-** #")
    response = auditor_client.post(reverse("audit:entry_export"), {"action": "directory."})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
    exported = str(list(sheet.iter_rows(values_only=True)))
    assert ID_NUMBER not in exported and "13912345678" not in exported
    assert "110105********002X" in exported
