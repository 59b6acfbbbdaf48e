"""The case lifecycle through the actions (行政许可法 rules, deadlines, workflow tasks)."""

import datetime as dt
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

from zhengwu.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from zhengwu.eservices import cases
from zhengwu.eservices.models import Application, ApplicationEvent, CorrectionNotice, Rating
from zhengwu.files.models import StoredFile
from zhengwu.workdays.models import Deadline
from zhengwu.workflow.models import WorkTask

pytestmark = pytest.mark.django_db
S = Application.Status


def deadline(app: Application, label: str) -> Deadline | None:
    return Deadline.objects.filter(
        owner_type="eservices.application", owner_id=str(app.pk), label=label, is_open=True
    ).first()


def test_submit_numbers_the_case_and_starts_the_process(cw: Any) -> None:
    app, code = cw.submitted()
    assert app.status == S.SUBMITTED
    assert app.number and len(code) == 8
    assert app.query_code == cases.query_code_digest(code) and code not in app.query_code
    task = cases.open_task(app)
    assert task is not None and task.element_id == "accept"
    assert deadline(app, "acceptance").due_date == app.acceptance_due
    assert app.applicant.messages.exists() if hasattr(app.applicant, "messages") else True


def test_double_submit_returns_the_same_case(cw: Any) -> None:
    app, _code = cw.submitted()
    again = cases.application_submit(actor=cw.citizen, application=app)
    assert again.application.pk == app.pk and again.query_code == ""
    assert (
        WorkTask.objects.filter(
            instance__owner_type="eservices.application", instance__owner_id=str(app.pk)
        ).count()
        == 1
    )


def test_draft_replay_token_returns_same_draft(cw: Any) -> None:
    token = "t" * 32
    a = cases.application_draft_create(actor=cw.citizen, item=cw.item, token=token)
    b = cases.application_draft_create(actor=cw.citizen, item=cw.item, token=token)
    assert a.pk == b.pk
    with pytest.raises(NotFound):
        cases.application_draft_create(actor=cw.citizen2, item=cw.item, token=token)


def test_submit_refuses_missing_material_and_bad_form(cw: Any) -> None:
    app = cases.application_draft_create(actor=cw.citizen, item=cw.item)
    cases.application_draft_save(actor=cw.citizen, application=app, form_data={"area": "abc"})
    with pytest.raises(ValidationFailed) as exc:
        cases.application_submit(actor=cw.citizen, application=app)
    assert "店铺名称" in str(exc.value.message)
    cases.application_draft_save(
        actor=cw.citizen, application=app, form_data={"shop_name": "店", "area": "5"}
    )
    with pytest.raises(ValidationFailed) as exc:
        cases.application_submit(actor=cw.citizen, application=app)
    assert "食品经营许可申请书" in str(exc.value.message)
    app.refresh_from_db()
    assert app.status == S.DRAFT and app.form_data["shop_name"] == "店"


def test_wrong_file_type_refused_in_chinese_draft_kept(cw: Any) -> None:
    app = cases.application_draft_create(actor=cw.citizen, item=cw.item)
    with pytest.raises(ValidationFailed) as exc:
        cases.application_material_add(
            actor=cw.citizen,
            application=app,
            material=cw.material,
            upload=cw.upload("virus.pdf", b"MZ\x90\x00 not a pdf"),
        )
    assert cw.material.name in str(exc.value.message)
    assert Application.objects.filter(pk=app.pk, status=S.DRAFT).exists()


def _bytes_on_disk(settings: Any) -> set[str]:
    root = Path(settings.MEDIA_ROOT)
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def test_files_received_before_the_transaction_are_kept_or_deleted(cw: Any, settings: Any) -> None:
    """The post's files are written before its transaction; what it does not keep is deleted."""
    ok, bad = (cw.material.pk, cw.upload()), (cw.material.pk, cw.upload("x.pdf", b"MZ\x90 exe"))
    result = cases.application_apply(actor=cw.citizen, item=cw.item, token="r" * 32,
                                     form_data={"shop_name": "店", "area": "5"},
                                     uploads=[ok, bad])  # fmt: skip
    app = result.application
    assert list(result.errors) == [f"material_{cw.material.pk}"]
    assert cw.material.name in result.errors[f"material_{cw.material.pk}"]
    kept = set(StoredFile.objects.values_list("file", flat=True))
    assert len(kept) == 1 and _bytes_on_disk(settings) == kept  # the refused one left nothing
    # A post the transaction refuses as a whole (another applicant's case) keeps nothing.
    with pytest.raises(NotFound):
        cases.application_hand_in(actor=cw.citizen2, application=app.pk, form_data={},
                                  uploads=[(cw.material.pk, cw.upload())])  # fmt: skip
    # A file the transaction received but rolled back is deleted too.
    with pytest.raises(RuntimeError), mock.patch.object(
        cases, "_keep_form", side_effect=RuntimeError
    ):
        cases.application_hand_in(actor=cw.citizen, application=app.pk, form_data={},
                                  uploads=[(cw.material.pk, cw.upload())])  # fmt: skip
    assert _bytes_on_disk(settings) == kept
    # A submitted case takes no more files: a replayed submit with a file keeps none of it.
    cases.application_hand_in(actor=cw.citizen, application=app.pk, form_data={"shop_name": "店",
                              "area": "5"}, uploads=[ok], submit=True)  # fmt: skip
    app.refresh_from_db()
    assert app.status == S.SUBMITTED
    again = cases.application_hand_in(
        actor=cw.citizen, application=app.pk, form_data={},
        uploads=[(cw.material.pk, cw.upload())], submit=True,
    )  # fmt: skip
    assert again.submitted is not None and again.submitted.query_code == ""
    assert _bytes_on_disk(settings) == set(StoredFile.objects.values_list("file", flat=True))
    assert StoredFile.objects.count() == 2


def test_invalid_id_number_is_refused_with_reason(cw: Any) -> None:
    app = cases.application_draft_create(actor=cw.citizen, item=cw.item)
    Application.objects.filter(pk=app.pk).update(applicant_id_number="110101199001011234")
    cases.application_draft_save(
        actor=cw.citizen, application=app, form_data={"shop_name": "店", "area": "5"}
    )
    cases.application_material_add(
        actor=cw.citizen, application=app, material=cw.material, upload=cw.upload()
    )
    with pytest.raises(ValidationFailed) as exc:
        cases.application_submit(actor=cw.citizen, application=app)
    assert "校验" in str(exc.value.message) or "check" in str(exc.value.message).lower()


def test_other_applicant_cannot_touch_a_case(cw: Any) -> None:
    app, _ = cw.submitted()
    with pytest.raises(NotFound):
        cases.application_submit(actor=cw.citizen2, application=app)
    with pytest.raises(NotFound):
        cases.application_withdraw(actor=cw.citizen2, application=app)


def test_correction_loop_then_accept_review_approve(cw: Any) -> None:
    app, _ = cw.submitted()
    notice = cases.application_request_correction(
        actor=cw.clerk,
        application=app,
        items=[
            cases.CorrectionItem(cw.material.pk, "", "缺少签字"),
            cases.CorrectionItem(None, "场所照片", "请补充经营场所照片"),
        ],
    )
    assert len(notice.items) == 2
    app.refresh_from_db()
    assert app.status == S.CORRECTION_REQUESTED and app.correction_count == 1
    assert deadline(app, "acceptance") is None
    # the clerk cannot accept while waiting
    with pytest.raises(Conflict):
        cases.application_accept(actor=cw.clerk, application=app)
    cases.application_material_add(
        actor=cw.citizen, application=app, material=cw.material, upload=cw.upload()
    )
    cases.application_submit(actor=cw.citizen, application=app)
    app.refresh_from_db()
    assert app.status == S.SUBMITTED and deadline(app, "acceptance") is not None
    assert CorrectionNotice.objects.get(pk=notice.pk).resolved_at is not None
    cases.application_accept(actor=cw.clerk, application=app)
    app.refresh_from_db()
    assert app.status == S.UNDER_REVIEW and app.promised_due and app.statutory_due
    assert deadline(app, "statutory").working_days == 20
    cases.application_review(actor=cw.reviewer, application=app, recommend="approve", opinion="")
    with pytest.raises(PermissionDenied):
        cases.application_decide(
            actor=cw.clerk, application=app, approve=True, reason="", legal_basis=""
        )
    cases.application_decide(
        actor=cw.leader, application=app, approve=True, reason="", legal_basis=""
    )
    app.refresh_from_db()
    assert app.status == S.CONCLUDED and app.decision == "approved"
    assert deadline(app, "statutory") is None
    kinds = list(ApplicationEvent.objects.filter(application=app).values_list("kind", flat=True))
    assert kinds[:3] == ["draft", "submit", "correction"] and kinds[-1] == "conclude"


def test_not_accept_needs_reason_and_ends_the_case(cw: Any) -> None:
    app, _ = cw.submitted()
    with pytest.raises(ValidationFailed):
        cases.application_not_accept(actor=cw.clerk, application=app, reason=" ")
    cases.application_not_accept(actor=cw.clerk, application=app, reason="不属于本机关职权")
    app.refresh_from_db()
    assert app.status == S.NOT_ACCEPTED and app.decision_reason == "不属于本机关职权"
    assert cases.open_task(app) is None


def test_refusal_needs_reasons_and_basis(cw: Any) -> None:
    app, _ = cw.submitted()
    cases.application_accept(actor=cw.clerk, application=app)
    cases.application_review(
        actor=cw.reviewer, application=app, recommend="refuse", opinion="场所不符合要求"
    )
    with pytest.raises(ValidationFailed):
        cases.application_decide(
            actor=cw.leader, application=app, approve=False, reason="场所不符", legal_basis=""
        )
    cases.application_decide(
        actor=cw.leader,
        application=app,
        approve=False,
        reason="场所不符",
        legal_basis="食品安全法第三十五条",
    )
    app.refresh_from_db()
    assert app.status == S.CONCLUDED and app.decision == "refused"
    assert app.legal_basis == "食品安全法第三十五条"


def test_other_department_cannot_handle(cw: Any) -> None:
    app, _ = cw.submitted()
    with pytest.raises(PermissionDenied):
        cases.application_accept(actor=cw.other_clerk, application=app)


def test_suspension_pauses_the_clock(cw: Any) -> None:
    app, _ = cw.submitted()
    cases.application_accept(actor=cw.clerk, application=app)
    app.refresh_from_db()
    due = app.statutory_due
    start = dt.date.today()
    cases.application_suspend(
        actor=cw.clerk, application=app, kind="expert_review", reason="组织专家评审", on=start
    )
    with pytest.raises(Conflict):
        cases.application_review(
            actor=cw.reviewer, application=app, recommend="approve", opinion=""
        )
    from zhengwu.workdays.selectors import add_working_days

    resume_on = add_working_days(start, 3)
    cases.application_resume(actor=cw.clerk, application=app, on=resume_on)
    app.refresh_from_db()
    assert app.status == S.UNDER_REVIEW
    assert app.statutory_due == add_working_days(due, 3)


def test_deemed_acceptance_after_five_working_days(cw: Any) -> None:
    app, _ = cw.submitted()
    late = app.acceptance_due + dt.timedelta(days=1)
    assert cases.deemed_acceptance_sweep(today=late) == [app.pk]
    app.refresh_from_db()
    assert app.deemed_accepted
    with pytest.raises(Conflict):
        cases.application_not_accept(actor=cw.clerk, application=app, reason="x")
    cases.application_accept(actor=cw.clerk, application=app)
    app.refresh_from_db()
    assert app.accepted_at == app.received_at


def test_rating_once_and_bad_rating_starts_rectification(cw: Any) -> None:
    app, _ = cw.submitted()
    with pytest.raises(Conflict):
        cases.application_rate(actor=cw.citizen, application=app, level=5)
    cases.application_accept(actor=cw.clerk, application=app)
    cases.application_review(actor=cw.reviewer, application=app, recommend="approve", opinion="")
    cases.application_decide(
        actor=cw.leader, application=app, approve=True, reason="", legal_basis=""
    )
    with pytest.raises(ValidationFailed):
        cases.application_rate(actor=cw.citizen, application=app, level=1, comment="")
    rating = cases.application_rate(actor=cw.citizen, application=app, level=1, comment="太慢")
    assert rating.rectification_task is not None and rating.rectification_due
    with pytest.raises(Conflict):
        cases.application_rate(actor=cw.citizen, application=app, level=5)
    cases.rating_respond(actor=cw.leader, application=app, response="已加强培训")
    rating = Rating.objects.get(pk=rating.pk)
    assert rating.rectification_response == "已加强培训" and rating.responded_at
    assert cases.open_rectification_task(app) is None


def test_withdraw_ends_the_process(cw: Any) -> None:
    app, _ = cw.submitted()
    cases.application_withdraw(actor=cw.citizen, application=app, reason="不办了")
    app.refresh_from_db()
    assert app.status == S.WITHDRAWN and cases.open_task(app) is None
    assert deadline(app, "acceptance") is None


def test_joint_item_parallel_departments(cw: Any) -> None:
    item = cw.item
    item.joint_organisations.add(cw.w.other)
    app, _ = cw.submitted(item=item)
    cases.application_accept(actor=cw.clerk, application=app)
    tasks = WorkTask.objects.filter(
        instance__owner_type="eservices.application",
        instance__owner_id=str(app.pk),
        element_id="joint_review",
        status__in=WorkTask.ACTIVE,
    )
    assert tasks.count() == 2
    cases.application_review(
        actor=cw.other_reviewer, application=app, recommend="approve", opinion="同意"
    )
    cases.application_review(actor=cw.reviewer, application=app, recommend="approve", opinion="")
    assert app.joint_opinions.filter(verdict="agree").count() == 2
    cases.application_decide(
        actor=cw.leader, application=app, approve=True, reason="", legal_basis=""
    )
    app.refresh_from_db()
    assert app.status == S.CONCLUDED


def test_approval_issues_a_licence_the_applicant_can_read(cw: Any) -> None:
    from zhengwu.files.registry import can_read
    from zhengwu.licences.selectors import licence_by_number

    type(cw.item).objects.filter(pk=cw.item.pk).update(licence_type="approval")
    cw.item.refresh_from_db()
    app, _ = cw.submitted()
    cases.application_accept(actor=cw.clerk, application=app)
    cases.application_review(actor=cw.reviewer, application=app, recommend="approve", opinion="")
    cases.application_decide(
        actor=cw.leader, application=app, approve=True, reason="", legal_basis=""
    )
    app.refresh_from_db()
    assert app.status == S.CONCLUDED and app.licence_number
    licence = licence_by_number(app.licence_number)
    assert licence.holder_name == "陈小明"
    assert can_read(cw.citizen, licence.pdf)
    assert not can_read(cw.citizen2, licence.pdf)
