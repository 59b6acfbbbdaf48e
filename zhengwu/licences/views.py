"""Public verification pages and the holder's own licences.

Views parse, authorise (access decorators), call one selector, render.
"""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods, require_safe

from zhengwu.core.access import login_required, public
from zhengwu.files.forms import add_upload_refusals
from zhengwu.licences import selectors
from zhengwu.licences.forms import VerifyUploadForm
from zhengwu.licences.verification import check_upload, public_summary


@public
@require_safe
def verify(request: HttpRequest, token: str) -> HttpResponse:
    """The page the QR code opens: 有效 / 已撤销 / 已过期, or 未找到 (404)."""
    licence = selectors.licence_by_token(token)
    if licence is None:
        return render(request, "licences/verify.html", {"summary": None}, status=404)
    return render(request, "licences/verify.html", {"summary": public_summary(licence)})


@public
@require_http_methods(["GET", "HEAD", "POST"])
def verify_upload(request: HttpRequest) -> HttpResponse:
    """Upload a PDF: our licence (with its status), tampered, or unknown."""
    form = VerifyUploadForm(request.POST or None, request.FILES or None)
    check = summary = None
    if request.method == "POST":
        add_upload_refusals(form, request)
        if form.is_valid():
            check = check_upload(form.cleaned_data["file"].read())
            summary = public_summary(check.licence) if check.licence else None
    return render(request, "licences/verify_upload.html",
                  {"form": form, "check": check, "summary": summary})  # fmt: skip


@login_required(kinds=("citizen", "enterprise"))
@require_safe
def my_licences(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.held_licences(request.user).select_related("pdf"), 20).get_page(
        request.GET.get("page")
    )
    return render(request, "licences/my.html", {"page": page})
