"""The auditor's pages: search, detail, export. Access: ``audit.view_auditentry``; exporting
also needs ``audit.export_auditentry``."""

from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    QueryDict,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zhengwu.audit import selectors
from zhengwu.audit.actions import audit_entry_open
from zhengwu.audit.export import audit_entries_export, max_rows
from zhengwu.audit.forms import AuditSearchForm, ReadPurposeForm
from zhengwu.core.access import staff_required
from zhengwu.core.errors import NotFound

VIEW_PERM = "audit.view_auditentry"
# The purpose an auditor stated for opening entries, kept for the session (every opening is
# recorded with it; the auditor may change it at any time).
PURPOSE_SESSION_KEY = "audit_read_purpose"
EXPORT_PERM = "audit.export_auditentry"


def _cursor(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 19 else None


def _filter_query(params: QueryDict) -> str:
    """The current filter as a query string, without the page cursor."""
    query = params.copy()
    for key in ("before", "after", "csrfmiddlewaretoken"):
        query.pop(key, None)
    return query.urlencode()


@staff_required(VIEW_PERM)
@require_GET
def entry_list(request: HttpRequest) -> HttpResponse:
    form = AuditSearchForm(request.GET)
    page = None
    if form.is_valid():
        page = selectors.audit_entry_page(
            filters=form.to_filters(),
            before=_cursor(request.GET.get("before")),
            after=_cursor(request.GET.get("after")),
        )
    context = {
        "form": form,
        "page": page,
        "filter_query": _filter_query(request.GET),
        "can_export": request.user.has_perm(EXPORT_PERM),
        "export_limit": max_rows(),
    }
    return render(request, "audit/entry_list.html", context, status=200 if page else 400)


@staff_required(VIEW_PERM)
@require_http_methods(["GET", "POST"])
def entry_detail(request: HttpRequest, entry_id: int) -> HttpResponse:
    """An entry's details. Opening one is itself a sensitive read (it may show who looked at
    whom): the auditor states a purpose first, and every opening is recorded with it."""
    try:
        entry = selectors.access_audit_entry(entry_id=entry_id)
    except NotFound as exc:
        raise Http404(exc.message) from None
    purpose = request.session.get(PURPOSE_SESSION_KEY, "")
    if request.method == "POST":
        form = ReadPurposeForm(request.POST)
        if form.is_valid():
            request.session[PURPOSE_SESSION_KEY] = form.cleaned_data["purpose"]
            return HttpResponseRedirect(reverse("audit:entry_detail", args=[entry.pk]))
        return render(request, "audit/entry_purpose.html", {"entry": entry, "form": form},
                      status=400)  # fmt: skip
    if not purpose or request.GET.get("purpose") == "change":
        form = ReadPurposeForm(initial={"purpose": purpose})
        return render(request, "audit/entry_purpose.html", {"entry": entry, "form": form})
    audit_entry_open(actor=request.user, entry=entry, purpose=purpose)
    context = {
        "entry": entry,
        "purpose": purpose,
        "verification": selectors.audit_entry_verification(entry),
        "changes": selectors.changes_rows(entry),
    }
    return render(request, "audit/entry_detail.html", context)


@staff_required(VIEW_PERM, EXPORT_PERM)
@require_POST
def entry_export(request: HttpRequest) -> HttpResponse:
    # POST (with CSRF) because exporting writes an audit entry.
    form = AuditSearchForm(request.POST)
    if not form.is_valid():
        context = {"form": form, "page": None, "filter_query": "", "can_export": True,
                   "export_limit": max_rows()}  # fmt: skip
        return render(request, "audit/entry_list.html", context, status=400)
    result = audit_entries_export(actor=request.user, filters=form.to_filters())
    filename = "audit-{}.xlsx".format(timezone.localtime().strftime("%Y%m%d-%H%M%S"))
    return FileResponse(
        result.file,
        as_attachment=True,
        filename=filename,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
