"""The in-app inbox on the workbench. Views parse, call one action or selector, and render."""

from django.contrib import messages as flash
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from zhengwu.core.access import staff_required
from zhengwu.core.errors import NotFound
from zhengwu.notify import actions, selectors


@staff_required()
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("unread") == "1"
    page = selectors.message_list(
        request.user, unread_only=unread_only, page=request.GET.get("page")
    )
    return render(request, "notify/message_list.html", {"page": page, "unread_only": unread_only})


@staff_required()
@require_GET
def detail(request: HttpRequest, message_id: int) -> HttpResponse:
    try:
        message = selectors.access_message_by_id(request.user, message_id)
    except NotFound:
        raise Http404 from None
    # Opening a message is reading it (the inbox shows what is still unread).
    message = actions.message_mark_read(actor=request.user, message=message)
    return render(request, "notify/message_detail.html", {"message": message})


@staff_required()
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    count = actions.message_mark_all_read(actor=request.user)
    if count:
        flash.success(request, _("%(count)d messages marked as read.") % {"count": count})
    else:
        flash.info(request, _("There were no unread messages."))
    return redirect("notify:inbox")
