"""Public side of applications (/services/…): apply with a form and uploads, drafts, my
applications, the case page (status, corrections, result, licence, rating), the query by number
+ query code without login, and the 办件公示 list. Readable without JavaScript."""

import re
from typing import Any

from django.conf import settings
from django.contrib import messages as flash
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from zhengwu.core.access import login_required, public
from zhengwu.core.errors import ApplicationError, NotFound
from zhengwu.core.idempotency import new_token
from zhengwu.eservices import cases, forms_schema, selectors, selectors_cases
from zhengwu.eservices.models import Application, ApplicationMaterial, Rating
from zhengwu.eservices.registry import case_public_links
from zhengwu.identifiers.masking import _keep_ends

MATERIAL_FIELD = re.compile(r"material_(\d+)")
APPLICANTS = ("citizen", "enterprise")
PAGE_SIZE = 20
QUERY_CODE_SALT = "eservices.query_code"
QUERY_CODE_SECONDS = 600


def mask_name(name: str) -> str:
    """陈小明 → 陈**; 云泽美食有限公司 → 云泽****公司 (公示 shows no full names)."""
    name = name or ""
    if len(name) <= 4:
        return name[:1] + "*" * max(len(name) - 1, 0)
    return _keep_ends(name, 2, 2)


def _own(request: HttpRequest, pk: int) -> Application:
    try:
        return selectors_cases.access_own_application(request.user, pk)
    except NotFound:
        raise Http404 from None


@login_required(kinds=APPLICANTS)
@require_http_methods(["GET", "HEAD", "POST"])
def apply(request: HttpRequest, code: str) -> HttpResponse:
    """The item's application form. GET: a blank form (or the open draft for the item); a post
    of the form makes the case and saves or submits it in one go; a bare post (the old "apply"
    button) only starts the draft. A replayed form finds the case it made."""
    try:
        item = selectors.item_to_apply(code)
        if request.method != "POST":
            draft = selectors_cases.open_draft(request.user, item)
            if draft is not None:
                return redirect("eservices:application_detail", pk=draft.pk)
            return render(request, "eservices/application_detail.html",
                          _blank_context(request, item))  # fmt: skip
        token = request.POST.get("idempotency_token")
        if "action" not in request.POST:
            app = cases.application_draft_create(actor=request.user, item=item, token=token)
            return redirect("eservices:application_detail", pk=app.pk)
        action = request.POST["action"]
        if action not in ("save", "submit"):
            raise NotFound()
        result = cases.application_apply(
            actor=request.user, item=item, token=token, submit=action == "submit",
            **_form_post(request),
        )  # fmt: skip
    except NotFound:
        raise Http404 from None
    except ApplicationError as exc:
        flash.error(request, str(exc.message))
        return redirect("eservices:guide", code=code)
    return _after_hand_in(request, result)


def _form_post(request: HttpRequest) -> dict[str, Any]:
    """The applicant's form post as ``cases.application_hand_in`` takes it; files come in fields
    ``material_<id>`` (an id not of the item's materials is refused there)."""
    uploads = []
    for name in request.FILES:
        match = MATERIAL_FIELD.fullmatch(name)
        if match is None:
            raise NotFound()
        uploads += [(int(match[1]), upload) for upload in request.FILES.getlist(name)]
    return {
        "form_data": {k: request.POST.get(k) for k in request.POST},
        "contact_phone": request.POST.get("contact_phone"),
        "uploads": uploads,
    }


# The cookie that carries a new case's query code to the case page, once: one cookie whatever
# the number of cases (a later submission replaces it), sent to the case pages only.
QUERY_CODE_COOKIE = "zw_qc"


def _query_code_path() -> str:
    return reverse("eservices:my_applications")


def _shown_query_code(request: HttpRequest, app: Application) -> str:
    """The query code of ``app`` if it was just submitted in this browser, else ''."""
    value = request.get_signed_cookie(
        QUERY_CODE_COOKIE, "", salt=QUERY_CODE_SALT, max_age=QUERY_CODE_SECONDS
    )
    pk, _sep, code = value.partition(":")
    return code if pk == str(app.pk) else ""


def _after_hand_in(request: HttpRequest, result: cases.HandIn) -> HttpResponse:
    app = result.application
    if result.submitted is not None:
        response = redirect("eservices:application_detail", pk=app.pk)
        if result.submitted.query_code:
            # A signed cookie for the case pages, not the session: a submission then costs no
            # second write (the session row) and the code never sits in the database in clear.
            response.set_signed_cookie(
                QUERY_CODE_COOKIE, f"{app.pk}:{result.submitted.query_code}",
                salt=QUERY_CODE_SALT, max_age=QUERY_CODE_SECONDS, path=_query_code_path(),
                httponly=True, samesite="Lax", secure=settings.SESSION_COOKIE_SECURE,
            )  # fmt: skip
        return response
    if result.failure is not None:
        return _refused(request, app, result.failure, result.errors)
    if result.errors:
        return _form_again(request, app, result.errors, status=400)
    flash.success(request, _("Saved. You can come back and continue later."))
    return redirect("eservices:application_detail", pk=app.pk)


@login_required(kinds=APPLICANTS)
@require_safe
def my_applications(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors_cases.my_applications(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "eservices/my_applications.html", {"page": page})


def _blank_context(request: HttpRequest, item: Any) -> dict[str, Any]:
    """The application form of an item before the first post makes the case."""
    app = Application(
        item=item,
        handling_organisation=item.organisation,
        applicant_name=cases.applicant_of(request.user).name,
        contact_phone=getattr(request.user, "mobile", "") or "",
    )
    return {
        "app": app,
        "editable": True,
        "fields": forms_schema.fields(item.form_schema, {}),
        "materials": [(m, [], "") for m in item.materials.all()],
        "errors": {},
        "token": new_token(),
    }


def _detail_context(request: HttpRequest, app: Application, **extra: Any) -> dict[str, Any]:
    editable = app.status in (Application.Status.DRAFT, Application.Status.CORRECTION_REQUESTED)
    uploaded = list(ApplicationMaterial.objects.filter(application=app).select_related("file"))
    errors = extra.get("errors") or {}
    materials = [
        (m, [u for u in uploaded if u.material_id == m.pk], errors.get(f"material_{m.pk}", ""))
        for m in app.item.materials.all()
    ]
    licence = None
    if app.licence_number:
        from zhengwu.licences.selectors import licence_by_number

        licence = licence_by_number(app.licence_number)
    notice = app.correction_notices.order_by("-round").first()
    rating = Rating.objects.filter(application=app).first()
    return {
        "app": app,
        "editable": editable,
        "fields": forms_schema.fields(app.item.form_schema, extra.pop("posted", app.form_data)),
        "materials": materials,
        "notice": notice,
        "events": app.events.filter(public=True),
        "rating": rating,
        "rating_levels": list(reversed(Rating.Level.choices)),
        "review_notice": cases.REVIEW_NOTICE,
        "links": case_public_links(app),
        "token": new_token(),
        "licence": licence,
        "query_code": _shown_query_code(request, app),
        **extra,
    }


@login_required(kinds=APPLICANTS)
@require_http_methods(["GET", "HEAD", "POST"])
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The applicant's case page; in draft/correction it is the form with uploads."""
    action = request.POST.get("action", "save")
    if request.method == "POST" and action in ("save", "submit", "upload"):
        try:
            result = cases.application_hand_in(
                actor=request.user, application=int(pk), submit=action == "submit",
                **_form_post(request),
            )  # fmt: skip
        except NotFound:
            raise Http404 from None
        except ApplicationError as exc:
            return _refused(request, _own(request, pk), exc)  # _own: 404 for a case not theirs
        return _after_hand_in(request, result)
    app = _own(request, pk)
    if request.method != "POST":
        context = _detail_context(request, app)
        response = render(request, "eservices/application_detail.html", context)
        if context["query_code"]:  # shown once
            response.delete_cookie(QUERY_CODE_COOKIE, path=_query_code_path(), samesite="Lax")
        return response
    try:
        if action == "remove":
            cases.application_material_remove(
                actor=request.user, application=app, row_id=int(request.POST.get("row") or 0)
            )
            return redirect("eservices:application_detail", pk=app.pk)
        elif action == "withdraw":
            cases.application_withdraw(
                actor=request.user, application=app, reason=request.POST.get("reason", "")
            )
            flash.success(request, _("The application has been withdrawn."))
            return redirect("eservices:application_detail", pk=app.pk)
        elif action == "rate":
            cases.application_rate(
                actor=request.user,
                application=app,
                level=request.POST.get("level"),
                comment=request.POST.get("comment", ""),
            )
            flash.success(request, _("Thank you for your rating."))
            return redirect("eservices:application_detail", pk=app.pk)
        else:
            raise NotFound()
    except NotFound:
        raise Http404 from None
    except ApplicationError as exc:
        app.refresh_from_db()
        return _refused(request, app, exc)


def _refused(
    request: HttpRequest,
    app: Application,
    exc: ApplicationError,
    errors: dict[str, str] | None = None,
) -> HttpResponse:
    errors = {**(errors or {}), **((exc.data or {}).get("errors") or {})}
    errors.setdefault("all", str(exc.message))
    return _form_again(request, app, errors, status=409 if exc.code == "CONFLICT" else 400)


def _form_again(
    request: HttpRequest, app: Application, errors: dict[str, str], *, status: int
) -> HttpResponse:
    """The case page with the post's values and the reasons it was refused."""
    posted = {k: request.POST.get(k) for k in request.POST}
    context = _detail_context(request, app, errors=errors, posted=posted)
    return render(request, "eservices/application_detail.html", context, status=status)


@public
@require_http_methods(["GET", "HEAD", "POST"])
def query(request: HttpRequest) -> HttpResponse:
    """办件查询 by case number + query code, without login (POST: codes stay out of URLs/logs)."""
    app = None
    not_found = False
    if request.method == "POST":
        try:
            app = selectors_cases.query_application(
                request.POST.get("number", ""), request.POST.get("code", "")
            )
        except NotFound:
            not_found = True
    return render(
        request,
        "eservices/query.html",
        {
            "app": app,
            "not_found": not_found,
            "events": app.events.filter(public=True) if app else [],
            "masked_name": mask_name(app.applicant_name) if app else "",
            "number": request.POST.get("number", "")[:40],
        },
        status=404 if not_found else 200,
    )


@public
@require_safe
def disclosure(request: HttpRequest) -> HttpResponse:
    """办件公示: concluded cases, applicant names masked."""
    q = request.GET.get("q", "")[:100]
    page = Paginator(selectors_cases.concluded_public(q), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = [(a, mask_name(a.applicant_name)) for a in page.object_list]
    return render(request, "eservices/disclosure.html", {"page": page, "rows": rows, "q": q})
