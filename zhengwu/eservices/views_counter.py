"""窗口收件 on the workbench (/workbench/cases/counter/…): pick an item, type the applicant's
identity and the form, attach the scans, register → the printable receipt (回执) with the case
number and the query code (shown once). ``<pk>/receipt/`` reprints it without the code."""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from zhengwu.core.access import staff_required
from zhengwu.core.errors import ApplicationError, NotFound
from zhengwu.core.idempotency import new_token
from zhengwu.eservices import cases, counter, forms_schema, selectors_cases
from zhengwu.eservices.models import ApplicantKind, Application, ApplicationMaterial
from zhengwu.identifiers.masking import mask_credit_code, mask_resident_id

PERM = cases.HANDLE_PERM


@staff_required(PERM)
@require_safe
def counter_start(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "eservices/cases/counter_items.html",
        {"items": counter.counter_items(request.user)},
    )


def _item(request: HttpRequest, code: str) -> Any:
    item = counter.counter_items(request.user).filter(code=code).first()
    if item is None:
        raise Http404
    return item


@staff_required(PERM)
@require_http_methods(["GET", "POST"])
def counter_form(request: HttpRequest, code: str) -> HttpResponse:
    item = _item(request, code)
    p = request.POST
    errors: dict[str, str] = {}
    if request.method == "POST":
        data = counter.CounterInput(
            applicant=counter.CounterApplicant(
                kind=p.get("applicant_kind", ""),
                name=p.get("applicant_name", ""),
                id_number=p.get("applicant_id_number", ""),
                contact_phone=p.get("contact_phone", ""),
            ),
            form_data={k: p.get(k) for k in (item.form_schema.get("properties") or {}) if k in p},
            files={
                m.pk: request.FILES.getlist(f"material_{m.pk}")
                for m in item.materials.all()
                if request.FILES.getlist(f"material_{m.pk}")
            },
        )
        try:
            result = counter.counter_register(
                actor=request.user, item=item, data=data, token=p.get("idempotency_token")
            )
        except NotFound:
            raise Http404 from None
        except ApplicationError as exc:
            # the message on top, and next to its field; nothing was registered
            extra = exc.data if isinstance(exc.data, dict) else {}
            errors = {"form": str(exc.message)}
            if extra.get("field"):
                errors[str(extra["field"])] = str(exc.message)
            errors.update({str(k): str(v) for k, v in (extra.get("errors") or {}).items()})
        else:
            return _receipt(request, result.application, result.query_code)
    return render(
        request,
        "eservices/cases/counter_form.html",
        {
            "item": item,
            "fields": forms_schema.fields(item.form_schema, dict(p.items()) if p else {}),
            "materials": item.materials.all(),
            "kinds": ApplicantKind.choices,
            "posted": p,
            "errors": errors,
            "token": p.get("idempotency_token") or new_token(),
        },
        status=400 if errors else 200,
    )


def _receipt(request: HttpRequest, app: Application, code: str) -> HttpResponse:
    masked = (
        mask_resident_id(app.applicant_id_number)
        if app.applicant_kind == "citizen"
        else mask_credit_code(app.applicant_id_number)
    )
    rows = ApplicationMaterial.objects.filter(application=app).select_related("material")
    received: dict[str, int] = {}
    for row in rows:
        received[row.material_name] = received.get(row.material_name, 0) + 1
    return render(
        request,
        "eservices/cases/receipt.html",
        {
            "app": app,
            "code": code,
            "masked_id": masked,
            "received": sorted(received.items()),
            "query_url": request.build_absolute_uri(reverse("eservices:query")),
            "title": _("Receipt of application"),
        },
    )


@staff_required(PERM)
@require_safe
def receipt(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        app = selectors_cases.access_case(request.user, pk)
    except NotFound:
        raise Http404 from None
    if app.channel != "counter" or not app.number:
        raise Http404
    return _receipt(request, app, "")
