"""Staff pages of the exchange module: parse, authorise, call one action or selector, render."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from zhengwu.audit.actions import audit_record
from zhengwu.core.access import staff_required
from zhengwu.core.errors import ApplicationError, NotFound
from zhengwu.directory.selectors import account_has_perm_in, organisations_where
from zhengwu.exchange import actions as ex
from zhengwu.exchange import receiving, selectors
from zhengwu.exchange.clearance import is_cleared
from zhengwu.exchange.export import archive_catalogue_xlsx
from zhengwu.exchange.models import Delivery, ReceivedDocument, Retention, SecurityLevel, Urgency
from zhengwu.files.forms import StoredFileField, add_upload_refusals, file_store_from_form
from zhengwu.files.views import content_disposition
from zhengwu.workflow import actions as workflow
from zhengwu.workflow.models import WorkTask
from zhengwu.workflow.selectors import may_handle


def _int(value: Any) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 10_000 else None


def _serve(stored: Any) -> FileResponse:
    try:
        handle = stored.file.open("rb")
    except OSError:
        raise Http404 from None
    response = FileResponse(handle, content_type=stored.content_type)
    response["Content-Disposition"] = content_disposition(stored.download_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


def _audit_download(request: HttpRequest, target: Any, level: str, stored: Any) -> None:
    """Every download of a classified document is a sensitive read."""
    if level:
        audit_record(
            actor=request.user,
            action=f"{target._meta.label_lower}.download",
            target=target,
            is_read=True,
            changes={"file": stored.original_name},
            reason=_("Downloaded a classified document (%(level)s)") % {"level": level},
        )


# --- incoming (待签收 / 已签收 / 已退回) -------------------------------------------------------


@staff_required(ex.HANDLE_PERM)
@require_safe
def inbox(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", Delivery.Status.DELIVERED)
    if status not in Delivery.Status.values:
        status = Delivery.Status.DELIVERED
    page = selectors.inbox(request.user, status=status, page=request.GET.get("page"))
    counts = selectors.inbox_counts(request.user)
    tabs = [
        (s, label, counts.get(s, 0))
        for s, label in Delivery.Status.choices
        if s != Delivery.Status.WITHDRAWN
    ]
    return render(request, "exchange/inbox.html", {"page": page, "status": status, "tabs": tabs})


@staff_required(ex.HANDLE_PERM)
@require_safe
def delivery_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        delivery = selectors.access_delivery(request.user, pk)
        ex.delivery_open(actor=request.user, delivery=delivery)
    except NotFound:
        raise Http404 from None
    dispatch = delivery.dispatch
    return render(
        request,
        "exchange/delivery_detail.html",
        {
            "delivery": delivery,
            "dispatch": dispatch,
            "attachments": list(dispatch.attachments.all()),
            "cleared": is_cleared(request.user, dispatch.security_level),
            "received": getattr(delivery, "registration", None)
            if delivery.status == Delivery.Status.SIGNED
            else None,
        },
    )


@staff_required(ex.HANDLE_PERM)
@require_safe
def delivery_file(request: HttpRequest, pk: int, file_pk: int) -> FileResponse:
    try:
        delivery = selectors.access_delivery(request.user, pk)
    except NotFound:
        raise Http404 from None
    dispatch = delivery.dispatch
    if not is_cleared(request.user, dispatch.security_level):
        raise Http404  # 密级 above the person's clearance: as if it did not exist
    stored = (
        dispatch.pdf
        if dispatch.pdf_id == file_pk
        else dispatch.attachments.filter(pk=file_pk).first()
    )
    if stored is None:
        raise Http404
    _audit_download(request, delivery, dispatch.security_level, stored)
    return _serve(stored)


@staff_required(ex.HANDLE_PERM)
@require_POST
def delivery_sign(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = Delivery.objects.filter(pk=pk).select_related("dispatch", "organisation").first()
    if delivery is None:
        raise Http404
    try:
        received = ex.delivery_sign_for(actor=request.user, delivery=delivery)
    except NotFound:
        raise Http404 from None
    except ApplicationError as error:
        messages.error(request, str(error.message))
        return redirect("exchange:inbox")
    messages.success(
        request,
        _("Signed for and registered as %(number)s.") % {"number": received.receipt_number},
    )
    if selectors.may_view_received(request.user, received):
        return redirect("exchange:received_detail", received.pk)
    return redirect("exchange:inbox")


class RefuseForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for returning"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


@staff_required(ex.HANDLE_PERM)
@require_POST
def delivery_refuse(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = Delivery.objects.filter(pk=pk).select_related("dispatch", "organisation").first()
    if delivery is None:
        raise Http404
    form = RefuseForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        ex.delivery_refuse(actor=request.user, delivery=delivery, reason=reason)
    except NotFound:
        raise Http404 from None
    except ApplicationError as error:
        messages.error(request, str(error.message))
        return (
            redirect("exchange:delivery_detail", pk)
            if delivery.status == "delivered"
            else redirect("exchange:inbox")
        )
    messages.success(request, _("The document was returned to the sender."))
    return redirect("exchange:inbox")


# --- sent documents and tracking -------------------------------------------------------------


@staff_required(ex.TRACK_PERM)
@require_safe
def dispatch_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:100]
    page = selectors.dispatch_list(request.user, q=q, page=request.GET.get("page"))
    return render(request, "exchange/dispatch_list.html", {"page": page, "q": q})


@staff_required()
@require_safe
def tracking(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        dispatch = selectors.access_dispatch(request.user, pk)
    except NotFound:
        raise Http404 from None
    rows = selectors.dispatch_tracking(dispatch.pk)
    return render(
        request,
        "exchange/tracking.html",
        {"dispatch": dispatch, "rows": rows, "summary": selectors.tracking_summary(rows)},
    )


@staff_required()
@require_POST
def dispatch_remind(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        dispatch = selectors.access_dispatch(request.user, pk)
        ids = [i for i in (_int(v) for v in request.POST.getlist("delivery")) if i]
        chosen = list(Delivery.objects.filter(dispatch=dispatch, pk__in=ids)) if ids else None
        count = ex.delivery_remind(actor=request.user, dispatch=dispatch, deliveries=chosen)
    except NotFound:
        raise Http404 from None
    except ApplicationError as error:
        messages.error(request, str(error.message))
        return redirect("exchange:tracking", pk)
    if count:
        messages.success(request, _("Reminded %(n)d unit(s).") % {"n": count})
    else:
        messages.info(request, _("Every unit has already signed for or returned it."))
    return redirect("exchange:tracking", pk)


@staff_required()
@require_POST
def dispatch_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        dispatch = selectors.access_dispatch(request.user, pk)
        count = ex.dispatch_withdraw(
            actor=request.user, dispatch=dispatch, reason=request.POST.get("reason", "")[:500]
        )
    except NotFound:
        raise Http404 from None
    except ApplicationError as error:
        messages.error(request, str(error.message))
        return redirect("exchange:tracking", pk)
    messages.success(request, _("Withdrawn from %(n)d unit(s).") % {"n": count})
    return redirect("exchange:tracking", pk)


# --- received documents (收文) ---------------------------------------------------------------


@staff_required()
@require_safe
def received_list(request: HttpRequest) -> HttpResponse:
    year = _int(request.GET.get("year"))
    filters = selectors.ReceivedFilters(
        q=request.GET.get("q", "").strip()[:100],
        status=request.GET.get("status", ""),
        year=year if year and year > 1900 else None,
        sender=request.GET.get("sender", "").strip()[:100],
        security_level=request.GET.get("security_level", "any"),
    )
    page = selectors.received_search(request.user, filters, page=request.GET.get("page"))
    may_register = organisations_where(request.user, ex.REGISTER_PERM).exists()
    return render(
        request,
        "exchange/received_list.html",
        {
            "page": page,
            "filters": filters,
            "statuses": ReceivedDocument.Status.choices,
            "levels": SecurityLevel.choices,
            "may_register": may_register,
            "query": _query_without_page(request),
        },
    )


def _query_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def _open_tasks(request: HttpRequest, doc: ReceivedDocument) -> list[WorkTask]:
    if not doc.process_instance_id:
        return []
    tasks = WorkTask.objects.filter(
        instance_id=doc.process_instance_id, status__in=WorkTask.ACTIVE
    ).select_related("assignee", "claimed_by", "candidate_organisation", "candidate_role")
    return list(tasks)


class InstructForm(forms.Form):
    opinion = forms.CharField(
        label=gettext_lazy("Instruction"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    departments = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Handling units"), coerce=int, widget=forms.CheckboxSelectMultiple
    )
    readers = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Circulate to"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    requires_reply = forms.BooleanField(label=gettext_lazy("A reply is required"), required=False)

    def __init__(self, *args: Any, doc: ReceivedDocument, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["departments"].choices = [
            (o.pk, o.name) for o in selectors.handling_choices(doc)
        ]
        staff = (
            get_user_model()
            .objects.filter(
                is_active=True,
                kind="staff",
                organisation__tree_path__startswith=doc.organisation.tree_path,
            )
            .order_by("organisation__sort_path", "display_name")[:200]
        )
        if doc.security_level:  # 传阅 of a classified document: only people cleared for it
            staff = [a for a in staff if is_cleared(a, doc.security_level)]
        self.fields["readers"].choices = [
            (a.pk, f"{a.display_name}（{a.job_title or a.username}）") for a in staff
        ]
        self.fields["requires_reply"].initial = doc.requires_reply


@staff_required()
@require_http_methods(["GET", "POST"])
def received_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        doc = selectors.access_received(request.user, pk)
    except NotFound:
        raise Http404 from None
    tasks = _open_tasks(request, doc)
    mine = [t for t in tasks if may_handle(request.user, t)]
    instruct_task = next((t for t in mine if t.element_id == "instruct"), None)
    form = InstructForm(request.POST or None, doc=doc) if instruct_task else None
    if request.method == "POST":
        if form is None:
            messages.error(request, _("There is no instruction step waiting for you."))
            return redirect("exchange:received_detail", pk)
        if form.is_valid():
            data = form.cleaned_data
            try:
                workflow.task_complete(
                    actor=request.user,
                    task=instruct_task,
                    decision="approve",
                    opinion=data["opinion"],
                    form_data={
                        "departments": ",".join(str(i) for i in data["departments"]),
                        "readers": ",".join(str(i) for i in data["readers"]),
                        "requires_reply": data["requires_reply"],
                    },
                )
            except ApplicationError as error:
                messages.error(request, str(error.message))
            else:
                messages.success(request, _("Instruction recorded."))
                return redirect("exchange:received_detail", pk)
    if doc.security_level:
        audit_record(
            actor=request.user,
            action="exchange.received_document.read",
            target=doc,
            is_read=True,
            reason=_("Opened a classified received document (%(level)s)")
            % {"level": doc.security_level},
        )
    circulation = list(selectors.circulation_rows(doc))
    return render(
        request,
        "exchange/received_detail.html",
        {
            "doc": doc,
            "tasks": tasks,
            "mine": mine,
            "form": form,
            "circulation": circulation,
            "my_circulation": next(
                (c for c in circulation if c.reader_id == request.user.pk), None
            ),
            "attachments": list(doc.attachments.all()),
            "may_archive": doc.status == ReceivedDocument.Status.CONCLUDED
            and account_has_perm_in(request.user, ex.ARCHIVE_PERM, doc.organisation),
            "retentions": Retention.choices,
            "reply_url": receiving.reply_start_url(doc)
            if doc.status == ReceivedDocument.Status.PROCESSING
            else "",
        },
    )


@staff_required()
@require_safe
def received_file(request: HttpRequest, pk: int, file_pk: int) -> FileResponse:
    try:
        doc = selectors.access_received(request.user, pk)
    except NotFound:
        raise Http404 from None
    stored = doc.pdf if doc.pdf_id == file_pk else doc.attachments.filter(pk=file_pk).first()
    if stored is None:
        raise Http404
    _audit_download(request, doc, doc.security_level, stored)
    return _serve(stored)


@staff_required()
@require_POST
def received_mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        doc = selectors.access_received(request.user, pk)
        ex.circulation_mark_read(actor=request.user, received=doc)
    except NotFound:
        raise Http404 from None
    messages.success(request, _("Marked as read."))
    return redirect("exchange:received_detail", pk)


@staff_required(ex.ARCHIVE_PERM)
@require_POST
def received_archive(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        doc = selectors.access_received(request.user, pk)
        item = ex.received_archive(
            actor=request.user, received=doc, retention=request.POST.get("retention", "")
        )
    except NotFound:
        raise Http404 from None
    except ApplicationError as error:
        messages.error(request, str(error.message))
        return redirect("exchange:received_detail", pk)
    messages.success(request, _("Archived as %(code)s.") % {"code": item.archive_code})
    return redirect("exchange:received_detail", pk)


class PaperForm(forms.Form):
    organisation = forms.TypedChoiceField(label=gettext_lazy("Receiving unit"), coerce=int)
    title = forms.CharField(label=gettext_lazy("title"), max_length=300)
    doc_number = forms.CharField(
        label=gettext_lazy("document number"), max_length=100, required=False
    )
    sender_name = forms.CharField(label=gettext_lazy("issuing unit"), max_length=150)
    security_level = forms.ChoiceField(
        label=gettext_lazy("security level"), choices=SecurityLevel.choices, required=False
    )
    urgency = forms.ChoiceField(
        label=gettext_lazy("urgency"), choices=Urgency.choices, required=False
    )
    doc_date = forms.DateField(
        label=gettext_lazy("document date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    requires_reply = forms.BooleanField(label=gettext_lazy("A reply is required"), required=False)
    scan = StoredFileField(
        label=gettext_lazy("Scanned document (PDF, JPEG or PNG)"), preset="scans"
    )

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [(o.pk, o.name) for o in units]


@staff_required(ex.REGISTER_PERM)
@require_http_methods(["GET", "POST"])
def paper_register(request: HttpRequest) -> HttpResponse:
    units = list(organisations_where(request.user, ex.REGISTER_PERM)[:200])
    form = PaperForm(request.POST or None, request.FILES or None, units=units)
    if request.method == "POST":
        add_upload_refusals(form, request)
        if form.is_valid():
            data = form.cleaned_data
            unit = next((u for u in units if u.pk == data["organisation"]), None)
            scan = file_store_from_form(form, "scan", actor=request.user, purpose="exchange_scan")
            if unit is not None and scan is not None:
                try:
                    doc = ex.paper_register(
                        actor=request.user,
                        organisation=unit,
                        title=data["title"],
                        doc_number=data["doc_number"],
                        sender_name=data["sender_name"],
                        security_level=data["security_level"] or "",
                        urgency=data["urgency"] or "",
                        doc_date=data["doc_date"],
                        scan=scan,
                        requires_reply=data["requires_reply"],
                    )
                except NotFound:
                    raise Http404 from None
                except ApplicationError as error:
                    form.add_error(None, str(error.message))
                else:
                    messages.success(
                        request, _("Registered as %(number)s.") % {"number": doc.receipt_number}
                    )
                    return redirect("exchange:received_detail", doc.pk)
    return render(
        request, "exchange/paper_form.html", {"form": form}, status=400 if form.errors else 200
    )


# --- archive ---------------------------------------------------------------------------------


def _archive_filters(request: HttpRequest) -> selectors.ArchiveFilters:
    year = _int(request.GET.get("year"))
    retention = request.GET.get("retention", "")
    return selectors.ArchiveFilters(
        q=request.GET.get("q", "").strip()[:100],
        year=year if year and year > 1900 else None,
        retention=retention if retention in Retention.values else "",
        organisation_id=_int(request.GET.get("organisation")),
    )


@staff_required(ex.ARCHIVE_PERM)
@require_safe
def archive_list(request: HttpRequest) -> HttpResponse:
    filters = _archive_filters(request)
    qs = selectors.archive_search(request.user, filters)
    page = selectors._page(qs, request.GET.get("page"))
    return render(
        request,
        "exchange/archive_list.html",
        {
            "page": page,
            "filters": filters,
            "retentions": Retention.choices,
            "units": organisations_where(request.user, ex.ARCHIVE_PERM)[:200],
            "query": _query_without_page(request),
        },
    )


@staff_required(ex.ARCHIVE_PERM)
@require_safe
def archive_export(request: HttpRequest) -> HttpResponse:
    filters = _archive_filters(request)
    content = archive_catalogue_xlsx(selectors.archive_search(request.user, filters))
    audit_record(
        actor=request.user,
        action="exchange.archive_item.export",
        object_type="exchange.archiveitem",
        object_repr=_("Archive catalogue"),
        is_read=True,
        reason=str(filters),
    )
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = content_disposition("归档文件目录.xlsx")
    response["Cache-Control"] = "private, no-store"
    return response


@staff_required(ex.ARCHIVE_PERM)
@require_safe
def archive_file(request: HttpRequest, pk: int, which: str) -> FileResponse:
    try:
        item = selectors.access_archive_item(request.user, pk)
    except NotFound:
        raise Http404 from None
    if not is_cleared(request.user, item.security_level):
        raise Http404
    stored = item.pdfa if which == "pdfa" else item.pdf if which == "original" else None
    if stored is None:
        raise Http404
    _audit_download(request, item, item.security_level, stored)
    return _serve(stored)
