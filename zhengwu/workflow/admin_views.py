"""Process admin pages: definitions and versions, upload, the bpmn-js editor, read-only
diagrams, assignment rules for unassigned steps, migration of running instances, and the
diagram data of an instance (path taken highlighted on the instance page).

Views parse, authorise, call one action or selector and render. Everything but the editor
works without JavaScript.
"""

import json
from typing import Any

from django.contrib import messages as flash
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zhengwu.core.access import staff_required
from zhengwu.core.errors import ApplicationError, NotFound, ValidationFailed
from zhengwu.workflow import actions, admin_selectors, migration, selectors

VIEW_PERM = "workflow.view_processdefinition"
MAX_UPLOAD_BYTES = 2 * 1024 * 1024
NEW_PROCESS_XML = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" \
xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" \
xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" \
xmlns:zw="https://zhengwu.example/bpmn" id="Definitions_new" \
targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="new_process" name="" isExecutable="true">
    <bpmn:startEvent id="start" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="BPMNDiagram_1">
    <bpmndi:BPMNPlane id="BPMNPlane_1" bpmnElement="new_process">
      <bpmndi:BPMNShape id="start_di" bpmnElement="start">
        <dc:Bounds x="180" y="160" width="36" height="36" />
      </bpmndi:BPMNShape>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
"""


def _common(request: HttpRequest, **context: Any) -> dict[str, Any]:
    user = request.user
    return {
        "may_deploy": user.has_perm(actions.DEPLOY_PERM),
        "may_assign": user.has_perm(actions.ASSIGN_PERM),
        "may_migrate": user.has_perm(migration.MIGRATE_PERM),
        **context,
    }


def _definition_or_404(pk: int) -> Any:
    definition = admin_selectors.definition_get(pk)
    if definition is None:
        raise Http404
    return definition


def _deployed_message(definition: Any) -> str:
    if getattr(definition, "was_created", True):
        return _("Deployed “%(name)s” as version %(version)s.") % {
            "name": definition.name, "version": definition.version}  # fmt: skip
    return _("The file is the same as version %(version)s of “%(name)s”; nothing was changed.") % {
        "name": definition.name, "version": definition.version}  # fmt: skip


# --------------------------------------------------------------------------- list and upload


@staff_required(VIEW_PERM)
@require_GET
def process_list(request: HttpRequest) -> HttpResponse:
    return render(request, "workflow/admin/process_list.html",
                  _common(request, processes=admin_selectors.process_list()))  # fmt: skip


@staff_required(VIEW_PERM, actions.DEPLOY_PERM)
@require_http_methods(["GET", "POST"])
def definition_upload(request: HttpRequest) -> HttpResponse:
    error = None
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise ValidationFailed(_("Choose a BPMN file to upload."))
            if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
                raise ValidationFailed(_("The file is larger than 2 MB."))
            definition = actions.definition_deploy(
                actor=request.user, bpmn_xml=upload.read(MAX_UPLOAD_BYTES + 1),
                filename=(upload.name or "")[:255],
            )  # fmt: skip
        except ApplicationError as exc:
            error = exc.message
        else:
            flash.success(request, _deployed_message(definition))
            return redirect("workflow:admin_definition", pk=definition.pk)
    return render(request, "workflow/admin/upload.html", _common(request, error=error),
                  status=400 if error else 200)  # fmt: skip


# --------------------------------------------------------------------------- one version


def _detail_context(request: HttpRequest, definition: Any, **extra: Any) -> dict[str, Any]:
    return _common(
        request,
        definition=definition,
        versions=admin_selectors.definition_versions(definition.key),
        steps=admin_selectors.definition_steps(definition),
        unassigned=actions.unassigned_steps(definition),
        roles=admin_selectors.roles_for_rules(),
        **extra,
    )


@staff_required(VIEW_PERM)
@require_GET
def definition_detail(request: HttpRequest, pk: int) -> HttpResponse:
    definition = _definition_or_404(pk)
    return render(request, "workflow/admin/definition_detail.html",
                  _detail_context(request, definition))  # fmt: skip


@staff_required(VIEW_PERM)
@require_GET
def definition_bpmn(request: HttpRequest, pk: int) -> HttpResponse:
    """The stored BPMN XML (for the diagram views, or as a download with ?download=1)."""
    definition = _definition_or_404(pk)
    response = HttpResponse(definition.bpmn_xml, content_type="application/xml; charset=utf-8")
    if request.GET.get("download"):
        name = f"{definition.key}-v{definition.version}.bpmn"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _organisation_scope(post: Any) -> str:
    kind = post.get("organisation_scope", "handling")
    if kind == "fixed":
        return "fixed:" + post.get("fixed_organisation", "").strip()[:100]
    return kind


def _limit_days(raw: str) -> int | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise ValidationFailed(_("The time limit must be a number of working days."))
    return int(raw)


@staff_required(VIEW_PERM, actions.ASSIGN_PERM)
@require_POST
def rule_set(request: HttpRequest, pk: int) -> HttpResponse:
    definition = _definition_or_404(pk)
    try:
        actions.assignment_rule_set(
            actor=request.user, definition=definition,
            element_id=request.POST.get("element_id", "")[:100],
            role_code=request.POST.get("role", "")[:100],
            organisation_scope=_organisation_scope(request.POST),
            limit_days=_limit_days(request.POST.get("limit_days", "")),
        )  # fmt: skip
    except ApplicationError as exc:
        context = _detail_context(request, definition, rule_error=exc.message,
                                  rule_element=request.POST.get("element_id", ""))  # fmt: skip
        return render(request, "workflow/admin/definition_detail.html", context, status=400)
    flash.success(request, _("The assignment rule has been saved."))
    return redirect("workflow:admin_definition", pk=definition.pk)


# --------------------------------------------------------------------------- editor


@staff_required(VIEW_PERM, actions.DEPLOY_PERM)
@require_GET
def modeler(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    definition = _definition_or_404(pk) if pk is not None else None
    return render(request, "workflow/admin/modeler.html", _common(
        request, definition=definition,
        xml=definition.bpmn_xml if definition else NEW_PROCESS_XML,
        properties=_properties_panel(),
    ))  # fmt: skip


def _properties_panel() -> dict[str, Any]:
    """Roles and the translated labels of the editor's properties panel (properties.js)."""
    labels = {
        "title": _("Step properties"), "hint": _("Select a user task to edit who does it."),
        "who": _("Done by"), "unassigned": _("— not assigned —"),
        "initiator": _("The person who started it"), "scope": _("In which organisation"),
        "handling": _("The handling organisation"), "parent": _("Its parent organisation"),
        "fixed": _("A fixed organisation"), "fixedCode": _("Fixed organisation code"),
        "limit": _("Time limit (working days)"), "decisions": _("Decisions offered"),
        "decision": {"approve": _("Agree"), "reject": _("Disagree"),
                     "send_back": _("Send back")},
        "fields": _("Form fields"), "fieldId": _("Field id"), "fieldLabel": _("Label"),
        "type": _("Type"), "accessLabel": _("Access"),
        "required": pgettext("form field", "Required"),
        "choices": _("Choices (comma separated)"), "addField": _("Add a field"),
        "remove": _("Remove"),
        "types": {"string": _("text (one line)"), "text": _("text (several lines)"),
                  "number": _("number"), "date": _("date"), "boolean": _("yes / no"),
                  "enum": _("choice")},
        "access": {"editable": _("editable"), "readonly": _("read-only"),
                   "hidden": _("hidden")},
    }  # fmt: skip
    roles = [{"code": r.code, "name": r.name} for r in admin_selectors.roles_for_rules()]
    return {"roles": roles, "labels": labels}


def _json_error(exc: ApplicationError) -> JsonResponse:
    return JsonResponse(exc.as_dict(), status=exc.http_status,
                        json_dumps_params={"ensure_ascii": False})  # fmt: skip


@staff_required(VIEW_PERM, actions.DEPLOY_PERM)
@require_POST
def deploy_xml(request: HttpRequest) -> JsonResponse:
    """The editor's save: ``{"xml": "...", "filename": "..."}`` → deploy as the next version."""
    try:
        if len(request.body) > MAX_UPLOAD_BYTES + 4096:
            raise ValidationFailed(_("The file is larger than 2 MB."))
        try:
            payload = json.loads(request.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise ValidationFailed(_("The editor sent something that is not a diagram.")) from None
        if not isinstance(payload, dict) or not isinstance(payload.get("xml"), str):
            raise ValidationFailed(_("The editor sent something that is not a diagram."))
        filename = payload.get("filename")
        definition = actions.definition_deploy(
            actor=request.user, bpmn_xml=payload["xml"],
            filename=filename[:255] if isinstance(filename, str) else "",
        )  # fmt: skip
    except ApplicationError as exc:
        return _json_error(exc)
    return JsonResponse({
        "key": definition.key, "version": definition.version,
        "created": bool(getattr(definition, "was_created", True)),
        "message": _deployed_message(definition),
        "url": reverse("workflow:admin_definition", args=[definition.pk]),
        "edit_url": reverse("workflow:admin_edit", args=[definition.pk]),
    }, json_dumps_params={"ensure_ascii": False})  # fmt: skip


# --------------------------------------------------------------------------- migration


def _version_param(request: HttpRequest, name: str, versions: list[Any]) -> Any:
    raw = request.POST.get(name) if request.method == "POST" else request.GET.get(name)
    if not raw or not str(raw).isdigit():
        return None
    return next((v for v in versions if v.pk == int(raw)), None)


@staff_required(VIEW_PERM, migration.MIGRATE_PERM)
@require_http_methods(["GET", "POST"])
def migrate(request: HttpRequest, key: str) -> HttpResponse:
    """Choose from/to versions → dry-run table → confirm the instances to move."""
    versions = admin_selectors.definition_versions(key[:100])
    if not versions:
        raise Http404
    source = _version_param(request, "from", versions)
    target = _version_param(request, "to", versions)
    error = None
    plan = None
    if request.method == "POST":
        if source is None or target is None:
            error = _("Choose the version to move from and the version to move to.")
        else:
            try:
                result = migration.instances_migrate(
                    actor=request.user, definition_from=source, definition_to=target,
                    instance_ids=request.POST.getlist("instance"),
                )  # fmt: skip
            except ApplicationError as exc:
                error = exc.message
            else:
                if result.moved:
                    flash.success(request, _("%(count)d instances moved to version %(v)s.")
                                  % {"count": len(result.moved), "v": target.version})  # fmt: skip
                for pk, reason in result.refused:
                    flash.error(request, _("Instance %(id)s was not moved: %(reason)s")
                                % {"id": pk, "reason": reason})  # fmt: skip
                return redirect(f"{request.path}?from={source.pk}&to={target.pk}")
    if source is not None and target is not None:
        try:
            plan = migration.migration_plan(definition_from=source, definition_to=target)
        except ApplicationError as exc:
            error = exc.message
    elif request.method == "GET" and (request.GET.get("from") or request.GET.get("to")):
        error = _("Choose the version to move from and the version to move to.")
    return render(request, "workflow/admin/migrate.html", _common(
        request, key=key, versions=versions, source=source, target=target, plan=plan,
        movable=sum(1 for row in plan or [] if row.can_move), error=error,
    ), status=400 if error else 200)  # fmt: skip


# --------------------------------------------------------------------------- instance diagram


@staff_required()
@require_GET
def instance_diagram(request: HttpRequest, instance_id: int) -> JsonResponse:
    """The diagram of an instance with the path taken, for anyone who may see the instance."""
    try:
        instance = selectors.access_instance(request.user, instance_id)
    except NotFound as exc:
        return _json_error(exc)
    return JsonResponse(admin_selectors.instance_diagram(instance),
                        json_dumps_params={"ensure_ascii": False})  # fmt: skip
