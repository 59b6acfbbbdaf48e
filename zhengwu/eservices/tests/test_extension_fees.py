"""延长 (行政许可法 第42条), fees at the decision, and the periodic sweep command."""

import datetime as dt
import importlib
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from zhengwu.core.errors import Conflict, PermissionDenied, ValidationFailed
from zhengwu.eservices import cases, extensions
from zhengwu.eservices.models import Application, ApplicationEvent, CaseExtension
from zhengwu.workdays.models import Deadline

pytestmark = pytest.mark.django_db
S = Application.Status


def accepted(cw: Any) -> Application:
    app, _ = cw.submitted()
    cases.application_accept(actor=cw.clerk, application=app)
    app.refresh_from_db()
    return app


def statutory(app: Application) -> Deadline:
    return Deadline.objects.open().get(
        owner_type="eservices.application", owner_id=str(app.pk), label="statutory"
    )


# ----------------------------------------------------------------------------- 延长


def test_extension_approved_moves_the_statutory_date_once(cw: Any) -> None:
    app = accepted(cw)
    before = app.statutory_due
    ext = extensions.extension_request(actor=cw.clerk, application=app, reason="需现场核查")
    assert ext.extra_working_days == 10 and ext.status == CaseExtension.Status.REQUESTED
    # the request is a task in the leader's inbox; the requester cannot approve it
    with pytest.raises(PermissionDenied):
        extensions.extension_decide(actor=cw.clerk, extension=ext, approve=True)
    with pytest.raises(Conflict):  # one pending request at a time
        extensions.extension_request(actor=cw.clerk, application=app, reason="再次")
    extensions.extension_decide(actor=cw.leader, extension=ext, approve=True, opinion="同意")
    ext.refresh_from_db()
    app.refresh_from_db()
    assert ext.status == CaseExtension.Status.APPROVED and ext.old_due_date == before
    assert statutory(app).working_days == 30
    assert app.statutory_due == statutory(app).due_date == ext.new_due_date > before
    assert app.promised_due < app.statutory_due  # the promise is the department's own
    event = ApplicationEvent.objects.get(application=app, kind="extension")
    assert event.public and "需现场核查" in event.note
    assert cw.citizen.messages.filter(body__contains="需现场核查").exists()
    assert cw.clerk.messages.filter(link__contains=f"/{app.pk}/").exists()
    with pytest.raises(Conflict):  # 第42条: once per case
        extensions.extension_request(actor=cw.clerk, application=app, reason="又要延长")


def test_extension_refused_keeps_the_date(cw: Any) -> None:
    app = accepted(cw)
    before = app.statutory_due
    ext = extensions.extension_request(
        actor=cw.clerk, application=app, reason="材料复杂", extra_working_days="5"
    )
    extensions.extension_decide(actor=cw.leader, extension=ext, approve=False, opinion="可按期办结")
    ext.refresh_from_db()
    app.refresh_from_db()
    assert ext.status == CaseExtension.Status.REFUSED
    assert app.statutory_due == before == statutory(app).due_date
    assert not ApplicationEvent.objects.filter(application=app, kind="extension").exists()
    assert not cw.citizen.messages.filter(subject__contains="extended").exists()


def test_extension_request_rules(cw: Any) -> None:
    app, _ = cw.submitted()
    with pytest.raises(Conflict):  # not accepted yet
        extensions.extension_request(actor=cw.clerk, application=app, reason="x")
    cases.application_accept(actor=cw.clerk, application=app)
    with pytest.raises(ValidationFailed):
        extensions.extension_request(actor=cw.clerk, application=app, reason="  ")
    with pytest.raises(ValidationFailed) as exc:
        extensions.extension_request(
            actor=cw.clerk, application=app, reason="x", extra_working_days=11
        )
    assert "10" in str(exc.value.message)
    with pytest.raises(PermissionDenied):  # another department
        extensions.extension_request(actor=cw.other_clerk, application=app, reason="x")
    assert not CaseExtension.objects.exists()
    # 联合办理 (第42条第2款): up to 15 more working days
    cw.item.joint_organisations.add(cw.w.other)
    assert extensions.max_days(app) == 15


def test_extension_from_the_case_page(cw: Any, client: Any) -> None:
    app = accepted(cw)
    client.force_login(cw.clerk)
    url = f"/workbench/cases/{app.pk}/"
    assert "extra_working_days" in client.get(url).content.decode()
    r = client.post(
        url + "extension/", {"reason": "需听取利害关系人意见", "extra_working_days": "10"}
    )
    assert r.status_code == 302
    ext = CaseExtension.objects.get(application=app)
    client.force_login(cw.leader)
    page = client.get(url).content.decode()
    assert "extension-decide" in page
    r = client.post(url + "extension-decide/", {"extension": ext.pk, "decision": "approve"})
    assert r.status_code == 302
    ext.refresh_from_db()
    assert ext.status == CaseExtension.Status.APPROVED


# ----------------------------------------------------------------------------- fees


def decide(cw: Any, app: Application, **kw: Any) -> Application:
    cases.application_review(actor=cw.reviewer, application=app, recommend="approve", opinion="")
    return cases.application_decide(
        actor=cw.leader, application=app, approve=True, reason="", legal_basis="", **kw
    )


def test_fee_recorded_at_decision_and_seen_by_supervision(cw: Any) -> None:
    app = accepted(cw)
    cases.application_review(actor=cw.reviewer, application=app, recommend="approve", opinion="")
    with pytest.raises(ValidationFailed):  # a fee needs its receipt number
        cases.application_decide(
            actor=cw.leader, application=app, approve=True, reason="", legal_basis="",
            fee_charged="10.00",
        )  # fmt: skip
    for bad in ("-1", "1.234", "abc", "NaN"):
        with pytest.raises(ValidationFailed):
            cases.application_decide(
                actor=cw.leader, application=app, approve=True, reason="", legal_basis="",
                fee_charged=bad, fee_receipt_number="R1",
            )  # fmt: skip
    app.refresh_from_db()
    assert app.status == S.UNDER_REVIEW and app.fee_charged is None
    cases.application_decide(
        actor=cw.leader, application=app, approve=True, reason="", legal_basis="",
        fee_charged="25", fee_receipt_number="FS-2026-0001",
    )  # fmt: skip
    app.refresh_from_db()
    assert app.status == S.CONCLUDED
    assert app.fee_charged == Decimal("25.00") and app.fee_receipt_number == "FS-2026-0001"
    assert ApplicationEvent.objects.filter(application=app, kind="fee").exists()
    # supervision's rule (a higher layer; loaded by name as the registry does)
    rules = importlib.import_module("zhengwu.supervision.rules")
    found = {f.owner_id: f for f in rules.fee_differs()}
    assert str(app.pk) in found and "10" in found[str(app.pk)].detail


def test_fee_matching_the_catalogue_is_not_flagged_and_refusal_is_free(cw: Any) -> None:
    app = decide(cw, accepted(cw), fee_charged="10.00", fee_receipt_number="FS-1")
    rules = importlib.import_module("zhengwu.supervision.rules")
    assert str(app.pk) not in {f.owner_id for f in rules.fee_differs()}
    other = accepted(cw)
    cases.application_review(actor=cw.reviewer, application=other, recommend="approve", opinion="")
    with pytest.raises(ValidationFailed):
        cases.application_decide(
            actor=cw.leader, application=other, approve=False, reason="不符合条件",
            legal_basis="第三十八条", fee_charged="10",
        )  # fmt: skip


# ----------------------------------------------------------------------------- sweep


def test_sweep_command_is_idempotent(cw: Any) -> None:
    app, _ = cw.submitted()
    late = (app.acceptance_due + dt.timedelta(days=1)).isoformat()
    out = StringIO()
    call_command("eservices_sweep", "--today", late, stdout=out)
    assert "deemed_acceptance: 1 case(s)" in out.getvalue()
    app.refresh_from_db()
    assert app.deemed_accepted
    out = StringIO()
    call_command("eservices_sweep", "--today", late, stdout=out)
    assert "deemed_acceptance: 0 case(s)" in out.getvalue()
    assert ApplicationEvent.objects.filter(application=app, kind="deemed_accepted").count() == 1


def test_sweep_command_exit_codes(cw: Any, monkeypatch: Any) -> None:
    from zhengwu.eservices.management.commands import eservices_sweep

    def boom(**_kw: Any) -> list[int]:
        raise RuntimeError("database gone")

    monkeypatch.setattr(eservices_sweep, "deemed_acceptance_sweep", boom)
    err = StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("eservices_sweep", stderr=err)
    assert exc.value.returncode == 1 and "database gone" in err.getvalue()
    with pytest.raises(CommandError):
        call_command("eservices_sweep", "--today", "2026-13-40")
