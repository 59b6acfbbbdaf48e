"""The in-app inbox, for staff on the workbench and for citizens and enterprises on the public site.

Both inboxes share one implementation and differ only in who may enter, the page chrome and the
URL namespace (``notify`` under /workbench/messages/, ``my_messages`` under /my/messages/).
GET never changes anything: a message is marked read by a POST (the "mark as read" buttons), so
link prefetchers and crawlers cannot mark messages read. Views parse, call one action or
selector, and render.
"""

from dataclasses import dataclass

from django.contrib import messages as flash
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from zhengwu.core.access import login_required, staff_required
from zhengwu.core.errors import NotFound
from zhengwu.notify import actions, selectors

PUBLIC_KINDS = ("citizen", "enterprise")


@dataclass(frozen=True)
class Inbox:
    namespace: str
    base_template: str

    def context(self) -> dict[str, str]:
        return {
            "base_template": self.base_template,
            "inbox_url": reverse(f"{self.namespace}:inbox"),
            "mark_all_read_url": reverse(f"{self.namespace}:mark_all_read"),
            "detail_view": f"{self.namespace}:detail",
            "mark_read_view": f"{self.namespace}:mark_read",
        }


STAFF = Inbox("notify", "workbench/base.html")
PUBLIC = Inbox("my_messages", "public_site/base.html")


def _inbox(request: HttpRequest, inbox: Inbox) -> HttpResponse:
    unread_only = request.GET.get("unread") == "1"
    page = selectors.message_list(
        request.user, unread_only=unread_only, page=request.GET.get("page")
    )
    return render(
        request,
        "notify/message_list.html",
        {
            "page": page,
            "unread_only": unread_only,
            "unread_count": selectors.unread_count(request.user),
            **inbox.context(),
        },
    )


def _detail(request: HttpRequest, message_id: int, inbox: Inbox) -> HttpResponse:
    try:
        message = selectors.access_message_by_id(request.user, message_id)
    except NotFound:
        raise Http404 from None
    return render(request, "notify/message_detail.html", {"message": message, **inbox.context()})


def _back(request: HttpRequest, fallback: str) -> HttpResponseRedirect:
    """Back to the page the button was on (``next``), never to another site."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(target)
    return HttpResponseRedirect(fallback)


def _mark_read(request: HttpRequest, message_id: int, inbox: Inbox) -> HttpResponse:
    try:
        message = selectors.access_message_by_id(request.user, message_id)
        actions.message_mark_read(actor=request.user, message=message)
    except NotFound:
        raise Http404 from None
    return _back(request, reverse(f"{inbox.namespace}:detail", args=[message_id]))


def _mark_all_read(request: HttpRequest, inbox: Inbox) -> HttpResponse:
    count = actions.message_mark_all_read(actor=request.user)
    if count:
        flash.success(request, _("%(count)d messages marked as read.") % {"count": count})
    else:
        flash.info(request, _("There were no unread messages."))
    return redirect(f"{inbox.namespace}:inbox")


# --------------------------------------------------------------------------- staff (workbench)


@staff_required()
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    return _inbox(request, STAFF)


@staff_required()
@require_GET
def detail(request: HttpRequest, message_id: int) -> HttpResponse:
    return _detail(request, message_id, STAFF)


@staff_required()
@require_POST
def mark_read(request: HttpRequest, message_id: int) -> HttpResponse:
    return _mark_read(request, message_id, STAFF)


@staff_required()
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    return _mark_all_read(request, STAFF)


# --------------------------------------------------------------------------- public (/my/)


@login_required(kinds=PUBLIC_KINDS)
@require_GET
def public_inbox(request: HttpRequest) -> HttpResponse:
    return _inbox(request, PUBLIC)


@login_required(kinds=PUBLIC_KINDS)
@require_GET
def public_detail(request: HttpRequest, message_id: int) -> HttpResponse:
    return _detail(request, message_id, PUBLIC)


@login_required(kinds=PUBLIC_KINDS)
@require_POST
def public_mark_read(request: HttpRequest, message_id: int) -> HttpResponse:
    return _mark_read(request, message_id, PUBLIC)


@login_required(kinds=PUBLIC_KINDS)
@require_POST
def public_mark_all_read(request: HttpRequest) -> HttpResponse:
    return _mark_all_read(request, PUBLIC)
