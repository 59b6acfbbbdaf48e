"""The staff back office home and system notices."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from zhengwu.core.access import staff_required
from zhengwu.core.errors import ApplicationError
from zhengwu.notify import selectors as notify_selectors
from zhengwu.workbench import actions, selectors
from zhengwu.workbench.forms import NoticeForm


@staff_required()
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    context = {
        "role_assignments": selectors.role_assignments_of(user),
        "panels": selectors.home_panels_for(request),
        "latest_messages": notify_selectors.message_latest(user, limit=5),
        "notices": selectors.notice_latest(limit=5),
        "shortcuts": selectors.shortcuts_for(user),
        "can_publish_notice": user.has_perm("workbench.add_notice"),
    }
    return render(request, "workbench/home.html", context)


@staff_required()
@require_GET
def notice_list(request: HttpRequest) -> HttpResponse:
    page = selectors.notice_page(request.GET.get("page"))
    return render(request, "workbench/notice_list.html", {
        "page": page, "can_publish_notice": request.user.has_perm("workbench.add_notice"),
    })  # fmt: skip


@staff_required()
@require_GET
def notice_detail(request: HttpRequest, notice_id: int) -> HttpResponse:
    notice = selectors.notice_get(notice_id)
    if notice is None:
        raise Http404
    return render(request, "workbench/notice_detail.html", {"notice": notice})


@staff_required("workbench.add_notice")
@require_http_methods(["GET", "POST"])
def notice_publish(request: HttpRequest) -> HttpResponse:
    form = NoticeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            notice = actions.notice_publish(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            form.add_error(exc.data.get("field"), str(exc.message))
        else:
            messages.success(request, _("The notice has been published to all staff."))
            return redirect("workbench:notice_detail", notice_id=notice.pk)
    return render(request, "workbench/notice_form.html", {"form": form})
