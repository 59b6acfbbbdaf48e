"""Personal data never enters the trail in clear; opening an entry is itself an audited read."""

from typing import Any

import pytest
from django.urls import reverse

from zhengwu.audit.actions import audit_record
from zhengwu.audit.models import AuditEntry
from zhengwu.audit.sensitive import fingerprint, register_sensitive_fields
from zhengwu.audit.tests.conftest import login

ID_NUMBER = "11010519491231002X"


@pytest.fixture
def registered() -> None:
    register_sensitive_fields("tests.patient", {"id_number": "resident_id", "mobile": "mobile"})


@pytest.mark.django_db
def test_registered_fields_are_stored_masked_with_a_keyed_fingerprint(registered: None) -> None:
    entry = audit_record(actor=None, action="tests.patient.create", object_type="tests.patient",
                         object_id="1", changes={"id_number": [None, ID_NUMBER],
                                                 "mobile": ["13912345678", "13912340000"],
                                                 "name": ["", "张三"]})  # fmt: skip
    entry.refresh_from_db()
    assert entry.changes["id_number"] == [None, f"110105********002X #{fingerprint(ID_NUMBER)}"]
    old, new = entry.changes["mobile"]
    # Same mask, different numbers: the fingerprints still show that it changed.
    assert old.startswith("139****5678 #") and new.startswith("139****0000 #")
    assert entry.changes["name"] == ["", "张三"]
    assert ID_NUMBER not in str(entry.changes) and "13912345678" not in str(entry.changes)


@pytest.mark.django_db
def test_a_caller_may_name_sensitive_fields_for_one_entry() -> None:
    entry = audit_record(actor=None, action="tests.thing.update", changes={"phone": "13912345678"},
                         sensitive_fields={"phone": lambda v: v[:3] + "****"})  # fmt: skip
    assert entry.changes["phone"].startswith("139**** #")


@pytest.mark.django_db
def test_opening_an_entry_asks_for_a_purpose_and_records_the_read(auditor: Any) -> None:
    client = login(auditor)
    target = audit_record(actor=None, action="tests.thing.update", changes={"a": [1, 2]})
    url = reverse("audit:entry_detail", args=[target.pk])
    prompt = client.get(url)
    assert prompt.status_code == 200 and "查阅用途" in prompt.content.decode()
    assert not AuditEntry.objects.filter(action="audit.entry.read").exists()
    assert client.post(url, {"purpose": ""}).status_code == 400
    assert client.post(url, {"purpose": "核查工单2025-031"}).status_code == 302
    page = client.get(url)
    assert page.status_code == 200 and "核查工单2025-031" in page.content.decode()
    read = AuditEntry.objects.get(action="audit.entry.read")
    assert read.is_read and read.reason == "核查工单2025-031" and read.actor == auditor
    assert read.object_type == "audit.auditentry" and read.object_id == str(target.pk)
    # Changing the purpose shows the prompt again, pre-filled.
    again = client.get(url, {"purpose": "change"}).content.decode()
    assert "核查工单2025-031" in again and "tests.thing.update" not in again
