"""Workbench pages of official documents (/workbench/documents/). Views parse, authorise, call one
action or selector and render; object access goes through ``selectors.access_document``."""

from typing import Any

from django.contrib import messages as flash
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zhengwu.core.access import staff_required
from zhengwu.core.errors import ApplicationError, NotFound, ValidationFailed
from zhengwu.directory.models import Organisation
from zhengwu.directory.selectors import organisations_where
from zhengwu.documents import actions, rendering, selectors, spreadsheet
from zhengwu.documents.forms import AttachmentForm, DocumentForm, initial_of
from zhengwu.documents.models import STEP_LABELS, DocType, OfficialDocument, SecurityLevel
from zhengwu.files.forms import add_upload_refusals

VIEW_PERM = actions.VIEW_PERM
DRAFT_PERM = actions.DRAFT_PERM
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _access(request: HttpRequest, pk: int) -> OfficialDocument:
    try:
        return selectors.access_document(request.user, pk)
    except NotFound:
        raise Http404 from None


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _filters(request: HttpRequest) -> selectors.DocumentFilters:
    g = request.GET
    level = g.get("security_level", "")
    return selectors.DocumentFilters(
        q=g.get("q", "")[:100],
        doc_type=g.get("doc_type", "") if g.get("doc_type") in DocType.values else "",
        organisation_id=_int(g.get("organisation")),
        year=_int(g.get("year")),
        doc_number=g.get("doc_number", "")[:40],
        security_level=level if level in actions.cleared_levels(request.user) else "",
        status=g.get("status", "") if g.get("status") in OfficialDocument.Status.values else "",
    )


@staff_required(VIEW_PERM)
@require_GET
def document_list(request: HttpRequest) -> HttpResponse:
    filters = _filters(request)
    qs = selectors.document_search(request.user, filters)
    if request.GET.get("export") == "xlsx":
        content = spreadsheet.documents_workbook(request.user, qs[:5000])
        response = HttpResponse(content, content_type=XLSX)
        response["Content-Disposition"] = "attachment; filename=official-documents.xlsx"
        return response
    query = request.GET.copy()
    query.pop("page", None)
    levels = actions.cleared_levels(request.user)
    return render(request, "documents/list.html", {
        "page": selectors.document_page(qs, request.GET.get("page")),
        "filters": filters,
        "query": query.urlencode(),
        "types": DocType.choices,
        "levels": [(v, label) for v, label in SecurityLevel.choices if v in levels],
        "statuses": OfficialDocument.Status.choices,
        "organisations": Organisation.objects.filter(
            pk__in=OfficialDocument.objects.values("organisation_id")
        ).order_by("sort_path"),
        "may_draft": organisations_where(request.user, DRAFT_PERM).exists(),
    })  # fmt: skip


def _drafting_org(request: HttpRequest) -> Organisation | None:
    own = getattr(request.user, "organisation", None)
    if own is not None and organisations_where(request.user, DRAFT_PERM).filter(pk=own.pk).exists():
        return own
    return organisations_where(request.user, DRAFT_PERM).first()


@staff_required(DRAFT_PERM)
@require_http_methods(["GET", "POST"])
def document_create(request: HttpRequest) -> HttpResponse:
    org = _drafting_org(request)
    if org is None:
        raise Http404
    registers = actions.registers_for(org)
    form = DocumentForm(request.POST or None, registers=registers)
    if request.method == "POST" and form.is_valid():
        try:
            doc = actions.document_create(
                actor=request.user, organisation=org, register=form.cleaned_data["register"],
                data=form.document_input(),
                idempotency_token=form.cleaned_data.get("idempotency_token"),
            )  # fmt: skip
            flash.success(request, _("The draft has been saved."))
            return redirect("documents:detail", pk=doc.pk)
        except ValidationFailed as exc:
            _form_errors(form, exc)
        except ApplicationError as exc:
            form.add_error(None, str(exc.message))
    status = 400 if request.method == "POST" else 200
    return render(request, "documents/edit.html", {"form": form, "doc": None, "org": org},
                  status=status)  # fmt: skip


def _form_errors(form: DocumentForm, exc: ValidationFailed) -> None:
    fields = exc.data.get("fields") or {}
    if not fields:
        form.add_error(None, str(exc.message))
    for name, message in fields.items():
        form.add_error(name if name in form.fields else None, message)


@staff_required(VIEW_PERM)
@require_http_methods(["GET", "POST"])
def document_edit(request: HttpRequest, pk: int) -> HttpResponse:
    doc = _access(request, pk)
    if not actions.may_edit(request.user, doc):
        flash.error(request, _("You may not edit this document at its current step."))
        return redirect("documents:detail", pk=doc.pk)
    registers = actions.registers_for(doc.organisation).filter(pk=doc.register_id)
    form = DocumentForm(request.POST or None, registers=registers,
                        initial=initial_of(doc))  # fmt: skip
    if request.method == "POST" and form.is_valid():
        try:
            actions.document_update(actor=request.user, document=doc, data=form.document_input(),
                                    expected_version=form.cleaned_data.get("version"))  # fmt: skip
            flash.success(request, _("The changes have been saved as a new revision."))
            return redirect("documents:detail", pk=doc.pk)
        except ValidationFailed as exc:
            _form_errors(form, exc)
        except ApplicationError as exc:
            form.add_error(None, str(exc.message))
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "doc": doc, "org": doc.organisation}
    return render(request, "documents/edit.html", context, status=status)


@staff_required(VIEW_PERM)
@require_GET
def document_detail(request: HttpRequest, pk: int) -> HttpResponse:
    doc = _access(request, pk)
    actions.document_opened(actor=request.user, document=doc, purpose="view")
    task = actions.my_task(request.user, doc)
    tracking, summary = [], {}
    if doc.dispatch_id:
        from zhengwu.exchange.selectors import dispatch_tracking, tracking_summary

        tracking = dispatch_tracking(int(doc.dispatch_id))
        summary = tracking_summary(tracking)
    steps = actions.current_steps(doc)
    return render(request, "documents/detail.html", {
        "doc": doc,
        "task": task,
        "task_label": STEP_LABELS.get(task.element_id, "") if task else "",
        "may_reject": task is not None and task.element_id in ("review", "signoff"),
        "may_send_back": task is not None and task.element_id in ("review", "countersign",
                                                                  "signoff"),
        "may_edit": actions.may_edit(request.user, doc),
        "may_submit": doc.status == "draft" and actions.may_edit(request.user, doc),
        "may_withdraw": doc.status in ("draft", "in_review", "countersigning", "awaiting_signoff")
        and (doc.created_by_id == request.user.pk),
        "may_archive": doc.status == "sent"
        and (doc.created_by_id == request.user.pk or request.user.has_perm(actions.ISSUE_PERM)),
        "current_steps": [STEP_LABELS.get(s, s) for s in steps],
        "history": selectors.history_of(doc),
        "revisions": selectors.revisions_of(doc),
        "recipients": list(doc.main_recipients.all()),
        "cc": list(doc.cc_recipients.all()),
        "countersign": list(doc.countersign_departments.all()),
        "attachments": list(doc.attachments.all()),
        "attachment_names": [n for n in doc.attachment_names.split("\n") if n.strip()],
        "tracking": tracking,
        "summary": summary,
        "attach_form": AttachmentForm(),
        "step_labels": STEP_LABELS,
    })  # fmt: skip


def _done(request: HttpRequest, doc: OfficialDocument, message: str, fn: Any) -> HttpResponse:
    try:
        fn()
        flash.success(request, message)
    except ApplicationError as exc:
        flash.error(request, str(exc.message))
    return redirect("documents:detail", pk=doc.pk)


@staff_required(VIEW_PERM)
@require_POST
def document_submit(request: HttpRequest, pk: int) -> HttpResponse:
    doc = _access(request, pk)
    return _done(request, doc, _("Submitted for review (核稿)."), lambda: actions.document_submit(
        actor=request.user, document=doc, opinion=request.POST.get("opinion", "")))  # fmt: skip


@staff_required(VIEW_PERM)
@require_POST
def document_step(request: HttpRequest, pk: int) -> HttpResponse:
    doc = _access(request, pk)
    decision = request.POST.get("decision", "approve")
    if decision not in ("approve", "reject"):
        decision = "approve"
    step = request.POST.get("step") or None  # the step the page showed (double clicks)
    return _done(request, doc, _("Done."), lambda: actions.document_decide(
        actor=request.user, document=doc, decision=decision,
        opinion=request.POST.get("opinion", ""), step=step))  # fmt: skip


@staff_required(VIEW_PERM)
@require_POST
def document_send_back(request: HttpRequest, pk: int) -> HttpResponse:
    doc = _access(request, pk)
    to = request.POST.get("to", "draft")
    return _done(request, doc, _("Sent back."), lambda: actions.document_send_back(
        actor=request.user, document=doc, to_element_id=to,
        opinion=request.POST.get("opinion", "")))  # fmt: skip


@staff_required(DRAFT_PERM)
@require_POST
def reply_start(request: HttpRequest, received_pk: int) -> HttpResponse:
    """答复 from a received document's registration sheet: open the pre-filled draft."""
    from zhengwu.exchange.models import ReceivedDocument

    received = ReceivedDocument.objects.filter(pk=received_pk).first()
    if received is None:
        raise Http404
    try:
        doc = actions.reply_draft_start(actor=request.user, received=received)
    except NotFound:
        raise Http404 from None
    except ApplicationError as error:
        flash.error(request, str(error.message))
        return redirect("exchange:received_detail", received_pk)
    flash.success(request, _("Reply draft started: complete it and submit it for review."))
    return redirect("documents:edit", doc.pk)


@staff_required(VIEW_PERM)
@require_POST
def document_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    doc = _access(request, pk)
    return _done(request, doc, _("Withdrawn."), lambda: actions.document_withdraw(
        actor=request.user, document=doc, reason=request.POST.get("reason", "")))  # fmt: skip


@staff_required(VIEW_PERM)
@require_POST
def document_remind(request: HttpRequest, pk: int) -> HttpResponse:
    doc = _access(request, pk)
    try:
        count = actions.document_remind(actor=request.user, document=doc)
        flash.success(request, _("Reminded %(n)s units.") % {"n": count})
    except ApplicationError as exc:
        flash.error(request, str(exc.message))
    return redirect("documents:detail", pk=doc.pk)


@staff_required(VIEW_PERM)
@require_POST
def document_archive(request: HttpRequest, pk: int) -> HttpResponse:
    doc = _access(request, pk)
    retention = request.POST.get("retention", "D30")
    return _done(request, doc, _("Archived."), lambda: actions.document_archive(
        actor=request.user, document=doc, retention=retention))  # fmt: skip


@staff_required(VIEW_PERM)
@require_POST
def document_attach(request: HttpRequest, pk: int) -> HttpResponse:
    doc = _access(request, pk)
    form = AttachmentForm(request.POST, request.FILES)
    add_upload_refusals(form, request)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                flash.error(request, error)
        return redirect("documents:detail", pk=doc.pk)
    return _done(request, doc, _("Attachment added."), lambda: actions.document_attach(
        actor=request.user, document=doc, upload=form.cleaned_data["file"]))  # fmt: skip


@staff_required(VIEW_PERM)
@require_GET
def document_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The layout as it stands (unsealed): drafters check the format before submitting."""
    doc = _access(request, pk)
    actions.document_opened(actor=request.user, document=doc, purpose="preview")
    pdf = rendering.render(actions.render_input(doc, sealed=True)).pdf
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = "inline; filename=preview.pdf"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@staff_required(VIEW_PERM)
@require_GET
def document_revisions(request: HttpRequest, pk: int) -> HttpResponse:
    doc = _access(request, pk)
    revisions = list(selectors.revisions_of(doc))
    by_number = {r.number: r for r in revisions}
    a = by_number.get(_int(request.GET.get("a")) or 0)
    b = by_number.get(_int(request.GET.get("b")) or 0)
    if revisions and (a is None or b is None):
        b = revisions[-1]
        a = revisions[-2] if len(revisions) > 1 else revisions[-1]
    diff = selectors.revision_diff(a, b) if a and b else []
    return render(request, "documents/revisions.html", {
        "doc": doc, "revisions": revisions, "a": a, "b": b, "diff": diff,
        "field_labels": selectors.FIELD_LABELS,
    })  # fmt: skip
