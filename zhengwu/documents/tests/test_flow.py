"""The outgoing process end to end through the actions: statuses, editing rights, numbering,
sealing and sending."""

from typing import Any

import pytest
from django.test import override_settings

from zhengwu.core.errors import Conflict, PermissionDenied, ValidationFailed
from zhengwu.documents import actions
from zhengwu.documents.models import OfficialDocument
from zhengwu.workflow.models import TaskEvent

pytestmark = pytest.mark.django_db


def test_full_flow_with_countersign(world: Any) -> None:
    doc = world.draft(countersign_departments=[world.edu, world.fin])
    assert doc.status == "draft" and doc.doc_number == ""
    doc = actions.document_submit(actor=world.drafter, document=doc, opinion="请核稿")
    assert doc.status == "in_review"
    doc = actions.document_decide(actor=world.reviewer, document=doc, decision="approve")
    assert doc.status == "countersigning"
    assert sorted(actions.current_steps(doc)) == ["countersign"]
    # the drafting office's leader is not a countersigner: the departments are
    with pytest.raises(PermissionDenied):
        actions.document_decide(actor=world.leader, document=doc, decision="approve")
    doc = actions.document_decide(actor=world.edu_leader, document=doc, decision="approve",
                                  opinion="同意，建议补充学校名单。")  # fmt: skip
    assert doc.status == "countersigning"
    # countersigners comment only
    assert not actions.may_edit(world.fin_leader, doc)
    doc = actions.document_decide(actor=world.fin_leader, document=doc, decision="approve")
    assert doc.status == "awaiting_signoff"
    doc = actions.document_decide(actor=world.leader, document=doc, decision="approve",
                                  opinion="同意印发。")  # fmt: skip
    assert doc.status == "signed_off"
    assert doc.signer_names == "张秘书长"
    assert not actions.may_edit(world.drafter, doc)
    doc = actions.document_decide(actor=world.drafter, document=doc, decision="approve")
    assert doc.status == "numbered"
    assert doc.doc_number.startswith("云政办发〔") and doc.doc_number.endswith("〕1号")
    doc = actions.document_decide(actor=world.drafter, document=doc, decision="approve")
    assert doc.status == "sealed" and doc.pdf is not None
    doc = actions.document_decide(actor=world.drafter, document=doc, decision="approve")
    assert doc.status == "sent" and doc.dispatch_id
    opinions = list(TaskEvent.objects.filter(instance=doc.instance, kind="completed")
                    .values_list("opinion", flat=True))  # fmt: skip
    assert "同意，建议补充学校名单。" in opinions and "同意印发。" in opinions


def test_no_countersign_goes_to_signoff(world: Any) -> None:
    doc = world.to(world.draft(), "in_review")
    doc = actions.document_decide(actor=world.reviewer, document=doc, decision="approve")
    assert doc.status == "awaiting_signoff"


def test_edit_rights_per_step(world: Any) -> None:
    doc = world.draft()
    assert actions.may_edit(world.drafter, doc)
    assert not actions.may_edit(world.reviewer, doc)
    doc = world.to(doc, "in_review")
    assert actions.may_edit(world.reviewer, doc)
    assert not actions.may_edit(world.drafter, doc)
    data = world.data(body="一、修改后的正文\n内容。")
    with pytest.raises(PermissionDenied):
        actions.document_update(actor=world.drafter, document=doc, data=data,
                                expected_version=doc.version)  # fmt: skip
    doc = actions.document_update(actor=world.reviewer, document=doc, data=data,
                                  expected_version=doc.version)  # fmt: skip
    assert doc.body == "一、修改后的正文\n内容。"
    assert doc.revisions.count() == 2
    with pytest.raises(Conflict):  # stale version
        actions.document_update(actor=world.reviewer, document=doc, data=data,
                                expected_version=doc.version - 1)  # fmt: skip


def test_reviewer_refuses_then_resubmit(world: Any) -> None:
    doc = world.to(world.draft(), "in_review")
    doc = actions.document_decide(actor=world.reviewer, document=doc, decision="reject",
                                  opinion="文种不当，请改为通报。")  # fmt: skip
    assert doc.status == "draft"
    assert actions.may_edit(world.drafter, doc)
    doc = actions.document_submit(actor=world.drafter, document=doc)
    assert doc.status == "in_review"


def test_send_back_to_drafter(world: Any) -> None:
    doc = world.to(world.draft(), "in_review")
    doc = actions.document_send_back(actor=world.reviewer, document=doc, to_element_id="draft",
                                     opinion="请补充依据。")  # fmt: skip
    assert doc.status == "draft"
    assert actions.may_edit(world.drafter, doc)
    doc = actions.document_submit(actor=world.drafter, document=doc)
    assert doc.status == "in_review"


def test_leader_refuses(world: Any) -> None:
    doc = world.to(world.draft(), "awaiting_signoff")
    doc = actions.document_decide(actor=world.leader, document=doc, decision="reject",
                                  opinion="暂缓。")  # fmt: skip
    assert doc.status == "draft" and doc.doc_number == ""


def test_withdraw(world: Any) -> None:
    doc = world.to(world.draft(), "in_review")
    doc = actions.document_withdraw(actor=world.drafter, document=doc, reason="不再需要")
    assert doc.status == "withdrawn"


def test_numbers_are_gapless_and_never_twice(world: Any, monkeypatch: Any) -> None:
    numbers = []
    for _i in range(2):
        doc = world.to(world.draft(), "numbered")
        numbers.append(doc.doc_number)
    assert [n.split("〕")[1] for n in numbers] == ["1号", "2号"]
    # a failure inside the numbering step rolls the step back and does not consume a number
    doc = world.to(world.draft(), "signed_off")

    def broken(*args: Any, **kwargs: Any) -> str:
        raise Conflict("boom")

    monkeypatch.setattr(actions, "format_document_number", broken)
    with pytest.raises(Conflict):
        actions.document_decide(actor=world.drafter, document=doc, decision="approve")
    doc.refresh_from_db()
    assert doc.status == "signed_off" and doc.doc_number == ""
    monkeypatch.undo()
    doc = actions.document_decide(actor=world.drafter, document=doc, decision="approve")
    assert doc.doc_number.endswith("〕3号")
    # a repeated click on 编号 is refused and does not seal (the same person holds 用印)
    with pytest.raises(Conflict):
        actions.document_decide(actor=world.drafter, document=doc, decision="approve",
                                step="number")  # fmt: skip
    doc.refresh_from_db()
    assert doc.status == "numbered"
    assert OfficialDocument.objects.filter(doc_number=doc.doc_number).count() == 1


def test_seal_failure_rolls_the_step_back(world: Any) -> None:
    from zhengwu.signing.actions import certificate_issue, certificate_revoke
    from zhengwu.signing.models import Certificate

    doc = world.to(world.draft(), "numbered")
    cert = Certificate.objects.filter(organisation=world.office).first() or certificate_issue(
        actor=None, organisation=world.office
    )
    certificate_revoke(actor=None, certificate=cert, reason="密钥泄露")
    with override_settings(ZHENGWU_SIGNING_AUTO_ISSUE=False), pytest.raises(ValidationFailed):
        actions.document_decide(actor=world.drafter, document=doc, decision="approve")
    doc.refresh_from_db()
    assert doc.status == "numbered" and doc.pdf is None
    assert actions.current_steps(doc) == ["seal"]


def test_bad_input_changes_nothing(world: Any) -> None:
    with pytest.raises(ValidationFailed):
        world.draft(title="  ")
    with pytest.raises(ValidationFailed):
        world.draft(security_level="secret", copy_number="12")
    with pytest.raises(ValidationFailed):
        world.draft(security_level="secret", copy_number="000001", security_years=11)
    with pytest.raises(ValidationFailed):
        world.draft(doc_type="memo")
    assert OfficialDocument.objects.count() == 0


def test_other_department_cannot_draft_for_office(world: Any) -> None:
    with pytest.raises(PermissionDenied):
        actions.document_create(actor=world.outsider, organisation=world.office,
                                register=world.register, data=world.data())  # fmt: skip


def test_submit_needs_recipients(world: Any) -> None:
    doc = world.draft(main_recipients=[])
    with pytest.raises(ValidationFailed):
        actions.document_submit(actor=world.drafter, document=doc)


def test_double_submit_conflicts(world: Any) -> None:
    doc = world.draft()
    actions.document_submit(actor=world.drafter, document=doc)
    with pytest.raises((Conflict, PermissionDenied)):
        actions.document_submit(actor=world.drafter, document=doc)
