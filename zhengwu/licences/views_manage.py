"""Staff pages: the licences of the organisations one may view, detail, revoke, Excel export."""

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from zhengwu.core.access import staff_required
from zhengwu.core.errors import ApplicationError, NotFound
from zhengwu.directory.selectors import account_has_perm_in
from zhengwu.licences import actions, selectors
from zhengwu.licences.forms import LicenceFilterForm, RevokeForm
from zhengwu.licences.models import LicenceType
from zhengwu.licences.verification import mask_holder_code

VIEW = "licences.view_licence"
REVOKE = "licences.revoke_licence"
PERSONAL = "directory.view_personal_data"


def _licence(request: HttpRequest, licence_id: int) -> Any:
    try:
        return selectors.access_staff_licence(request.user, licence_id)
    except NotFound:
        raise Http404 from None


def _filtered(request: HttpRequest) -> tuple[LicenceFilterForm, Any]:
    choices = list(LicenceType.objects.values_list("code", "name"))
    form = LicenceFilterForm(request.GET or None, type_choices=choices)
    data = form.cleaned_data if form.is_valid() else {}
    qs = selectors.staff_licences(
        request.user, search=data.get("q", ""), status=data.get("status", ""),
        licence_type=data.get("licence_type", ""),
    )  # fmt: skip
    return form, qs


@staff_required(VIEW)
@require_safe
def licence_list(request: HttpRequest) -> HttpResponse:
    form, qs = _filtered(request)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    rows = [(licence, mask_holder_code(licence)) for licence in page.object_list]
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "licences/manage/list.html", {
        "form": form, "page": page, "rows": rows, "query": query.urlencode(),
    })  # fmt: skip


@staff_required(VIEW)
@require_safe
def licence_export(request: HttpRequest) -> HttpResponse:
    _form, qs = _filtered(request)
    data = actions.licence_export(actor=request.user, licences=qs,
                                  unmasked=request.user.has_perm(PERSONAL))  # fmt: skip
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    name = "licences-{}.xlsx".format(timezone.localtime().strftime("%Y%m%d-%H%M%S"))
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@staff_required(VIEW)
@require_safe
def licence_detail(request: HttpRequest, licence_id: int) -> HttpResponse:
    licence = _licence(request, licence_id)
    may_revoke = account_has_perm_in(request.user, REVOKE, licence.issuing_organisation)
    holder_code = (licence.holder_id_number if request.user.has_perm(PERSONAL)
                   else mask_holder_code(licence))  # fmt: skip
    return render(request, "licences/manage/detail.html", {
        "licence": licence, "holder_code": holder_code, "may_revoke": may_revoke,
        "form": RevokeForm(),
    })  # fmt: skip


@staff_required(VIEW, REVOKE)
@require_http_methods(["GET", "HEAD", "POST"])
def licence_revoke(request: HttpRequest, licence_id: int) -> HttpResponse:
    licence = _licence(request, licence_id)
    form = RevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.licence_revoke(actor=request.user, licence=licence,
                                   reason=form.cleaned_data["reason"])  # fmt: skip
        except ApplicationError as exc:
            form.add_error(
                "reason" if exc.data.get("field") == "reason" else None, str(exc.message)
            )
        else:
            messages.success(request, _("The licence has been revoked."))
            return redirect("licences_manage:detail", licence_id=licence.pk)
    return render(request, "licences/manage/revoke.html", {"licence": licence, "form": form})
