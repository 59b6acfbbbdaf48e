"""Case handling on the workbench (/workbench/cases/, namespace ``cases``): the department's case
list (filters, search, pagination, Excel), the case page (timeline, form data, materials,
deadlines, workflow history) and the step forms (受理 / 不予受理 / 补正 / 审查 / 决定 / 中止 /
恢复 / 整改答复). Other departments' cases answer 404."""

from decimal import Decimal
from typing import Any

from django.contrib import messages as flash
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from zhengwu.audit.actions import audit_read, audit_record
from zhengwu.core.access import staff_required
from zhengwu.core.errors import ApplicationError, NotFound
from zhengwu.core.spreadsheet import xlsx_response, xlsx_table
from zhengwu.eservices import cases, extensions, forms_schema, selectors_cases
from zhengwu.eservices.models import Application, ApplicationMaterial, Rating, SuspensionKind
from zhengwu.workflow.actions import may_handle
from zhengwu.workflow.models import WorkTask

PERM = cases.HANDLE_PERM
EXPORT_MAX = 5000


def _filters(request: HttpRequest) -> selectors_cases.CaseFilters:
    return selectors_cases.CaseFilters(
        status=request.GET.get("status", ""),
        item=request.GET.get("item", ""),
        q=request.GET.get("q", "")[:100],
        overdue=request.GET.get("overdue") == "1",
    )


@staff_required(PERM)
@require_safe
def case_list(request: HttpRequest) -> HttpResponse:
    filters = _filters(request)
    qs = selectors_cases.staff_cases(request.user, filters)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "eservices/cases/list.html",
        {
            "page": page,
            "filters": filters,
            "statuses": [c for c in Application.Status.choices if c[0] != "draft"],
            "query": query.urlencode(),
            "today": timezone.localdate(),
        },
    )


@staff_required(PERM)
@require_safe
def case_export(request: HttpRequest) -> HttpResponse:
    cases = list(selectors_cases.staff_cases(request.user, _filters(request))[:EXPORT_MAX])
    headers = (
        _("Case number"), _("Service item"), _("Applicant"), _("Status"), _("Submitted at"),
        _("Promised due date"), _("Statutory due date"), _("Concluded at"), _("Decision"),
    )  # fmt: skip
    rows = (
        (a.number, a.item.name, a.applicant_name, a.get_status_display(), a.submitted_at,
         a.promised_due, a.statutory_due, a.concluded_at, a.decision)
        for a in cases
    )  # fmt: skip
    data = xlsx_table(_("Cases"), headers, rows)
    audit_record(
        actor=request.user,
        action="eservices.application.export",
        is_read=True,
        object_type="eservices.application",
        object_repr=f"{len(cases)} cases exported",
        reason=_("case handling"),
    )
    return xlsx_response(data, "cases.xlsx")


def _access(request: HttpRequest, pk: int) -> Application:
    try:
        return selectors_cases.access_case(request.user, pk)
    except NotFound:
        raise Http404 from None


def _int(value: str | None) -> int:
    try:
        return int(value or 0)
    except ValueError:
        return 0


def _extension_context(request: HttpRequest, app: Application) -> dict[str, Any]:
    rows = list(app.extensions.all())
    mine = None
    for ext in rows:
        task = extensions.open_extension_task(ext)
        if task is not None and may_handle(request.user, task):
            mine = ext.pk
    return {
        "extensions": rows,
        "extension_task_of": mine,
        "may_extend": extensions.may_request(request.user, app),
        "extension_max": extensions.max_days(app),
    }


def _fee_context(app: Application) -> dict[str, Any]:
    fees = list(app.item.fees.all())
    return {
        "catalogue_fees": fees,
        "fee_total": sum((f.amount for f in fees), Decimal(0)) if fees else None,
    }


def _my_tasks(request: HttpRequest, app: Application) -> dict[str, WorkTask]:
    if app.workflow_instance_id is None:
        return {}
    out = {}
    for task in WorkTask.objects.filter(
        instance__owner_type=cases.OWNER,
        instance__owner_id=str(app.pk),
        status__in=WorkTask.ACTIVE,
    ).select_related("instance"):
        if may_handle(request.user, task):
            out[task.element_id] = task
    return out


@staff_required(PERM)
@require_safe
def case_detail(
    request: HttpRequest, pk: int, errors: dict[str, str] | None = None, status: int = 200
) -> HttpResponse:
    app = _access(request, pk)
    audit_read(actor=request.user, target=app, purpose=_("case handling"))
    tasks = _my_tasks(request, app)
    materials = ApplicationMaterial.objects.filter(application=app).select_related("file")
    licence = None
    if app.licence_number:
        from zhengwu.licences.selectors import licence_by_number

        licence = licence_by_number(app.licence_number)
    rating = Rating.objects.filter(application=app).first()
    return render(
        request,
        "eservices/cases/detail.html",
        {
            "app": app,
            "tasks": tasks,
            "fields": forms_schema.fields(app.item.form_schema, app.form_data),
            "materials": materials,
            "item_materials": app.item.materials.all(),
            "events": app.events.all(),
            "notices": app.correction_notices.all(),
            "suspensions": app.suspensions.all(),
            "joint": app.joint_opinions.select_related("organisation"),
            "suspension_kinds": SuspensionKind.choices,
            "rating": rating,
            "licence": licence,
            "may_suspend": app.status in ("accepted", "under_review")
            and cases.may_handle_case(request.user, app),
            **_extension_context(request, app),
            **_fee_context(app),
            "errors": errors or {},
            "today": timezone.localdate(),
        },
        status=status,
    )


@staff_required(PERM)
@require_POST
def case_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """One POST per step; the action checks who may do it."""
    app = _access(request, pk)
    p = request.POST
    try:
        if step == "accept":
            cases.application_accept(
                actor=request.user, application=app, opinion=p.get("opinion", "")
            )
            flash.success(request, _("The application has been accepted."))
        elif step == "not-accept":
            cases.application_not_accept(
                actor=request.user,
                application=app,
                reason=p.get("reason", ""),
                legal_basis=p.get("legal_basis", ""),
            )
            flash.success(
                request, _("The applicant has been told the application is not accepted.")
            )
        elif step == "correction":
            items = []
            for m in app.item.materials.all():
                note = p.get(f"note_{m.pk}", "").strip()
                if p.get(f"m_{m.pk}") or note:
                    items.append(cases.CorrectionItem(m.pk, "", note))
            if p.get("other_name", "").strip():
                items.append(cases.CorrectionItem(None, p["other_name"], p.get("other_note", "")))
            cases.application_request_correction(
                actor=request.user, application=app, items=items, note=p.get("note", "")
            )
            flash.success(request, _("The correction notice has been sent."))
        elif step == "review":
            cases.application_review(
                actor=request.user,
                application=app,
                recommend=p.get("recommend", ""),
                opinion=p.get("opinion", ""),
            )
            flash.success(request, _("Your opinion has been recorded."))
        elif step == "decide":
            cases.application_decide(
                actor=request.user,
                application=app,
                approve=p.get("decision") == "approve",
                reason=p.get("reason", ""),
                legal_basis=p.get("legal_basis", ""),
                fee_charged=p.get("fee_charged", ""),
                fee_receipt_number=p.get("fee_receipt_number", ""),
            )
            flash.success(request, _("The decision has been recorded."))
        elif step == "extension":
            extensions.extension_request(
                actor=request.user,
                application=app,
                reason=p.get("reason", ""),
                extra_working_days=p.get("extra_working_days", ""),
            )
            flash.success(request, _("The extension request has gone to the leader."))
        elif step == "extension-decide":
            ext = app.extensions.filter(pk=_int(p.get("extension"))).first()
            if ext is None:
                raise Http404
            extensions.extension_decide(
                actor=request.user,
                extension=ext,
                approve=p.get("decision") == "approve",
                opinion=p.get("opinion", ""),
            )
            flash.success(request, _("The decision on the extension has been recorded."))
        elif step == "suspend":
            cases.application_suspend(
                actor=request.user,
                application=app,
                kind=p.get("kind", ""),
                reason=p.get("reason", ""),
            )
            flash.success(request, _("The case is suspended."))
        elif step == "resume":
            cases.application_resume(actor=request.user, application=app, note=p.get("note", ""))
            flash.success(request, _("The case has resumed."))
        elif step == "respond":
            cases.rating_respond(
                actor=request.user, application=app, response=p.get("response", "")
            )
            flash.success(request, _("The response has been sent to the applicant."))
        else:
            raise Http404
    except NotFound:
        raise Http404 from None
    except ApplicationError as exc:
        errors = {step: str(exc.message)}
        code = 409 if exc.code == "CONFLICT" else 403 if exc.code == "PERMISSION_DENIED" else 400
        request.method = "GET"
        return case_detail(request, pk, errors=errors, status=code)
    return redirect("cases:detail", pk=app.pk)
