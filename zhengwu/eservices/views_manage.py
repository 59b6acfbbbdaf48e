"""Department pages on the workbench (/workbench/services/): each department maintains its own
items; review happens in the unified inbox (workflow). Views parse, authorise, call one action
or selector, render; object access goes through ``selectors.access_service_item``."""

import json
from typing import Any

from django.contrib import messages as flash
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zhengwu.audit.selectors import audit_history_for
from zhengwu.core.access import staff_required
from zhengwu.core.errors import ApplicationError, NotFound, ValidationFailed
from zhengwu.eservices import actions, revisions, selectors
from zhengwu.eservices.forms import (
    FaqFormSet,
    FeeFormSet,
    ImportForm,
    ItemForm,
    MaterialFormSet,
    TakeOfflineForm,
    item_initial,
)
from zhengwu.eservices.models import ServiceItem
from zhengwu.eservices.rules import FaqInput, FeeInput, ItemInput, MaterialInput
from zhengwu.files.forms import file_store_from_form

VIEW_PERM = "eservices.view_serviceitem"
CHANGE_PERM = "eservices.change_serviceitem"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _access(request: HttpRequest, item_id: int) -> ServiceItem:
    try:
        return selectors.access_service_item(request.user, item_id)
    except NotFound:
        raise Http404 from None


@staff_required(VIEW_PERM)
@require_GET
def item_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    search = request.GET.get("q", "")[:100]
    items = selectors.staff_items(request.user, status=status, search=search)
    page = Paginator(items, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "eservices/manage/list.html",
        {
            "page": page,
            "status": status,
            "q": search,
            "statuses": ServiceItem.Status.choices,
            "may_change": request.user.has_perm(CHANGE_PERM),
        },
    )


class _Editor:
    """The item form and its three formsets, bound or not, and what they produce."""

    def __init__(
        self, request: HttpRequest, item: ServiceItem | None, revision: Any = None
    ) -> None:
        self.request = request
        self.item = item
        data = request.POST if request.method == "POST" else None
        files = request.FILES if request.method == "POST" else None
        orgs = selectors.maintained_organisations(request.user)
        self.existing: dict[int, Any] = {}
        if revision is not None:
            # a published item: the open revision (or the item's content) is the start
            source, org, rev = revision
            initial, materials, fees, faqs = _initial_of(source)
            initial["organisation"] = org.pk
            initial["version"] = rev.version if rev is not None else item.version
            # pseudo ids: only the material's files are looked up through them
            self.existing = {i + 1: m for i, m in enumerate(source.materials)}
            for i, row in enumerate(materials):
                row["material_id"] = i + 1
        elif item is None:
            initial: dict[str, Any] = {"online_depth": 1, "visits_required": 0}
            if orgs.count() == 1:
                initial["organisation"] = orgs.first().pk
            materials: list[dict[str, Any]] = []
            fees: list[dict[str, Any]] = []
            faqs: list[dict[str, Any]] = []
        else:
            initial = item_initial(item)
            materials = [
                {
                    "material_id": m.pk,
                    "name": m.name,
                    "required": m.required,
                    "form": m.form,
                    "copies": m.copies,
                    "notes": m.notes,
                }
                for m in item.materials.all()
            ]
            fees = [
                {"name": f.name, "amount": f.amount, "unit": f.unit, "basis": f.basis}
                for f in item.fees.all()
            ]
            faqs = [{"question": q.question, "answer": q.answer} for q in item.faqs.all()]
        self.form = ItemForm(data, initial=initial, organisations=orgs)
        self.materials = MaterialFormSet(data, files, initial=materials, prefix="materials")
        self.fees = FeeFormSet(data, initial=fees, prefix="fees")
        self.faqs = FaqFormSet(data, initial=faqs, prefix="faqs")
        if item is not None and revision is None:
            self.existing = {m.pk: m for m in item.materials.all()}

    def valid(self) -> bool:
        return all(
            [
                self.form.is_valid(),
                self.materials.is_valid(),
                self.fees.is_valid(),
                self.faqs.is_valid(),
            ]
        )

    @staticmethod
    def _rows(formset: Any) -> list[Any]:
        """The rows to keep: every existing row (changed or not: an untouched material stays)
        and the filled-in empty rows, minus those ticked for deletion."""
        initial = formset.initial_form_count()
        return [
            f
            for i, f in enumerate(formset.forms)
            if (i < initial or f.has_changed()) and not f.cleaned_data.get("DELETE")
        ]

    def data(self) -> ItemInput | None:
        """The input for the action; None when an upload was refused (errors on the form)."""
        c = self.form.cleaned_data
        materials = []
        for f in self._rows(self.materials):
            m = f.cleaned_data
            old = self.existing.get(m.get("material_id"))
            blank = None if m["remove_blank_form"] else (old.blank_form if old else None)
            sample = None if m["remove_sample"] else (old.sample if old else None)
            for name in ("blank_form", "sample"):
                if m.get(name):
                    stored = file_store_from_form(
                        f, name, actor=self.request.user, purpose=actions.FORM_PURPOSE
                    )
                    if stored is None:
                        return None
                    if name == "blank_form":
                        blank = stored
                    else:
                        sample = stored
            materials.append(
                MaterialInput(
                    name=m["name"],
                    form=m["form"],
                    required=m["required"],
                    copies=m["copies"],
                    notes=m["notes"],
                    blank_form=blank,
                    sample=sample,
                )
            )
        fees = [
            FeeInput(
                name=f.cleaned_data["name"],
                amount=f.cleaned_data["amount"],
                basis=f.cleaned_data["basis"],
                unit=f.cleaned_data["unit"],
            )
            for f in self._rows(self.fees)
        ]
        faqs = [
            FaqInput(question=f.cleaned_data["question"], answer=f.cleaned_data["answer"])
            for f in self._rows(self.faqs)
        ]
        return ItemInput(
            name=c["name"],
            code=c["code"],
            item_type=c["item_type"],
            audience=c["audience"],
            handling_level=c["handling_level"],
            summary=c["summary"],
            legal_basis=c["legal_basis"],
            conditions=c["conditions"],
            process_description=c["process_description"],
            statutory_limit_days=c["statutory_limit_days"],
            promised_limit_days=c["promised_limit_days"],
            service_location=c["service_location"],
            service_hours=c["service_hours"],
            visits_required=c["visits_required"],
            contact_phone=c["contact_phone"],
            complaint_phone=c["complaint_phone"],
            online_depth=c["online_depth"],
            form_schema=c["form_schema"],
            process_key=c["process_key"],
            licence_type=c["licence_type"],
            joint_organisations=list(c["joint_organisations"]),
            topics=list(c["topics"]),
            life_events=list(c["life_events"]),
            materials=materials,
            fees=fees,
            faqs=faqs,
        )

    def show(self, exc: ApplicationError) -> None:
        """Put the action's problems next to their fields."""
        problems = exc.data.get("errors") if isinstance(exc, ValidationFailed) else None
        if not problems:
            self.form.add_error(
                exc.data.get("field") if exc.data.get("field") in self.form.fields else None,
                str(exc.message),
            )
            return
        sections = {
            "materials": self._rows(self.materials),
            "fees": self._rows(self.fees),
            "faqs": self._rows(self.faqs),
        }
        for p in problems:
            if p["section"]:
                rows = sections[p["section"]]
                if p["index"] is not None and p["index"] < len(rows):
                    form = rows[p["index"]]
                    form.add_error(p["field"] if p["field"] in form.fields else None, p["message"])
                    continue
            if p["field"] in self.form.fields:
                self.form.add_error(p["field"], p["message"])
            else:
                self.form.add_error(None, p["message"])

    def context(self, **extra: Any) -> dict[str, Any]:
        return {
            "form": self.form,
            "materials": self.materials,
            "fees": self.fees,
            "faqs": self.faqs,
            "item": self.item,
            **extra,
        }


def _initial_of(source: ItemInput) -> tuple[dict[str, Any], list[Any], list[Any], list[Any]]:
    """Form initial values from an ``ItemInput`` (a revision draft)."""
    initial: dict[str, Any] = {name: getattr(source, name) for name in actions.SCALAR_FIELDS}
    initial["topics"] = [t.pk for t in source.topics]
    initial["life_events"] = [e.pk for e in source.life_events]
    initial["joint_organisations"] = [o.pk for o in source.joint_organisations]
    initial["form_schema"] = (
        json.dumps(source.form_schema, ensure_ascii=False, indent=2) if source.form_schema else ""
    )
    materials = [
        {"name": m.name, "required": m.required, "form": m.form, "copies": m.copies,
         "notes": m.notes}
        for m in source.materials
    ]  # fmt: skip
    fees = [
        {"name": f.name, "amount": f.amount, "unit": f.unit, "basis": f.basis} for f in source.fees
    ]
    faqs = [{"question": q.question, "answer": q.answer} for q in source.faqs]
    return initial, materials, fees, faqs


@staff_required(CHANGE_PERM)
@require_http_methods(["GET", "POST"])
def item_create(request: HttpRequest) -> HttpResponse:
    editor = _Editor(request, None)
    if request.method == "POST" and editor.valid():
        data = editor.data()
        if data is not None:
            try:
                item = actions.service_item_create(
                    actor=request.user,
                    organisation=editor.form.cleaned_data["organisation"],
                    data=data,
                )
            except ApplicationError as exc:
                editor.show(exc)
            else:
                flash.success(request, _("The draft item has been saved."))
                return redirect("eservices_manage:item_detail", item_id=item.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "eservices/manage/edit.html", editor.context(), status=status)


@staff_required(CHANGE_PERM)
@require_http_methods(["GET", "POST"])
def item_edit(request: HttpRequest, item_id: int) -> HttpResponse:
    item = _access(request, item_id)
    if not selectors.may_edit(request.user, item):
        raise Http404
    if item.is_published:  # edited as a revision draft; the public keeps the published one
        editor = _Editor(request, item, revision=revisions.revision_input(item))
        return _edit(request, item, editor, revisions.item_revision_save, _(
            "The revision has been saved. The public sees the published version until "
            "the revision is approved."
        ), revising=True)  # fmt: skip
    return _edit(request, item, _Editor(request, item), actions.service_item_update,
                 _("The item has been saved."))  # fmt: skip


def _edit(
    request: HttpRequest, item: ServiceItem, editor: "_Editor", save: Any, saved: str,
    revising: bool = False,
) -> HttpResponse:  # fmt: skip
    """The item form: ``save`` (the item itself or its revision draft) on a valid POST."""
    conflict = False
    if request.method == "POST" and editor.valid():
        data = editor.data()
        if data is not None:
            try:
                save(
                    actor=request.user,
                    item=item,
                    expected_version=editor.form.cleaned_data.get("version"),
                    data=data,
                    organisation=editor.form.cleaned_data["organisation"],
                )
            except ApplicationError as exc:
                conflict = exc.code == "CONFLICT"
                editor.show(exc)
            else:
                flash.success(request, saved)
                return redirect("eservices_manage:item_detail", item_id=item.pk)
    status = (409 if conflict else 400) if request.method == "POST" else 200
    context = editor.context(conflict=conflict, revising=revising)
    return render(request, "eservices/manage/edit.html", context, status=status)


@staff_required(CHANGE_PERM)
@require_POST
def revision_submit(request: HttpRequest, item_id: int) -> HttpResponse:
    item = _access(request, item_id)
    rev = revisions.open_revision(item)
    if rev is None:
        raise Http404
    try:
        revisions.item_revision_submit(
            actor=request.user, revision=rev, expected_version=_version(request)
        )
        flash.success(request, _("The revision has been sent for review."))
    except ApplicationError as exc:
        flash.error(request, str(exc.message))
    return redirect("eservices_manage:item_detail", item_id=item.pk)


@staff_required(CHANGE_PERM)
@require_POST
def revision_discard(request: HttpRequest, item_id: int) -> HttpResponse:
    item = _access(request, item_id)
    rev = revisions.open_revision(item)
    if rev is None:
        raise Http404
    try:
        revisions.item_revision_discard(actor=request.user, revision=rev)
        flash.success(request, _("The revision has been discarded."))
    except ApplicationError as exc:
        flash.error(request, str(exc.message))
    return redirect("eservices_manage:item_detail", item_id=item.pk)


@staff_required(VIEW_PERM)
@require_GET
def item_detail(request: HttpRequest, item_id: int) -> HttpResponse:
    item = _access(request, item_id)
    return render(
        request,
        "eservices/manage/detail.html",
        {
            "item": item,
            "may_edit": selectors.may_edit(request.user, item),
            "may_review": selectors.may_review(request.user, item),
            "review": selectors.review_instance(item),
            "history": audit_history_for(item, limit=50),
            "offline_form": TakeOfflineForm(initial={"version": item.version}),
            "revision": revisions.open_revision(item),
        },
    )


def _version(request: HttpRequest) -> int | None:
    raw = request.POST.get("version", "")
    return int(raw) if raw.isdigit() else None


@staff_required(CHANGE_PERM)
@require_POST
def item_submit(request: HttpRequest, item_id: int) -> HttpResponse:
    item = _access(request, item_id)
    try:
        actions.service_item_submit(
            actor=request.user, item=item, expected_version=_version(request)
        )
        flash.success(request, _("The item has been sent for review."))
    except ApplicationError as exc:
        flash.error(request, str(exc.message))
    return redirect("eservices_manage:item_detail", item_id=item.pk)


@staff_required(VIEW_PERM)
@require_POST
def item_take_offline(request: HttpRequest, item_id: int) -> HttpResponse:
    item = _access(request, item_id)
    try:
        actions.service_item_take_offline(
            actor=request.user,
            item=item,
            expected_version=_version(request),
            reason=request.POST.get("reason", ""),
        )
        flash.success(request, _("The item has been taken offline."))
    except ApplicationError as exc:
        flash.error(request, str(exc.message))
    return redirect("eservices_manage:item_detail", item_id=item.pk)


@staff_required(VIEW_PERM)
@require_GET
def catalogue_export(request: HttpRequest) -> HttpResponse:
    items = selectors.staff_items(request.user, status=request.GET.get("status", ""))
    content = actions.catalogue_export(actor=request.user, items=items)
    response = HttpResponse(content, content_type=XLSX)
    name = f"service-catalogue-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


@staff_required(CHANGE_PERM)
@require_http_methods(["GET", "POST"])
def catalogue_import(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            report = actions.catalogue_import(
                actor=request.user, upload=form.cleaned_data["workbook"]
            )
        except ApplicationError as exc:
            form.add_error(None, str(exc.message))
            errors = list(exc.data.get("errors") or [])
        else:
            flash.success(
                request,
                _("Import done: %(created)s created, %(updated)s updated, %(unchanged)s unchanged.")
                % {
                    "created": len(report.created),
                    "updated": len(report.updated),
                    "unchanged": len(report.unchanged),
                },
            )
            return redirect("eservices_manage:item_list")
    status = 400 if request.method == "POST" else 200
    return render(
        request, "eservices/manage/import.html", {"form": form, "errors": errors}, status=status
    )
