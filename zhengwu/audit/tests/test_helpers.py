"""The helpers other modules call: sensitive reads, an object's history, snapshots."""

from typing import Any

import pytest

from zhengwu.audit.actions import audit_read, audit_record, changes_between, snapshot
from zhengwu.audit.selectors import audit_history_for
from zhengwu.core.errors import ValidationFailed


@pytest.mark.django_db
def test_a_sensitive_read_is_recorded_with_its_purpose(auditor: Any) -> None:
    read = audit_read(actor=auditor, target=auditor.organisation, purpose="  核对机构信息 ")
    assert read.is_read is True
    assert read.action == "directory.organisation.read"
    assert read.reason == "核对机构信息"
    assert read.object_type == "directory.organisation"
    assert read.object_id == str(auditor.organisation.pk)


@pytest.mark.django_db
def test_a_sensitive_read_without_a_purpose_is_refused(auditor: Any) -> None:
    with pytest.raises(ValidationFailed) as raised:
        audit_read(actor=auditor, target=auditor, purpose="   ")
    assert "用途" in str(raised.value.message)
    assert not audit_history_for(auditor).exists()


@pytest.mark.django_db
def test_an_objects_history_lists_only_its_own_entries_newest_first(
    auditor: Any, viewer: Any
) -> None:
    first = audit_record(actor=auditor, action="directory.account.update", target=viewer)
    audit_record(actor=auditor, action="directory.account.update", target=auditor)
    second = audit_read(actor=auditor, target=viewer, purpose="核查")
    assert list(audit_history_for(viewer)) == [second, first]
    assert list(audit_history_for(viewer, limit=1)) == [second]


@pytest.mark.django_db
def test_snapshots_name_related_objects_and_mask_passwords(auditor: Any) -> None:
    before = snapshot(auditor, ["display_name", "organisation", "password"])
    assert before["organisation"] == f"云泽市审计局 (#{auditor.organisation_id})"
    assert before["password"] == "******"
    after = {**before, "display_name": "新名字"}
    entry = audit_record(
        actor=auditor, action="directory.account.update", target=auditor,
        changes=changes_between(before, after),
    )  # fmt: skip
    assert entry.changes == {"display_name": ["auditor", "新名字"]}


@pytest.mark.django_db
def test_system_and_anonymous_actors_are_named() -> None:
    from django.contrib.auth.models import AnonymousUser

    assert audit_record(actor=None, action="core.job.run").actor_repr == "system"
    assert audit_record(actor="system:demo", action="core.job.run").actor_repr == "system:demo"
    anonymous = audit_record(actor=AnonymousUser(), action="identity.login.fail")
    assert (anonymous.actor_repr, anonymous.actor_id) == ("anonymous", None)
