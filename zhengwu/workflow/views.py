"""The unified inbox, the task page and the instance history. Views parse, authorise, call one
action or selector and render; object-level access lives in the selectors."""

import contextlib
import json
from typing import Any

from django import forms as django_forms
from django.contrib import messages as flash
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zhengwu.core.access import staff_required
from zhengwu.core.errors import ApplicationError, NotFound, ValidationFailed
from zhengwu.files.forms import StoredFileField, add_upload_refusals
from zhengwu.workflow import actions, forms, selectors
from zhengwu.workflow.external import task_sources
from zhengwu.workflow.registry import get_subject_type, subject_of, subject_types

TABS = ("todo", "done", "started", "cc")
PAGE_SIZE = 20


class _MultipleFileInput(django_forms.ClearableFileInput):
    allow_multiple_selected = True


class _AttachmentsField(StoredFileField):
    """Several files in one input, each checked as ``file_store`` will check it."""

    widget = _MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        uploads = [d for d in (data if isinstance(data, list | tuple) else [data]) if d]
        return [super(_AttachmentsField, self).clean(upload, initial) for upload in uploads]


class AttachmentsForm(django_forms.Form):
    attachments = _AttachmentsField(
        label=gettext_lazy("Attachments"), required=False, allowed_types=actions.ATTACHMENT_TYPES
    )


def _attachment_uploads(request: HttpRequest) -> list[Any]:
    """The checked uploads of the step; the Chinese refusal of files as ValidationFailed."""
    form = AttachmentsForm(request.POST, request.FILES)
    refused = add_upload_refusals(form, request)
    if refused or not form.is_valid():
        errors = [str(m) for msgs in form.errors.values() for m in msgs]
        raise ValidationFailed(errors[0] if errors else _("The attachment was refused."),
                               data={"field": "attachments"})  # fmt: skip
    return form.cleaned_data["attachments"]


def _filters(request: HttpRequest) -> selectors.InboxFilters:
    org = request.GET.get("organisation", "")
    return selectors.InboxFilters(
        due=request.GET.get("due", "") if request.GET.get("due") in ("soon", "overdue") else "",
        owner_type=request.GET.get("type", "")[:100],
        organisation_id=int(org) if org.isdigit() else None,
        search=request.GET.get("q", "").strip()[:100],
    )


def _subject(instance: Any) -> dict[str, Any]:
    title, url = subject_of(instance.owner_type, instance.owner_id, instance.title, instance.url)
    subject_type = get_subject_type(instance.owner_type)
    return {"title": title, "url": url, "type": subject_type.label if subject_type else ""}


@staff_required()
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    tab = request.GET.get("tab", "todo")
    if tab not in TABS:
        tab = "todo"
    filters = _filters(request)
    query = {
        "todo": selectors.inbox_todo,
        "done": selectors.inbox_done,
        "started": selectors.inbox_started_by_me,
        "cc": selectors.inbox_cc,
    }[tab](request.user, filters)
    page = Paginator(query, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = []
    for obj in page.object_list:
        instance = obj if tab == "started" else obj.instance
        rows.append({"obj": obj, "subject": _subject(instance), "instance": instance})
    return render(request, "workflow/inbox.html", {
        "tab": tab, "page": page, "rows": rows, "filters": filters,
        "counts": selectors.inbox_counts(request.user), "subject_types": subject_types(),
        "today": selectors._today(),
        "external": selectors.inbox_external(request.user, filters) if tab == "todo" else [],
        "task_sources": task_sources(),
    })  # fmt: skip


def _task_context(request: HttpRequest, task: Any) -> dict[str, Any]:
    meta = actions.task_meta(task)
    data = task.form_data if task.status == "completed" else _task_data(task)
    fields = forms.render_fields(actions.step_form(task, meta), data)
    return {
        "task": task,
        "instance": task.instance,
        "subject": _subject(task.instance),
        "fields": fields,
        "decisions": meta.get("decisions") or ["approve", "reject"],
        "may_handle": actions.may_handle(request.user, task),
        "may_claim": task.status == "open" and task.candidate_role_id is not None
        and not task.assignee_id and actions.may_handle(request.user, task),
        "send_back_targets": actions.send_back_targets(task),
        "signer_rows": _signer_rows(task, meta),
        "history": selectors.instance_history(task.instance),
        "attachments_form": AttachmentsForm(auto_id="%s"),
    }  # fmt: skip


def _signer_rows(task: Any, meta: dict[str, Any]) -> list[Any]:
    """The other signatures of a multi-person step whose diagram allows 加签/减签."""
    if not task.multi_parent or not meta.get("change_signers") or task.status == "completed":
        return []
    return list(
        task.instance.tasks.filter(multi_parent=task.multi_parent)
        .exclude(status="cancelled").select_related("assignee").order_by("pk")
    )  # fmt: skip


def _task_data(task: Any) -> dict[str, Any]:
    from zhengwu.workflow import engine

    return engine.task_data(engine.load(task.instance.state), task.spiff_task_id)


def _account_by_username(username: str) -> Any:
    return get_user_model().objects.filter(username=(username or "").strip()).first()


@staff_required()
@require_http_methods(["GET", "POST"])
def task(request: HttpRequest, task_id: int) -> HttpResponse:
    try:
        task = selectors.access_task(request.user, task_id)
    except NotFound:
        raise Http404 from None
    error = None
    if request.method == "POST":
        op = request.POST.get("op", "")
        opinion = request.POST.get("opinion", "")
        try:
            if op == "claim":
                actions.task_claim(actor=request.user, task=task)
            elif op == "release":
                actions.task_release(actor=request.user, task=task)
            elif op == "complete":
                # Every posted field goes to the action: it keeps the editable ones and audits
                # an attempt to change a hidden or read-only one.
                form = {k[6:]: v for k, v in request.POST.items() if k.startswith("field_")}
                step_form = actions.step_form(task)
                for name, prop in step_form.properties.items():
                    if (prop.get("type") == "boolean" and step_form.access_of(name) == "editable"
                            and name not in form):  # fmt: skip
                        form[name] = "false"  # an unticked box is not posted
                uploads = _attachment_uploads(request)
                # Stored and linked in the step's transaction: a refused step keeps no file row.
                with transaction.atomic():
                    files = actions.attachments_store(actor=request.user, uploads=uploads)
                    actions.task_complete(actor=request.user, task=task,
                                          decision=request.POST.get("decision", ""),
                                          opinion=opinion, form_data=form,
                                          attachments=files)  # fmt: skip
                flash.success(request, _("The task has been handled."))
                return redirect("workflow:inbox")
            elif op == "signer_add":
                actions.task_signer_add(actor=request.user, task=task,
                                        signer=_account_by_username(request.POST.get("to", "")),
                                        reason=opinion)  # fmt: skip
                flash.success(request, _("The co-signer has been added."))
                return redirect("workflow:task", task.pk)
            elif op == "signer_remove":
                target = selectors.access_task(request.user, int(request.POST.get("signer_task")
                                               or 0))  # fmt: skip
                actions.task_signer_remove(actor=request.user, task=target, reason=opinion)
                flash.success(request, _("The co-signer has been removed."))
                return redirect("workflow:task", task.pk)
            elif op == "send_back":
                target = request.POST.get("to_element_id", "")
                uploads = _attachment_uploads(request)
                with transaction.atomic():
                    files = actions.attachments_store(actor=request.user, uploads=uploads)
                    actions.task_send_back(actor=request.user, task=task, opinion=opinion,
                                           to_element_id=target, attachments=files)  # fmt: skip
                flash.success(request, _("The task has been sent back."))
                return redirect("workflow:inbox")
            elif op in ("transfer", "delegate"):
                to = _account_by_username(request.POST.get("to", ""))
                if op == "transfer":
                    actions.task_transfer(actor=request.user, task=task, to=to, reason=opinion)
                else:
                    actions.task_delegate(actor=request.user, task=task, to=to, note=opinion)
                flash.success(request, _("The task has been handed over."))
                return redirect("workflow:inbox")
            else:
                raise Http404
            return redirect("workflow:task", task_id=task.pk)
        except ApplicationError as exc:
            error = exc.message
        task = selectors.access_task(request.user, task_id)
    context = _task_context(request, task)
    context["error"] = error
    return render(request, "workflow/task.html", context, status=400 if error else 200)


@staff_required()
@require_GET
def instance(request: HttpRequest, instance_id: int) -> HttpResponse:
    try:
        instance = selectors.access_instance(request.user, instance_id)
    except NotFound:
        raise Http404 from None
    return render(request, "workflow/instance.html", {
        "instance": instance, "subject": _subject(instance),
        "history": selectors.instance_history(instance),
        "open_tasks": instance.tasks.filter(status__in=["open", "claimed"]),
        "may_withdraw": instance.initiator_id == request.user.pk and instance.status == "running",
        "may_terminate": instance.status == "running"
        and request.user.has_perm(actions.TERMINATE_PERM),
    })  # fmt: skip


@staff_required()
@require_POST
def instance_withdraw(request: HttpRequest, instance_id: int) -> HttpResponse:
    try:
        instance = selectors.access_instance(request.user, instance_id)
    except NotFound:
        raise Http404 from None
    try:
        actions.instance_withdraw(actor=request.user, instance=instance,
                                  reason=request.POST.get("reason", ""))  # fmt: skip
        flash.success(request, _("The process has been withdrawn."))
    except ApplicationError as exc:
        flash.error(request, str(exc.message))
    return redirect("workflow:instance", instance_id=instance_id)


@staff_required(actions.TERMINATE_PERM)
@require_POST
def instance_terminate(request: HttpRequest, instance_id: int) -> HttpResponse:
    try:
        instance = selectors.access_instance(request.user, instance_id)
    except NotFound:
        raise Http404 from None
    try:
        actions.instance_terminate(actor=request.user, instance=instance,
                                   reason=request.POST.get("reason", ""))  # fmt: skip
        flash.success(request, _("The process has been terminated."))
    except ApplicationError as exc:
        flash.error(request, str(exc.message))
    return redirect("workflow:instance", instance_id=instance_id)


@staff_required()
@require_POST
def instance_copy(request: HttpRequest, instance_id: int) -> HttpResponse:
    try:
        instance = selectors.access_instance(request.user, instance_id)
    except NotFound:
        raise Http404 from None
    names = [n for n in request.POST.get("to", "").replace("，", ",").split(",") if n.strip()]
    people = [_account_by_username(n) for n in names]
    try:
        if any(p is None for p in people):
            raise actions.ValidationFailed(_("Unknown user name."))
        actions.task_copy(actor=request.user, instance=instance, recipients=people,
                          note=request.POST.get("note", ""))  # fmt: skip
        flash.success(request, _("Copied for information."))
    except ApplicationError as exc:
        flash.error(request, str(exc.message))
    return redirect("workflow:instance", instance_id=instance_id)


@staff_required("workflow.change_processdefinition")
@require_http_methods(["GET", "POST"])
def task_form_edit(request: HttpRequest, key: str, element_id: str) -> HttpResponse:
    """The JSON Schema of a step's form, edited by the process admin (no code)."""
    from zhengwu.workflow.models import ProcessDefinition, TaskForm

    definition = ProcessDefinition.objects.filter(key=key, is_latest=True).first()
    if definition is None or element_id not in definition.user_tasks:
        raise Http404
    stored = TaskForm.objects.filter(process_key=key, element_id=element_id).first()
    meta = definition.user_tasks[element_id]
    text = json.dumps(stored.schema if stored else forms.fields_to_schema(meta.get("fields", [])),
                      ensure_ascii=False, indent=2)  # fmt: skip
    error = None
    if request.method == "POST":
        text = request.POST.get("schema", "")
        try:
            if request.POST.get("op") == "clear":
                actions.task_form_clear(actor=request.user, process_key=key, element_id=element_id)
            else:
                actions.task_form_set(actor=request.user, process_key=key,
                                      element_id=element_id, schema=text)  # fmt: skip
            flash.success(request, _("The form has been saved."))
            return redirect("workflow:task_form", key, element_id)
        except ApplicationError as exc:
            error = exc.message
    preview = []
    with contextlib.suppress(ApplicationError):
        preview = forms.render_fields(forms.step_form(meta, forms.schema_parse(text)), {})
    return render(request, "workflow/task_form_edit.html", {
        "definition": definition, "element_id": element_id, "step_name": meta.get("name"),
        "schema_text": text, "error": error, "stored": stored, "preview": preview,
    }, status=400 if error else 200)  # fmt: skip
