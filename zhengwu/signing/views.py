"""Back-office pages: certificates and seals per unit, trust anchors, PDF verification.

Views parse, authorise (access decorators), call one action or selector, render.
"""

from typing import Any

from django.apps import apps
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zhengwu.core.access import public, staff_required
from zhengwu.core.errors import ApplicationError, NotFound
from zhengwu.signing import actions, selectors
from zhengwu.signing.forms import (
    Pkcs12ImportForm,
    RevokeForm,
    SealUploadForm,
    TrustAnchorImportForm,
    VerifyForm,
)

VIEW = "signing.view_certificate"


def _unit(organisation_id: int) -> Any:
    model = apps.get_model("directory", "Organisation")
    unit = (
        model.objects.select_related("region")
        .filter(pk=organisation_id, kind__in=selectors.SIGNING_KINDS)
        .first()
    )
    if unit is None:
        raise Http404()
    return unit


def _form_error(form: Any, exc: ApplicationError) -> None:
    field = exc.data.get("field")
    form.add_error(field if field in form.fields else None, str(exc.message))


def _pem_response(pem: str, filename: str) -> HttpResponse:
    response = HttpResponse(pem, content_type="application/x-pem-file")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@staff_required(VIEW)
@require_GET
def unit_list(request: HttpRequest) -> HttpResponse:
    return render(request, "signing/unit_list.html", {
        "units": selectors.signing_units(), "root": selectors.built_in_root(),
    })  # fmt: skip


@staff_required(VIEW)
@require_GET
def unit_detail(request: HttpRequest, organisation_id: int) -> HttpResponse:
    unit = _unit(organisation_id)
    user = request.user
    return render(request, "signing/unit_detail.html", {
        "unit": unit, "full_name": selectors.unit_full_name(unit),
        "certificates": selectors.certificates_of(unit),
        "active": selectors.active_certificate(unit), "seal": selectors.seal_of(unit),
        "can_add": user.has_perm("signing.add_certificate"),
        "can_revoke": user.has_perm("signing.revoke_certificate"),
        "can_seal": user.has_perm("signing.change_seal"),
    })  # fmt: skip


@staff_required(VIEW, "signing.add_certificate")
@require_POST
def certificate_issue(request: HttpRequest, organisation_id: int) -> HttpResponse:
    unit = _unit(organisation_id)
    try:
        cert = actions.certificate_issue(actor=request.user, organisation=unit)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Certificate %(serial)s issued.") % {"serial": cert.serial})
    return redirect("signing:unit_detail", organisation_id=unit.pk)


@staff_required(VIEW, "signing.add_certificate")
@require_http_methods(["GET", "POST"])
def certificate_import(request: HttpRequest, organisation_id: int) -> HttpResponse:
    unit = _unit(organisation_id)
    form = Pkcs12ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            cert = actions.certificate_import_pkcs12(
                actor=request.user, organisation=unit, data=upload.read(1024 * 1024 + 1),
                password=form.cleaned_data["password"],
            )  # fmt: skip
        except ApplicationError as exc:
            _form_error(form, exc)
        else:
            messages.success(
                request, _("Certificate %(serial)s imported.") % {"serial": cert.serial}
            )
            return redirect("signing:unit_detail", organisation_id=unit.pk)
    return render(request, "signing/certificate_import.html", {"unit": unit, "form": form})


@staff_required(VIEW, "signing.revoke_certificate")
@require_http_methods(["GET", "POST"])
def certificate_revoke(request: HttpRequest, certificate_id: int) -> HttpResponse:
    try:
        cert = selectors.access_certificate(certificate_id)
    except NotFound:
        raise Http404() from None
    form = RevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.certificate_revoke(
                actor=request.user,
                certificate=cert,
                reason=form.cleaned_data["reason"],
                invalid_since=form.cleaned_data["invalid_since"],
            )
        except ApplicationError as exc:
            _form_error(form, exc)
        else:
            messages.success(
                request, _("Certificate %(serial)s revoked.") % {"serial": cert.serial}
            )
            return redirect("signing:unit_detail", organisation_id=cert.organisation_id)
    return render(request, "signing/certificate_revoke.html", {"certificate": cert, "form": form})


@staff_required(VIEW)
@require_GET
def certificate_pem(request: HttpRequest, certificate_id: int) -> HttpResponse:
    try:
        cert = selectors.access_certificate(certificate_id)
    except NotFound:
        raise Http404() from None
    return _pem_response(cert.certificate_pem + cert.chain_pem, f"certificate-{cert.serial}.pem")


@staff_required(VIEW, "signing.change_seal")
@require_http_methods(["GET", "POST"])
def seal_edit(request: HttpRequest, organisation_id: int) -> HttpResponse:
    unit = _unit(organisation_id)
    form = SealUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.seal_upload(actor=request.user, organisation=unit,
                                upload=form.cleaned_data["image"])  # fmt: skip
        except ApplicationError as exc:
            form.add_error("image", str(exc.message))
        else:
            messages.success(request, _("The seal image was replaced."))
            return redirect("signing:unit_detail", organisation_id=unit.pk)
    return render(request, "signing/seal_edit.html", {
        "unit": unit, "form": form, "seal": selectors.seal_of(unit),
    })  # fmt: skip


@staff_required(VIEW, "signing.change_seal")
@require_POST
def seal_generate(request: HttpRequest, organisation_id: int) -> HttpResponse:
    unit = _unit(organisation_id)
    try:
        actions.seal_generate(actor=request.user, organisation=unit)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("A standard seal image was generated."))
    return redirect("signing:unit_detail", organisation_id=unit.pk)


@staff_required(VIEW)
@require_GET
def seal_image(request: HttpRequest, organisation_id: int) -> HttpResponse:
    seal = selectors.seal_of(_unit(organisation_id))
    if seal is None:
        raise Http404()
    with seal.image.file.open("rb") as handle:
        data = handle.read()
    response = HttpResponse(data, content_type=seal.image.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@staff_required("signing.view_trustanchor")
@require_GET
def trust_list(request: HttpRequest) -> HttpResponse:
    return render(request, "signing/trust_list.html", {
        "anchors": selectors.trust_anchors(), "form": TrustAnchorImportForm(),
        "can_add": request.user.has_perm("signing.add_trustanchor"),
        "can_change": request.user.has_perm("signing.change_trustanchor"),
    })  # fmt: skip


@staff_required("signing.view_trustanchor", "signing.add_trustanchor")
@require_http_methods(["GET", "POST"])
def trust_import(request: HttpRequest) -> HttpResponse:
    form = TrustAnchorImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = actions.trust_anchor_import(
                actor=request.user, data=form.cleaned_data["file"].read(1024 * 1024),
                name=form.cleaned_data["name"],
            )  # fmt: skip
        except ApplicationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("%(count)s root certificates are now trusted.")
                             % {"count": len(created)})  # fmt: skip
            return redirect("signing:trust_list")
    return render(request, "signing/trust_import.html", {"form": form})


@staff_required("signing.view_trustanchor", "signing.change_trustanchor")
@require_POST
def trust_toggle(request: HttpRequest, anchor_id: int) -> HttpResponse:
    try:
        anchor = selectors.access_trust_anchor(anchor_id)
    except NotFound:
        raise Http404() from None
    actions.trust_anchor_set_active(actor=request.user, anchor=anchor,
                                    active=not anchor.is_active)  # fmt: skip
    return redirect("signing:trust_list")


@public
@require_GET
def root_ca_pem(request: HttpRequest) -> HttpResponse:
    """The built-in root certificate, public: validators install it to trust our signatures."""
    root = selectors.built_in_root()
    if root is None:
        raise Http404()
    return _pem_response(root.certificate_pem, "yunze-root-ca.pem")


@staff_required()
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    form = VerifyForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        result = selectors.pdf_verify(form.cleaned_data["file"].read())
    return render(request, "signing/verify.html", {"form": form, "result": result})
