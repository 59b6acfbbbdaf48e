"""Public complaint pages (投诉): no login, the case number and query code identify the case (the
code is posted, never put in a URL)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from zhengwu.core.access import public
from zhengwu.core.errors import ApplicationError, NotFound
from zhengwu.supervision import actions
from zhengwu.supervision.models import Complaint


@public
@require_http_methods(["GET", "POST"])
def complaint_new(request: HttpRequest) -> HttpResponse:
    post = request.POST
    error, done = "", None
    if request.method == "POST":
        try:
            done = actions.complaint_submit(
                number=post.get("number", ""),
                code=post.get("code", ""),
                complainant_name=post.get("complainant_name", ""),
                contact_phone=post.get("contact_phone", ""),
                content=post.get("content", ""),
            )
        except NotFound:
            error = str(NotFound.default_message)
        except ApplicationError as exc:
            error = str(exc.message)
    return render(
        request,
        "supervision/public/complaint_new.html",
        {
            "error": error,
            "done": done,
            "number": (post.get("number") or request.GET.get("number", ""))[:40],
            "form": post,
        },
        status=400 if error else 200,
    )


@public
@require_http_methods(["GET", "POST"])
def complaint_status(request: HttpRequest) -> HttpResponse:
    from zhengwu.eservices.selectors_cases import query_application

    complaints, not_found = None, False
    if request.method == "POST":
        try:
            app = query_application(request.POST.get("number", ""), request.POST.get("code", ""))
        except NotFound:
            not_found = True
        else:
            complaints = list(Complaint.objects.filter(application_id=app.pk).order_by("pk"))
    return render(
        request,
        "supervision/public/complaint_status.html",
        {
            "complaints": complaints,
            "not_found": not_found,
            "number": request.POST.get("number", "")[:40],
        },
        status=404 if not_found else 200,
    )
